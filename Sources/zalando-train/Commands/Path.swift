import ArgumentParser
import Optimization
import Training

struct Path: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an optimizer on the two-parameter linear regression J(w,b) = mean((w·x + b − y)²) and print its path (CSV iteration,lr,w,b,cost).",
        // One line each: --help wraps the text itself and keeps the newlines it is given.
        discussion: "With several optimizers (--optimizer sgd,momentum,adam --lr 0.05,0.05,0.3) the CSV gains a first "
            + "column `optimizer` and --svg draws every path on the cost contours. Any schedule but plateau, "
            + "which follows a training run's cost per epoch. Rows are printed as they are computed; a path whose "
            + "cost becomes NaN or infinite stops with a message and exit status 3.")

    @OptionGroup(title: "Optimizer") var optimizer: OptimizerOptions
    @OptionGroup(title: "Learning rate and schedule") var schedule: ScheduleOptions
    @Option(help: "Number of full-batch updates.")
    var iterations = 100
    @Option(help: ArgumentHelp("CSV file with header x,y (default: built-in data, minimum at w = 0.5, b = 2.0).", valueName: "file"))
    var data: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Starting point w,b (negative values work: --start -1,0.5).", valueName: "w,b"))
    var start: CommaList<Double> = CommaList([0, 0])
    @Option(help: "Seed for gradient noise.")
    var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Draw the cost contours and the path(s) as SVG.", valueName: "file"))
    var svg: String?

    /// A picture keeps every point of every path in memory.
    static let maximumPictureIterations = 1_000_000

    func validate() throws {
        guard iterations >= 0 else { throw ValidationError("--iterations \(iterations): must be zero or positive") }
        if svg != nil, iterations > Self.maximumPictureIterations {
            throw ValidationError("--iterations \(iterations): --svg draws at most \(Self.maximumPictureIterations) iterations")
        }
        guard start.items.count == 2, start.items.allSatisfy(\.isFinite) else {
            throw ValidationError("--start \(start.defaultValueDescription): must be two numbers w,b")
        }
        // The parameters are Float32, as in training: a start beyond its range would be ±∞.
        guard start.items.allSatisfy({ abs($0) <= Double(Float.greatestFiniteMagnitude) }) else {
            throw ValidationError("--start \(start.defaultValueDescription): w and b must be within ±3.4e38 (the parameters are Float32)")
        }
        try schedule.requireSingle(schedule: false, allowingRates: optimizer.optimizers.count)
        try schedule.refusePlateau(in: "path")
        try schedule.validate(iterationsPerEpoch: 1)
    }

    func run() throws {
        Interruption.ignoreBrokenPipe()
        let problem = try reportingErrors { try data.map { try PathProblem.read(csv: $0) } ?? PathProblem.builtIn }
        let rates = schedule.learningRates?.items ?? []
        let several = optimizer.optimizers.count > 1
        let out = StreamedOutput()
        var paths: [PathPicture.Path] = []
        try reportingErrors {
            try out.write(several ? "optimizer,iteration,lr,w,b,cost\n" : "iteration,lr,w,b,cost\n")
            for (k, kind) in optimizer.optimizers.enumerated() {
                let γ0 = rates.count > 1 ? rates[k] : schedule.initialRate(fallback: kind.defaultLearningRate)
                let prefix = several ? kind.rawValue + "," : ""
                var rows: [PathProblem.Row] = []
                let diverged = try problem.walk(optimizer: optimizer.settings(for: kind), schedule: schedule.settings(initialRate: γ0),
                                                l1: optimizer.l1 ?? 0, clipNorm: optimizer.clipNorm, gradientNoise: optimizer.gradNoise ?? 0,
                                                seed: seed, iterations: iterations, start: (start.items[0], start.items[1])) { row in
                    if svg != nil { rows.append(row) }
                    try out.write("\(prefix)\(row.iteration),\(row.learningRate),\(row.w),\(row.b),\(row.cost)\n")
                    return !out.closed
                }
                if let row = diverged {
                    // The rows before it stay printed; the message names the update, as train's does.
                    try out.flush()
                    let what = row.cost.isNaN || row.w.isNaN || row.b.isNaN ? "NaN" : "infinite"
                    let update = row.iteration == 0 ? "at the start" : "at iteration \(row.iteration)"
                    throw fail("path diverged: the cost became \(what) \(update) (\(kind.rawValue) lr \(formatCompact(γ0))); "
                        + "try a smaller --lr or --clip-norm", code: 3)
                }
                if out.closed { return }
                paths.append(PathPicture.Path(name: "\(kind.rawValue) γ=\(formatCompact(γ0))", rows: rows))
            }
            try out.flush()
        }
        if let svg, !out.closed {
            try reportingErrors { try SVGChart.write(PathPicture.svg(problem: problem, paths: paths), to: svg) }
        }
    }
}
