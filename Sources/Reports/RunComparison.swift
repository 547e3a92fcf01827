import Support
import RunRecords

/// `compare` per run: each run's best value of the metric and its epoch, what tells it from the
/// other runs, and `compare --runs`'s table of them (the configurations over seeds are
/// ConfigurationTable's).
public enum RunComparison {
    public struct Summary: Sendable {
        public let run: RunHistory
        public let best: EpochRecord
        public let final: EpochRecord
        public let meanSeconds: Double
    }

    /// The metric to rank by when none is asked for: val_accuracy when every run has a
    /// validation set, otherwise test_accuracy with a note that choosing by it overstates it.
    public static func defaultMetric(_ runs: [RunHistory]) -> (metric: Metric, note: String?) {
        if !runs.isEmpty && runs.allSatisfy(\.hasValidation) { return (.valAccuracy, nil) }
        return (.testAccuracy, testSelectionNote)
    }

    public static let testSelectionNote = "note: ranked by test accuracy (not every run has a validation set): choosing a run "
        + "by its test accuracy overstates it; train with --validation N and compare ranks by val_accuracy"

    public static func summaries(_ runs: [RunHistory], metric: Metric) -> [Summary] {
        runs.compactMap { run -> Summary? in
            guard let final = run.epochs.last else { return nil }
            var best = run.epochs[0]
            for record in run.epochs.dropFirst() where isBetter(record.value(of: metric), than: best.value(of: metric), metric) {
                best = record  // strictly better only: ties keep the earlier epoch
            }
            var total = 0.0
            for record in run.epochs { total += record.seconds }
            return Summary(run: run, best: best, final: final, meanSeconds: total / Double(run.epochs.count))
        }.sorted { a, b in isBetter(a.best.value(of: metric), than: b.best.value(of: metric), metric) }
    }

    /// NaN is never better than a number.
    static func isBetter(_ x: Double, than y: Double, _ metric: Metric) -> Bool {
        if x.isNaN { return false }
        if y.isNaN { return true }
        return metric.higherIsBetter ? x > y : x < y
    }

    // MARK: - Flags

    /// A `flags` string as (flag, value) pairs in order; a boolean flag has the value "".
    public static func terms(of flags: String) -> [(flag: String, value: String)] {
        RunIdentity.terms(of: flags).map { ($0.flag, $0.value ?? "") }
    }

    /// A run's configuration as terms: its `flags`, or for a v1 row what its columns say.
    static func configuration(of run: RunHistory) -> [(flag: String, value: String)] {
        if let flags = run.flags { return terms(of: flags) }
        return [("--dataset", run.dataset), ("--hidden", run.hidden.replacingAll("-", with: ",")), ("--batch-size", run.batchSize),
                ("--seed", run.seed), ("--optimizer", run.optimizer), ("--lr", run.lr0), ("--schedule", run.schedule)]
    }

    /// For each run, the `flag=value` terms whose value is not the same in every run that has
    /// the flag. --optimizer, --lr and --schedule have their own columns,
    /// and so has --epochs (the epochs logged: a run continued with a larger --epochs keeps its
    /// run_id, and its first rows name the smaller value).
    /// The configuration table passes `ownColumns: false` (it has no optimizer, schedule or lr0
    /// column, so they are told here) and ignores --seed (its rows are over seeds).
    public static func differingFlags(_ runs: [RunHistory], ignoring ignored: Set<String> = [], ownColumns: Bool = true) -> [String] {
        let configurations = runs.map { Dictionary(configuration(of: $0).map { ($0.flag, $0.value) }, uniquingKeysWith: { a, _ in a }) }
        var order: [String] = []
        var seen: Set<String> = []
        for run in runs { for term in configuration(of: run) where seen.insert(term.flag).inserted { order.append(term.flag) } }
        let own: Set<String> = Set(ownColumns ? ["--optimizer", "--lr", "--schedule", "--epochs"] : ["--epochs"]).union(ignored)
        // A flag only some runs have belongs to their optimizer or schedule (the canonical flags
        // write every default out): with one value among those runs it tells nothing the
        // optimizer and schedule columns do not (Adam's betas beside SGD).
        let differing = order.filter { flag in
            !own.contains(flag) && Set(configurations.compactMap { $0[flag] }).count > 1
        }
        return configurations.map { c in
            differing.compactMap { flag in c[flag].map { $0.isEmpty ? String(flag.dropFirst(2)) : "\(flag.dropFirst(2))=\($0)" } }
                .joined(separator: " ")
        }
    }

    /// compare's whole text answer as `--runs` prints it: the configurations, then the runs
    /// (the fuzz harness and the hostile-input tests drive every table through this).
    public static func table(_ runs: [RunHistory], metric: Metric, target: Target? = nil) -> String {
        let distinct = ConfigurationTable.distinct(runs)
        let configurations = ConfigurationTable.configurations(distinct, metric: metric, target: target)
        return TableFormat.text.render([ConfigurationTable.table(configurations, metric: metric, target: target),
                                        runTable(distinct, metric: metric, target: target)], metric: metric.rawValue)
    }

    // MARK: - The per-run table (--runs)

    /// One row per run, best first: name, run_id, what differs, the best value of the metric
    /// with its epoch, the test accuracy there (when ranking by another metric), the final
    /// values, seconds per epoch and, with a target, when the run first reached it.
    public static func runTable(_ runs: [RunHistory], metric: Metric, target: Target? = nil) -> ExportTable {
        let rows = summaries(runs, metric: metric)
        func show(_ value: Double, as shown: Metric) -> String {
            if value.isNaN { return "-" }
            return shown.isAccuracy ? formatFixed(value * 100, digits: 2) + "%" : formatFixed(value, digits: 4)
        }
        let differs = differingFlags(rows.map(\.run))
        let withTest = metric != .testAccuracy
        var header = ["run", "run_id", "optimizer", "schedule", "lr0", "differs", "epochs", "best \(metric.rawValue) (epoch)"]
        if withTest { header.append("test_accuracy there") }
        header += ["final \(metric.rawValue)", "final train_cost", "s/epoch"]
        if let target { header += ["\(target.text) at epoch", "updates", "seconds"] }
        var fields = ["rank", "run", "run_id", "config_id", "optimizer", "schedule", "lr0", "seed", "differs", "epochs",
                      "best_\(metric.rawValue)", "best_epoch"]
        if withTest { fields.append("test_accuracy_there") }
        fields += ["final_\(metric.rawValue)", "final_train_cost", "seconds_per_epoch"]
        if target != nil { fields += ["target_epoch", "target_updates", "target_seconds"] }
        var cells: [[String]] = []
        var records: [[ExportTable.Value]] = []
        for (i, s) in rows.enumerated() {
            var row = [s.run.name, s.run.runID ?? "(v1)", s.run.optimizer, s.run.schedule, s.run.lr0, differs[i], String(s.run.epochs.count),
                       "\(show(s.best.value(of: metric), as: metric)) (\(s.best.epoch))"]
            var record: [ExportTable.Value] = [.integer(i + 1), .text(s.run.name), s.run.runID.map { .text($0) } ?? .null,
                                               .text(ConfigurationTable.configurationID(of: s.run)), .text(s.run.optimizer),
                                               .text(s.run.schedule), .text(s.run.lr0), .text(s.run.seed), .text(differs[i]),
                                               .integer(s.run.epochs.count), .number(s.best.value(of: metric)), .integer(s.best.epoch)]
            if withTest { row.append(show(s.best.testAccuracy, as: .testAccuracy)); record.append(.number(s.best.testAccuracy)) }
            row += [show(s.final.value(of: metric), as: metric), formatFixed(s.final.trainCost, digits: 4), formatFixed(s.meanSeconds, digits: 3)]
            record += [.number(s.final.value(of: metric)), .number(s.final.trainCost), .number(s.meanSeconds)]
            if let target {
                if let t = target.time(of: s.run) {
                    row += [String(t.epoch), String(t.updates), formatFixed(t.seconds, digits: 1)]
                    record += [.integer(t.epoch), .integer(t.updates), .number(t.seconds)]
                } else {
                    row += ["never", "never", "never"]
                    record += [.null, .null, .null]
                }
            }
            cells.append(row)
            records.append(record)
        }
        let right = Set([4] + Array(6..<header.count))
        return ExportTable(name: "runs", caption: "runs, best \(metric.rawValue) first", header: header, cells: cells,
                           rightAligned: right, fields: fields, records: records)
    }

    /// A run's name without its seed term: what a configuration over seeds is called.
    static func configurationName(_ run: RunHistory) -> String {
        run.loggedName.split(separator: " ").filter { !$0.hasPrefix("seed=") }.joined(separator: " ")
    }

    /// `text` with control characters escaped (escapedForTerminal), so a name cannot move the
    /// cursor, clear the screen or break a table line.
    public static func printable(_ text: String) -> String { escapedForTerminal(text) }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
