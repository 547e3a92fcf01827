import Support
import RunRecords

/// `compare`: one line per run — its name and run_id, the flags that tell it from the other runs
/// shown, the best value of the metric with its epoch (and the test accuracy at that epoch when
/// ranking by a validation metric), the final metric and training cost, mean seconds per epoch —
/// best first; then runs that differ only in --seed summarised as one configuration (mean ± sd).
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
    public static func differingFlags(_ runs: [RunHistory]) -> [String] {
        let configurations = runs.map { Dictionary(configuration(of: $0).map { ($0.flag, $0.value) }, uniquingKeysWith: { a, _ in a }) }
        var order: [String] = []
        var seen: Set<String> = []
        for run in runs { for term in configuration(of: run) where seen.insert(term.flag).inserted { order.append(term.flag) } }
        let own: Set<String> = ["--optimizer", "--lr", "--schedule", "--epochs"]
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

    // MARK: - The table

    public static func table(_ runs: [RunHistory], metric: Metric) -> String {
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
        let body = rows.enumerated().map { i, s -> [String] in
            var cells = [printable(s.run.name), s.run.runID ?? "(v1)", printable(s.run.optimizer), printable(s.run.schedule),
                         printable(s.run.lr0), printable(differs[i]), String(s.run.epochs.count),
                         "\(show(s.best.value(of: metric), as: metric)) (\(s.best.epoch))"]
            if withTest { cells.append(show(s.best.testAccuracy, as: .testAccuracy)) }
            cells += [show(s.final.value(of: metric), as: metric), formatFixed(s.final.trainCost, digits: 4), formatFixed(s.meanSeconds, digits: 3)]
            return cells
        }
        let firstNumeric = 6
        let widths = header.indices.map { c in body.reduce(header[c].count) { max($0, $1[c].count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, text in
                c >= firstNumeric || c == 4 ? text.leftPadded(to: widths[c], with: " ") : text.rightPadded(to: widths[c])
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var text = ([line(header)] + body.map(line)).joined(separator: "\n") + "\n"
        let groups = seedGroups(rows, metric: metric)
        if !groups.isEmpty { text += "\n" + groups }
        return text
    }

    /// Runs whose configurations differ only in --seed (and --epochs), as one row each of a
    /// table: the seeds and the mean ± sample standard deviation of the best metric (and of the
    /// test accuracy at that epoch), best mean first. Empty when no configuration has two or
    /// more seeds.
    public static func seedGroups(_ summaries: [Summary], metric: Metric) -> String {
        var order: [String] = []
        var groups: [String: [Summary]] = [:]
        // One run_id counts once (two sweep folders may hold the same run, e.g. one continued
        // to more epochs): the one with the most epochs.
        var longest: [String: Int] = [:]
        for (index, s) in summaries.enumerated() {
            guard let id = s.run.runID else { continue }
            if let other = longest[id], summaries[other].run.epochs.count >= s.run.epochs.count { continue }
            longest[id] = index
        }
        for (index, s) in summaries.enumerated() {
            if let id = s.run.runID, longest[id] != index { continue }
            let key = configuration(of: s.run).filter { $0.flag != "--seed" && $0.flag != "--epochs" }
                .map { "\($0.flag) \($0.value)" }.joined(separator: " ")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(s)
        }
        func meanAndSD(_ values: [Double]) -> (mean: Double, sd: Double) {
            let n = Double(values.count)
            let mean = values.reduce(0, +) / n
            let sd = values.count > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot() : 0
            return (mean, sd)
        }
        func show(_ values: [Double], accuracy: Bool) -> String {
            let (mean, sd) = meanAndSD(values)
            return accuracy ? "\(formatFixed(mean * 100, digits: 2))% ± \(formatFixed(sd * 100, digits: 2))%"
                : "\(formatFixed(mean, digits: 4)) ± \(formatFixed(sd, digits: 4))"
        }
        let seeded = order.map { groups[$0]! }.filter { Set($0.map(\.run.seed)).count > 1 }
        guard !seeded.isEmpty else { return "" }
        // Best mean first: with seeds, the mean is what a user of the configuration can expect.
        let ranked = seeded.map { ($0, meanAndSD($0.map { $0.best.value(of: metric) }).mean) }
            .sorted { isBetter($0.1, than: $1.1, metric) }.map(\.0)
        let withTest = metric != .testAccuracy
        var header = ["configuration", "runs", "best \(metric.rawValue)"]
        if withTest { header.append("test_accuracy there") }
        let body = ranked.map { members -> [String] in
            let seeds = members.map(\.run.seed).sorted { (Int($0) ?? .max, $0) < (Int($1) ?? .max, $1) }.joined(separator: ",")
            var cells = [printable(configurationName(members[0].run)), "\(members.count) runs (seeds \(printable(seeds)))",
                         show(members.map { $0.best.value(of: metric) }, accuracy: metric.isAccuracy)]
            if withTest { cells.append(show(members.map(\.best.testAccuracy), accuracy: true)) }
            return cells
        }
        let widths = header.indices.map { c in body.reduce(header[c].count) { max($0, $1[c].count) } }
        func line(_ cells: [String]) -> String {
            "  " + cells.enumerated().map { c, text in
                c >= 2 ? text.leftPadded(to: widths[c], with: " ") : text.rightPadded(to: widths[c])
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return "configurations over seeds (mean ± sample sd), best mean first:\n" + ([line(header)] + body.map(line)).joined(separator: "\n") + "\n"
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
