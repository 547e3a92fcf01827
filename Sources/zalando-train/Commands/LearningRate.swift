import ArgumentParser
import Optimization
import Training

struct LearningRate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lr",
        abstract: "Print a learning-rate schedule, iteration by iteration (CSV iteration,lr), without training.",
        discussion: "With a comma list (--schedule constant,exponential) the CSV has one column per schedule. "
            + "Any schedule but plateau, which follows a training run's cost per epoch.")

    @OptionGroup(title: "Learning rate and schedule") var schedule: ScheduleOptions
    @Option(help: "Number of iterations to print (j = 0…N−1).")
    var iterations: Int
    @Option(name: .customLong("iterations-per-epoch"), help: "Updates per epoch, for durations in epochs (5e).")
    var iterationsPerEpoch = 1200
    @Flag(help: "Print the start and end rates and when the rate falls below γ0/10, /100, /1000 instead.")
    var summary = false
    @Option(help: ArgumentHelp("Also draw the rate against iteration (log scale) as SVG.", valueName: "file"))
    var svg: String?

    /// A picture keeps every rate in memory.
    static let maximumPictureIterations = 1_000_000
    /// --summary looks at every rate up to the last.
    static let maximumSummaryIterations = 100_000_000

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations \(iterations): must be at least 1") }
        if summary, iterations > Self.maximumSummaryIterations {
            throw ValidationError("--iterations \(iterations): --summary scans at most \(Self.maximumSummaryIterations) iterations (a few seconds)")
        }
        if svg != nil, iterations > Self.maximumPictureIterations {
            throw ValidationError("--iterations \(iterations): --svg draws at most \(Self.maximumPictureIterations) iterations")
        }
        guard iterationsPerEpoch >= 1 else { throw ValidationError("--iterations-per-epoch \(iterationsPerEpoch): must be at least 1") }
        try schedule.requireSingle(schedule: true)
        try schedule.refusePlateau(in: "lr")
        if schedule.learningRate == nil && schedule.schedules != [.piecewise] {
            throw ValidationError("--lr is required (the initial rate γ0)")
        }
        try schedule.validate(iterationsPerEpoch: iterationsPerEpoch)
    }

    func run() throws {
        Interruption.ignoreBrokenPipe()
        let γ0 = schedule.initialRate(fallback: 0.01)
        let built = schedule.schedules.map { kind in
            (name: kind.rawValue, schedule: schedule.settings(initialRate: γ0, kind: kind).make(iterationsPerEpoch: iterationsPerEpoch))
        }
        if summary {
            for (name, s) in built {
                if built.count > 1 { print("\(name):") }
                for line in ScheduleSummary.lines(schedule: s, initialRate: γ0, iterations: iterations, iterationsPerEpoch: iterationsPerEpoch) {
                    print(built.count > 1 ? "  " + line : line)
                }
            }
        } else {
            // Streamed: constant memory whatever --iterations, and a reader that goes away
            // (`| head -2`) ends the loop at the next full buffer.
            let out = StreamedOutput()
            try reportingErrors {
                try out.write(built.count == 1 ? "iteration,lr\n" : "iteration," + built.map(\.name).joined(separator: ",") + "\n")
                for j in 0..<iterations {
                    if out.closed { break }
                    var line = "\(j)"
                    for (_, s) in built { line += ",\(s.rate(at: j))" }
                    try out.write(line + "\n")
                }
                try out.flush()
            }
            if out.closed { return }
        }
        if let svg {
            let series = built.map { (name: $0.name, rates: (0..<iterations).map($0.schedule.rate)) }
            try reportingErrors { try SVGChart.write(ScheduleChart.svg(schedules: series), to: svg) }
            if summary { print("chart written to \(svg)") }
        }
    }
}
