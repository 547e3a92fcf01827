import ArgumentParser
import IDXData
import Training

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a saved model and report cost, accuracy, per-class accuracy and the confusion matrix on a test set.")

    @Option(help: ArgumentHelp("Model file written by train --save.", valueName: "file"))
    var model: String
    @Option(help: "Data set to evaluate on (default: the one the model was trained on).", transform: choice)
    var dataset: DatasetName?
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Folder with the IDX files (default data/DATASET).", valueName: "dir"))
    var dataDirectory: String?

    func run() throws {
        let report = try reportingErrors {
            do {
                return try ModelEvaluation.run(modelPath: model, dataset: dataset, dataDirectory: dataDirectory)
            } catch let error as EvaluationRequestError {
                throw fail(error.message, code: 64)
            }
        }
        print(report, terminator: "")
    }
}
