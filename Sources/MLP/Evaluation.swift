import Support
/// Cost, accuracy and confusion matrix of a network over a whole set, computed in blocks.
public struct Evaluation: Sendable {
    public let count: Int
    public let meanCost: Double
    public let correct: Int
    /// confusion[actual * classes + predicted]
    public let confusion: [Int]
    public let classCount: Int
    /// For each hidden layer, the fraction of its units that output zero for every example.
    public let deadFractions: [Double]

    public var accuracy: Double { count == 0 ? 0 : Double(correct) / Double(count) }

    /// Per-class accuracy (recall), NaN for a class with no examples.
    public var classAccuracies: [Double] {
        (0..<classCount).map { actual in
            let row = confusion[(actual * classCount)..<((actual + 1) * classCount)]
            let total = row.reduce(0, +)
            return total == 0 ? .nan : Double(row[row.startIndex + actual]) / Double(total)
        }
    }
}

/// Reused buffers for evaluation in blocks of `blockSize` rows.
public final class Evaluator: @unchecked Sendable {
    public let blockSize: Int
    private let input: FloatBuffer
    private var predictions: [UInt8]

    public init(inputSize: Int, blockSize: Int = 1000) {
        self.blockSize = blockSize
        input = FloatBuffer(count: blockSize * inputSize)
        predictions = [UInt8](repeating: 0, count: blockSize)
    }

    /// Evaluates `count` images (`pixels`, UInt8, `inputSize` each) against `labels`.
    public func evaluate(_ network: MultilayerPerceptron, pixels: UnsafePointer<UInt8>, labels: UnsafePointer<UInt8>,
                         count: Int, trackDeadUnits: Bool = false) -> Evaluation {
        let classes = network.classCount
        var confusion = [Int](repeating: 0, count: classes * classes)
        var peaks = [Float](repeating: 0, count: trackDeadUnits ? network.hiddenSizes.reduce(0, +) : 0)
        var costSum = 0.0
        var correct = 0
        let block = min(blockSize, network.batchCapacity)
        var start = 0
        while start < count {
            let rows = min(block, count - start)
            PixelBatch.convert(pixels: pixels, width: network.inputSize, first: start, rows: rows, into: input.pointer)
            costSum += predictions.withUnsafeMutableBufferPointer { predicted in
                peaks.withUnsafeMutableBufferPointer { peakOutputs in
                    network.evaluateBlock(input: input.pointer, labels: labels + start, rows: rows,
                                          predictions: predicted.baseAddress!,
                                          peakOutputs: trackDeadUnits ? peakOutputs.baseAddress : nil)
                }
            }
            for r in 0..<rows {
                let actual = Int(labels[start + r])
                let predicted = Int(predictions[r])
                confusion[actual * classes + predicted] += 1
                if actual == predicted { correct += 1 }
            }
            start += rows
        }
        var deadFractions: [Double] = []
        if trackDeadUnits {
            var offset = 0
            for width in network.hiddenSizes {
                let dead = peaks[offset..<(offset + width)].filter { $0 == 0 }.count
                deadFractions.append(Double(dead) / Double(width))
                offset += width
            }
        }
        return Evaluation(count: count, meanCost: count == 0 ? .nan : costSum / Double(count), correct: correct,
                          confusion: confusion, classCount: classes, deadFractions: deadFractions)
    }
}

extension Evaluation {
    /// The summary a run log row needs (count, correct, mean cost), e.g. read back from a
    /// checkpoint; no confusion matrix or dead-unit fractions.
    public init(count: Int, correct: Int, meanCost: Double) {
        self.init(count: count, meanCost: meanCost, correct: correct, confusion: [], classCount: 0, deadFractions: [])
    }
}
