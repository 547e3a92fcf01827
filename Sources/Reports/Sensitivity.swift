import Support
import RunRecords

/// `compare --by FLAG` (DeepOBS's learning-rate sensitivity): per optimizer and schedule, the
/// best metric of each configuration (mean over seeds with its 95% interval, ConfigurationTable's
/// estimate) against the configuration's value of a numeric flag, as a table and as a chart with
/// the intervals as error bars (a log x axis when the values are positive and span a factor of
/// ten or more, as rates do).
public enum Sensitivity {
    public struct Point: Sendable {
        public let group: String
        public let value: Double
        public let configuration: ConfigurationTable.Configuration
    }

    /// The flag's value in a configuration (its first run's flags; seeds share every other flag).
    static func value(of flag: String, in configuration: ConfigurationTable.Configuration) -> String? {
        RunComparison.configuration(of: configuration.members[0].run).first { $0.flag == "--" + flag }?.value
    }

    /// The points, grouped by optimizer and schedule (groups in ranking order of their best
    /// configuration, values ascending); the problem in one line when the flag is in no run or
    /// has a value that is not a number.
    public static func points(_ configurations: [ConfigurationTable.Configuration], by flag: String) -> Result<[Point], FilterProblem> {
        let name = flag.hasPrefix("--") ? String(flag.dropFirst(2)) : flag
        var points: [Point] = []
        var groups: [String] = []
        for c in configurations {
            guard let text = value(of: name, in: c) else { continue }
            guard let x = Double(text), x.isFinite else {
                return .failure(FilterProblem(message: "--by \(name): \"\(text)\" (in \(c.id)) is not a number", isUsage: true))
            }
            let run = c.members[0].run
            let group = "\(run.optimizer) · \(run.schedule)"
            if !groups.contains(group) { groups.append(group) }
            points.append(Point(group: group, value: x, configuration: c))
        }
        if points.isEmpty {
            var keys: [String] = []
            for c in configurations {
                for term in RunComparison.configuration(of: c.members[0].run) where !keys.contains(String(term.flag.dropFirst(2))) {
                    keys.append(String(term.flag.dropFirst(2)))
                }
            }
            return .failure(FilterProblem(message: "--by \(name): no run has \(name) (flags: \(keys.joined(separator: ", ")))", isUsage: true))
        }
        return .success(points.enumerated().sorted { a, b in
            let ga = groups.firstIndex(of: a.1.group)!, gb = groups.firstIndex(of: b.1.group)!
            if ga != gb { return ga < gb }
            if a.1.value != b.1.value { return a.1.value < b.1.value }
            return a.0 < b.0
        }.map(\.1))
    }

    public static func table(_ points: [Point], flag: String, metric: Metric) -> ExportTable {
        func show(_ x: Double) -> String { metric.isAccuracy ? formatFixed(x * 100, digits: 2) + "%" : formatFixed(x, digits: 4) }
        let header = ["optimizer · schedule", flag, "n", "best \(metric.rawValue) (mean ± sd)", "95% interval", "config_id"]
        let cells = points.map { p -> [String] in
            let e = p.configuration.best
            return [p.group, formatCompact(p.value), String(e.count), show(e.mean) + (e.sd.map { " ± " + show($0) } ?? ""),
                    e.low.map { "[\(show($0)), \(show(e.high!))]" } ?? "-", p.configuration.id]
        }
        let fields = ["optimizer", "schedule", flag, "n", "\(metric.rawValue)_mean", "\(metric.rawValue)_sd",
                      "\(metric.rawValue)_ci95_low", "\(metric.rawValue)_ci95_high", "config_id"]
        let records = points.map { p -> [ExportTable.Value] in
            let e = p.configuration.best, run = p.configuration.members[0].run
            func optional(_ x: Double?) -> ExportTable.Value { x.map { .number($0) } ?? .null }
            return [.text(run.optimizer), .text(run.schedule), .number(p.value), .integer(e.count), .number(e.mean),
                    optional(e.sd), optional(e.low), optional(e.high), .text(p.configuration.id)]
        }
        return ExportTable(name: "sensitivity",
                           caption: "sensitivity: best \(metric.rawValue) against \(flag) per optimizer and schedule (mean ± sd over seeds, 95% interval)",
                           header: header, cells: cells, rightAligned: [1, 2, 3, 4], fields: fields, records: records)
    }

    /// The chart: one line per optimizer and schedule through the means, each mean's interval an
    /// error bar.
    public static func chart(_ points: [Point], flag: String, metric: Metric, title: String? = nil, width: ChartLayout.Width = .wide,
                             hover: Bool = false) -> String {
        var groups: [String] = []
        for p in points where !groups.contains(p.group) { groups.append(p.group) }
        let series = groups.enumerated().map { style, group in
            ChartSeries(name: group, points: points.filter { $0.group == group }.map { ($0.value, $0.configuration.best.mean) }, style: style,
                        valueName: "mean best \(metric.rawValue)")
        }
        let values = points.map(\.value)
        // The key's heading is the panel's title, title-cased: say the metric in words.
        let metricWords = metric.rawValue.replacingOccurrences(of: "val_", with: "validation_").replacingOccurrences(of: "_", with: " ")
        var panel = ChartPanel(title: "best \(metricWords)", xLabel: flag, yLabel: "best \(metric.rawValue)",
                               series: series, scale: .linear, yAsPercent: metric.isAccuracy,
                               key: "line: mean over seeds · bars: 95% interval")
        if metric.isAccuracy { panel.yBounds = 0...1 }
        panel.logX = values.allSatisfy { $0 > 0 } && (values.max() ?? 1) >= 10 * (values.min() ?? 1)
        panel.errorBars = points.compactMap { p in
            let e = p.configuration.best
            guard let low = e.low, let high = e.high else { return nil }
            var bar = ChartErrorBar(series: p.group, x: p.value, low: low, high: high, style: groups.firstIndex(of: p.group)!)
            bar.config = p.configuration.id
            return bar
        }
        return SVGChart.document(title: title ?? "Sensitivity to \(flag)", panels: [panel],
                                 entries: groups.enumerated().map { LegendEntry(name: $1, look: ChartStyle.look($0)) },
                                 layout: .make(width, panels: 1), hover: hover)
    }
}
