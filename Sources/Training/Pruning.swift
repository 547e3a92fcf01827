import IDXData
import MLP

/// Where magnitude pruning ranks the weights: across the whole network, or within each layer.
public enum PruningScope: String, CaseIterable, Sendable {
    case global, layer
}

/// Magnitude pruning (Géron, "Sparse models"; Han et al. 2015): set the fraction s of the
/// weights with the smallest |w| to exactly zero; biases are kept. In `global` scope the
/// ⌊s·N + ½⌋ smallest of all N weights go, in `layer` scope the ⌊s·Nₗ + ½⌋ smallest of each
/// layer's Nₗ. Ties in |w| are broken by position in the file (the lower flat index is
/// pruned first), so the result is deterministic; weights that are already zero rank first.
public enum Pruning {
    /// How many of `count` weights sparsity `s` zeroes (s·count rounded half up).
    public static func prunedCount(sparsity s: Double, of count: Int) -> Int {
        min(count, max(0, Int((s * Double(count) + 0.5).rounded(.down))))
    }

    /// Zeroes the smallest weights of `network` in place.
    public static func prune(_ network: MultilayerPerceptron, sparsity s: Double, scope: PruningScope) {
        precondition(s >= 0 && s <= 1, "sparsity must be in [0, 1]")
        let p = network.parameters.pointer
        // Flat indices of every weight (biases excluded), grouped as the scope ranks them.
        let groups: [[Int]]
        switch scope {
        case .global: groups = [network.layers.flatMap { $0.weightOffset..<$0.biasOffset }]
        case .layer: groups = network.layers.map { Array($0.weightOffset..<$0.biasOffset) }
        }
        for group in groups {
            let k = prunedCount(sparsity: s, of: group.count)
            guard k > 0 else { continue }
            let ranked = group.sorted { a, b in
                let ma = abs(p[a]), mb = abs(p[b])
                return ma != mb ? ma < mb : a < b
            }
            for index in ranked.prefix(k) { p[index] = 0 }
        }
    }

    /// Exactly-zero weights (+0 or −0) per layer and in total, biases excluded.
    public struct ZeroCounts: Sendable, Equatable {
        /// (zero weights, weights) of each layer, input side first.
        public let layers: [(zeros: Int, weights: Int)]
        public var zeros: Int { layers.reduce(0) { $0 + $1.zeros } }
        public var weights: Int { layers.reduce(0) { $0 + $1.weights } }
        public var share: Double { weights == 0 ? 0 : Double(zeros) / Double(weights) }
        public func share(ofLayer l: Int) -> Double { layers[l].weights == 0 ? 0 : Double(layers[l].zeros) / Double(layers[l].weights) }

        public static func == (a: ZeroCounts, b: ZeroCounts) -> Bool {
            a.layers.map(\.zeros) == b.layers.map(\.zeros) && a.layers.map(\.weights) == b.layers.map(\.weights)
        }
    }

    public static func zeroCounts(_ network: MultilayerPerceptron) -> ZeroCounts {
        let p = network.parameters.pointer
        return ZeroCounts(layers: network.layers.map { layer in
            var zeros = 0
            for i in layer.weightOffset..<layer.biasOffset where p[i] == 0 { zeros += 1 }
            return (zeros, layer.inputs * layer.outputs)
        })
    }

    /// Layer names for reports: "784→20", "20→20", …
    public static func layerNames(_ network: MultilayerPerceptron) -> [String] {
        network.layers.map { "\($0.inputs)→\($0.outputs)" }
    }

    /// `evaluate`'s lines: the share of exactly-zero weights per layer and overall.
    public static func zeroWeightsReport(_ network: MultilayerPerceptron) -> String {
        let counts = zeroCounts(network)
        var out = "zero weights (biases excluded)\n"
        for (l, name) in layerNames(network).enumerated() {
            out += "  layer \(l + 1)  \(name.rightPadded(to: 9))  \(formatFixed(counts.share(ofLayer: l) * 100, digits: 2).leftPadded(to: 6, with: " "))%"
            out += "  (\(counts.layers[l].zeros)/\(counts.layers[l].weights))\n"
        }
        out += "  overall             \(formatFixed(counts.share * 100, digits: 2).leftPadded(to: 6, with: " "))%  (\(counts.zeros)/\(counts.weights))\n"
        return out
    }
}

/// `prune`: a saved model, pruned at each sparsity and evaluated on a test set; optionally
/// the pruned model written as a model file whose metadata records the pruning.
public enum PruningReport {
    public struct Row: Sendable {
        public let sparsity: Double
        public let zeros: Pruning.ZeroCounts
        public let evaluation: Evaluation
    }

    /// Prunes a copy of the model at every sparsity (each from the original weights) and
    /// evaluates it; writes the last pruned model to `outputPath` when given. Returns the table.
    public static func run(modelPath: String, sparsities: [Double], scope: PruningScope, dataset requested: DatasetName?,
                           dataDirectory: String?, outputPath: String?) throws -> String {
        let loaded = try ModelFile.load(path: modelPath)
        let trainedOn = loaded.metadata["dataset"].flatMap(DatasetName.init(rawValue:))
        if let requested, let trainedOn, requested != trainedOn {
            throw ModelFileError(path: modelPath, problem: "was trained on \(trainedOn.rawValue), not \(requested.rawValue); omit --dataset to use \(trainedOn.rawValue)")
        }
        let name = requested ?? trainedOn ?? .fashion
        let (test, _) = try ModelEvaluation.recognisedTestSet(name, from: dataDirectory ?? DataLocation.find(name),
                                                              claimant: requested == nil ? "model \(modelPath)" : nil)
        let network = loaded.network
        guard test.pixelsPerImage == network.inputSize else {
            throw ModelFileError(path: modelPath, problem: "expects \(network.inputSize) inputs, the images have \(test.pixelsPerImage) pixels")
        }
        let original = network.parameters.array
        let evaluator = Evaluator(inputSize: network.inputSize)
        var rows: [Row] = []
        for s in sparsities {
            _ = network.parameters.buffer.update(fromContentsOf: original)
            Pruning.prune(network, sparsity: s, scope: scope)
            rows.append(Row(sparsity: s, zeros: Pruning.zeroCounts(network), evaluation: evaluator.evaluate(network, on: test)))
        }
        var out = "model     \(modelPath) (\(network.widthsDescription) \(network.activation.rawValue)"
        out += trainedOn.map { ", trained on \($0.rawValue)" } ?? ""
        out += ")\n"
        out += "data      \(name.displayName) test set, \(test.count) images\n"
        out += "pruning   the smallest |w| \(scope == .global ? "of the whole network" : "of each layer"), biases kept\n\n"
        out += table(rows, layerNames: Pruning.layerNames(network))
        if let outputPath, let last = rows.last {
            var metadata = loaded.metadata
            // Metrics of the unpruned weights no longer describe the file's weights.
            for key in metadata.keys where key.hasSuffix("_accuracy") || key.hasSuffix("_cost") { metadata[key] = nil }
            metadata["test_accuracy"] = "\(last.evaluation.accuracy)"
            metadata["test_cost"] = "\(last.evaluation.meanCost)"
            metadata["pruned_sparsity"] = formatCompact(last.sparsity)
            metadata["pruned_scope"] = scope.rawValue
            metadata["pruned_zero_weights"] = "\(last.zeros.zeros)/\(last.zeros.weights)"
            metadata["pruned_from"] = modelPath
            try ModelFile.save(network, metadata: metadata, to: outputPath)
            out += "\npruned model saved to \(outputPath)\n"
        }
        return out
    }

    /// One row per sparsity: requested s, the share of zero weights overall and per layer,
    /// test cost and accuracy.
    static func table(_ rows: [Row], layerNames: [String]) -> String {
        let width = max(9, (layerNames.map(\.count).max() ?? 0) + 2)
        var out = "sparsity" + "  overall" + layerNames.map { $0.leftPadded(to: width, with: " ") }.joined()
        out += "    cost  accuracy\n"
        for row in rows {
            out += (formatFixed(row.sparsity * 100, digits: 1) + "%").leftPadded(to: 8, with: " ")
            out += (formatFixed(row.zeros.share * 100, digits: 2) + "%").leftPadded(to: 9, with: " ")
            for l in layerNames.indices {
                out += (formatFixed(row.zeros.share(ofLayer: l) * 100, digits: 2) + "%").leftPadded(to: width, with: " ")
            }
            out += formatFixed(row.evaluation.meanCost, digits: 4).leftPadded(to: 8, with: " ")
            out += (formatFixed(row.evaluation.accuracy * 100, digits: 2) + "%").leftPadded(to: 10, with: " ")
            out += "\n"
        }
        return out
    }
}
