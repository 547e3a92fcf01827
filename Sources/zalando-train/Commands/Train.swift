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

    /// The nominal epoch length (both data sets hold 60,000 training images) for checks that
    /// mix iteration and epoch durations; the run re-checks with the real one.
    var nominalIterationsPerEpoch: Int {
        TrainingConfiguration.iterationsPerEpoch(trainingCount: 60_000 - min(max(training.validation, 0), 59_999), batchSize: training.batchSize)
    }

    func validate() throws {
        try schedule.requireSingle(schedule: false)
        if optimizer.optimizers.count > 1 {
            throw ValidationError("--optimizer \(optimizer.optimizers.map(\.rawValue).joined(separator: ",")): train takes one optimizer (compare runs with compare)")
        }
        try schedule.validate(iterationsPerEpoch: nominalIterationsPerEpoch)
        if training.validation >= 60_000 {
            throw ValidationError("--validation \(training.validation): must leave training images (the training set has 60000)")
        }
        // Sizes that cannot fit in memory are refused before anything is allocated (28×28 images,
        // 10 classes; the run checks again with the real sizes).
        let rows = max(min(training.batchSize, 60_000 - training.validation), 1000)
        if let problem = MemoryBudget.shortfall(MemoryBudget.networkBytes(widths: [784] + model.hidden.items + [10], rows: rows)) {
            throw ValidationError("--hidden \(model.hidden.defaultValueDescription) --batch-size \(training.batchSize): training \(problem)")
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
        return c
    }

    func run() throws {
        let configuration = trainingConfiguration
        let session = try reportingErrors {
            try TrainingSession(configuration: configuration, dataDirectory: data.directory,
                                csvPath: output.csv, savePath: output.save)
        }
        session.reportTiming = output.timing
        try schedule.validate(iterationsPerEpoch: session.trainer.iterationsPerEpoch)
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
    text += "Exit status: 0 done, 1 runtime error (files), 3 the cost became NaN or\n"
    text += "infinite, 64 bad flags, 130, 143 or 129 interrupted by SIGINT, SIGTERM or\n"
    text += "SIGHUP (SIGPIPE is ignored: a closed output only stops the printing)."
    return text
}()
