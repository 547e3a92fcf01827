import RunRecords

/// `compare --where KEY=V1,V2` (repeatable; every one must hold): keeps the runs whose flag KEY
/// (`optimizer`, `lr`, `schedule`, any flag of `flags` without its `--`; also `config`, the
/// configuration id, and `run_id`) has one of the values. Numbers match by value (`lr=0.10`
/// keeps `--lr 0.1`); a boolean flag matches `true` when set and `false` when not.
/// `--top N` keeps the N first configurations of the ranking.
public struct ConfigurationFilter: Sendable, Equatable {
    public let key: String
    public let values: [String]
    public let text: String

    /// `KEY=V1,V2`; nil when it is not of that form.
    public init?(_ text: String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { return nil }
        var key = String(text[..<equals])
        if key.hasPrefix("--") { key.removeFirst(2) }
        let values = text[text.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !key.isEmpty, !values.contains(where: \.isEmpty) else { return nil }
        self.key = key
        self.values = values
        self.text = text
    }

    /// The run's value of the key: nil when the run has no such flag (a boolean flag: "true"
    /// when set).
    func value(of run: RunHistory) -> String? {
        switch key {
        case "config": return ConfigurationTable.configurationID(of: run)
        case "run_id": return run.runID
        default:
            let flag = "--" + key
            if let term = RunComparison.configuration(of: run).first(where: { $0.flag == flag }) { return term.value.isEmpty ? "true" : term.value }
            return nil
        }
    }

    func matches(_ run: RunHistory) -> Bool {
        let value = self.value(of: run) ?? (knownBoolean ? "false" : nil)
        guard let value else { return false }
        return values.contains { wanted in
            if wanted == value { return true }
            if let a = Double(wanted), let b = Double(value) { return a == b }
            return false
        }
    }

    /// Asked as true/false: a boolean flag, absent when not set.
    var knownBoolean: Bool { values.allSatisfy { $0 == "true" || $0 == "false" } }

    /// The runs every filter keeps; the problem in one line when a key is in no run or nothing is left.
    public static func apply(_ filters: [ConfigurationFilter], to runs: [RunHistory]) -> Result<[RunHistory], FilterProblem> {
        for filter in filters where !filter.knownBoolean && !runs.contains(where: { filter.value(of: $0) != nil }) {
            var keys: [String] = []
            for run in runs { for term in RunComparison.configuration(of: run) where !keys.contains(String(term.flag.dropFirst(2))) { keys.append(String(term.flag.dropFirst(2))) } }
            return .failure(FilterProblem(message: "--where \(filter.text): no run has \(filter.key) (keys: \((keys + ["config", "run_id"]).joined(separator: ", ")))",
                                          isUsage: true))
        }
        let kept = runs.filter { run in filters.allSatisfy { $0.matches(run) } }
        if kept.isEmpty {
            return .failure(FilterProblem(message: filters.map { "--where \($0.text)" }.joined(separator: " ") + ": no run matches", isUsage: false))
        }
        return .success(kept)
    }
}

/// `isUsage`: the key is no flag of any run (a mistyped flag, exit 64), not a value that
/// happens to match nothing in these logs (exit 1).
public struct FilterProblem: Error, Sendable {
    public let message: String
    public let isUsage: Bool
}
