import IDXData
import MLP
import RunRecords
import Support
import Training

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
            // A usage error, as in `evaluate`: the file and the data are each fine, the request is not.
            throw UsageError(message: "\(modelPath): was trained on \(trainedOn.rawValue), not \(requested.rawValue); omit --dataset to use \(trainedOn.rawValue)")
        }
        let name = requested ?? trainedOn ?? .fashion
        let (test, _) = try ModelEvaluation.recognisedTestSet(name, from: dataDirectory ?? DataLocation.find(name),
                                                              claimant: requested == nil ? "model \(modelPath)" : nil)
        let network = loaded.network
        guard test.pixelsPerImage == network.inputSize else {
            throw FileProblem(path: modelPath, problem: "expects \(network.inputSize) inputs, the images have \(test.pixelsPerImage) pixels")
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
