import ArgumentParser
import Foundation
import IDXData
import MLP
import Optimization
import Training

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the MLP, log every epoch, optionally append to a CSV run log and save the model.",
        discussion: optimizerAndScheduleTable)

    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Optimizer") var optimizer: OptimizerOptions
    @OptionGroup(title: "Learning rate and schedule") var schedule: ScheduleOptions
    @OptionGroup(title: "Training") var training: TrainingOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @OptionGroup(title: "Early stopping") var earlyStop: EarlyStopOptions
    @OptionGroup(title: "Checkpoints") var checkpoints: CheckpointOptions

    /// The nominal epoch length (both data sets hold 60,000 training images) for checks that
    /// mix iteration and epoch durations; the run re-checks with the real one.
    var nominalIterationsPerEpoch: Int { (max(60_000 - training.validation, 1) + training.batchSize - 1) / training.batchSize }

    func validate() throws {
        try schedule.requireSingle(schedule: false)
        if optimizer.optimizers.count > 1 {
            throw ValidationError("--optimizer \(optimizer.optimizers.map(\.rawValue).joined(separator: ",")): train takes one optimizer (compare runs with compare)")
        }
        try schedule.validate(iterationsPerEpoch: nominalIterationsPerEpoch)
        if earlyStop.restoreBest && output.save == nil { throw ValidationError("--restore-best needs --save") }
        let base = data.directory.hasSuffix("/") ? data.directory : data.directory + "/"
        let stems = Dataset.fileStems
        let dataFiles = [stems.trainImages, stems.trainLabels, stems.testImages, stems.testLabels].flatMap { [base + $0 + ".gz", base + $0] }
        try checkpoints.check(inputs: dataFiles + [output.csv, output.save].compactMap { $0 })
        if training.validation >= 60_000 {
            throw ValidationError("--validation \(training.validation): must leave training images (the training set has 60000)")
        }
    }

    var trainingConfiguration: TrainingConfiguration {
        let γ0 = schedule.initialRate(fallback: optimizer.optimizer.defaultLearningRate)
        var c = TrainingConfiguration(optimizer: optimizer.settings, schedule: schedule.settings(initialRate: γ0))
        c.dataset = data.dataset
        c.hiddenSizes = model.hidden.items
        c.activation = model.activation
        c.initialization = model.initialization ?? .recommended(for: model.activation)
        c.batchSize = training.batchSize
        c.epochs = training.epochs
        c.seed = training.seed
        c.validation = training.validation
        c.l1 = optimizer.l1 ?? 0
        c.clipNorm = optimizer.clipNorm
        c.gradientNoise = optimizer.gradNoise ?? 0
        c.threads = training.threads
        c.runName = output.runName
        c.earlyStopPatience = earlyStop.patience
        c.minDelta = earlyStop.minDelta ?? 0
        return c
    }

    func run() throws {
        let configuration = trainingConfiguration
        let checkpoint = try checkpoints.resume.map { path in try reportingErrors { try Checkpoint.read(path: path) } }
        let session = try reportingErrors {
            try TrainingSession(configuration: configuration, dataDirectory: data.directory,
                                csvPath: output.csv, savePath: output.save)
        }
        session.reportTiming = output.timing
        session.checkpointPath = checkpoints.checkpointPath
        session.restoreBest = earlyStop.restoreBest
        try schedule.validate(iterationsPerEpoch: session.trainer.iterationsPerEpoch)
        if let checkpoint {
            do {
                try session.resume(from: checkpoint)
            } catch let mismatch as CheckpointFlagMismatch {
                for line in mismatch.lines.dropLast() { writeToStandardError("zalando-train: \(line)\n") }
                throw fail(mismatch.lines.last!, code: 64)
            } catch {
                throw fail("\(error)")
            }
        }
        let outcome = try reportingErrors { try session.run() }
        switch outcome {
        case .finished: return
        case .diverged(let message): throw fail(message, code: 3)
        case .interrupted(let code): throw ExitCode(code)
        }
    }
}

/// --help's table: every optimizer and schedule with the flags it uses, its defaults and a
/// recommended starting rate for the default model.
let optimizerAndScheduleTable: String = {
    var text = "Optimizers (torch.optim formulas), with the --lr default and the rate\n"
    text += "recommended for the default model:\n"
    for kind in OptimizerKind.allCases {
        let flags = kind.hyperparameters.map(\.flag).joined(separator: " ")
        text += "  \(kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) lr \(formatCompact(kind.defaultLearningRate)), "
        text += "recommended \(formatCompact(kind.recommendedLearningRate))\(flags.isEmpty ? "" : "; \(flags)")\n"
        text += "            \(kind.summary)\n"
    }
    text += "  All take --weight-decay, --l1, --clip-norm, --grad-noise.\n\n"
    text += "Schedules (advance every update j; durations in iterations, or epochs: 5e)\n"
    for kind in ScheduleKind.allCases {
        let flags = kind.flags.map { kind.requiredFlags.contains($0) ? $0.flag : "[\($0.flag)]" }.joined(separator: " ")
        text += "  \(kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(flags.isEmpty ? "(no flags)" : flags)\n"
        text += "               \(kind.summary)\n"
    }
    text += "  Any schedule takes [--warmup-steps W]: γ0·(j+1)/W for j < W, then the\n"
    text += "  schedule at j − W.\n\n"
    text += "Resuming: --checkpoint FILE writes the whole state after every epoch and when\n"
    text += "interrupted; --resume FILE with the same flags continues with the same numbers.\n\n"
    text += "Exit status: 0 done (also an early stop), 1 runtime error (files; a run log\n"
    text += "write that failed is rolled back), 3 the cost became NaN or infinite, 64 bad\n"
    text += "flags or output paths (checked before training), 130 or 143 interrupted by\n"
    text += "SIGINT or SIGTERM."
    return text
}()
