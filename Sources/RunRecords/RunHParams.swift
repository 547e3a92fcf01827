import Support

/// What a run tells TensorBoard's HParams plugin (DESIGN.md "sweep", TensorBoard): its
/// configuration id as the session's group, so seeds of one configuration are one row, and its
/// flags as hparams.
extension RunIdentity {
    /// Terms that are not part of a configuration: runs that differ only in them are its seeds
    /// (or the same run continued).
    static let outsideConfiguration: Set<String> = ["--seed", "--epochs"]

    /// A configuration's id: 12 lowercase hex digits, the first 6 bytes of the SHA-256 of `flags`
    /// without its --seed and --epochs terms.
    public static func configurationID(flags: String) -> String {
        let kept = terms(of: flags).filter { !outsideConfiguration.contains($0.flag) }
        return String(SHA256.hex(kept.map(\.text).joined(separator: " ")).prefix(12))
    }

    public var configurationID: String { RunIdentity.configurationID(flags: flags) }

    /// Flags whose value is a list even when it has one element (`--hidden 64`): always strings,
    /// so one column never mixes numbers and text.
    static let listFlags: Set<String> = ["--hidden", "--boundaries", "--values", "--milestones"]

    /// The run's hparams, named by their flags without `--`: the flags `names` lists (a sweep
    /// passes the flags that vary across its runs; a name the run's flags lack is left out), or
    /// without `names` every flag of `flags`; never --seed or --epochs (the group holds the seeds).
    /// A number is a number, a set boolean flag is true, anything else (a list, a name) a string.
    public func hparams(named names: [String]? = nil) -> [(name: String, value: HParamsSummary.Value)] {
        let wanted = names.map { Set($0.map { $0.hasPrefix("--") ? $0 : "--" + $0 }) }
        return terms.compactMap { term in
            guard !RunIdentity.outsideConfiguration.contains(term.flag), wanted?.contains(term.flag) ?? true else { return nil }
            let name = String(term.flag.dropFirst(2))
            guard let value = term.value else { return (name, .bool(true)) }
            if !RunIdentity.listFlags.contains(term.flag), let number = Double(value), number.isFinite,
               value.first.map({ $0.isNumber || $0 == "-" || $0 == "." }) == true {
                return (name, .number(number))
            }
            return (name, .string(value))
        }
    }
}
