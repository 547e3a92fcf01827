import Support
import RunRecords

/// compare's main answer (DESIGN.md "compare", Configurations): runs that differ only in --seed
/// (and --epochs) are one configuration; one row per configuration, best mean first, with n,
/// mean ± sample sd of the best metric, the 95% Student-t interval of that mean, the test
/// accuracy at each run's best epoch, the median best epoch, seconds per epoch, and `≈ best`
/// where the interval overlaps the best configuration's (these seeds cannot tell them apart).
public enum ConfigurationTable {
    /// Mean, sample sd and the 95% interval of the mean of n values (sd and interval nil for n = 1).
    public struct Estimate: Sendable {
        public let count: Int
        public let mean: Double
        public let sd: Double?
        public let low: Double?
        public let high: Double?

        public init(_ values: [Double]) {
            count = values.count
            let n = Double(values.count)
            let mean = values.reduce(0, +) / n
            self.mean = mean
            guard values.count > 1 else { sd = nil; low = nil; high = nil; return }
            let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
            self.sd = sd
            let half = StudentT.halfWidth95(sd: sd, count: values.count)!
            low = mean - half
            high = mean + half
        }

        /// Both intervals exist and share a point.
        func overlaps(_ other: Estimate) -> Bool {
            guard let low, let high, let otherLow = other.low, let otherHigh = other.high else { return false }
            return low <= otherHigh && otherLow <= high
        }
    }

    public struct Configuration: Sendable {
        public let id: String
        public let name: String
        /// One summary per run (a run_id once), best first.
        public let members: [RunComparison.Summary]
        public let best: Estimate
        /// The test accuracy at each member's best epoch.
        public let testThere: Estimate
        public let medianBestEpoch: Double
        public let secondsPerEpoch: Double
        public let target: Target.Summary?
        /// Overlaps the best configuration's interval (not the best itself).
        public var nearBest = false
        /// Seeds per configuration that would make the two intervals part, if the means and sds
        /// stayed as they are; nil when not estimable (one seed, no spread, or beyond 1,000).
        public var seedsToSeparate: Int?
    }

    public enum Ranking: String, CaseIterable, Sendable { case metric, target }

    /// Every run a run_id once (the same log given twice, or a folder and a log inside it, or a
    /// run continued in a second folder): the occurrence with the most epochs, in first-seen order.
    public static func distinct(_ runs: [RunHistory]) -> [RunHistory] {
        var longest: [String: Int] = [:]
        for (index, run) in runs.enumerated() {
            guard let id = run.runID else { continue }
            if let other = longest[id], runs[other].epochs.count >= run.epochs.count { continue }
            longest[id] = index
        }
        return runs.enumerated().filter { index, run in run.runID.map { longest[$0] == index } ?? true }.map(\.1)
    }

    /// A run's configuration id: RunIdentity's, from its flags (a v1 row: from what its columns say).
    public static func configurationID(of run: RunHistory) -> String {
        RunIdentity.configurationID(flags: run.flags ?? RunComparison.configuration(of: run).map { $0.value.isEmpty ? $0.flag : "\($0.flag) \($0.value)" }.joined(separator: " "))
    }

    /// The configurations of `runs` (distinct already), ranked: by mean best metric, or with
    /// `.target` by median updates to the target (never last), then seeds reached, then the mean.
    public static func configurations(_ runs: [RunHistory], metric: Metric, target: Target?, ranking: Ranking = .metric) -> [Configuration] {
        var order: [String] = []
        var groups: [String: [RunComparison.Summary]] = [:]
        for summary in RunComparison.summaries(runs, metric: metric) {
            let id = configurationID(of: summary.run)
            if groups[id] == nil { order.append(id) }
            groups[id, default: []].append(summary)
        }
        var configurations = order.map { id -> Configuration in
            let members = groups[id]!
            var seconds = 0.0, epochs = 0
            for m in members { for r in m.run.epochs { seconds += r.seconds }; epochs += m.run.epochs.count }
            return Configuration(id: id, name: RunComparison.configurationName(members[0].run), members: members,
                                 best: Estimate(members.map { $0.best.value(of: metric) }),
                                 testThere: Estimate(members.map(\.best.testAccuracy)),
                                 medianBestEpoch: median(members.map { Double($0.best.epoch) }),
                                 secondsPerEpoch: seconds / Double(max(epochs, 1)),
                                 target: target.map { t in t.summary(members.map { t.time(of: $0.run) }) })
        }
        configurations.sort { RunComparison.isBetter($0.best.mean, than: $1.best.mean, metric) }
        if let leader = configurations.first {
            for i in configurations.indices.dropFirst() {
                configurations[i].nearBest = configurations[i].best.overlaps(leader.best)
                if configurations[i].nearBest { configurations[i].seedsToSeparate = seedsToSeparate(leader.best, configurations[i].best) }
            }
        }
        if ranking == .target {
            // Stable: equal times keep the metric's order.
            configurations = configurations.enumerated().sorted { a, b in
                let x = a.1.target!, y = b.1.target!
                if x.medianUpdates != y.medianUpdates { return x.medianUpdates < y.medianUpdates }
                if x.reached != y.reached { return x.reached > y.reached }
                return a.0 < b.0
            }.map(\.1)
        }
        return configurations
    }

    /// The smallest m ≤ 1,000 seeds each for which the two 95% intervals, with these means and
    /// sds, would not overlap: t(m−1)·(sd₁ + sd₂)/√m < |mean₁ − mean₂|.
    static func seedsToSeparate(_ a: Estimate, _ b: Estimate) -> Int? {
        guard let sa = a.sd, let sb = b.sd, sa + sb > 0 else { return nil }
        let gap = abs(a.mean - b.mean)
        let fewest = max(a.count, b.count, 2)
        guard gap > 0, fewest <= 1000 else { return nil }
        for m in fewest...1000 where StudentT.quantile(0.975, degreesOfFreedom: Double(m - 1)) * (sa + sb) / Double(m).squareRoot() < gap {
            return m
        }
        return nil
    }

    // MARK: - The table

    public static func table(_ configurations: [Configuration], metric: Metric, target: Target?, ranking: Ranking = .metric) -> ExportTable {
        let withTest = metric != .testAccuracy
        let differs = RunComparison.differingFlags(configurations.map { $0.members[0].run }, ignoring: ["--seed"], ownColumns: false)
        func show(_ x: Double, _ accuracy: Bool) -> String {
            x.isNaN ? "-" : accuracy ? formatFixed(x * 100, digits: 2) + "%" : formatFixed(x, digits: 4)
        }
        func meanSD(_ e: Estimate, _ accuracy: Bool) -> String {
            show(e.mean, accuracy) + (e.sd.map { " ± " + show($0, accuracy) } ?? "")
        }
        func interval(_ e: Estimate, _ accuracy: Bool) -> String {
            guard let low = e.low, let high = e.high else { return "-" }
            return "[\(show(low, accuracy)), \(show(high, accuracy))]"
        }
        func count(_ x: Double) -> String { x.isInfinite ? "never" : formatCompact(x) }

        var header = ["configuration", "config_id", "differs", "n", "best \(metric.rawValue) (mean ± sd)", "95% interval"]
        if withTest { header.append("test_accuracy there") }
        header += ["best epoch (median)", "s/epoch"]
        if let target { header += ["reached \(target.text)", "epochs to it (median)", "updates", "seconds"] }
        header.append("vs best")
        var right: Set<Int> = [3, 4, 5, 6, 7]
        if withTest { right.insert(8) }
        if target != nil { for c in (header.count - 5)..<(header.count - 1) { right.insert(c) } }

        var fields = ["rank", "config_id", "configuration", "differs", "optimizer", "schedule", "lr0", "n", "seeds", "run_ids",
                      "\(metric.rawValue)_mean", "\(metric.rawValue)_sd", "\(metric.rawValue)_ci95_low", "\(metric.rawValue)_ci95_high"]
        if withTest { fields += ["test_accuracy_there_mean", "test_accuracy_there_sd", "test_accuracy_there_ci95_low", "test_accuracy_there_ci95_high"] }
        fields += ["best_epoch_median", "seconds_per_epoch"]
        if target != nil { fields += ["target_metric", "target_value", "target_reached", "target_epoch_median", "target_updates_median", "target_seconds_median"] }
        fields += ["near_best", "seeds_to_separate"]

        let leaderID = configurations.min { RunComparison.isBetter($0.best.mean, than: $1.best.mean, metric) }?.id
        var cells: [[String]] = []
        var records: [[ExportTable.Value]] = []
        for (i, c) in configurations.enumerated() {
            var row = [c.name, c.id, differs[i], String(c.best.count), meanSD(c.best, metric.isAccuracy), interval(c.best, metric.isAccuracy)]
            if withTest { row.append(meanSD(c.testThere, true)) }
            row += [formatCompact(c.medianBestEpoch), formatFixed(c.secondsPerEpoch, digits: 3)]
            if let t = c.target {
                row += ["\(t.reached)/\(t.count)", count(t.medianEpoch), count(t.medianUpdates),
                        t.medianSeconds.isInfinite ? "never" : formatFixed(t.medianSeconds, digits: 1)]
            }
            let mark = c.id == leaderID ? "best" : c.nearBest ? "≈ best" + (c.seedsToSeparate.map { " (\($0) seeds to tell)" } ?? "") : ""
            row.append(mark)
            cells.append(row)

            func optional(_ x: Double?) -> ExportTable.Value { x.map { .number($0) } ?? .null }
            func finite(_ x: Double) -> ExportTable.Value { x.isFinite ? .number(x) : .null }
            let run = c.members[0].run
            var record: [ExportTable.Value] = [.integer(i + 1), .text(c.id), .text(c.name), .text(differs[i]), .text(run.optimizer),
                                               .text(run.schedule), .text(run.lr0), .integer(c.best.count),
                                               .text(c.members.map(\.run.seed).joined(separator: " ")),
                                               .text(c.members.map { $0.run.runID ?? "" }.joined(separator: " ")),
                                               .number(c.best.mean), optional(c.best.sd), optional(c.best.low), optional(c.best.high)]
            if withTest { record += [.number(c.testThere.mean), optional(c.testThere.sd), optional(c.testThere.low), optional(c.testThere.high)] }
            record += [.number(c.medianBestEpoch), .number(c.secondsPerEpoch)]
            if let target, let t = c.target {
                record += [.text(target.metric.rawValue), .number(target.value), .integer(t.reached),
                           finite(t.medianEpoch), finite(t.medianUpdates), finite(t.medianSeconds)]
            }
            record += [.bool(c.nearBest), c.seedsToSeparate.map { .integer($0) } ?? .null]
            records.append(record)
        }
        let order = ranking == .target ? "fastest to \(target?.text ?? "the target") first (median updates)" : "best mean first"
        return ExportTable(name: "configurations",
                           caption: "configurations (seeds grouped; \(metric.rawValue): mean ± sample sd over seeds, 95% Student-t interval of the mean), \(order)",
                           header: header, cells: cells, rightAligned: right, fields: fields, records: records)
    }

    /// What the marks mean, said once under the text table.
    public static func legend(_ configurations: [Configuration]) -> String? {
        guard configurations.count > 1 else { return nil }
        if configurations.allSatisfy({ $0.best.count < 2 }) {
            return "note: one seed per configuration: no intervals, so no configuration can be told apart from the best (add seeds: sweep DIR --best K --seeds 1,2,3)"
        }
        return "≈ best: its interval overlaps the best one's, so these seeds cannot tell them apart (\"N seeds to tell\": seeds each that would, if the means and sds held)"
    }
}
