import Foundation
import MLP
import Support
import Testing
@testable import TestSupport

/// Backpropagation against central finite differences of an independent Double forward pass,
/// for every activation.
struct GradientCheckTests {
    /// Mean cross-entropy of the network's parameters (read as Double) on `x`, computed in Double
    /// by a forward pass written here, independently of the MLP module.
    static func referenceLoss(_ net: MultilayerPerceptron, parameters p: [Double], x: [Double], labels: [UInt8], rows: Int) -> Double {
        var a = x
        var width = net.inputSize
        for (l, layer) in net.layers.enumerated() {
            var z = [Double](repeating: 0, count: rows * layer.outputs)
            for r in 0..<rows {
                for o in 0..<layer.outputs {
                    var sum = p[layer.biasOffset + o]
                    for i in 0..<layer.inputs { sum += a[r * width + i] * p[layer.weightOffset + o * layer.inputs + i] }
                    if l < net.layers.count - 1 {
                        switch net.activation {
                        case .relu: sum = max(sum, 0)
                        case .sigmoid: sum = 1 / (1 + exp(-sum))
                        case .tanh: sum = tanh(sum)
                        }
                    }
                    z[r * layer.outputs + o] = sum
                }
            }
            a = z
            width = layer.outputs
        }
        var loss = 0.0
        for r in 0..<rows {
            let row = a[(r * width)..<((r + 1) * width)]
            let m = row.max()!
            let logSum = log(row.map { exp($0 - m) }.reduce(0, +)) + m
            loss += logSum - row[row.startIndex + Int(labels[r])]
        }
        return loss / Double(rows)
    }

    @Test(arguments: Activation.allCases)
    func backpropagationMatchesFiniteDifferences(_ activation: Activation) {
        let rows = 4
        let net = MultilayerPerceptron(inputSize: 6, hiddenSizes: [5, 4], classCount: 3, activation: activation, batchCapacity: rows)
        var rng = Xoshiro256(seed: 7)
        net.initialize(activation == .relu ? .he : .xavier, rng: &rng)
        // Non-zero biases, so their gradients are exercised too.
        for layer in net.layers { for o in 0..<layer.outputs { net.parameters[layer.biasOffset + o] = Float(rng.nextUniform() * 0.2 - 0.1) } }
        let x = (0..<(rows * 6)).map { _ in Float(rng.nextUniform()) }
        let labels: [UInt8] = [0, 2, 1, 2]
        let cost = x.withUnsafeBufferPointer { xp in
            labels.withUnsafeBufferPointer { lp in net.lossAndGradient(input: xp.baseAddress!, labels: lp.baseAddress!, rows: rows) }
        }
        let parameters = net.parameters.array.map(Double.init)
        let xd = x.map(Double.init)
        #expect(abs(cost - Self.referenceLoss(net, parameters: parameters, x: xd, labels: labels, rows: rows)) < 1e-5)

        let h = 1e-5
        var worst = 0.0
        for k in 0..<net.parameterCount {
            var plus = parameters, minus = parameters
            plus[k] += h
            minus[k] -= h
            let numeric = (Self.referenceLoss(net, parameters: plus, x: xd, labels: labels, rows: rows)
                - Self.referenceLoss(net, parameters: minus, x: xd, labels: labels, rows: rows)) / (2 * h)
            let analytic = Double(net.gradients[k])
            let error = abs(numeric - analytic) / max(abs(numeric) + abs(analytic), 1e-4)
            worst = max(worst, error)
        }
        #expect(worst < 1e-3, "\(activation): worst relative error \(worst)")
    }

    @Test func softmaxCrossEntropyIsStableForHugeLogits() {
        // One layer, weights that produce logits of ±1e4: log-sum-exp must keep the cost finite.
        let net = MultilayerPerceptron(inputSize: 2, hiddenSizes: [], classCount: 2, activation: .relu, batchCapacity: 1)
        net.parameters[0] = 1e4; net.parameters[1] = 0; net.parameters[2] = -1e4; net.parameters[3] = 0
        let x: [Float] = [1, 0]
        let right = x.withUnsafeBufferPointer { xp in [UInt8(0)].withUnsafeBufferPointer { net.lossAndGradient(input: xp.baseAddress!, labels: $0.baseAddress!, rows: 1) } }
        #expect(right >= 0 && right < 1e-6)
        let wrong = x.withUnsafeBufferPointer { xp in [UInt8(1)].withUnsafeBufferPointer { net.lossAndGradient(input: xp.baseAddress!, labels: $0.baseAddress!, rows: 1) } }
        #expect(abs(wrong - 2e4) < 1)
        let finite = net.gradients.array.allSatisfy { $0.isFinite }
        #expect(finite)
    }

    @Test(arguments: Initialization.allCases)
    func initializationHasTheDocumentedSpread(_ scheme: Initialization) {
        let net = MultilayerPerceptron(inputSize: 784, hiddenSizes: [200], classCount: 10, activation: .relu, batchCapacity: 1)
        var rng = Xoshiro256(seed: 3)
        net.initialize(scheme, rng: &rng)
        let layer = net.layers[0]
        let w = (0..<(layer.inputs * layer.outputs)).map { Double(net.parameters[layer.weightOffset + $0]) }
        let mean = w.reduce(0, +) / Double(w.count)
        let variance = w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)
        let expected = scheme == .he ? 2.0 / 784 : 2.0 / Double(784 + 200)  // U(±a) has variance a²/3 = 2/(in+out)
        #expect(abs(mean) < 0.001)
        #expect(abs(variance / expected - 1) < 0.02, "variance \(variance), expected \(expected)")
        #expect((0..<layer.outputs).allSatisfy { net.parameters[layer.biasOffset + $0] == 0 })
    }
}

struct PixelBatchTests {
    /// The vector path's x·r_hi + x·r_lo equals Float(x)/255 (torchvision ToTensor) for every
    /// byte value, in both the SIMD body and the scalar tail (width 19 = 16 + 3).
    @Test func scalingIsExactlyDivisionBy255() {
        let width = 19
        let bytes: [UInt8] = (0..<(256 * width)).map { UInt8($0 % 256) }
        var out = [Float](repeating: -1, count: bytes.count)
        bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                PixelBatch.convert(pixels: b.baseAddress!, width: width, first: 0, rows: 256, into: o.baseAddress!)
            }
        }
        let mismatches = zip(bytes, out).filter { Float($0) / 255 != $1 }.count
        #expect(mismatches == 0)
    }

    /// Rows follow the indices; prefetching the next batch (shorter, longer or absent) is only a
    /// hint and changes nothing.
    @Test(arguments: [[], [1], [1, 2, 0, 1]] as [[Int32]])
    func gatherFollowsTheIndices(upcoming: [Int32]) {
        let bytes: [UInt8] = [0, 255, 51, 102, 204, 153]  // three images of width 2
        let order: [Int32] = [2, 0]
        var out = [Float](repeating: 0, count: 4)
        bytes.withUnsafeBufferPointer { b in
            order.withUnsafeBufferPointer { o in
                upcoming.withUnsafeBufferPointer { next in
                    out.withUnsafeMutableBufferPointer {
                        PixelBatch.gather(pixels: b.baseAddress!, width: 2, indices: o.baseAddress!, rows: 2,
                                          into: $0.baseAddress!, prefetching: next)
                    }
                }
            }
        }
        #expect(out == [204 / 255, 153 / 255, 0, 1] as [Float])
    }
}
