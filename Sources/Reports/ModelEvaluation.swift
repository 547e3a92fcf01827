import IDXData
import MLP
import Support
import Training
import RunRecords

/// `evaluate`: a saved model on a data set's test images — cost, accuracy, per-class accuracy
/// with class names, and the confusion matrix.
public enum ModelEvaluation {
    public static func run(modelPath: String, dataset requested: DatasetName?, dataDirectory: String?) throws -> String {
        let loaded = try ModelFile.load(path: modelPath)
        let recorded = loaded.metadata["dataset"]
        let trainedOn = recorded.flatMap(DatasetName.init(rawValue:))
        if let recorded, trainedOn == nil {
            throw FileProblem(path: modelPath, problem: "was trained on \"\(recorded)\", not a data set this tool knows (fashion, mnist)")
        }
        // An MNIST model scored on Fashion-MNIST (7.74%, exit 0) is a meaningless number: refuse
        // the combination. Exit 64: the file and the data are each fine, the request is not.
        if let requested, let trainedOn, requested != trainedOn {
            throw UsageError(message: "--dataset \(requested.rawValue): \(modelPath) was trained on \(trainedOn.rawValue) "
                + "(its metadata says so); evaluate it on \(trainedOn.rawValue), or leave --dataset out")
        }
        guard loaded.network.classCount == 10 else {
            throw FileProblem(path: modelPath, problem: "has \(loaded.network.classCount) classes, the data sets have 10")
        }
        let name = requested ?? trainedOn ?? .fashion
        let (test, verdict) = try ModelEvaluation.recognisedTestSet(name, from: dataDirectory ?? DataLocation.find(name),
                                                                    claimant: requested == nil ? "model \(modelPath)" : nil)
        let network = loaded.network
        guard test.pixelsPerImage == network.inputSize else {
            throw FileProblem(path: modelPath, problem: "expects \(network.inputSize) inputs, the images have \(test.pixelsPerImage) pixels")
        }
        let result = Evaluator(inputSize: network.inputSize).evaluate(network, on: test)
        var out = "model     \(escapedForTerminal(modelPath)) (\(network.widthsDescription) \(network.activation.rawValue)"
        out += trainedOn.map { ", trained on \($0.rawValue)" } ?? ""
        out += ")\n"
        out += "data      \(name.displayName) test set, \(test.count) images"
        out += verdict == .published ? "\n" : " (not the published files: \(DatasetRecognition.markedName(name)))\n"
        out += "cost      \(formatFixed(result.meanCost, digits: 4))\n"
        out += "accuracy  \(formatFixed(result.accuracy * 100, digits: 2))%  (\(result.correct)/\(result.count))\n\n"
        out += "per class\n"
        let names = name.classNames
        for (k, accuracy) in result.classAccuracies.enumerated() {
            out += "  \(String(k).leftPadded(to: 2, with: " "))  \(names[k].rightPadded(to: 12))  \(formatFixed(accuracy * 100, digits: 2))%\n"
        }
        out += "\nconfusion matrix (rows: actual class, columns: predicted class)\n"
        let cell = 6
        out += "    " + (0..<10).map { String($0).leftPadded(to: cell, with: " ") }.joined() + "\n"
        for actual in 0..<10 {
            out += String(actual).leftPadded(to: 4, with: " ")
            out += (0..<10).map { String(result.confusion[actual * 10 + $0]).leftPadded(to: cell, with: " ") }.joined()
            out += "  \(names[actual])\n"
        }
        out += "\n" + Pruning.zeroWeightsReport(network)
        return out
    }
}

extension ModelEvaluation {
    /// The test set, refused when it is the other data set's (`claimant`: who says it is
    /// `name`, nil for --dataset).
    static func recognisedTestSet(_ name: DatasetName, from directory: String, claimant: String?) throws -> (LabeledImages, DatasetRecognition.Verdict) {
        do {
            return try DatasetRecognition.loadTestSet(name, from: directory)
        } catch var mismatch as DatasetRecognition.Mismatch {
            mismatch.claimant = claimant
            throw mismatch
        }
    }
}

