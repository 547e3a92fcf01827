import ArgumentParser
import IDXData
import Training
import Reports
import RunRecords
import Support

struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Zero the smallest weights of a saved model (magnitude pruning) and report test cost and accuracy against sparsity.",
        usage: "zalando-train prune --model <file> --sparsity <s[,s2,…]> [<options>]",
        discussion: "Each sparsity s zeroes the fraction s of the weights with the smallest magnitude (biases are kept; "
            + "ties go to the earlier weight in the file), starting from the saved weights each time. "
            + "Example: zalando-train prune --model adam.safetensors --sparsity 0.5,0.8,0.9,0.95,0.98")

    @Option(help: ArgumentHelp("Model file written by train --save.", valueName: "file"), completion: .file())
    var model: String
    @Option(parsing: .unconditional, help: ArgumentHelp("Fractions of the weights to zero, each in [0, 1]; a comma list gives one row each (required).", valueName: "s[,s2,…]"))
    var sparsity: CommaList<Double>
    @Option(help: "Rank the weights of the whole network (global) or of each layer on its own (layer). (values: global, layer; default: global)",
            completion: .list(PruningScope.allCases.map(\.rawValue)), transform: choice)
    var scope: PruningScope = .global
    @Option(help: ArgumentHelp("Write the pruned model here (one sparsity only); its metadata records the pruning.", valueName: "file"), completion: .file())
    var output: String?
    @Option(help: "Data set to evaluate on (default: the one the model was trained on). (values: fashion, mnist)",
            completion: .list(DatasetName.allCases.map(\.rawValue)), transform: choice)
    var dataset: DatasetName?
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Folder with the IDX files (default data/DATASET).", valueName: "dir"),
            completion: .directory)
    var dataDirectory: String?

    func validate() throws {
        for s in sparsity.items where !(s.isFinite && s >= 0 && s <= 1) {
            throw ValidationError("--sparsity \(s): must be a fraction in [0, 1] (0.9 zeroes 90% of the weights)")
        }
        if let output {
            guard sparsity.items.count == 1 else {
                throw ValidationError("--output takes one sparsity; --sparsity \(sparsity.defaultValueDescription) gives \(sparsity.items.count)")
            }
            do {
                try OutputPath.check(output, flag: "--output", kind: .model, inputs: [model])
            } catch let problem as OutputPath.Problem {
                throw ValidationError(problem.description)
            }
        }
    }

    func run() throws {
        let report = try reportingErrors {
            try PruningReport.run(modelPath: model, sparsities: sparsity.items, scope: scope, dataset: dataset,
                                  dataDirectory: dataDirectory, outputPath: output)
        }
        print(report, terminator: "")
    }
}
