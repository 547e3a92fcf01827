import ArgumentParser
import Training
import Reports
import RunRecords
import Support

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read CSV run logs and show the runs side by side: a table, a chart (--svg, --png, --pdf) and a page (--html).",
        usage: "zalando-train compare <file-or-dir> ... [<options>]",
        discussion: """
            Runs are keyed by run_id (v1 logs: by their name and identifying columns), never merged \
            by name. The default metric is val_accuracy when every run has a validation set, \
            otherwise test_accuracy, with a note that choosing by it overstates it. Runs that differ \
            only in --seed are also summarised as one configuration (mean ± sd).
            """)

    @Argument(help: ArgumentHelp("CSV run logs written by train --csv (v2 or v1), or sweep folders (every DIR/<run_id>/run.csv).", valueName: "file-or-dir"), completion: .file())
    var files: [String]
    @Option(help: "Column to rank by (costs rank low first; default: val_accuracy when every run has validation, else test_accuracy).")
    var metric: Metric?
    @OptionGroup(title: "Picture") var picture: PictureOptions
    @Option(help: ArgumentHelp("Write one self-contained HTML page: the sortable table, the charts, each run's flags.", valueName: "file"), completion: .file())
    var html: String?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("compare needs at least one CSV file") }
        try picture.check(extra: html.map { [PictureOutput(.html, $0)] } ?? [], inputs: files)
    }

    func run() throws {
        let runs = try reportingErrors { try RunLogReader.read(paths: files) }
        guard !runs.isEmpty else { throw fail("\(files.joined(separator: ", ")): no runs (only a header)") }
        let (chosen, note) = metric.map { ($0, nil) } ?? RunComparison.defaultMetric(runs)
        print(RunComparison.table(runs, metric: chosen), terminator: "")
        if let note { print(note) }
        if !picture.outputs.isEmpty {
            let written = try picture.write(RunComparison.chart(runs, metric: chosen, scale: picture.scale, title: picture.title))
            print("chart written to \(written)")
        }
        if let html {
            let title = picture.title ?? "Comparison of \(runs.count) Run\(runs.count == 1 ? "" : "s")"
            let chart = RunComparison.chart(runs, metric: chosen, scale: picture.scale, title: title, hover: true)
            let labels = RunComparison.legendLabels(runs)
            let page = HTMLReport.page(title: title, table: RunComparison.htmlTable(runs, metric: chosen), charts: [chart],
                                       flags: zip(runs, labels).map { ("\($0.name) (\($1))", $0.flags ?? "") })
            try reportingErrors { try HTMLReport.write(page, to: html) }
            print("report written to \(html)")
        }
    }
}
