import Foundation
import RunRecords

/// `compare`'s picture from plain per-run series: training cost, the ranking metric, and
/// training against held-out (validation, else test) cost, one line style per run, the legend
/// naming what differs between the runs.
public enum CompareChart {
    public struct Run: Sendable {
        public let label: String
        public let epochs: [Double]
        public let trainCost: [Double]
        /// Validation cost when the log has it, otherwise test cost (see `heldOutName`).
        public let heldOutCost: [Double]
        public let metric: [Double]
        public init(label: String, epochs: [Double], trainCost: [Double], heldOutCost: [Double], metric: [Double]) {
            self.label = label
            self.epochs = epochs
            self.trainCost = trainCost
            self.heldOutCost = heldOutCost
            self.metric = metric
        }
    }

    /// `metricName` is a run-log column (test_accuracy, val_cost, …); `heldOutName` is
    /// "validation" or "test".
    public static func svg(_ runs: [Run], title: String, metricName: String, heldOutName: String,
                           scale: ChartStyle.Scale, hover: Bool = false) -> String {
        func series(_ values: (Run) -> [Double], companion: Bool = false, valueName: String? = nil) -> [ChartSeries] {
            runs.enumerated().map { i, run in
                ChartSeries(name: run.label, points: Array(zip(run.epochs, values(run))).map { (x: $0.0, y: $0.1) }, style: i,
                            companion: companion, valueName: valueName)
            }
        }
        let isAccuracy = metricName.hasSuffix("accuracy")
        let metricTitle = metricName.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "val ", with: "validation ")
        let cost = ChartPanel(title: "Training cost", xLabel: "epoch", yLabel: "mean cross-entropy (training set)",
                              series: series(\.trainCost), scale: scale)
        let metric = ChartPanel(title: metricTitle, xLabel: "epoch",
                                yLabel: isAccuracy ? "accuracy" : "mean cross-entropy",
                                series: series(\.metric), scale: isAccuracy ? .linear : scale, yAsPercent: isAccuracy)
        let both = ChartPanel(title: "Training and \(heldOutName) cost", xLabel: "epoch", yLabel: "mean cross-entropy",
                              series: series(\.trainCost, valueName: "training cost") + series(\.heldOutCost, companion: true, valueName: "\(heldOutName) cost"), scale: scale,
                              key: "solid, filled markers: training · dotted, open markers: \(heldOutName)")
        var panels = [cost, metric, both]
        if metricName == "train_cost" { panels.remove(at: 1) }
        return SVGChart.document(title: title, panels: panels, legend: runs.map(\.label), panelWidth: 420, hover: hover)
    }
}

extension RunHistory {
    /// What may tell runs apart in a legend, in the order it is written (`adam γ=0.001`).
    public var legendAttributes: [(key: String, value: String)] {
        [("", dataset), ("", optimizer), ("", schedule), ("γ", lr0), ("B", batchSize), ("hidden", hidden), ("seed", seed)]
    }
}

extension RunComparison {
    /// Legend labels naming what differs between `runs`.
    public static func legendLabels(_ runs: [RunHistory]) -> [String] {
        DifferenceLabels.labels(names: runs.map(\.name), attributes: runs.map(\.legendAttributes))
    }

    /// The chart for runs read from logs. Held-out cost: the validation cost when every run
    /// has a validation set (run log v2 with --validation), otherwise the test cost.
    public static func chart(_ runs: [RunHistory], metric: Metric, scale: ChartStyle.Scale = .auto, title: String? = nil,
                             hover: Bool = false) -> String {
        let labels = legendLabels(runs)
        let validation = runs.allSatisfy(\.hasValidation)
        let curves = zip(runs, labels).map { run, label in
            CompareChart.Run(label: label, epochs: run.epochs.map { Double($0.epoch) }, trainCost: run.epochs.map(\.trainCost),
                             heldOutCost: run.epochs.map { validation ? $0.valCost ?? .nan : $0.testCost },
                             metric: run.epochs.map { $0.value(of: metric) })
        }
        let shown = metric == .trainCost ? Metric.testAccuracy : metric
        return CompareChart.svg(curves, title: title ?? "Comparison of \(runs.count) Run\(runs.count == 1 ? "" : "s")",
                                metricName: shown.rawValue, heldOutName: validation ? "validation" : "test", scale: scale, hover: hover)
    }

    /// Kept for the fuzz harness: `logCost` forces a log cost axis.
    public static func chart(_ runs: [RunHistory], metric: Metric, logCost: Bool) -> String {
        chart(runs, metric: metric, scale: logCost ? .log : .auto)
    }
}
