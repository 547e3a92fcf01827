import Foundation
import IDXData
import MLP
import Support
import Training

public enum TrainingOutcome: Equatable {
    case finished
    /// The cost became NaN or infinite: the message for the user (exit status 3).
    case diverged(String)
    /// SIGINT, SIGTERM or SIGHUP: the exit status (130, 143 or 129).
    case interrupted(ExitStatus)
}

/// What a run tells its caller as it goes, in order. The session prints nothing: the executable
/// turns these into the text a run prints (Reports' `RunConsole`).
public enum TrainingEvent {
    /// Data loaded, model built, about to train: the lines that open a run.
    case started
    /// Continuing from a checkpoint (after `.started`).
    case resuming(Checkpoint)
    /// `--early-stop` is on.
    case earlyStoppingOn(EarlyStopping)
    /// No epoch left: the run stopped early at this epoch, or (nil) the checkpoint finished them all.
    case nothingToTrain(stoppedEarlyAt: Int?)
    /// The epoch's updates ended (finished, interrupted or diverged).
    case progressEnded
    /// An epoch measured; `stopReason` when early stopping ends the run with it.
    case epochFinished(EpochResult, stopReason: String?)
    /// A failure after training started stopped the run: the whole message (stderr).
    case interrupted(message: String)
    /// Hidden layers died: the warning, once per collapse (stderr).
    case warning(String)
    /// `--restore-best` put back the best epoch's weights, measured on the test set.
    case restoredBest(epoch: Int, monitor: String, best: Double, test: Evaluation)
    /// The model file was written.
    case saved(path: String)
    /// Resuming wrote the row of the checkpoint's epoch, which the interruption lost.
    case wroteLostRow(path: String, epoch: Int)
    /// With `reportTiming`: an epoch's seconds; a checkpoint hand-over; the run's end.
    case epochTiming(EpochResult)
    case checkpointTiming(seconds: Double, previousWriteSeconds: Double, bytes: Int)
    case finishedTiming
}

/// A whole `train` run: load the data, train epoch by epoch, report each epoch, append
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
    /// `--checkpoint FILE`: the whole training state, after every epoch and on interruption.
    public var checkpointPath: String?
    /// `--restore-best`: --save writes the weights of early stopping's best epoch.
    public var restoreBest = false
    /// `--hparams`: the flags TensorBoard's HParams plugin records (default: every flag but --seed and --epochs).
    public var hparamNames: [String]?
    /// `--tensorboard-run`: the run's folder under --tensorboard (default: its name, a dash and its run_id).
    public var tensorBoardRunFolder: String?
    /// `--early-stop`, if given.
    public private(set) lazy var earlyStopping: EarlyStopping? = configuration.earlyStopPatience.map {
        EarlyStopping(patience: $0, minDelta: configuration.minDelta, monitorsValidation: trainer.validationSet != nil,
                      parameterCount: trainer.network.parameterCount)
    }
    /// Set by `resume(from:)`: the checkpoint and the last epoch it finished.
    private var resumed: (checkpoint: Checkpoint, last: EpochResult?)?
    /// Epochs of this run the run log already holds (from `resume(from:)`): never logged twice.
    private var loggedEpochs: Set<Int> = []
    private let checkpointWriter = CheckpointWriter()
    /// Told of everything the run has to say (the executable prints it).
    public var onEvent: (TrainingEvent) -> Void = { _ in }
    /// Told during an epoch, as often as the trainer reports: the epoch, `done` of `total` updates,
    /// the epoch's mean cost so far (a plain call, not an event: it must not allocate per update).
    public var onProgress: (_ epoch: Int, _ done: Int, _ total: Int, _ meanCost: Double) -> Void = { _, _, _, _ in }
    /// Said when training starts on files that are not the published data set.
    private var dataWarning: String?

    public init(configuration: TrainingConfiguration, dataDirectory: String, csvPath: String?, savePath: String?,
                tensorBoardDirectory: String? = nil) throws {
        self.configuration = configuration
        try TrainingSession.checkOutputs(csvPath: csvPath, savePath: savePath, dataDirectory: dataDirectory)
        if let tensorBoardDirectory { try TensorBoardLog.checkDirectory(tensorBoardDirectory) }
        self.tensorBoardDirectory = tensorBoardDirectory
        let loadStart = monotonicSeconds()
        // MNIST files given as fashion (or the reverse) are refused here, before training.
        let (dataset, verdict) = try DatasetRecognition.load(configuration.dataset, from: dataDirectory)
        loadSeconds = monotonicSeconds() - loadStart
        trainer = try Trainer(configuration: configuration, dataset: dataset)
        var identity = RunIdentity(configuration: configuration, iterationsPerEpoch: trainer.iterationsPerEpoch)
        if case .unrecognised(let files) = verdict {
            identity.dataset = DatasetRecognition.markedName(configuration.dataset)
            dataWarning = DatasetRecognition.warning(files, dataset: configuration.dataset, directory: dataDirectory)
        }
        self.identity = identity
        runLog = try csvPath.map { try RunLog(path: $0) }
        self.savePath = savePath
    }

    public func run() throws -> TrainingOutcome {
        try refuseRunAlreadyLogged()
        let c = configuration
        let network = trainer.network
        Interruption.install()
        onEvent(.started)
        if let dataWarning { onEvent(.warning("zalando-train: warning: \(dataWarning)")) }
        if let resumed { onEvent(.resuming(resumed.checkpoint)) }
        if let earlyStopping { onEvent(.earlyStoppingOn(earlyStopping)) }
        // Created once every flag is checked and the data is loaded, so a refused run leaves no file.
        let tensorBoard = try tensorBoardDirectory.map {
            try TensorBoardLog(directory: $0, runFolder: tensorBoardRunFolder ?? TensorBoardLog.runFolderName(run: runName, runID: identity.runID))
        }
        // The HParams session ends finished (success) or diverged (failure); a run stopped by a
        // signal or an error writes no end, so its resumed end is the one TensorBoard reads.
        try tensorBoard?.startSession(hparams: identity.hparams(named: hparamNames), groupName: identity.configurationID)
        // Whatever ends the run, the checkpoint being written lands first.
        defer { checkpointWriter.wait() }
        trainer.shouldStop = { Interruption.pending }
        var lastResult = resumed?.last
        var reportedDeadLayers: [Int] = []
        let firstEpoch = (resumed?.checkpoint.epoch ?? 0) + 1
        if let stopped = earlyStopping?.stoppedEpoch {
            onEvent(.nothingToTrain(stoppedEarlyAt: stopped))
        } else if firstEpoch > c.epochs {
            onEvent(.nothingToTrain(stoppedEarlyAt: nil))
        }
        for epoch in stride(from: firstEpoch, through: c.epochs, by: 1) where earlyStopping?.stoppedEpoch == nil {
            let result: EpochResult?
            do {
                // A signal that came during the last epoch's evaluation stops before any update.
                result = Interruption.pending ? nil
                    : try trainer.trainEpoch(epoch) { [trainer, onProgress] done, total in
                        onProgress(epoch, done, total, trainer.epochMeanCost)
                    }
            } catch let error as TrainingError {
                onEvent(.progressEnded)
                if case .diverged = error {
                    try tensorBoard?.endSession(status: .failure)
                    return .diverged("\(error)" + (keptEpochs(before: epoch).map { " (\($0))" } ?? ""))
                }
                throw error
            }
            onEvent(.progressEnded)
            guard let result else {
                let signal = Interruption.signal
                var message = "interrupted by \(Interruption.name(of: signal)) in epoch \(epoch) after iteration \(trainer.update.updatesMade)"
                if let kept = keptEpochs(before: epoch) { message += "; " + kept }
                var checkpointFailure: Error?
                if let checkpointPath {
                    writeCheckpoint(to: checkpointPath, epoch: epoch - 1, last: lastResult)
                    checkpointFailure = checkpointWriter.wait()
                    if checkpointFailure == nil { message += "; checkpoint saved to \(checkpointPath)" }
                }
                if let savePath {
                    try Interruption.deferSignals { try save(to: savePath, last: lastResult) }
                    message += "; model saved to \(savePath)"
                }
                // The model is saved before the failed checkpoint is reported (one line, exit 1).
                if let checkpointFailure { throw RunStopped(message: "\(checkpointFailure); " + message) }
                onEvent(.interrupted(message: message))
                return .interrupted(.interrupted(by: signal))
            }
            let stop = earlyStopping?.observe(cost: result.validation?.meanCost ?? result.train.meanCost, epoch: epoch,
                                              parameters: network.parameters) ?? false
            onEvent(.epochFinished(result, stopReason: stop ? earlyStopping!.reason : nil))
            if reportTiming { onEvent(.epochTiming(result)) }
            // The checkpoint is written while the next epoch trains, so a kill may leave the
            // row of an epoch whose checkpoint never landed, or (killed before the row) a
            // checkpoint whose row is missing: resuming writes a missing row from the checkpoint
            // and skips the rows the log already holds (see resume(from:)). Each epoch once.
            // A checkpoint write that failed in the background is only reported below, once the
            // epoch's row and the model are written: a full disk must not cost those.
            if let checkpointPath { writeCheckpoint(to: checkpointPath, epoch: epoch, last: result) }
            if !loggedEpochs.contains(epoch) {
                do {
                    try runLog?.append(RunLog.row(configuration: c, identity: identity, name: runName, result: result))
                } catch {
                    // Disk full or a file size limit: the row was rolled back; keep the model if we can.
                    throw stopped(by: error, in: epoch, result: result, rowKept: false)
                }
                do { try tensorBoard?.append(result) } catch { throw stopped(by: error, in: epoch, result: result, rowKept: true) }
            }
            if let failure = checkpointWriter.failure { throw stopped(by: failure, in: epoch, result: result, rowKept: true) }
            if loggedEpochs.contains(epoch) { lastResult = result; if stop { break }; continue }
            // Once per collapse: again only when the set of dead layers changes (a collapsed
            // network stays so, and the same line every epoch buried the epoch lines).
            let deadLayers = result.train.deadFractions.indices.filter { result.train.deadFractions[$0] >= 0.5 }
            if deadLayers != reportedDeadLayers, let warning = Trainer.collapseWarning(result, learningRate: c.learningRate, optimizer: c.optimizer) {
                onEvent(.warning(warning + " (said once; again if other layers die)"))
            }
            reportedDeadLayers = deadLayers
            lastResult = result
            if stop { break }
        }
        let lastCheckpointFailure = checkpointWriter.wait()
        if let savePath {
            var restored: [String: String] = [:]
            if restoreBest, let earlyStopping, earlyStopping.bestEpoch > 0 {
                earlyStopping.restoreBest(into: network.parameters)
                let test = trainer.evaluate(trainer.testSet)
                restored = ["restored_epoch": String(earlyStopping.bestEpoch), "test_accuracy": "\(test.accuracy)", "test_cost": "\(test.meanCost)"]
                onEvent(.restoredBest(epoch: earlyStopping.bestEpoch, monitor: earlyStopping.monitor, best: earlyStopping.best, test: test))
            }
            try Interruption.deferSignals { try save(to: savePath, last: lastResult, overriding: restored) }
            onEvent(.saved(path: savePath))
        }
        // The last epoch's checkpoint failed: reported after its row and the model are written.
        if let lastCheckpointFailure {
            let epoch = lastResult?.epoch ?? 0
            throw RunStopped(message: "\(lastCheckpointFailure); the run finished epoch \(epoch), whose row is in the log"
                + (savePath.map { "; model saved to \($0)" } ?? ""))
        }
        try tensorBoard?.endSession(status: .success)
        if reportTiming { onEvent(.finishedTiming) }
        return .finished
    }

    /// One run, one record (DESIGN.md "train"): a new run (not `--resume`) whose run_id the
    /// --csv already holds is refused before training (exit 64), so a log never holds the same
    /// run twice; the message says how to continue it instead or keep both.
    private func refuseRunAlreadyLogged() throws {
        if let runLog, try !runLog.claimRun(identity.runID) {
            throw UsageError(message: "\(runLog.path): another process is training this run (run_id \(identity.runID)) into this log "
                + "right now; two copies would log every epoch twice — wait for it to end, or give another --csv")
        }
        guard resumed == nil, let runLog else { return }
        guard let logged = try RunLogReader.runs(withID: identity.runID, in: runLog.path).last else { return }
        let epochs = logged.epochs.last?.epoch ?? 0
        throw UsageError(message: "\(runLog.path) already holds this run (run_id \(identity.runID), \"\(escapedForTerminal(logged.loggedName))\", "
            + "\(epochs) epoch\(epochs == 1 ? "" : "s")): continue it with --resume CHECKPOINT (the file its --checkpoint wrote), "
            + "or give another --csv to keep both")
    }

    /// A write that failed after training started (the run log, a checkpoint, TensorBoard) stops
    /// the run, but only after what can still be kept is written: --save (and the epoch's row,
    /// written before unless it is the log that failed). One line: the file and its problem,
    /// then what the run kept (exit 1).
    private func stopped(by error: Error, in epoch: Int, result: EpochResult, rowKept: Bool) -> RunStopped {
        var message = "\(error); the run stopped in epoch \(epoch), whose row is " + (rowKept ? "in the log" : "not in the log")
        if runLog == nil && rowKept { message = "\(error); the run stopped after epoch \(epoch)" }
        // A checkpoint write failing beside the log's is named too (still one line).
        if let checkpointFailure = checkpointWriter.wait(), "\(checkpointFailure)" != "\(error)" { message += "; also \(checkpointFailure)" }
        if let savePath {
            do {
                try Interruption.deferSignals { try save(to: savePath, last: result) }
                message += "; model saved to \(savePath)"
            } catch {
                message += "; model not saved: \(error)"
            }
        }
        return RunStopped(message: message)
    }

    /// "runs.csv keeps the 3 finished epochs" when a run stops early in `epoch`; nil without --csv.
    private func keptEpochs(before epoch: Int) -> String? {
        runLog.map { "\($0.path) keeps the \(epoch - 1) finished epoch\(epoch == 2 ? "" : "s")" }
    }

    private func save(to path: String, last: EpochResult?, overriding: [String: String] = [:]) throws {
        let c = configuration
        var metadata = [
            "dataset": c.dataset.rawValue, "optimizer": c.optimizer.kind.rawValue, "lr0": formatCompact(c.learningRate),
            "schedule": c.schedule.kind.rawValue, "batch_size": String(c.batchSize), "seed": String(c.seed),
            "run": runName, "epochs": String(c.epochs), "init": c.initialization.rawValue,
            "flags": identity.flags, "run_id": identity.runID,
        ]
        if identity.dataset != c.dataset.rawValue { metadata["dataset_files"] = "unpublished (\(identity.dataset))" }
        // The metadata describes the weights saved: after a signal mid-epoch they are some
        // updates past the last measured epoch, so the test set is measured again on them.
        // (--restore-best overrides the measures with those of the restored weights.)
        let updates = trainer.update.updatesMade
        metadata["epochs_completed"] = String(last?.epoch ?? 0)
        metadata["updates_completed"] = String(updates)
        if overriding["test_accuracy"] == nil {
            let test = last.flatMap { $0.iteration == updates ? $0.test : nil } ?? trainer.evaluate(trainer.testSet)
            metadata["test_accuracy"] = "\(test.accuracy)"
            metadata["test_cost"] = "\(test.meanCost)"
        }
        metadata.merge(overriding) { $1 }
        try ModelFile.save(trainer.network, metadata: metadata, to: path)
    }

    /// Hands the state to the background writer. With --timing, reports the seconds training
    /// waited (the copy, and the previous write if it had not finished), the previous write's
    /// seconds and the checkpoint's size.
    private func writeCheckpoint(to path: String, epoch: Int, last: EpochResult?) {
        let start = monotonicSeconds()
        let snapshot = Checkpoint.snapshot(trainer: trainer, identity: identity, runName: runName, epoch: epoch, last: last,
                                           earlyStopping: earlyStopping)
        checkpointWriter.submit(snapshot, to: path)
        if reportTiming {
            onEvent(.checkpointTiming(seconds: monotonicSeconds() - start, previousWriteSeconds: checkpointWriter.lastWriteSeconds,
                                      bytes: snapshot.data.count))
        }
    }

    /// Continues from `checkpoint`: the flags must be the checkpoint's (else
    /// `CheckpointFlagMismatch`), then the whole state is restored, and the run log gets the
    /// checkpoint's last row if a kill lost it; rows the log already holds for later epochs (the
    /// checkpoint was still being written when the run was killed) are not appended again.
    public func resume(from checkpoint: Checkpoint) throws {
        let differences = checkpoint.flagDifferences(from: identity)
        guard differences.isEmpty else { throw CheckpointFlagMismatch(path: checkpoint.path, differences: differences) }
        let last = try checkpoint.restore(into: trainer, earlyStopping: earlyStopping)
        resumed = (checkpoint, last)
        guard let runLog, let last else { return }
        // The rows of this run's latest occurrence in the log (an earlier, finished run with the
        // same flags is another occurrence).
        let logged = try RunLogReader.runs(withID: identity.runID, in: runLog.path).last?.epochs.map(\.epoch) ?? []
        loggedEpochs = Set(logged)
        if !loggedEpochs.contains(checkpoint.epoch) {
            try runLog.append(RunLog.row(configuration: configuration, identity: identity, name: runName, result: last))
            onEvent(.wroteLostRow(path: runLog.path, epoch: checkpoint.epoch))
        }
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
