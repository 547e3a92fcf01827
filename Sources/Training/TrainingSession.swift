import Foundation
import IDXData
import MLP

public enum TrainingOutcome: Equatable {
    case finished
    /// The cost became NaN or infinite: the message for the user (exit status 3).
    case diverged(String)
    /// SIGINT or SIGTERM: the exit status (130 or 143).
    case interrupted(Int32)
}

/// A whole `train` run: load the data, train epoch by epoch, print each epoch's line, append
/// the CSV row, warn about collapse, save the model. Output files are checked before training
/// starts, so a bad path fails in a second, not after an hour.
public final class TrainingSession {
    public let configuration: TrainingConfiguration
    public let trainer: Trainer
    public let loadSeconds: Double
    /// The run's canonical flags, run_id and default name, from the images actually loaded.
    public let identity: RunIdentity
    /// `--run-name`, or the readable default.
    public var runName: String { configuration.runName ?? identity.defaultName }
    private let runLog: RunLog?
    private let savePath: String?
    private let tensorBoardDirectory: String?
    /// Also report each epoch's training and evaluation seconds on stderr (for `make bench`).
    public var reportTiming = false

    public init(configuration: TrainingConfiguration, dataDirectory: String, csvPath: String?, savePath: String?,
                tensorBoardDirectory: String? = nil) throws {
        self.configuration = configuration
        try TrainingSession.checkOutputs(csvPath: csvPath, savePath: savePath, dataDirectory: dataDirectory)
        if let tensorBoardDirectory { try TensorBoardLog.checkDirectory(tensorBoardDirectory) }
        self.tensorBoardDirectory = tensorBoardDirectory
        let loadStart = monotonicSeconds()
        let dataset = try Dataset.load(configuration.dataset, from: dataDirectory)
        loadSeconds = monotonicSeconds() - loadStart
        trainer = try Trainer(configuration: configuration, dataset: dataset)
        identity = RunIdentity(configuration: configuration, iterationsPerEpoch: trainer.iterationsPerEpoch)
        runLog = try csvPath.map { try RunLog(path: $0) }
        self.savePath = savePath
    }

    public func run() throws -> TrainingOutcome {
        let c = configuration
        let network = trainer.network
        writeToStandardOutput("""
            \(c.dataset.displayName): \(trainer.trainSet.count) training\(trainer.validationSet.map { ", \($0.count) validation" } ?? ""), \
            \(trainer.testSet.count) test images (loaded in \(formatFixed(loadSeconds, digits: 2))s)
            model \(network.widthsDescription) \(c.activation.rawValue), \(network.parameterCount) parameters
            \(c.optimizer.kind.rawValue) lr \(formatCompact(c.learningRate)), schedule \(c.schedule.kind.rawValue); batch \(min(c.batchSize, trainer.trainSet.count)), \(trainer.iterationsPerEpoch) updates per epoch

            """)
        // Created once every flag is checked and the data is loaded, so a refused run leaves no file.
        let tensorBoard = try tensorBoardDirectory.map {
            try TensorBoardLog(directory: $0, runFolder: TensorBoardLog.runFolderName(run: runName, runID: identity.runID))
        }
        Interruption.install()
        trainer.shouldStop = { Interruption.signal != 0 }
        let progress = ProgressBar(epochs: c.epochs)
        var lastResult: EpochResult?
        for epoch in 1...c.epochs {
            let result: EpochResult?
            do {
                result = try trainer.trainEpoch(epoch) { [trainer] done, total in
                    progress.update(epoch: epoch, done: done, total: total, meanCost: trainer.epochMeanCost)
                }
            } catch let error as TrainingError {
                progress.clear()
                if case .diverged = error {
                    return .diverged("\(error)" + (keptEpochs(before: epoch).map { " (\($0))" } ?? ""))
                }
                throw error
            }
            progress.clear()
            guard let result else {
                let signal = Interruption.signal
                let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
                var message = "interrupted by \(name) in epoch \(epoch) after iteration \(trainer.update.updatesMade)"
                if let kept = keptEpochs(before: epoch) { message += "; " + kept }
                if let savePath {
                    try save(to: savePath, last: lastResult)
                    message += "; model saved to \(savePath)"
                }
                writeToStandardError(message + "\n")
                return .interrupted(128 + signal)
            }
            writeToStandardOutput(EpochReport.line(result) + "\n")
            if reportTiming {
                writeToStandardError("timing epoch=\(result.epoch) train=\(formatFixed(result.trainingSeconds, digits: 4)) "
                    + "eval=\(formatFixed(result.seconds - result.trainingSeconds, digits: 4)) load=\(formatFixed(loadSeconds, digits: 4))\n")
            }
            do {
                try runLog?.append(RunLog.row(configuration: c, identity: identity, name: runName, result: result))
            } catch {
                // Disk full or a file size limit: the row was rolled back; keep the model if we can.
                var message = "\(error); the run stopped in epoch \(epoch), whose row is not in the log"
                if let savePath {
                    do { try save(to: savePath, last: result); message += "; model saved to \(savePath)" } catch { message += "; model not saved: \(error)" }
                }
                throw RunStopped(message: message)
            }
            try tensorBoard?.append(result)
            if let warning = Trainer.collapseWarning(result, learningRate: c.learningRate, optimizer: c.optimizer) {
                writeToStandardError(warning + "\n")
            }
            lastResult = result
        }
        if let savePath {
            try save(to: savePath, last: lastResult)
            writeToStandardOutput("model saved to \(savePath)\n")
        }
        if reportTiming {
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            writeToStandardError("timing peak_rss_kb=\(usage.ru_maxrss) updates_per_epoch=\(trainer.iterationsPerEpoch)\n")
        }
        return .finished
    }

    /// "runs.csv keeps the 3 finished epochs" when a run stops early in `epoch`; nil without --csv.
    private func keptEpochs(before epoch: Int) -> String? {
        runLog.map { "\($0.path) keeps the \(epoch - 1) finished epoch\(epoch == 2 ? "" : "s")" }
    }

    private func save(to path: String, last: EpochResult?) throws {
        let c = configuration
        var metadata = [
            "dataset": c.dataset.rawValue, "optimizer": c.optimizer.kind.rawValue, "lr0": formatCompact(c.learningRate),
            "schedule": c.schedule.kind.rawValue, "batch_size": String(c.batchSize), "seed": String(c.seed),
            "run": runName, "epochs": String(c.epochs), "init": c.initialization.rawValue,
            "flags": identity.flags, "run_id": identity.runID,
        ]
        if let last {
            metadata["epochs_completed"] = String(last.epoch)
            metadata["test_accuracy"] = "\(last.test.accuracy)"
            metadata["test_cost"] = "\(last.test.meanCost)"
        }
        try ModelFile.save(trainer.network, metadata: metadata, to: path)
    }

    /// Checks --csv and --save before any work (OutputPath: exit 64): neither may be a data file
    /// or the other, and each must be a new file or one of its own kind.
    public static func checkOutputs(csvPath: String?, savePath: String?, dataDirectory: String) throws {
        let stems = Dataset.fileStems
        let base = dataDirectory.hasSuffix("/") ? dataDirectory : dataDirectory + "/"
        let dataFiles = [stems.trainImages, stems.trainLabels, stems.testImages, stems.testLabels].flatMap { [base + $0 + ".gz", base + $0] }
        if let csvPath { try OutputPath.check(csvPath, flag: "--csv", kind: .runLog, inputs: dataFiles + [savePath].compactMap { $0 }) }
        if let savePath { try OutputPath.check(savePath, flag: "--save", kind: .model, inputs: dataFiles + [csvPath].compactMap { $0 }) }
    }
}

/// A run stopped by a failure after training started (the run log could not be written).
public struct RunStopped: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// SIGINT and SIGTERM set a flag; training stops after the current update.
public enum Interruption {
    nonisolated(unsafe) public static var signal: Int32 = 0

    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { received in Interruption.signal = received }
        Glibc.signal(SIGINT, handler)
        Glibc.signal(SIGTERM, handler)
        // A parent may start us with these signals blocked (some test runners and process
        // libraries do); unblock them so Ctrl-C and `kill` always reach the handler.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }
}
