import ArgumentParser
import Optimization
import Training
import Reports
import RunRecords
import Support

struct LearningRate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lr",
        abstract: "Print a learning-rate schedule, iteration by iteration (CSV iteration,lr), without training.",
        usage: "zalando-train lr --lr <rate> --iterations <n> [<options>]",
        discussion: "With a comma list (--schedule constant,exponential) the CSV has one column per schedule; "
            + "a comma list in one numeric schedule flag (--schedule step --drop-every 10,20,50) gives one column per value. "
            + "With --svg, --png or --pdf it draws the curves instead of printing rows. "
            + "Any schedule but plateau, which follows a training run's cost per epoch.\n\n"
            + HelpTables.schedules(HelpTables.withoutPlateau) + "\n\n" + HelpTables.exitStatus)

    @OptionGroup(title: "Learning rate and schedule") var schedule: ScheduleOptions<LearningRateHelp>
    @Option(help: "Number of iterations to print, j = 0…N−1 (required).")
    var iterations: Int
    @Option(name: .customLong("iterations-per-epoch"), help: "Updates per epoch, for durations in epochs (5e).")
    var iterationsPerEpoch = 1200
    @Flag(help: "Print the start and end rates and when the rate falls below γ0/10, /100, /1000 instead.")
    var summary = false
    @OptionGroup(title: "Picture") var picture: PictureOptions

    /// A picture keeps every rate in memory.
    static let maximumPictureIterations = 1_000_000
    /// --summary looks at every rate up to the last.
    static let maximumSummaryIterations = 100_000_000

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations \(iterations): must be at least 1") }
        if summary, iterations > Self.maximumSummaryIterations {
            throw ValidationError("--iterations \(iterations): --summary scans at most \(Self.maximumSummaryIterations) iterations (a few seconds)")
        }
        if !picture.outputs.isEmpty, iterations > Self.maximumPictureIterations {
            throw ValidationError("--iterations \(iterations): a picture draws at most \(Self.maximumPictureIterations) iterations")
        }
        guard iterationsPerEpoch >= 1 else { throw ValidationError("--iterations-per-epoch \(iterationsPerEpoch): must be at least 1") }
        try schedule.requireSingle(schedule: true, variants: true)
        try schedule.refusePlateau(in: "lr")
        if schedule.learningRate == nil && schedule.schedules != [.piecewise] {
            throw ValidationError("--lr is required (the initial rate γ0)")
        }
        try schedule.validate(iterationsPerEpoch: iterationsPerEpoch)
        try picture.check()
    }

    func run() throws {
        Interruption.ignoreBrokenPipe()
        // One curve per schedule, or per value of the one flag given a list.
        var built: [(name: String, schedule: any LearningRateSchedule, initialRate: Double)] = []
        for (label, options) in schedule.variants() {
            let γ0 = options.initialRate(fallback: 0.01)
            for kind in options.schedules {
                built.append((label ?? kind.rawValue, options.settings(initialRate: γ0, kind: kind).make(iterationsPerEpoch: iterationsPerEpoch, totalUpdates: iterations), γ0))
            }
        }
        var written: String?
        // With --summary, the line about the picture comes after the summary.
        defer { if let written, summary { print("learning-rate chart written to \(written)") } }
        if !picture.outputs.isEmpty {
            let series = built.map { (name: $0.name, rates: (0..<iterations).map($0.schedule.rate)) }
            var title = picture.title
            if title == nil, built.count > 1, schedule.schedules.count == 1 { title = "Learning rate: \(schedule.schedule.rawValue)" }
            let files = try picture.write(ScheduleChart.svg(schedules: series, title: title, scale: picture.scale))
            written = files
            if !summary {
                print("learning-rate chart (\(built.count) curve\(built.count == 1 ? "" : "s"), \(iterations) iterations) written to \(files)")
                return
            }
        }
        if summary {
            for (name, s, γ0) in built {
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
                // One one-cycle curve with cycling: the momentum or β1 torch would set, too.
                let cycle = built.count == 1 ? (built[0].schedule as? OneCycleSchedule).flatMap { $0.momentumRange == nil ? nil : $0 } : nil
                try out.write(built.count == 1 ? (cycle == nil ? "iteration,lr\n" : "iteration,lr,momentum\n")
                              : "iteration," + built.map(\.name).joined(separator: ",") + "\n")
                for j in 0..<iterations {
                    if out.closed { break }
                    var line = "\(j)"
                    for (_, s, _) in built { line += ",\(s.rate(at: j))" }
                    if let cycle, let m = cycle.momentum(at: j) { line += ",\(m)" }
                    try out.write(line + "\n")
                }
                try out.flush()
            }
            if out.closed { return }
        }
    }
}
