import ArgumentParser
import Optimization
import Training
import Reports
import RunRecords
import Support

struct Path: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an optimizer on the two-parameter linear regression J(w,b) = mean((w·x + b − y)²) and print its path (CSV iteration,lr,w,b,cost).",
        // One line each: --help wraps the text itself and keeps the newlines it is given.
        discussion: "With several optimizers (--optimizer sgd,momentum,adam --lr 0.05,0.05,0.3) the CSV gains a first "
            + "column `optimizer`; --svg, --png or --pdf draw every path on the labelled cost contours instead of printing rows. Any schedule but plateau, "
            + "which follows a training run's cost per epoch. Rows are printed as they are computed; a path whose "
            + "cost becomes NaN or infinite stops with a message and exit status 3 (a picture is still drawn, "
            + "the path clipped where it left the view).\n\n"
            + HelpTables.optimizers(recommended: false) + "\n\n" + HelpTables.schedules(HelpTables.withoutPlateau)
            + "\n\n" + HelpTables.exitStatus)

    @OptionGroup(title: "Optimizer") var optimizer: OptimizerOptions<PathHelp>
    @OptionGroup(title: "Learning rate and schedule") var schedule: ScheduleOptions<PathHelp>
    @Option(help: "Number of full-batch updates.")
    var iterations = 100
    @Option(help: ArgumentHelp("CSV file with header x,y (default: built-in data, minimum at w = 0.5, b = 2.0).", valueName: "file"), completion: .file())
    var data: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Starting point w,b (negative values work: --start -1,0.5).", valueName: "w,b"))
    var start: CommaList<Double> = CommaList([0, 0])
    @Option(help: "Seed for gradient noise.")
    var seed: UInt64 = 1
    @OptionGroup(title: "Picture") var picture: PictureOptions

    /// A picture keeps every point of every path in memory.
    static let maximumPictureIterations = 1_000_000

    func validate() throws {
        guard iterations >= 0 else { throw ValidationError("--iterations \(iterations): must be zero or positive") }
        if !picture.outputs.isEmpty, iterations > Self.maximumPictureIterations {
            throw ValidationError("--iterations \(iterations): a picture draws at most \(Self.maximumPictureIterations) iterations")
        }
        guard start.items.count == 2, start.items.allSatisfy(\.isFinite) else {
            throw ValidationError("--start \(start.defaultValueDescription): must be two numbers w,b")
        }
        // The parameters are Float32, as in training: a start beyond its range would be ±∞.
        guard start.items.allSatisfy({ abs($0) <= Double(Float.greatestFiniteMagnitude) }) else {
            throw ValidationError("--start \(start.defaultValueDescription): w and b must be within ±3.4e38 (the parameters are Float32)")
        }
        try schedule.checkMomentumCycling(kinds: optimizer.optimizers, momentum: optimizer.momentum, beta1: optimizer.beta1)
        try schedule.requireSingle(schedule: false, allowingRates: optimizer.optimizers.count)
        try schedule.refusePlateau(in: "path")
        try schedule.validate(iterationsPerEpoch: 1)
        if picture.logY || picture.linearY { throw ValidationError("\(picture.logY ? "--log-y" : "--linear-y"): path's axes are w and b, always linear") }
        try picture.check(inputs: data.map { [$0] } ?? [])
    }

    func run() throws {
        Interruption.ignoreBrokenPipe()
        let problem = try reportingErrors { try data.map { try PathProblem.read(csv: $0) } ?? PathProblem.builtIn }
        let rates = schedule.learningRates?.items ?? []
        let several = optimizer.optimizers.count > 1
        let out = StreamedOutput()
        var paths: [PathPicture.Path] = []
        let drawing = !picture.outputs.isEmpty
        var diverged: String?
        try reportingErrors {
            if !drawing { try out.write(several ? "optimizer,iteration,lr,w,b,cost\n" : "iteration,lr,w,b,cost\n") }
            for (k, kind) in optimizer.optimizers.enumerated() {
                let γ0 = rates.count > 1 ? rates[k] : schedule.initialRate(fallback: kind.defaultLearningRate)
                let prefix = several ? kind.rawValue + "," : ""
                var rows: [PathProblem.Row] = []
                let last = try problem.walk(optimizer: optimizer.settings(for: kind), schedule: schedule.settings(initialRate: γ0),
                                            l1: optimizer.gradientL1(for: kind), clipNorm: optimizer.clipNorm,
                                            gradientNoise: optimizer.gradNoise ?? 0,
                                            seed: seed, iterations: iterations, start: (start.items[0], start.items[1])) { row in
                    if drawing { rows.append(row); return true }
                    try out.write("\(prefix)\(row.iteration),\(row.learningRate),\(row.w),\(row.b),\(row.cost)\n")
                    return !out.closed
                }
                if let row = last, diverged == nil {
                    // The rows before it stay printed; the message names the update, as train's does.
                    let what = row.cost.isNaN || row.w.isNaN || row.b.isNaN ? "NaN" : "infinite"
                    let update = row.iteration == 0 ? "at the start" : "at iteration \(row.iteration)"
                    diverged = "path diverged: the cost became \(what) \(update) (\(kind.rawValue) lr \(formatCompact(γ0))); "
                        + "try a smaller --lr or --clip-norm"
                    if !drawing { break }
                }
                if out.closed { return }
                paths.append(PathPicture.Path(name: "\(kind.rawValue) γ=\(formatCompact(γ0))", rows: rows))
            }
            try out.flush()
        }
        if drawing {
            let written = try picture.write(PathPicture.svg(problem: problem, paths: paths, title: picture.title))
            print("path picture (\(paths.count) path\(paths.count == 1 ? "" : "s"), \(iterations) iterations) written to \(written)")
        }
        if let diverged { throw fail(diverged, status: .diverged) }
    }
}
