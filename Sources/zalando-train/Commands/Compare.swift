import ArgumentParser
import Foundation
import Training
import Reports
import RunRecords
import Support

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read CSV run logs and answer which configuration is best, by how much and how sure: tables, a chart (--svg, --png, --pdf) and a page (--html).",
        usage: "zalando-train compare <file-or-dir> ... [<options>]",
        discussion: """
            Runs that differ only in --seed (and --epochs) are one configuration; the table has one \
            row per configuration, best mean first: n seeds, mean ± sample sd of the best metric, \
            the 95% Student-t interval of the mean, the test accuracy at each run's best epoch, and \
            "≈ best" where the interval overlaps the best one's. --runs adds the table of runs. \
            Runs are keyed by run_id (v1 logs: by their name and identifying columns), never merged \
            by name, and one run_id counts once. The default metric is val_accuracy when every run \
            has a validation set, otherwise test_accuracy, with a note that choosing by it overstates it.
            """)

    @Argument(help: ArgumentHelp("CSV run logs written by train --csv (v2 or v1), or folders: a sweep folder (every DIR/<run_id>/run.csv) or any folder of run logs (its *.csv files that are run logs).", valueName: "file-or-dir"), completion: .file())
    var files: [String]
    @Option(help: "Column to rank by (costs rank low first; default: val_accuracy when every run has validation, else test_accuracy).")
    var metric: Metric?
    @Option(help: ArgumentHelp("Time to a target: per run the first epoch, updates and seconds at which METRIC reaches V (or never), per configuration the median over seeds and how many reached it (e.g. val_accuracy=0.87; default: none).", valueName: "metric=value"))
    var target: String?
    @Option(name: .customLong("rank-by"), help: "Rank configurations by their mean best metric, or by their median updates to --target (default: metric).")
    var rankBy: ConfigurationTable.Ranking = .metric
    @Option(name: .customLong("where"), help: ArgumentHelp("Keep only runs whose flag KEY has one of the values (repeatable; also config=ID, run_id=ID; e.g. optimizer=adam,sgd; default: every run).", valueName: "key=value[,value…]"))
    var filters: [String] = []
    @Option(help: ArgumentHelp("Keep the N best configurations (after --where; default: all).", valueName: "n"))
    var top: Int?
    @Option(name: .customLong("by"), help: ArgumentHelp("Sensitivity: the best metric (mean, 95% interval) against this numeric flag per optimizer and schedule, as a table and, with --svg/--png/--pdf, as the chart (e.g. lr; default: none).", valueName: "flag"))
    var by: String?
    @Flag(help: "Also print the table of runs (one row per run: best with its epoch, test accuracy there, final values).")
    var runs = false
    @Option(help: "How to print the tables: text, csv, markdown, latex or json (csv and json: full precision, every bound its own field; notes then go to standard error).")
    var format: TableFormat = .text
    @OptionGroup(title: "Picture") var picture: PictureOptions
    @Option(help: ArgumentHelp("Panels of the curves chart, in this order: cost (training cost), metric (the ranking metric, with a ring at each configuration's best epoch), overfit (training against held-out cost); with --by, --svg/--png/--pdf draw the sensitivity chart instead (e.g. cost,metric; default: cost,metric,overfit).", valueName: "name[,name…]"))
    var panels: ChoiceList<CompareChart.Panel>?
    @Option(help: "Size of the chart: column (3.5 in, one column of a paper, panels stacked, no text under 7 pt in print), paper (6.5 in, a full text width), or wide (for a screen; default).")
    var width: ChartLayout.Width?
    @Option(help: ArgumentHelp("Write one self-contained HTML page: the same tables (sortable), the band charts with the values under the pointer and highlighting by configuration, each run's flags.", valueName: "file"), completion: .file())
    var html: String?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("compare needs at least one CSV file") }
        if let target, case .failure(let problem) = Target.parse(target) { throw ValidationError("--target \(target): \(problem.message)") }
        if rankBy == .target && target == nil { throw ValidationError("--rank-by target needs --target METRIC=V") }
        if let top, top < 1 { throw ValidationError("--top \(top): keep at least one configuration (N ≥ 1)") }
        // Configurations group the seeds and epoch counts of a run: against them there is nothing to plot.
        if let by, ["seed", "epochs"].contains(by) {
            throw ValidationError("--by \(by): configurations group runs over --seed and --epochs, so a configuration has no one \(by); choose a flag that tells configurations apart (e.g. lr)")
        }
        for filter in filters where ConfigurationFilter(filter) == nil {
            throw ValidationError("--where \(filter): expected KEY=VALUE or KEY=V1,V2 (e.g. optimizer=adam)")
        }
        if let panels, let twice = panels.repeated {
            throw ValidationError("--panels \(panels.defaultValueDescription): \(twice.rawValue) is named twice")
        }
        // Said, not ignored: without a picture the flag would change nothing.
        if picture.outputs.isEmpty {
            if let width { throw ValidationError("--width \(width.rawValue): sizes the chart; add --svg, --png or --pdf") }
            if let panels, html == nil { throw ValidationError("--panels \(panels.defaultValueDescription): chooses the chart's panels; add --svg, --png, --pdf or --html") }
        }
        try picture.check(extra: html.map { [PictureOutput(.html, $0)] } ?? [], inputs: files)
    }

    var chosenPanels: [CompareChart.Panel] { panels?.items ?? CompareChart.Panel.allCases }

    func run() throws {
        let read = try reportingErrors { try RunLogReader.read(paths: files) }
        guard !read.isEmpty else { throw fail("\(files.joined(separator: ", ")): no runs (only a header)") }
        var all = ConfigurationTable.distinct(read)
        switch ConfigurationFilter.apply(filters.compactMap(ConfigurationFilter.init), to: all) {
        case .success(let kept): all = kept
        case .failure(let problem): throw fail(problem.message, status: problem.isUsage ? .usage : .failure)
        }
        let (chosen, metricNote) = metric.map { ($0, nil) } ?? RunComparison.defaultMetric(all)
        let goal = try target.map { text -> Target in
            guard case .success(let parsed) = Target.parse(text) else { throw fail("--target \(text): not a target") }
            if parsed.metric.needsValidation && !all.contains(where: \.hasValidation) {
                throw fail("--target \(text): no run has a validation set (train with --validation N)")
            }
            return parsed
        }
        var configurations = ConfigurationTable.configurations(all, metric: chosen, target: goal, ranking: rankBy)
        if let top { configurations = Array(configurations.prefix(top)) }
        let kept = Set(configurations.flatMap { $0.members.map(\.run.key) })
        let shown = all.filter { kept.contains($0.key) }

        let sensitivity = try by.map { flag -> [Sensitivity.Point] in
            switch Sensitivity.points(configurations, by: flag) {
            case .success(let points): return points
            case .failure(let problem): throw fail(problem.message, status: .usage)
            }
        }
        let byName = by.map { $0.hasPrefix("--") ? String($0.dropFirst(2)) : $0 } ?? ""

        var tables = [ConfigurationTable.table(configurations, metric: chosen, target: goal, ranking: rankBy)]
        if let sensitivity { tables.append(Sensitivity.table(sensitivity, flag: byName, metric: chosen)) }
        if runs { tables.append(RunComparison.runTable(shown, metric: chosen, target: goal)) }
        let notes = [ConfigurationTable.legend(configurations), metricNote].compactMap { $0 }
        if format == .text || format == .json {
            print(format.render(tables, metric: chosen.rawValue, notes: notes), terminator: "")
        } else {
            print(format.render(tables, metric: chosen.rawValue), terminator: "")
            fflush(nil)  // (every stream: stdout) the tables whole before any note on the other stream
            for note in notes { writeToStandardError(note + "\n") }
        }
        // What was written is said where it does not mix into a table a program reads.
        func say(_ line: String) { if format == .text { print(line) } else { fflush(nil); writeToStandardError(line + "\n") } }
        if !picture.outputs.isEmpty {
            // With --by the picture is the sensitivity chart; otherwise the runs' curves.
            let svg = sensitivity.map { Sensitivity.chart($0, flag: byName, metric: chosen, title: picture.title, width: width ?? .wide) }
                ?? ConfigurationTable.chart(configurations, metric: chosen, scale: picture.scale, title: picture.title,
                                            panels: chosenPanels, width: width ?? .wide)
            let written = try picture.write(svg)
            say("chart written to \(written)")
        }
        if let html {
            let count = "\(configurations.count) configuration\(configurations.count == 1 ? "" : "s"), \(shown.count) run\(shown.count == 1 ? "" : "s")"
            let title = picture.title ?? "Comparison of \(count)"
            // The page's heading is the title; the chart says what it draws (the title twice read as a slip).
            let chart = ConfigurationTable.chart(configurations, metric: chosen, scale: picture.scale, title: "Curves of \(count)",
                                                 panels: chosenPanels, hover: true)
            let ids = Dictionary(configurations.flatMap { c in c.members.map { ($0.run.key, c.id) } }, uniquingKeysWith: { a, _ in a })
            let page = HTMLReport.page(title: title, tables: tables,
                                       charts: [chart] + (sensitivity.map { [Sensitivity.chart($0, flag: byName, metric: chosen, hover: true)] } ?? []),
                                       runs: shown.map { HTMLReport.RunFlags(label: "\($0.name) (\($0.runID ?? "v1"))", config: ids[$0.key] ?? "", flags: $0.flags ?? "") },
                                       notes: notes)
            try reportingErrors { try HTMLReport.write(page, to: html) }
            say("report written to \(html)")
        }
    }
}
