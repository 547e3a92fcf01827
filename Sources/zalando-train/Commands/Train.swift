import ArgumentParser
import Foundation
import IDXData
import MLP
import Optimization
import Training
import Reports
import RunRecords
import Support

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the MLP, log every epoch, optionally append to a CSV run log and save the model.",
        discussion: HelpTables.train)

    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Optimizer") var optimizer: OptimizerOptions<TrainHelp>
    @OptionGroup(title: "Learning rate and schedule") var schedule: ScheduleOptions<TrainHelp>
    @OptionGroup(title: "Training") var training: TrainingOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @OptionGroup(title: "Early stopping") var earlyStop: EarlyStopOptions
    @OptionGroup(title: "Checkpoints") var checkpoints: CheckpointOptions

    /// The nominal epoch length (both data sets hold 60,000 training images) for checks that
    /// mix iteration and epoch durations; the run re-checks with the real one.
    var nominalIterationsPerEpoch: Int {
        TrainingConfiguration.iterationsPerEpoch(trainingCount: 60_000 - min(max(training.validation, 0), 59_999), batchSize: training.batchSize)
    }

    func validate() throws {
        try schedule.checkMomentumCycling(kinds: optimizer.optimizers, momentum: optimizer.momentum, beta1: optimizer.beta1)
        try schedule.requireSingle(schedule: false)
        if optimizer.optimizers.count > 1 {
            throw ValidationError("--optimizer \(optimizer.optimizers.map(\.rawValue).joined(separator: ",")): train takes one optimizer (compare runs with compare)")
        }
        try schedule.validate(iterationsPerEpoch: nominalIterationsPerEpoch)
        if earlyStop.restoreBest && output.save == nil { throw ValidationError("--restore-best needs --save") }
        let base = data.directory.hasSuffix("/") ? data.directory : data.directory + "/"
        let stems = Dataset.fileStems
        let dataFiles = [stems.trainImages, stems.trainLabels, stems.testImages, stems.testLabels].flatMap { [base + $0 + ".gz", base + $0] }
        try checkpoints.check(inputs: dataFiles + [output.csv, output.save, output.tensorboard].compactMap { $0 })
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
        c.earlyStopPatience = earlyStop.patience
        c.minDelta = earlyStop.minDelta ?? 0
        return c
    }

    func run() throws {
        let configuration = trainingConfiguration
        let checkpoint = try checkpoints.resume.map { path in try reportingErrors { try Checkpoint.read(path: path) } }
        let session = try reportingErrors {
            try TrainingSession(configuration: configuration, dataDirectory: try data.resolvedDirectory(),
                                csvPath: output.csv, savePath: output.save, tensorBoardDirectory: output.tensorboard)
        }
        let console = RunConsole(session: session)
        console.attach()
        session.reportTiming = output.timing
        session.checkpointPath = checkpoints.checkpointPath
        session.restoreBest = earlyStop.restoreBest
        session.hparamNames = output.hparamNames
        session.tensorBoardRunFolder = output.tensorBoardRun
        try schedule.validate(iterationsPerEpoch: session.trainer.iterationsPerEpoch)
        if let checkpoint {
            do {
                try session.resume(from: checkpoint)
            } catch let mismatch as CheckpointFlagMismatch {
                for line in mismatch.lines.dropLast() { writeToStandardError("zalando-train: \(line)\n") }
                throw fail(mismatch.lines.last!, status: .usage)
            } catch {
                throw fail("\(error)")
            }
        }
        let outcome = try reportingErrors { try session.run() }
        switch outcome {
        case .finished: return
        case .diverged(let message): throw fail(message, status: .diverged)
        case .interrupted(let status): throw ExitCode(status)
        }
    }
}
