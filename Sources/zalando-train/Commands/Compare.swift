import ArgumentParser
import Training

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read CSV run logs and show the runs side by side: a table, a chart (--svg, --png, --pdf) and a page (--html).",
        usage: "zalando-train compare <file> ... [<options>]")

    @Argument(help: ArgumentHelp("CSV run logs written by train --csv.", valueName: "file"), completion: .file())
    var files: [String]
    @Option(help: "Column to rank by (costs rank low first).")
    var metric: Metric = .testAccuracy
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
        print(RunComparison.table(runs, metric: metric), terminator: "")
        if !picture.outputs.isEmpty {
            let written = try picture.write(RunComparison.chart(runs, metric: metric, scale: picture.scale, title: picture.title))
            print("chart written to \(written)")
        }
        if let html {
            let title = picture.title ?? "Comparison of \(runs.count) run\(runs.count == 1 ? "" : "s")"
            let chart = RunComparison.chart(runs, metric: metric, scale: picture.scale, title: title, hover: true)
            let labels = RunComparison.legendLabels(runs)
            let page = HTMLReport.page(title: title, table: RunComparison.htmlTable(runs, metric: metric), charts: [chart],
                                       flags: zip(runs, labels).map { ("\($0.name) (\($1))", "") })
            try reportingErrors { try HTMLReport.write(page, to: html) }
            print("report written to \(html)")
        }
    }
}
