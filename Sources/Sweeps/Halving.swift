import Yams

/// Successive halving, ASHA's asynchronous rule (Li et al. 2020, "A System for Massively Parallel
/// Hyperparameter Tuning"; the rungs of Ray Tune's ASHAScheduler, the promotion rule of Optuna's
/// SuccessiveHalvingPruner). The spec says `halving: {metric, min-epochs, reduction}`:
///
/// - Rungs are at min·η^k epochs below the run's `epochs`, and the top rung is `epochs` itself
///   (min 1, η 3, epochs 9: rungs 1, 3, 9; epochs 10: 1, 3, 9, 10).
/// - Every run first trains to rung 0 and stops there with its checkpoint.
/// - A run stopped at rung k is promoted to rung k+1 when its metric at rung k (the run log's row
///   of that epoch) is within the best ⌊n/η⌋ of the n runs that have reached rung k so far, itself
///   included (ASHA's `top_k(rung k, |rung k|/η)`, Optuna's `promotable_idx = n // η − 1`). Ties
///   are broken by run_id, so every worker decides the same.
/// - A free worker takes, in this order: a run whose unit was started and not finished (a killed
///   worker's, or an interrupted one: it resumes), the promotion at the highest rung (the best
///   run there first), a new run (spec order).
/// - The end. With n < η at a rung, ⌊n/η⌋ = 0 promotes nobody: Optuna promotes the best anyway
///   (`promotable_idx = 0`) because it cannot pause a trial; ours can, so while new runs are left
///   such a run waits. Once no new run is left, a rung whose population can no longer grow (no
///   unit in flight targets it or a rung below, and nothing below is left to promote) promotes its
///   best max(1, ⌊n/η⌋): the top rung is always reached by at least one run, and with n ≥ η this
///   is the rule above (it changes nothing).
/// - Runs that diverge, fail or end early (early stopping) leave the competition at the rungs
///   they did not reach; a missing or non-numeric metric ranks last.
public struct Halving: Equatable, Sendable {
    public var metric: String = "val_accuracy"
    public var minEpochs: Int = 1
    public var reduction: Int = 3

    public init(metric: String = "val_accuracy", minEpochs: Int = 1, reduction: Int = 3) {
        self.metric = metric
        self.minEpochs = minEpochs
        self.reduction = reduction
    }

    /// The run-log columns a sweep may rank by; costs are better lower.
    public static let metrics = ["val_accuracy", "val_cost", "train_accuracy", "train_cost", "test_accuracy", "test_cost"]

    public var lowerIsBetter: Bool { metric.hasSuffix("_cost") }

    /// The rungs of a run of `epochs` epochs: min·η^k below `epochs`, then `epochs`.
    public func rungs(epochs: Int) -> [Int] {
        var rungs: [Int] = []
        var r = minEpochs
        while r < epochs {
            rungs.append(r)
            let (next, overflow) = r.multipliedReportingOverflow(by: reduction)
            if overflow { break }
            r = next
        }
        return rungs + [epochs]
    }

    // MARK: - The spec's `halving:` key

    static func parse(_ node: Node, source: String) throws -> Halving {
        let context = "\(source): halving"
        guard case .mapping(let mapping) = node else {
            throw SweepError.usage("\(context): must be a mapping such as {metric: val_accuracy, min-epochs: 1, reduction: 3}")
        }
        var halving = Halving()
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard case .scalar(let scalar) = value else { throw SweepError.usage("\(context): \(key): must be a single value") }
            let text = scalar.string
            switch key {
            case "metric":
                guard metrics.contains(text) else {
                    throw SweepError.usage("\(context): metric \(text): not a run-log metric (one of \(metrics.joined(separator: ", ")))")
                }
                halving.metric = text
            case "min-epochs":
                guard let n = Int(text), n >= 1 else { throw SweepError.usage("\(context): min-epochs \(text): must be a whole number ≥ 1") }
                halving.minEpochs = n
            case "reduction":
                guard let n = Int(text), n >= 2 else { throw SweepError.usage("\(context): reduction \(text): must be a whole number ≥ 2") }
                halving.reduction = n
            default:
                throw SweepError.usage("\(context): unknown key '\(key)' (halving has metric, min-epochs, reduction)")
            }
        }
        return halving
    }

    var node: Node {
        Node([(Node("metric"), Node(metric)), (Node("min-epochs"), Node(String(minEpochs))), (Node("reduction"), Node(String(reduction)))],
             .implicit, .flow)
    }

    /// Refuses runs that would have no rung to stop at, or a metric their log leaves empty.
    func check(_ runs: [PlannedRun]) throws {
        for run in runs {
            if run.definition.epochs <= minEpochs {
                throw SweepError.usage("halving: min-epochs \(minEpochs) is not below the runs' epochs \(run.definition.epochs): no rung to stop at")
            }
            if metric.hasPrefix("val_"), RunFlags(run.definition.flags).value("--validation").map({ $0 == "0" }) ?? true {
                throw SweepError.usage("halving: metric \(metric) needs a validation set: set validation: N in fixed: (or choose metric: train_cost)")
            }
        }
    }
}

// MARK: - The promotion rule, as a pure function of what has reached each rung

/// One run as the rule sees it.
public struct HalvingEntry: Equatable, Sendable {
    public enum Status: Equatable, Sendable {
        /// Never started.
        case new
        /// Stopped at its last reached rung with its checkpoint, free to promote.
        case stopped
        /// A unit toward this rung index is being trained (its lock is held).
        case inFlight(Int)
        /// A unit toward this rung index was started and did not end (its lock is free).
        case resumable(Int)
        /// At its top rung, or out of the competition (diverged, failed, ended early).
        case done
    }
    public var id: String
    /// The metric at each rung it reached, rung 0 first.
    public var values: [Double]
    public var status: Status

    public init(id: String, values: [Double], status: Status) {
        self.id = id
        self.values = values
        self.status = status
    }
}

public enum HalvingDecision: Equatable, Sendable {
    /// Train this run to this rung index (a promotion, a resumed unit, or a new run to rung 0).
    case train(id: String, rung: Int)
    /// Nothing to do now, but units in flight may make something promotable.
    case wait
    /// Nothing is left.
    case done
}

extension Halving {
    /// The next unit of work for a free worker (see the type's comment for the rule).
    /// `rungCount` is the number of rungs (the top rung index is rungCount − 1).
    public func next(_ entries: [HalvingEntry], rungCount: Int) -> HalvingDecision {
        for entry in entries {
            if case .resumable(let rung) = entry.status { return .train(id: entry.id, rung: rung) }
        }
        for k in stride(from: rungCount - 2, through: 0, by: -1) {
            if let id = promotable(entries, rung: k, ending: false) { return .train(id: id, rung: k + 1) }
        }
        if let new = entries.first(where: { $0.status == .new }) { return .train(id: new.id, rung: 0) }
        let targets = entries.compactMap { entry -> Int? in if case .inFlight(let r) = entry.status { return r }; return nil }
        for k in 0..<max(0, rungCount - 1) {
            if targets.contains(where: { $0 <= k }) { return .wait }
            if let id = promotable(entries, rung: k, ending: true) { return .train(id: id, rung: k + 1) }
        }
        return targets.isEmpty ? .done : .wait
    }

    /// The best run stopped at rung k within the quota of rung k, if any.
    func promotable(_ entries: [HalvingEntry], rung k: Int, ending: Bool) -> String? {
        let reached = entries.filter { $0.values.count > k }
        var quota = reached.count / reduction
        if ending && !reached.isEmpty { quota = max(1, quota) }
        guard quota > 0 else { return nil }
        let ranked = reached.sorted { better($0.values[k], $0.id, than: $1.values[k], $1.id) }
        return ranked.prefix(quota).first { $0.status == .stopped && $0.values.count == k + 1 }?.id
    }

    /// Better metric first (NaN last), then the smaller run_id.
    func better(_ a: Double, _ aID: String, than b: Double, _ bID: String) -> Bool {
        if a.isNaN != b.isNaN { return b.isNaN }
        if !a.isNaN && a != b { return lowerIsBetter ? a < b : a > b }
        return aID < bID
    }
}

// MARK: - Run logs and flags, as the sweep reads them

/// A run log (run.csv) read as rows of named fields (RFC 4180: `flags` is quoted).
public struct RunLogTable: Sendable {
    public let header: [String]
    public let rows: [[String]]

    public init(text: String) {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        for c in text {
            if quoted {
                if c == "\"" { quoted = false } else { field.append(c) }
            } else if c == "\"" {
                // A doubled quote inside a quoted field: "" is one ".
                if !field.isEmpty { field.append("\"") }
                quoted = true
            } else if c == "," { row.append(field); field = ""
            } else if c == "\n" { row.append(field); rows.append(row); row = []; field = ""
            } else if c != "\r" { field.append(c) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        header = rows.first ?? []
        self.rows = Array(rows.dropFirst())
    }

    public init?(path: String) {
        guard let text = try? readFileIfPresent(path) else { return nil }
        self.init(text: text)
    }

    public func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// The value of `name` in the row of epoch `epoch` (NaN when absent or empty).
    public func value(_ name: String, atEpoch epoch: Int) -> Double {
        guard let e = column("epoch"), let m = column(name),
              let row = rows.last(where: { $0.count > max(e, m) && Int($0[e]) == epoch }) else { return .nan }
        return Double(row[m]) ?? .nan
    }

    /// The epochs logged, in order.
    public var epochs: [Int] {
        guard let e = column("epoch") else { return [] }
        return rows.compactMap { $0.count > e ? Int($0[e]) : nil }
    }
}

/// Canonical flags (`--lr 0.1 --centered …`) as terms, each a flag and its value if any.
public struct RunFlags: Equatable, Sendable {
    public var terms: [(flag: String, value: String?)]

    public init(_ text: String) {
        terms = []
        for word in text.split(separator: " ").map(String.init) {
            if word.hasPrefix("--") {
                terms.append((word, nil))
            } else if let last = terms.indices.last, terms[last].value == nil {
                terms[last].value = word
            }
        }
    }

    public static func == (a: RunFlags, b: RunFlags) -> Bool { a.text == b.text }

    public func value(_ flag: String) -> String? { terms.first { $0.flag == flag }?.value }

    public var text: String { terms.map { term in term.value.map { "\(term.flag) \($0)" } ?? term.flag }.joined(separator: " ") }

    /// The flags without these (a configuration: without --seed and --epochs).
    public func without(_ flags: Set<String>) -> RunFlags {
        var copy = self
        copy.terms.removeAll { flags.contains($0.flag) }
        return copy
    }
}

extension RunDefinition {
    /// The same run, to a different number of epochs (its child arguments say so).
    func toEpochs(_ epochs: Int) -> RunDefinition {
        var arguments = self.arguments
        if let at = arguments.firstIndex(of: "--epochs"), at + 1 < arguments.count {
            arguments[at + 1] = String(epochs)
        } else {
            arguments += ["--epochs", String(epochs)]
        }
        return RunDefinition(runID: runID, flags: flags, epochs: epochs, arguments: arguments, dataFolder: dataFolder)
    }
}

extension PlannedRun {
    func toEpochs(_ epochs: Int) -> PlannedRun {
        PlannedRun(definition: definition.toEpochs(epochs), label: label + " (to epoch \(epochs))", hparams: hparams)
    }
}
