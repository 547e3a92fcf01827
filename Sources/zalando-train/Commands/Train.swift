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
        guard let path = checkpoints.resume else { return try run(resuming: nil) }
        let checkpoint = try reportingErrors { try Checkpoint.read(path: path) }
        try resumed(from: checkpoint, typed: TypedFlags.names).run(resuming: checkpoint, given: self, typed: TypedFlags.names)
    }

    /// `--resume CKPT` continues the run it holds (DESIGN "Interruption, checkpoints and
    /// resuming"): every flag that changes the numbers comes from the checkpoint's `flags`, so
    /// it may be given alone; the flags the user typed beside it must equal the checkpoint's
    /// (--epochs may be raised), and only those are named when they do not. The output-only
    /// flags are this command line's. `typed` nil (a caller without a command line) compares
    /// every flag. The comparison waits for the data (`run(resuming:given:typed:)`): a duration
    /// typed in epochs (`--drop-every 1e`) is compared in the real epoch's updates.
    func resumed(from checkpoint: Checkpoint, typed: Set<String>?) throws -> Train {
        var arguments = RunIdentity.terms(of: checkpoint.flags).flatMap { term in
            term.value.map { ["\(term.flag)=\($0)"] } ?? [term.flag]
        }
        if typed?.contains("--epochs") ?? true { arguments.append("--epochs=\(training.epochs)") }
        var train: Train
        do {
            train = try Train.parse(arguments)
        } catch {
            throw fail("\(checkpoint.path): its flags are not a train command line (\(Train.message(for: error)))")
        }
        train.data.dataDirectory = data.dataDirectory
        train.output = output
        train.checkpoints = checkpoints
        train.earlyStop.restoreBest = earlyStop.restoreBest
        return train
    }

    /// One line per differing flag, exit 64.
    private func refuse(_ mismatch: CheckpointFlagMismatch) -> ExitCode {
        for line in mismatch.lines.dropLast() { writeToStandardError("zalando-train: \(line)\n") }
        return fail(mismatch.lines.last ?? mismatch.description, status: .usage)
    }

    private func run(resuming checkpoint: Checkpoint?, given: Train? = nil, typed: Set<String>? = nil) throws {
        let configuration = trainingConfiguration
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
            if let given {
                let c = given.trainingConfiguration, n = session.trainer.iterationsPerEpoch
                let identity = RunIdentity(configuration: c, iterationsPerEpoch: n)
                var compared = typed
                // A default that follows --epochs (one-cycle's --decay-steps is the run's updates)
                // was set by typing --epochs: raising it asks for another schedule, so it is compared.
                if typed?.contains("--epochs") == true,
                   let saved = RunIdentity.terms(of: checkpoint.flags).first(where: { $0.flag == "--epochs" })?.value.flatMap({ Int($0) }) {
                    var c0 = c
                    c0.epochs = saved
                    let before = Dictionary(RunIdentity(configuration: c0, iterationsPerEpoch: n).terms.map { ($0.flag, $0.value) },
                                            uniquingKeysWith: { first, _ in first })
                    for term in identity.terms where term.flag != "--epochs" && before[term.flag] != term.value { compared?.insert(term.flag) }
                }
                let differences = checkpoint.flagDifferences(from: identity, typed: compared)
                guard differences.isEmpty else { throw refuse(CheckpointFlagMismatch(path: checkpoint.path, differences: differences)) }
            }
            do {
                try session.resume(from: checkpoint)
            } catch let mismatch as CheckpointFlagMismatch {
                throw refuse(mismatch)
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
