/// `compare`: one line per run — optimizer, schedule, lr0, epochs, best and final value of the
/// metric, final training cost, mean seconds per epoch — sorted best first.
public enum RunComparison {
    public struct Summary: Sendable {
        public let run: RunHistory
        public let best: EpochRecord
        public let final: EpochRecord
        public let meanSeconds: Double
    }

    public static func summaries(_ runs: [RunHistory], metric: Metric) -> [Summary] {
        runs.compactMap { run -> Summary? in
            guard let final = run.epochs.last else { return nil }
            let best = run.epochs.max { a, b in
                let (x, y) = (a.value(of: metric), b.value(of: metric))
                // NaN is never best; ties go to the earlier epoch.
                if x.isNaN { return !y.isNaN ? true : false }
                if y.isNaN { return false }
                return metric.higherIsBetter ? x < y : x > y
            }!
            let mean = run.epochs.map(\.seconds).reduce(0, +) / Double(run.epochs.count)
            return Summary(run: run, best: best, final: final, meanSeconds: mean)
        }.sorted { a, b in
            let (x, y) = (a.best.value(of: metric), b.best.value(of: metric))
            if x.isNaN != y.isNaN { return y.isNaN }
            return metric.higherIsBetter ? x > y : x < y
        }
    }

    public static func table(_ runs: [RunHistory], metric: Metric) -> String {
        let rows = summaries(runs, metric: metric)
        func show(_ value: Double) -> String {
            metric.isAccuracy ? formatFixed(value * 100, digits: 2) + "%" : formatFixed(value, digits: 4)
        }
        let header = ["run", "optimizer", "schedule", "lr0", "epochs", "best \(metric.rawValue) (epoch)",
                      "final \(metric.rawValue)", "final train_cost", "s/epoch"]
        let body = rows.map { s in
            [s.run.name, s.run.optimizer, s.run.schedule, s.run.lr0, String(s.run.epochs.count),
             "\(show(s.best.value(of: metric))) (\(s.best.epoch))", show(s.final.value(of: metric)),
             formatFixed(s.final.trainCost, digits: 4), formatFixed(s.meanSeconds, digits: 3)].map(escapedForTerminal)
        }
        let widths = header.indices.map { c in ([header[c]] + body.map { $0[c] }).map(\.count).max()! }
        let numeric: Set<Int> = [3, 4, 5, 6, 7, 8]
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, text in
                numeric.contains(c) ? text.leftPadded(to: widths[c], with: " ") : text.rightPadded(to: widths[c])
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return ([line(header)] + body.map(line)).joined(separator: "\n") + "\n"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
