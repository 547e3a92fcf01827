/// What `train`'s parser makes of one run's flags: its identity and the command line a child
/// gets. The executable computes it (Sweeps never parses flags itself), so a sweep's run_id is
/// exactly the one the child writes in its run log.
public struct RunDefinition: Sendable, Equatable {
    /// 12 hex digits: SHA-256 of the canonical flags without --epochs.
    public let runID: String
    /// The canonical flags (DESIGN.md run log v2 `flags`).
    public let flags: String
    public let epochs: Int
    /// `train` arguments that reproduce the run: the canonical flags plus the output-only ones
    /// the spec set that are not the sweep's own (--data-dir).
    public let arguments: [String]
    /// The folder train reads the data set from (--data-dir, or its default data/DATASET),
    /// as given: relative paths are relative to the sweep's working directory.
    public let dataFolder: String

    public init(runID: String, flags: String, epochs: Int, arguments: [String], dataFolder: String) {
        self.runID = runID
        self.flags = flags
        self.epochs = epochs
        self.arguments = arguments
        self.dataFolder = dataFolder
    }
}

/// Checks one run's `train` arguments and defines the run, or throws an error whose description
/// is the parser's one-line message.
public typealias RunValidator = ([String]) throws -> RunDefinition

/// One run of a sweep: who it is and how it differs from the other runs.
public struct PlannedRun: Sendable, Equatable {
    public let definition: RunDefinition
    /// `key=value` for each grid axis of the run (what distinguishes it in the sweep).
    public let label: String
    /// The keys that vary across the sweep's runs but --seed and --epochs: the run's hparams in
    /// TensorBoard (empty: none vary, and the run records every flag).
    public var hparams: [String] = []
    public var runID: String { definition.runID }
}

/// The runs of a spec, in grid order, each validated by `train`'s parser, without duplicates
/// (two grids, or `0.1` and `0.10`, may name the same run).
public enum SweepPlan {
    /// Flags the sweep sets itself for each run; a spec may not set them.
    public static let reservedKeys: [String: String] = [
        "csv": "the sweep writes each run's log to DIR/<run_id>/run.csv",
        "save": "the sweep saves each model to DIR/<run_id>/model.safetensors",
        "checkpoint": "the sweep checkpoints each run to DIR/<run_id>/checkpoint.safetensors",
        "resume": "the sweep resumes interrupted runs itself",
        "run-name": "runs are named by their flags and identified by run_id",
        "tensorboard": "the sweep writes each run's events to DIR/tensorboard/<run_id>/ (--no-tensorboard turns it off)",
        "help": "not a run's flag",
        "version": "not a run's flag",
    ]

    /// Output-only flags a spec may set for every run, but not vary. (--threads is not one: a
    /// count other than 1 is part of the run's flags and id, so each value is its own run.)
    public static let sameRunKeys: Set<String> = ["data-dir"]

    public static func runs(of spec: SweepSpec, validate: RunValidator) throws -> [PlannedRun] {
        for key in spec.fixed.map(\.key) + spec.grids.flatMap({ $0.map(\.key) }) {
            if let reason = reservedKeys[key] { throw SweepError.usage("spec key \(key): not allowed in a sweep (\(reason))") }
        }
        for grid in spec.grids {
            for axis in grid where axis.values.isEmpty && axis.sampled == nil { throw SweepError.usage("spec key \(axis.key): the grid axis is empty") }
            for axis in grid where (axis.values.count > 1 || axis.sampled != nil) && sameRunKeys.contains(axis.key) {
                throw SweepError.usage("spec key \(axis.key): not an axis (--\(axis.key) does not change a run's numbers, so every value would be the same run); put it in fixed:")
            }
        }
        try SampledConfigurations.check(spec)
        // The grid is counted before it is built: a spec of a few lines (or YAML aliases) can
        // name 10^9 combinations, which would exhaust memory instead of failing with a message.
        let count = combinationCount(spec)
        if count > maximumRuns {
            throw SweepError.usage("spec: the grids name \(count == Int.max ? "more than \(Int.max)" : String(count)) combinations; a sweep has at most \(maximumRuns) runs (split it into several sweeps)")
        }
        // An axis with the same one value in every run distinguishes no run: labels leave it out.
        let combinations = expand(spec)
        var valuesOf: [String: Set<String>] = [:]
        for settings in combinations { for setting in settings.varying { valuesOf[setting.key, default: []].insert(setting.value) } }
        let singleValued = Set(valuesOf.filter { $0.value.count == 1 }.keys)
        // TensorBoard's hparams: the keys that vary, in the order the grids name them; the seeds
        // of a configuration are one group there, and --epochs does not change a run's id.
        var hparams: [String] = []
        for settings in combinations {
            for setting in settings.varying where !singleValued.contains(setting.key) && !["seed", "epochs"].contains(setting.key)
                && !hparams.contains(setting.key) { hparams.append(setting.key) }
        }
        var runs: [PlannedRun] = []
        // Each run_id's epoch count: a second combination with the same run_id is the same run,
        // kept once (grids that overlap name it twice; 0.010 is the run of 0.01), unless it asks
        // for other epochs, which run_id leaves out: epochs=1,2 would silently train one run of 1.
        var seen: [String: Int] = [:]
        for settings in combinations {
            let arguments = self.arguments(settings.fixed + settings.varying)
            let definition: RunDefinition
            do {
                definition = try validate(arguments)
            } catch {
                throw SweepError.usage(message(for: error, settings: settings.fixed + settings.varying))
            }
            if let epochs = seen[definition.runID] {
                guard epochs == definition.epochs else {
                    throw SweepError.usage("spec key epochs: \(epochs) and \(definition.epochs) make one run (run_id \(definition.runID)): --epochs is not part of "
                        + "a run's identity, since a run can be continued to more epochs; sweep each epoch count in its own folder")
                }
                continue
            }
            seen[definition.runID] = definition.epochs
            let label = settings.varying.filter { !singleValued.contains($0.key) }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            runs.append(PlannedRun(definition: definition, label: label.isEmpty ? "(fixed flags only)" : label, hparams: hparams))
        }
        return runs
    }

    /// The most combinations a spec may name (before duplicates are dropped).
    public static let maximumRuns = 100_000

    /// How many combinations `expand` would make, saturating at Int.max.
    static func combinationCount(_ spec: SweepSpec) -> Int {
        let grids = spec.grids.isEmpty ? [[]] : spec.grids
        var total = 0
        for grid in grids {
            // The draws of a sampled grid are crossed with its lists.
            var product = grid.contains { $0.sampled != nil } ? spec.trials ?? 0 : 1
            for axis in grid where axis.sampled == nil {
                let (p, overflow) = product.multipliedReportingOverflow(by: axis.values.count)
                if overflow { return Int.max }
                product = p
            }
            let (t, overflow) = total.addingReportingOverflow(product)
            if overflow { return Int.max }
            total = t
        }
        return total
    }

    /// Every combination: the fixed settings, then one value of each axis (the last axis varies
    /// fastest), for each grid in turn. In a grid with sampled axes each trial's draw is crossed
    /// with the lists, trial by trial, so growing `trials` only appends (each setting still in
    /// the grid's order of axes).
    static func expand(_ spec: SweepSpec) -> [(fixed: [SweepSpec.Setting], varying: [SweepSpec.Setting])] {
        let grids = spec.grids.isEmpty ? [[]] : spec.grids
        var out: [(fixed: [SweepSpec.Setting], varying: [SweepSpec.Setting])] = []
        for grid in grids {
            var combinations: [[SweepSpec.Setting]] = [[]]
            for axis in grid where axis.sampled == nil {
                combinations = combinations.flatMap { prefix in axis.values.map { prefix + [SweepSpec.Setting(axis.key, $0)] } }
            }
            let sampled = grid.compactMap { axis in axis.sampled.map { (key: axis.key, axis: $0) } }
            guard !sampled.isEmpty else {
                out += combinations.map { (spec.fixed, $0) }
                continue
            }
            let draws = SampledConfigurations.draw(sampled, trials: spec.trials ?? 0,
                                                   seed: spec.samplerSeed ?? SampledConfigurations.defaultSeed)
            for draw in draws {
                for listed in combinations {
                    let settings = grid.map { axis in (listed + draw).first { $0.key == axis.key }! }
                    out.append((spec.fixed, settings))
                }
            }
        }
        return out
    }

    /// `--key value`; `true` is the bare flag and `false` leaves it out.
    static func arguments(_ settings: [SweepSpec.Setting]) -> [String] {
        settings.flatMap { setting -> [String] in
            switch setting.value.lowercased() {
            case "true": return ["--\(setting.key)"]
            case "false": return []
            // One word, so a value that starts with a dash (`lr: -1`) is not taken for a flag.
            default: return ["--\(setting.key)=\(setting.value)"]
            }
        }
    }

    /// The parser's message with the spec key it is about: `lr=-1: --lr -1: must be positive`.
    static func message(for error: Error, settings: [SweepSpec.Setting]) -> String {
        let text = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
        if let setting = settings.first(where: {
            text.contains("'--\($0.key)'") || text.contains("--\($0.key) ") || text.contains("--\($0.key);") || text.hasSuffix("--\($0.key)")
        }) {
            if text.lowercased().hasPrefix("unknown option") {
                return "spec key \(setting.key): not a train flag (\(text))"
            }
            return "spec key \(setting.key)=\(setting.value): \(text)"
        }
        let run = settings.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "run {\(run)}: \(text)"
    }
}
