import ArgumentParser
import Foundation
import IDXData
import Optimization
import Training
import Reports
import RunRecords
import Support

struct LRFind: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lr-find",
        abstract: "The learning-rate range test (fastai's lr_find): train a fresh model briefly with a rising rate and suggest a rate.",
        discussion: "From a fresh model (--seed), update i of N uses the rate start·(end/start)^(i/N), one minibatch each; "
            + "the minibatch loss is smoothed as fastai's Recorder does (EMA β = 0.98, debiased) and the test stops when the "
            + "smoothed loss exceeds 4× its minimum or is not finite. It prints CSV optimizer,iteration,lr,loss,smoothed_loss "
            + "(to --csv or standard output), then one line per optimizer: suggestion OPTIMIZER valley=… steep=… minimum=… "
            + "(fastai's rules on the points from N/10 up to the last 5). --optimizer a,b,c runs one test per optimizer, "
            + "each from the same fresh model. --svg, --png or --pdf draw the smoothed loss against the rate (log axis), "
            + "the suggestions marked. Nothing is saved.\n\n"
            + "How to read it: the loss stays flat while the rate is too small to matter, falls as the rate starts to work, "
            + "and shoots up once it is too large. valley (the default suggestion) lies in the long falling stretch; steep is "
            + "where it falls fastest; minimum is the rate of the lowest loss divided by 10. The valley is a starting point, "
            + "not an answer. The workflow of docs/guide/lr-find.md: train with --schedule one-cycle --lr <steep> (one-cycle's "
            + "--lr is its peak; its warm-up and annealing make that high rate usable) and compare against a constant "
            + "rate near valley, with --validation and a few seeds.\n\n"
            + HelpTables.exitStatus)

    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Optimizer") var optimizer: OptimizerOptions<LRFindHelp>
    @Option(name: .customLong("start-lr"), help: "The first update's rate.")
    var startRate = 1e-7
    @Option(name: .customLong("end-lr"), help: "The rate the test rises towards (reached after N updates).")
    var endRate = 10.0
    @Option(help: "N, the number of updates (at most; fewer when it stops early). Below 6 is raised to 6, as fastai does.")
    var iterations = 100
    @Option(name: .customLong("batch-size"), help: "Minibatch size.")
    var batchSize = 50
    @Option(help: "Seed for initialisation, shuffling and gradient noise.")
    var seed: UInt64 = 1
    @Option(help: "OpenBLAS threads (1 is fastest for the default model).")
    var threads = 1
    @Option(help: ArgumentHelp("Write the CSV rows to this file instead of standard output.", valueName: "file"), completion: .file())
    var csv: String?
    @OptionGroup(title: "Picture") var picture: PictureOptions

    /// The test keeps every point; a million updates is far beyond any use (fastai's default is 100).
    static let maximumIterations = 1_000_000

    func validate() throws {
        guard startRate.isFinite, startRate > 0 else { throw ValidationError("--start-lr \(formatCompact(startRate)): must be positive") }
        guard endRate.isFinite, endRate > 0 else { throw ValidationError("--end-lr \(formatCompact(endRate)): must be positive") }
        guard startRate < endRate else {
            throw ValidationError("--start-lr \(formatCompact(startRate)): must be below --end-lr \(formatCompact(endRate))")
        }
        // The rates are start·(end/start)^(i/N), fastai's formula: end/start must be a number.
        guard (endRate / startRate).isFinite else {
            throw ValidationError("--end-lr \(formatCompact(endRate)) / --start-lr \(formatCompact(startRate)): the ratio overflows; choose a narrower range (fastai's is 1e-7 to 10)")
        }
        if let twice = optimizer.optimizerList.repeated {
            throw ValidationError("--optimizer: \(twice.rawValue) is named twice (each test runs from the same fresh model: the two would be the same)")
        }
        guard iterations >= 1 else { throw ValidationError("--iterations \(iterations): must be at least 1") }
        guard iterations <= Self.maximumIterations else {
            throw ValidationError("--iterations \(iterations): at most \(Self.maximumIterations) (fastai's default is 100)")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size \(batchSize): must be at least 1") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads \(threads): must be between 1 and 256") }
        if picture.logY && picture.linearY { throw ValidationError("--log-y and --linear-y: choose one") }
        let base = data.directory.hasSuffix("/") ? data.directory : data.directory + "/"
        let stems = Dataset.fileStems
        let dataFiles = [stems.trainImages, stems.trainLabels, stems.testImages, stems.testLabels].flatMap { [base + $0 + ".gz", base + $0] }
        if let csv {
            do {
                try OutputPath.check(csv, flag: "--csv", kind: .csv(header: LRFindReport.csvHeader),
                                     inputs: dataFiles + picture.outputs.map(\.path))
            } catch let problem as OutputPath.Problem {
                throw ValidationError(problem.description)
            }
        }
        try picture.check(inputs: dataFiles + [csv].compactMap { $0 })
        if let problem = MemoryBudget.shortfall(MemoryBudget.networkBytes(widths: [784] + model.hidden.items + [10], rows: max(min(batchSize, 60_000), 1000))) {
            throw ValidationError("--hidden \(model.hidden.defaultValueDescription) --batch-size \(batchSize): training \(problem)")
        }
    }

    func configuration(for kind: OptimizerKind) -> TrainingConfiguration {
        // The rate is the test's; the schedule is not used.
        var c = TrainingConfiguration(optimizer: optimizer.settings(for: kind), schedule: ScheduleSettings(initialRate: startRate))
        c.dataset = data.dataset
        c.hiddenSizes = model.hidden.items
        c.activation = model.activation
        c.initialization = model.initialization ?? .recommended(for: model.activation)
        c.batchSize = batchSize
        c.epochs = 1
        c.seed = seed
        c.l1 = optimizer.gradientL1(for: kind)
        c.clipNorm = optimizer.clipNorm
        c.gradientNoise = optimizer.gradNoise ?? 0
        c.threads = threads
        return c
    }

    func run() throws {
        Interruption.ignoreBrokenPipe()
        let dataset = try reportingErrors { try Dataset.load(data.dataset, from: data.directory) }
        var tests: [(optimizer: String, test: LRRangeTest)] = []
        for kind in optimizer.optimizers {
            let test = try reportingErrors {
                try LRFinder.run(configuration: configuration(for: kind), dataset: dataset,
                                 startRate: startRate, endRate: endRate, iterations: iterations)
            }
            writeToStandardError("lr-find: \(LRFindReport.stopNote(optimizer: kind.rawValue, test))\n")
            tests.append((kind.rawValue, test))
        }
        var text = LRFindReport.csvHeader + "\n"
        for (name, test) in tests {
            for point in test.points { text += LRFindReport.csvRow(optimizer: name, point) + "\n" }
        }
        try reportingErrors {
            if let csv {
                try AtomicFile.write(Array(text.utf8), to: csv)
            } else {
                let out = StreamedOutput()
                try out.write(text)
                try out.flush()
            }
        }
        for (name, test) in tests { print(LRFindReport.suggestionLine(optimizer: name, test.suggestions())) }
        if !picture.outputs.isEmpty {
            let written = try picture.write(LRFindReport.svg(tests: tests, title: picture.title, scale: picture.logY ? .log : .linear))
            print("lr-find picture (\(tests.count) curve\(tests.count == 1 ? "" : "s")) written to \(written)")
        }
    }
}

enum LRFindHelp: CommandHelp {
    static let learningRate = "(lr-find sets the rate itself: --start-lr, --end-lr)"
    static let schedule = "(not used)"
    static let optimizer = "Optimizer; a comma list runs one test per optimizer, each from the same fresh model (see train --help)."
}
