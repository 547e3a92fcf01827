import Foundation
import RunRecords

/// `compare`'s picture (DESIGN.md "compare", Filters and size): per configuration (seeds
/// grouped, as the table groups them) one line through the mean over seeds with a band of ± one
/// sample sd, in a look fixed by the configuration's id, a ring at its best epoch, the legend in
/// the table's order. Panels: training cost, the ranking metric, and training against held-out
/// (validation, else test) cost.
public enum CompareChart {
    /// What `--panels` names.
    public enum Panel: String, CaseIterable, Sendable { case cost, metric, overfit }

    /// Mean and sample sd over seeds at each epoch (sd nil where fewer than two seeds have the epoch).
    public struct Curve: Sendable {
        public let epochs: [Double]
        public let mean: [Double]
        public let sd: [Double?]
        public init(epochs: [Double], mean: [Double], sd: [Double?]) { self.epochs = epochs; self.mean = mean; self.sd = sd }

        /// The curve of each seed's value by epoch, at `epochs` (each over the seeds that have it).
        public init(epochs: [Int], seeds: [[Int: Double]]) {
            self.epochs = epochs.map(Double.init)
            var mean: [Double] = [], sd: [Double?] = []
            for epoch in epochs {
                let estimate = ConfigurationTable.Estimate(seeds.compactMap { $0[epoch] })
                mean.append(estimate.mean)
                sd.append(estimate.sd)
            }
            self.mean = mean
            self.sd = sd
        }

        var points: [(x: Double, y: Double)] { zip(epochs, mean).map { (x: $0.0, y: $0.1) } }
        var band: [(x: Double, low: Double, high: Double)] {
            zip(epochs, zip(mean, sd)).compactMap { x, value in value.1.map { (x: x, low: value.0 - $0, high: value.0 + $0) } }
        }

        /// The mean at `epoch`, interpolated between the epochs around it (a median of two best
        /// epochs may fall between them).
        func value(at epoch: Double) -> Double? {
            if let at = epochs.firstIndex(of: epoch) { return mean[at] }
            guard let after = epochs.firstIndex(where: { $0 > epoch }), after > 0 else { return nil }
            let t = (epoch - epochs[after - 1]) / (epochs[after] - epochs[after - 1])
            return mean[after - 1] + t * (mean[after] - mean[after - 1])
        }
    }

    public struct Configuration: Sendable {
        public let id: String
        public let label: String
        public let seeds: Int
        public let trainCost: Curve
        /// Validation cost when every run has it, otherwise test cost (see `heldOutName`).
        public let heldOutCost: Curve
        public let metric: Curve
        /// The median over seeds of each run's best epoch (the table's "best epoch").
        public let bestEpoch: Double
        public init(id: String, label: String, seeds: Int, trainCost: Curve, heldOutCost: Curve, metric: Curve, bestEpoch: Double) {
            self.id = id; self.label = label; self.seeds = seeds
            self.trainCost = trainCost; self.heldOutCost = heldOutCost; self.metric = metric; self.bestEpoch = bestEpoch
        }
    }

    /// `metricName` is a run-log column (test_accuracy, val_cost, …); `heldOutName` is
    /// "validation" or "test". `bestOn`: the panel whose values are the ranking metric's, where
    /// the best-epoch rings go (`cost` when ranking by train_cost).
    public static func svg(_ configurations: [Configuration], title: String, metricName: String, heldOutName: String,
                           scale: ChartStyle.Scale, panels chosen: [Panel] = Panel.allCases, bestOn: Panel = .metric,
                           width: ChartLayout.Width = .wide, hover: Bool = false) -> String {
        let looks = configurations.map { ChartStyle.look(configurationID: $0.id) }
        func series(_ curve: (Configuration) -> Curve, companion: Bool = false, valueName: String? = nil, solid: Bool = false) -> [ChartSeries] {
            zip(configurations, looks).enumerated().map { i, pair in
                let (c, look) = pair
                var s = ChartSeries(name: c.label, points: curve(c).points, style: i, companion: companion, valueName: valueName)
                // Where training and held-out cost share a panel, solid and dotted say which is
                // which, so the configuration's own dash is left out there.
                s.look = solid ? ChartLook(color: look.color, dash: "", marker: look.marker) : look
                s.config = c.id
                s.band = curve(c).band
                return s
            }
        }
        let isAccuracy = metricName.hasSuffix("accuracy")
        let metricTitle = metricName.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "val ", with: "validation ")
        var built: [Panel: ChartPanel] = [:]
        built[.cost] = ChartPanel(title: "Training cost", xLabel: "epoch", yLabel: "mean cross-entropy (training set)",
                                  series: series(\.trainCost), scale: scale)
        built[.metric] = ChartPanel(title: metricTitle, xLabel: "epoch", yLabel: isAccuracy ? "accuracy" : "mean cross-entropy",
                                    series: series(\.metric), scale: isAccuracy ? .linear : scale, yAsPercent: isAccuracy)
        if isAccuracy { built[.metric]?.yBounds = 0...1 }  // mean ± sd of an accuracy can pass 100%
        built[.overfit] = ChartPanel(title: "Training and \(heldOutName) cost", xLabel: "epoch", yLabel: "mean cross-entropy",
                                     series: series(\.trainCost, valueName: "training cost", solid: true)
                                        + series(\.heldOutCost, companion: true, valueName: "\(heldOutName) cost"),
                                     scale: scale, key: "solid, filled markers: training · dotted, open markers: \(heldOutName)")
        if var panel = built[bestOn] {
            let curve: (Configuration) -> Curve = bestOn == .cost ? { $0.trainCost } : { $0.metric }
            panel.marks = zip(configurations, looks).enumerated().compactMap { i, pair in
                let (c, look) = pair
                guard let y = curve(c).value(at: c.bestEpoch) else { return nil }
                var mark = ChartMark(name: "best epoch", series: c.label, x: c.bestEpoch, y: y, style: i)
                mark.look = look
                mark.config = c.id
                mark.labelled = false
                mark.role = "best"
                return mark
            }
            built[bestOn] = panel
        }
        let panels = chosen.compactMap { built[$0] }
        let entries = zip(configurations, looks).map { c, look in
            LegendEntry(name: c.label, look: look, config: c.id, band: c.seeds > 1)
        }
        var key = ["line: mean over seeds", "band: ± 1 sd"]
        if chosen.contains(bestOn) { key.append("ring: best epoch (median)") }
        if configurations.contains(where: { $0.seeds == 1 }) { key.append("one seed: no band") }
        let layout = ChartLayout.make(width, panels: panels.count, widePanelWidth: 420)
        // A lone panel keeps its title too: the picture's ("Comparison of 4 Configurations")
        // does not say what is drawn.
        return SVGChart.document(title: title, panels: panels, entries: entries, key: key, layout: layout, panelTitles: true, hover: hover)
    }
}

extension RunHistory {
    /// What may tell runs apart in a legend, in the order it is written (`adam γ=0.001`).
    public var legendAttributes: [(key: String, value: String)] {
        [("", dataset), ("", optimizer), ("", schedule), ("γ", lr0), ("B", batchSize), ("hidden", hidden), ("seed", seed)]
    }

    /// Whether the logged name is one a person gave (`--run-name`) rather than train's default:
    /// a default name (v2) begins with the optimizer and `lr=` (RunIdentity.readableName). A v1
    /// row cannot tell, so its name counts as a default.
    var hasGivenName: Bool {
        guard flags != nil else { return false }
        return !loggedName.hasPrefix("\(optimizer) lr=")
    }
}

extension RunComparison {
    /// Legend labels naming what differs between `runs`.
    public static func legendLabels(_ runs: [RunHistory]) -> [String] {
        DifferenceLabels.labels(names: runs.map(\.name), attributes: runs.map(\.legendAttributes))
    }

    /// The chart for runs read from logs: their configurations ranked by `metric` (the table's).
    public static func chart(_ runs: [RunHistory], metric: Metric, scale: ChartStyle.Scale = .auto, title: String? = nil,
                             hover: Bool = false) -> String {
        let configurations = ConfigurationTable.configurations(ConfigurationTable.distinct(runs), metric: metric, target: nil)
        return ConfigurationTable.chart(configurations, metric: metric, scale: scale, title: title, hover: hover)
    }

    /// Kept for the fuzz harness: `logCost` forces a log cost axis.
    public static func chart(_ runs: [RunHistory], metric: Metric, logCost: Bool) -> String {
        chart(runs, metric: metric, scale: logCost ? .log : .auto)
    }
}

extension ConfigurationTable {
    /// Legend labels, one per configuration: a name given with --run-name as it was given (its
    /// seed term aside); otherwise what tells the configurations apart (`adam γ=0.001`, seeds
    /// left out: they are grouped), and where that is shared, the other flags that tell those
    /// apart (`sgd inverse-time γ=0.1 (decay-rate=0.5)`: the run name there repeated the label).
    /// Two configurations that would still share a label get their ids.
    public static func chartLabels(_ configurations: [Configuration]) -> [String] {
        let runs = configurations.map { $0.members[0].run }
        let attributes = runs.map { Array($0.legendAttributes.dropLast()) }
        let keys = attributes.map { $0.map(\.value).joined(separator: "\u{1}") }
        // A lone configuration is called by its name (nothing to tell it from).
        var extra = configurations.map(\.name)
        for key in Set(keys) {
            let group = keys.indices.filter { keys[$0] == key }
            guard group.count > 1 else { continue }
            let flags = RunComparison.differingFlags(group.map { runs[$0] }, ignoring: ["--seed"])
            for (i, text) in zip(group, flags) { extra[i] = text.isEmpty ? configurations[i].id : text }
        }
        let differing = DifferenceLabels.labels(names: extra, attributes: attributes)
        let labels = zip(configurations, differing).map { c, label in c.members[0].run.hasGivenName ? c.name : label }
        let counts = Dictionary(labels.map { ($0, 1) }, uniquingKeysWith: +)
        return zip(labels, configurations).map { counts[$0]! > 1 ? "\($0) (\($1.id))" : $0 }
    }

    /// The picture of `configurations` (ranked, filtered: the table's), one line and band each.
    /// Held-out cost: the validation cost when every run has a validation set (run log v2 with
    /// --validation), otherwise the test cost.
    public static func chart(_ configurations: [Configuration], metric: Metric, scale: ChartStyle.Scale = .auto, title: String? = nil,
                             panels: [CompareChart.Panel] = CompareChart.Panel.allCases, width: ChartLayout.Width = .wide,
                             hover: Bool = false) -> String {
        let runs = configurations.flatMap { $0.members.map(\.run) }
        let validation = runs.allSatisfy(\.hasValidation)
        let labels = chartLabels(configurations)
        let shown = metric == .trainCost ? Metric.testAccuracy : metric
        let curves = zip(configurations, labels).map { c, label -> CompareChart.Configuration in
            var epochs = Set<Int>()
            for m in c.members { for r in m.run.epochs { epochs.insert(r.epoch) } }
            let order = epochs.sorted()
            func curve(_ value: (EpochRecord) -> Double) -> CompareChart.Curve {
                CompareChart.Curve(epochs: order, seeds: c.members.map { m in
                    Dictionary(m.run.epochs.map { ($0.epoch, value($0)) }, uniquingKeysWith: { _, last in last })
                })
            }
            return CompareChart.Configuration(id: c.id, label: label, seeds: c.members.count, trainCost: curve(\.trainCost),
                                              heldOutCost: curve { validation ? $0.valCost ?? .nan : $0.testCost },
                                              metric: curve { $0.value(of: shown) }, bestEpoch: c.medianBestEpoch)
        }
        let count = "\(configurations.count) Configuration\(configurations.count == 1 ? "" : "s")"
        let defaultTitle = "Comparison of \(count), \(runs.count) Run\(runs.count == 1 ? "" : "s")"
        return CompareChart.svg(curves, title: title ?? defaultTitle, metricName: shown.rawValue, heldOutName: validation ? "validation" : "test",
                                scale: scale, panels: panels, bestOn: metric == .trainCost ? .cost : .metric, width: width, hover: hover)
    }
}
