import Support
import RunRecords

/// The compare table as cells, for the HTML report (the text table is RunComparison.table).
extension RunComparison {
    public static func htmlTable(_ runs: [RunHistory], metric: Metric) -> HTMLReport.Table {
        // Keyed by run (run_id, or a v1 run's identifying columns): names may repeat.
        let labels = Dictionary(zip(runs.map(\.key), legendLabels(runs)), uniquingKeysWith: { a, _ in a })
        func show(_ value: Double) -> String {
            metric.isAccuracy ? formatFixed(value * 100, digits: 2) + "%" : formatFixed(value, digits: 4)
        }
        let header = ["run", "run_id", "what differs", "optimizer", "schedule", "lr0", "epochs", "best \(metric.rawValue)", "best epoch",
                      "final \(metric.rawValue)", "final train_cost", "final test_cost", "s/epoch"]
        let rows = summaries(runs, metric: metric).map { s in
            [s.run.name, s.run.runID ?? "(v1)", labels[s.run.key] ?? "", s.run.optimizer, s.run.schedule, s.run.lr0, String(s.run.epochs.count),
             show(s.best.value(of: metric)), String(s.best.epoch), show(s.final.value(of: metric)),
             formatFixed(s.final.trainCost, digits: 4), formatFixed(s.final.testCost, digits: 4), formatFixed(s.meanSeconds, digits: 3)]
        }
        return HTMLReport.Table(header: header, rows: rows, numeric: [5, 6, 7, 8, 9, 10, 11, 12])
    }
}
