import ArgumentParser
import Optimization
import Training

struct Path: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an optimizer on the two-parameter linear regression J(w,b) = mean((w·x + b − y)²) and print its path (CSV iteration,lr,w,b,cost).",
        // One line each: --help wraps the text itself and keeps the newlines it is given.
        discussion: "With several optimizers (--optimizer sgd,momentum,adam --lr 0.05,0.05,0.3) the CSV gains a first "
            + "column `optimizer`; --svg, --png or --pdf draw every path on the labelled cost contours instead of printing rows. Any schedule but plateau, "
            + "which follows a training run's cost per epoch.\n\n"
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

    func validate() throws {
        guard iterations >= 0 else { throw ValidationError("--iterations \(iterations): must be zero or positive") }
        guard start.items.count == 2, start.items.allSatisfy(\.isFinite) else {
            throw ValidationError("--start \(start.defaultValueDescription): must be two numbers w,b")
        }
        try schedule.requireSingle(schedule: false, allowingRates: optimizer.optimizers.count)
        try schedule.refusePlateau(in: "path")
        try schedule.validate(iterationsPerEpoch: 1)
        if picture.logY || picture.linearY { throw ValidationError("\(picture.logY ? "--log-y" : "--linear-y"): path's axes are w and b, always linear") }
        try picture.check(inputs: data.map { [$0] } ?? [])
    }

    func run() throws {
        let problem = try reportingErrors { try data.map { try PathProblem.read(csv: $0) } ?? PathProblem.builtIn }
        let rates = schedule.learningRates?.items ?? []
        var paths: [PathPicture.Path] = []
        for (k, kind) in optimizer.optimizers.enumerated() {
            let γ0 = rates.count > 1 ? rates[k] : schedule.initialRate(fallback: kind.defaultLearningRate)
            let rows = problem.run(optimizer: optimizer.settings(for: kind), schedule: schedule.settings(initialRate: γ0),
                                   l1: optimizer.gradientL1(for: kind), clipNorm: optimizer.clipNorm, gradientNoise: optimizer.gradNoise ?? 0,
                                   seed: seed, iterations: iterations, start: (start.items[0], start.items[1]))
            paths.append(PathPicture.Path(name: "\(kind.rawValue) γ=\(formatCompact(γ0))", rows: rows))
        }
        if !picture.outputs.isEmpty {
            let written = try picture.write(PathPicture.svg(problem: problem, paths: paths, title: picture.title))
            print("path picture (\(paths.count) path\(paths.count == 1 ? "" : "s"), \(iterations) iterations) written to \(written)")
            return
        }
        let several = paths.count > 1
        var out = several ? "optimizer,iteration,lr,w,b,cost\n" : "iteration,lr,w,b,cost\n"
        for (k, path) in paths.enumerated() {
            for row in path.rows {
                if several { out += optimizer.optimizers[k].rawValue + "," }
                out += "\(row.iteration),\(row.learningRate),\(row.w),\(row.b),\(row.cost)\n"
            }
        }
        print(out, terminator: "")
    }
}
