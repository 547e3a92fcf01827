#if canImport(Glibc)
import Glibc
#endif

/// `sweep DIR --best K --seeds 1,2,3` and `--refit` (DeepOBS's and AlgoPerf's protocol: tune,
/// then rerun the winner on seeds the search never saw, then train it on all the data).
///
/// - A configuration is a run's canonical flags without --seed and --epochs. Configurations are
///   ranked by the mean, over the spec's runs of that configuration that reached their full
///   epochs, of the sweep's metric (halving's, else val_accuracy) in the row of the last epoch.
///   Only the spec's runs rank: the runs --best adds never change which configurations are best.
/// - `--best K --seeds S…` adds, for each of the K best, a run per seed (the same flags, that
///   --seed, the full epochs) to DIR, trains them, and prints compare's table of those runs
///   (grouped over seeds, with intervals).
/// - `--refit` adds, for the best configuration, runs without a validation set (--validation 0:
///   the whole training set) for its median best epoch count (over every run of it in DIR: the
///   epoch of its best metric, the lower middle value for an even count), one per seed (--seeds,
///   else the seeds it was run with), and reports their test accuracy at their last epoch: mean,
///   sd and the 95% Student-t interval — the number to publish, chosen on validation only.
public enum BestConfigurations {
    struct Ranked {
        let configuration: String
        let runs: [PlannedRun]
        let mean: Double
    }

    static func perform(count: Int?, seeds: [Int]?, refit: Bool, runs: [PlannedRun], spec: SweepSpec, folder: SweepFolder,
                        request: SweepRequest, environment: SweepDriver.Environment) throws -> Int32 {
        let metric = spec.halving?.metric ?? "val_accuracy"
        let lowerIsBetter = metric.hasSuffix("_cost")
        let ranked = rank(runs, folder: folder, metric: metric, lowerIsBetter: lowerIsBetter)
        guard let best = ranked.first else {
            throw SweepError.usage("--best/--refit: no run of \(folder.path) has reached its full epochs with a \(metric) yet; run the sweep first")
        }
        var code: Int32 = 0
        if let count {
            let seeds = seeds ?? []
            var added: [PlannedRun] = []
            for configuration in ranked.prefix(count) {
                for seed in seeds {
                    let arguments = replacing("--seed", with: String(seed), in: configuration.runs[0].definition.arguments)
                    let definition = try environment.validate(arguments)
                    if !added.contains(where: { $0.runID == definition.runID }) {
                        added.append(PlannedRun(definition: definition, label: configuration.runs[0].label + " seed=\(seed)",
                                                 hparams: configuration.runs[0].hparams))
                    }
                }
            }
            writeError("sweep: the \(min(count, ranked.count)) best configuration\(count == 1 ? "" : "s") by mean \(metric): "
                + ranked.prefix(count).map { "\($0.runs[0].label) (\(format($0.mean)))" }.joined(separator: "; "))
            let summary = try train(added, folder: folder, request: request, environment: environment)
            code = summary.exitCode
            if summary.signal != 0 { return code }
            // The table: every run in DIR of those configurations (the spec's and the added ones).
            let keys = Set(ranked.prefix(count).map(\.configuration))
            let logs = folder.runIDs().filter { id in
                guard let flags = RunLogTable(path: folder.csv(id))?.firstValue("flags") else { return false }
                return keys.contains(RunFlags(flags).without(["--seed", "--epochs"]).text)
            }.map(folder.csv)
            if !logs.isEmpty { environment.compare(logs) }
        }
        if refit {
            guard RunFlags(best.runs[0].definition.flags).value("--validation").map({ $0 != "0" }) ?? false else {
                throw SweepError.usage("--refit: the sweep's runs have no validation set (validation: N in fixed:), so there is no best epoch to refit for")
            }
            // Every run of the best configuration in DIR (the spec's and --best's), at full epochs.
            var bestEpochs: [Int] = []
            var ownSeeds: [Int] = []
            for id in folder.runIDs() {
                guard let table = RunLogTable(path: folder.csv(id)), let flags = table.firstValue("flags").map(RunFlags.init),
                      flags.without(["--seed", "--epochs"]).text == best.configuration,
                      let full = Int(flags.value("--epochs") ?? ""), table.epochs.last == full else { continue }
                var bestEpoch = 0, bestValue = Double.nan
                for epoch in table.epochs {
                    let value = table.value(metric, atEpoch: epoch)
                    if !value.isNaN && (bestValue.isNaN || (lowerIsBetter ? value < bestValue : value > bestValue)) {
                        bestEpoch = epoch
                        bestValue = value
                    }
                }
                if bestEpoch > 0 { bestEpochs.append(bestEpoch) }
                if let seed = flags.value("--seed").flatMap({ Int($0) }) { ownSeeds.append(seed) }
            }
            let sorted = bestEpochs.sorted()
            let epochs = sorted[(sorted.count - 1) / 2]
            let refitSeeds = seeds ?? Array(Set(ownSeeds)).sorted()
            var refits: [PlannedRun] = []
            for seed in refitSeeds {
                var arguments = replacing("--validation", with: "0", in: best.runs[0].definition.arguments)
                arguments = replacing("--seed", with: String(seed), in: arguments)
                arguments = replacing("--epochs", with: String(epochs), in: arguments)
                let definition = try environment.validate(arguments)
                refits.append(PlannedRun(definition: definition, label: "refit seed=\(seed)", hparams: best.runs[0].hparams))
            }
            writeError("sweep: refit: the best configuration by mean \(metric) (\(format(best.mean))): \(best.runs[0].label); "
                + "best epochs \(sorted.map(String.init).joined(separator: ", ")), median \(epochs); "
                + "\(refits.count) run\(refits.count == 1 ? "" : "s") on the whole training set")
            let summary = try train(refits, folder: folder, request: request, environment: environment)
            if summary.exitCode != 0 { return summary.exitCode }
            let accuracies = refits.compactMap { run -> Double? in
                let value = RunLogTable(path: folder.csv(run.runID))?.value("test_accuracy", atEpoch: epochs) ?? .nan
                return value.isNaN ? nil : value
            }
            environment.compare(refits.map { folder.csv($0.runID) })
            print(refitLine(accuracies, seeds: refitSeeds, epochs: epochs, command: refits.first.map { shellCommand(["zalando-train", "train"] + $0.definition.arguments) }))
            code = max(code, summary.exitCode)
        }
        return code
    }

    /// Configurations of the spec's runs that reached their full epochs, best mean first.
    static func rank(_ runs: [PlannedRun], folder: SweepFolder, metric: String, lowerIsBetter: Bool) -> [Ranked] {
        var groups: [String: [(PlannedRun, Double)]] = [:]
        var order: [String] = []
        for run in runs {
            guard let table = RunLogTable(path: folder.csv(run.runID)) else { continue }
            let value = table.value(metric, atEpoch: run.definition.epochs)
            guard !value.isNaN else { continue }
            let key = RunFlags(run.definition.flags).without(["--seed", "--epochs"]).text
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((run, value))
        }
        let ranked = order.map { key -> Ranked in
            let members = groups[key]!
            return Ranked(configuration: key, runs: members.map(\.0), mean: members.map(\.1).reduce(0, +) / Double(members.count))
        }
        return ranked.sorted { a, b in a.mean != b.mean ? (lowerIsBetter ? a.mean < b.mean : a.mean > b.mean) : a.configuration < b.configuration }
    }

    static func train(_ runs: [PlannedRun], folder: SweepFolder, request: SweepRequest, environment: SweepDriver.Environment) throws -> SweepSummary {
        let todo = runs.filter { [.pending, .failed, .running].contains(folder.state(of: $0)) }
        try SweepDriver.checkData(of: todo, workingDirectory: currentDirectory())
        writeError("sweep: \(runs.count) run\(runs.count == 1 ? "" : "s"), \(runs.count - todo.count) already done, \(todo.count) to run")
        let runner = LocalRunner(folder: folder, runs: todo, options: .init(jobs: request.jobs, executable: environment.executable,
                                                                         checkpoints: environment.checkpoints,
                                                                         tensorBoard: request.tensorBoard))
        let summary = try runner.run()
        for (run, message) in summary.failed { writeError("sweep: FAILED \(run.runID) \(run.label): \(message) (log: \(folder.log(run.runID)))") }
        return summary
    }

    /// The refit's result, as the number to publish.
    static func refitLine(_ accuracies: [Double], seeds: [Int], epochs: Int, command: String?) -> String {
        let n = accuracies.count
        guard n > 0 else { return "refit: no test accuracy logged" }
        let mean = accuracies.reduce(0, +) / Double(n)
        let sd = n > 1 ? (accuracies.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)).squareRoot() : 0
        // Student's t, 97.5% quantile, n − 1 degrees of freedom.
        let t: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262]
        var text = "REFIT TEST ACCURACY (the number to publish): \(percent(mean))"
        if n > 1 {
            let half = (n - 1 <= t.count ? t[n - 2] : 1.96) * sd / Double(n).squareRoot()
            text += " ± \(percent(sd)) (mean ± sd over \(n) seeds \(seeds.map(String.init).joined(separator: ",")); 95% interval \(percent(mean - half)) – \(percent(mean + half)))"
        } else {
            text += " (one seed: \(seeds.map(String.init).joined(separator: ",")))"
        }
        text += ", trained on the whole training set for \(epochs) epoch\(epochs == 1 ? "" : "s"), chosen on validation only"
        if let command { text += "\n  " + command }
        return text
    }

    static func percent(_ x: Double) -> String {
        let scaled = (x * 10000).rounded() / 100
        return "\(scaled)%"
    }

    static func format(_ x: Double) -> String { String((x * 10000).rounded() / 10000) }

    /// `flag value` in an argument list, replaced or added (also `--flag=value`).
    static func replacing(_ flag: String, with value: String, in arguments: [String]) -> [String] {
        var out = arguments.filter { !$0.hasPrefix(flag + "=") }
        if let at = out.firstIndex(of: flag), at + 1 < out.count {
            out[at + 1] = value
        } else {
            out += [flag, value]
        }
        return out
    }
}

extension RunLogTable {
    /// The first row's value of a column.
    func firstValue(_ name: String) -> String? {
        guard let c = column(name), let row = rows.first, row.count > c else { return nil }
        return row[c]
    }
}
