import ArgumentParser
import IDXData
import Training
import Reports
import RunRecords
import Support

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a saved model and report cost, accuracy, per-class accuracy, the confusion matrix and the share of zero weights per layer on a test set.",
        usage: "zalando-train evaluate <model> [--dataset <dataset>] [--data-dir <dir>]")

    // The model as a positional argument, like compare's files; --model also works.
    @Argument(help: ArgumentHelp("Model file written by train --save.", valueName: "model"), completion: .file())
    var modelFile: String?
    @Option(help: ArgumentHelp("The model file, as an option.", valueName: "file"), completion: .file())
    var model: String?
    @Option(help: "Data set to evaluate on (default: the one the model was trained on).")
    var dataset: DatasetName?
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Folder with the IDX files (default data/DATASET).", valueName: "dir"),
            completion: .directory)
    var dataDirectory: String?

    func validate() throws {
        switch (modelFile, model) {
        case (nil, nil): throw ValidationError("evaluate needs a model file: zalando-train evaluate MODEL (written by train --save)")
        case (let a?, let b?) where a != b: throw ValidationError("two model files (\(a) and --model \(b)); give one")
        default: break
        }
    }

    func run() throws {
        let path = modelFile ?? model!
        let report = try reportingErrors {
            try ModelEvaluation.run(modelPath: path, dataset: dataset, dataDirectory: dataDirectory)
        }
        print(report, terminator: "")
    }
}
