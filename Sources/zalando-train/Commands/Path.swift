import ArgumentParser
import Optimization
import Training

struct Path: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an optimizer on the two-parameter linear regression J(w,b) = mean((w·x + b − y)²) and print its path (CSV iteration,lr,w,b,cost).")

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

    func validate() throws {
        guard iterations >= 0 else { throw ValidationError("--iterations \(iterations): must be zero or positive") }
        guard start.items.count == 2, start.items.allSatisfy(\.isFinite) else {
            throw ValidationError("--start \(start.defaultValueDescription): must be two numbers w,b")
        }
        if schedule.schedule == .plateau {
            throw ValidationError("--schedule plateau needs epochs and a monitored cost; use it with train")
        }
        try schedule.validate(iterationsPerEpoch: 1)
    }

    func run() throws {
        let problem = try reportingErrors { try data.map { try PathProblem.read(csv: $0) } ?? PathProblem.builtIn }
        let γ0 = schedule.initialRate(fallback: optimizer.optimizer.defaultLearningRate)
        let rows = problem.run(optimizer: optimizer.settings, schedule: schedule.settings(initialRate: γ0),
                               l1: optimizer.l1 ?? 0, clipNorm: optimizer.clipNorm, gradientNoise: optimizer.gradNoise ?? 0,
                               seed: seed, iterations: iterations, start: (start.items[0], start.items[1]))
        var out = "iteration,lr,w,b,cost\n"
        for row in rows { out += "\(row.iteration),\(row.learningRate),\(row.w),\(row.b),\(row.cost)\n" }
        print(out, terminator: "")
    }
}
