import ArgumentParser
import Training

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read CSV run logs and show the runs side by side: a table, and with --svg a chart.",
        discussion: """
            Runs are keyed by run_id (v1 logs: by their name and identifying columns), never merged \
            by name. The default metric is val_accuracy when every run has a validation set, \
            otherwise test_accuracy, with a note that choosing by it overstates it. Runs that differ \
            only in --seed are also summarised as one configuration (mean ± sd).
            """)

    @Argument(help: ArgumentHelp("CSV run logs written by train --csv (v2 or v1).", valueName: "file"))
    var files: [String]
    @Option(help: "Column to rank by: val_accuracy, test_accuracy, train_accuracy, val_cost, test_cost or train_cost (costs rank low first). Default: val_accuracy when every run has validation, else test_accuracy.", transform: choice)
    var metric: Metric?
    @Option(help: ArgumentHelp("Write an SVG chart: training cost and the metric against epoch, one line per run.", valueName: "file"))
    var svg: String?
    @Flag(name: .customLong("log-y"), help: "Log scale for the cost axis of the chart.")
    var logY = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("compare needs at least one CSV file") }
    }

    func run() throws {
        if let svg { try reportingErrors { try OutputPath.check(svg, flag: "--svg", kind: .svg, inputs: files) } }
        let runs = try reportingErrors { try RunLogReader.read(paths: files) }
        guard !runs.isEmpty else { throw fail("\(files.joined(separator: ", ")): no runs (only a header)") }
        let (chosen, note) = metric.map { ($0, nil) } ?? RunComparison.defaultMetric(runs)
        print(RunComparison.table(runs, metric: chosen), terminator: "")
        if let note { print(note) }
        if let svg {
            try reportingErrors { try SVGChart.write(RunComparison.chart(runs, metric: chosen, logCost: logY), to: svg) }
            print("chart written to \(svg)")
        }
    }
}
