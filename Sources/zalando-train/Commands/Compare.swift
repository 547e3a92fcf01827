import ArgumentParser
import Training

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read CSV run logs and show the runs side by side: a table, and with --svg a chart.",
        usage: "zalando-train compare <file> ... [<options>]")

    @Argument(help: ArgumentHelp("CSV run logs written by train --csv.", valueName: "file"), completion: .file())
    var files: [String]
    @Option(help: "Column to rank by (costs rank low first).")
    var metric: Metric = .testAccuracy
    @Option(help: ArgumentHelp("Write an SVG chart: training cost and the metric against epoch, one line per run.", valueName: "file"), completion: .file())
    var svg: String?
    @Flag(name: .customLong("log-y"), help: "Log scale for the cost axis of the chart.")
    var logY = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("compare needs at least one CSV file") }
    }

    func run() throws {
        let runs = try reportingErrors { try RunLogReader.read(paths: files) }
        guard !runs.isEmpty else { throw fail("\(files.joined(separator: ", ")): no runs (only a header)") }
        print(RunComparison.table(runs, metric: metric), terminator: "")
        if let svg {
            try reportingErrors { try SVGChart.write(RunComparison.chart(runs, metric: metric, logCost: logY), to: svg) }
            print("chart written to \(svg)")
        }
    }
}
