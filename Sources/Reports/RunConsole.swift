#if canImport(Glibc)
import Glibc
#endif
import RunRecords
import Support
import Training

/// The text a `train` run prints, from its session's events: the opening lines, the progress bar,
/// one line per epoch on stdout; interruptions, warnings and `--timing` lines on stderr.
public final class RunConsole {
    private let session: TrainingSession
    private let progress: ProgressBar

    public init(session: TrainingSession) {
        self.session = session
        progress = ProgressBar(epochs: session.configuration.epochs)
    }

    /// Connects this console to its session's events and progress.
    public func attach() {
        session.onEvent = { self.handle($0) }  // the session keeps its console for the run
        session.onProgress = { [progress] in progress.update(epoch: $0, done: $1, total: $2, meanCost: $3) }
    }

    public func handle(_ event: TrainingEvent) {
        let c = session.configuration
        let trainer = session.trainer
        switch event {
        case .started:
            let network = trainer.network
            writeToStandardOutput("""
                \(c.dataset.displayName): \(trainer.trainSet.count) training\(trainer.validationSet.map { ", \($0.count) validation" } ?? ""), \
                \(trainer.testSet.count) test images (loaded in \(formatFixed(session.loadSeconds, digits: 2))s)
                model \(network.widthsDescription) \(c.activation.rawValue), \(network.parameterCount) parameters
                \(c.optimizer.kind.rawValue) lr \(formatCompact(c.learningRate)), schedule \(c.schedule.kind.rawValue); batch \(min(c.batchSize, trainer.trainSet.count)), \(trainer.iterationsPerEpoch) updates per epoch

                """)
        case .resuming(let checkpoint):
            writeToStandardOutput(checkpoint.resumingLine + "\n")
        case .earlyStoppingOn(let earlyStopping):
            writeToStandardOutput(earlyStopping.announcement + "\n")
        case .nothingToTrain(let stopped?):
            writeToStandardOutput("nothing to train: the run stopped early at epoch \(stopped)\n")
        case .nothingToTrain(nil):
            writeToStandardOutput("nothing to train: the checkpoint has finished all \(c.epochs) epochs\n")
        case .progressEnded:
            progress.clear()
        case .epochFinished(let result, let stopReason):
            writeToStandardOutput(EpochReport.line(result) + (stopReason.map { "  " + $0 } ?? "") + "\n")
        case .interrupted(let message):
            writeToStandardError(message + "\n")
        case .warning(let warning):
            writeToStandardError(warning + "\n")
        case .restoredBest(let epoch, let monitor, let best, let test):
            writeToStandardOutput("restored the weights of epoch \(epoch) (best \(monitor) "
                + "\(formatFixed(best, digits: 4))): test \(EpochReport.percent(test.accuracy))\n")
        case .saved(let path):
            writeToStandardOutput("model saved to \(path)\n")
        case .wroteLostRow(let path, let epoch):
            writeToStandardOutput("\(path): wrote the row of epoch \(epoch), which the interruption lost\n")
        case .epochTiming(let result):
            writeToStandardError("timing epoch=\(result.epoch) train=\(formatFixed(result.trainingSeconds, digits: 4)) "
                + "eval=\(formatFixed(result.seconds - result.trainingSeconds, digits: 4)) load=\(formatFixed(session.loadSeconds, digits: 4))\n")
        case .checkpointTiming(let seconds, let previousWriteSeconds, let bytes):
            writeToStandardError("timing checkpoint=\(formatFixed(seconds, digits: 6)) "
                + "previous_write=\(formatFixed(previousWriteSeconds, digits: 6)) bytes=\(bytes)\n")
        case .finishedTiming:
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            writeToStandardError("timing peak_rss_kb=\(usage.ru_maxrss) updates_per_epoch=\(trainer.iterationsPerEpoch)\n")
        }
    }
}
