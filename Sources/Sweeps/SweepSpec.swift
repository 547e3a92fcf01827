import Support
import Yams

/// A sweep's spec: flags every run gets (`fixed`) and one or more grids of axes, whose cartesian
/// products are united (DESIGN.md "sweep"). Keys are `train` flags without the leading `--`;
/// every value is kept as the text the user wrote, and `train`'s own parser judges it later. A
/// value `true` is a bare flag (`centered: true` → `--centered`), `false` leaves the flag out, and
/// a YAML list in a value (`hidden: [20, 20]`) is joined with commas.
public struct SweepSpec: Equatable, Sendable {
    public struct Setting: Equatable, Sendable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) { self.key = key; self.value = value }
    }

    public struct Axis: Equatable, Sendable {
        public var key: String
        /// The values to try, one run each (empty for a sampled axis).
        public var values: [String]
        /// A distribution to draw `trials` values from instead of a list (Sampling/SampledAxis.swift).
        public var sampled: SampledAxis?
        public init(_ key: String, _ values: [String]) { self.key = key; self.values = values }
        public init(_ key: String, sampled: SampledAxis) { self.key = key; self.values = []; self.sampled = sampled }
    }

    public var fixed: [Setting] = []
    /// Each grid is one cartesian product; the runs are the union of all of them.
    public var grids: [[Axis]] = []
    /// Whether the spec was written with `grids:` (a list), so the stored spec keeps that shape.
    public var writtenAsList = false
    /// `halving: {metric, min-epochs, reduction}` (Halving.swift), or nil for a grid sweep.
    public var halving: Halving?
    /// `trials: N`: the configurations drawn from the sampled axes of each grid (nil: none).
    public var trials: Int?
    /// `sampler-seed: S`, as given (nil: SampledConfigurations.defaultSeed).
    public var samplerSeed: Int?

    public init() {}

    public var isEmpty: Bool { fixed.isEmpty && grids.allSatisfy(\.isEmpty) }

    // MARK: - Reading YAML

    /// Parses a spec; `source` names it in messages (the file's path).
    public static func parse(yaml: String, source: String) throws -> SweepSpec {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw SweepError.usage("\(source): not valid YAML: \(oneLine(error))")
        }
        var spec = SweepSpec()
        guard let root else { return spec }
        guard case .mapping(let top) = root else {
            throw SweepError.usage("\(source): a spec is a mapping with fixed:, grid: or grids:")
        }
        var sawGrid = false
        // Each flag as the spec spells it, for the messages: `fixed` and each grid.
        var fixedSpellings: [String: String] = [:]
        var gridSpellings: [(context: String, spellings: [String: String])] = []
        for (keyNode, value) in top {
            let section = keyNode.string ?? ""
            switch section {
            case "fixed":
                spec.fixed = try settings(value, in: "\(source): fixed", spellings: &fixedSpellings)
            case "grid":
                if sawGrid { throw SweepError.usage("\(source): give grid: or grids:, not both") }
                sawGrid = true
                if value.null == nil {
                    var spellings: [String: String] = [:]
                    spec.grids = [try axes(value, in: "\(source): grid", spellings: &spellings)]
                    gridSpellings.append(("grid", spellings))
                }
            case "grids":
                if sawGrid { throw SweepError.usage("\(source): give grid: or grids:, not both") }
                sawGrid = true
                spec.writtenAsList = true
                guard case .sequence(let list) = value else {
                    throw SweepError.usage("\(source): grids: must be a list of mappings (each one a grid)")
                }
                spec.grids = try list.enumerated().map { index, grid in
                    var spellings: [String: String] = [:]
                    let context = "grids[\(index + 1)]"
                    defer { gridSpellings.append((context, spellings)) }
                    return try axes(grid, in: "\(source): \(context)", spellings: &spellings)
                }
            case "halving":
                spec.halving = try Halving.parse(value, source: source)
            case "trials":
                spec.trials = try SampledConfigurations.parseTrials(try scalarText(value, key: section, in: source), context: source)
            case "sampler-seed":
                spec.samplerSeed = try SampledConfigurations.parseSeed(try scalarText(value, key: section, in: source), context: source)
            default:
                throw SweepError.usage("\(source): unknown section '\(section)' (a spec has fixed:, grid: or grids:, and may have halving:, trials:, sampler-seed:)")
            }
        }
        // Within one spec a flag is fixed or an axis, not both (a command-line axis replaces a
        // fixed flag instead: setAxis).
        for (context, spellings) in gridSpellings {
            for (key, spelling) in spellings.sorted(by: { $0.key < $1.key }) {
                guard let fixed = fixedSpellings[key] else { continue }
                let named = fixed == spelling ? "\(spelling) is" : "\(fixed) (in fixed:) and \(spelling) (in \(context):) are the same flag, and it is"
                throw SweepError.usage("\(source): \(named) both fixed and a grid axis; give --\(key) in one place")
            }
        }
        return spec
    }

    private static func settings(_ node: Node, in context: String, spellings: inout [String: String]) throws -> [Setting] {
        if node.null != nil { return [] }
        guard case .mapping(let mapping) = node else { throw SweepError.usage("\(context): must be a mapping of flag: value") }
        return try mapping.map { key, value in
            let name = try flagName(key, in: context, spellings: &spellings)
            if case .mapping(let inner) = value, inner.count == 1, let kind = inner.first?.key.string, SampledAxis.Kind(rawValue: kind) != nil {
                throw SweepError.usage("\(context): \(name): a distribution is a sampled axis; put it under grid: (with trials: N)")
            }
            return Setting(name, try text(value, key: name, in: context))
        }
    }

    /// `trials: 8`: one plain value.
    private static func scalarText(_ node: Node, key: String, in context: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw SweepError.usage("\(context): \(key): must be a single value") }
        return scalar.string
    }

    /// In an axis each item is one value (an item that is itself a list is one value joined
    /// with commas, as in `fixed:`).
    private static func axes(_ node: Node, in context: String, spellings: inout [String: String]) throws -> [Axis] {
        guard case .mapping(let mapping) = node else { throw SweepError.usage("\(context): must be a mapping of flag: [values]") }
        return try mapping.map { key, value in
            let name = try flagName(key, in: context, spellings: &spellings)
            if let sampled = try SampledAxis.parse(value, key: name, context: context, text: { try text($0, key: name, in: context) }) {
                return Axis(name, sampled: sampled)
            }
            let values: [String]
            if case .sequence(let list) = value {
                values = try list.map { try text($0, key: name, in: context) }
            } else {
                values = [try text(value, key: name, in: context)]
            }
            try refuseRepeatedValues(values, key: spellings[name] ?? name, in: context)
            return Axis(name, values)
        }
    }

    /// An axis lists the values to try, one run each: `lr: [0.1, 0.1]`, or `hidden: [64, 64]`
    /// meant as two layers, would name one run twice and the grid would not be what it says.
    static func refuseRepeatedValues(_ values: [String], key: String, in context: String, listHint: Bool = true) throws {
        var seen = Set<String>()
        for value in values where !seen.insert(value).inserted {
            let list = values.joined(separator: ", ")
            let hint = listHint ? " (each value is one run; for one run whose value is the list, write \(key): [\"\(values.joined(separator: ","))\"], or \(key): [\(list)] in fixed:)" : ""
            throw SweepError.usage("\(context): \(key): the value \(value) is given twice in the axis\(hint)")
        }
    }

    /// The flag a key names; a second spelling of a flag already in the mapping (`lr` and
    /// `--lr`) is refused, naming both.
    private static func flagName(_ node: Node, in context: String, spellings: inout [String: String]) throws -> String {
        guard let spelling = node.string, case let key = normalizedKey(spelling), !key.isEmpty else {
            throw SweepError.usage("\(context): a key is not a flag name")
        }
        if let first = spellings[key] {
            throw SweepError.usage("\(context): \(first) and \(spelling) are the same flag (--\(key)); give it once")
        }
        spellings[key] = spelling
        return key
    }

    /// `--lr` and `lr` name the same flag.
    static func normalizedKey(_ key: String) -> String {
        String(key.drop(while: { $0 == "-" }))
    }

    private static func text(_ node: Node, key: String, in context: String) throws -> String {
        switch node {
        case .scalar(let scalar):
            if node.null != nil && scalar.style == .plain { throw SweepError.usage("\(context): \(key) has no value") }
            return scalar.string
        case .sequence(let list):
            let parts = try list.map { item -> String in
                guard case .scalar(let scalar) = item else { throw SweepError.usage("\(context): \(key): a value list holds only plain values") }
                return scalar.string
            }
            return parts.joined(separator: ",")
        default:
            throw SweepError.usage("\(context): \(key): a value is a number, a word or a list, not a mapping")
        }
    }

    /// YAML's messages span several lines (with a snippet); keep the place and the problem.
    static func oneLine(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "line \(context.mark.line): duplicated key \(duplicates.joined(separator: ", "))"
        default:
            return "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }

    // MARK: - Command-line axes

    /// `KEY=V1,V2` (Hydra's multirun syntax): adds or replaces that axis in every grid and takes
    /// the key out of `fixed`.
    /// A single value for a key that is no axis sets it in `fixed` instead (`epochs=5`).
    public mutating func setAxis(_ key: String, values: [String]) {
        setAxis(Axis(key, values))
    }

    /// The same for an axis that may be sampled (`lr=loguniform:1e-4,1`), which is always an axis.
    public mutating func setAxis(_ axis: Axis) {
        let key = SweepSpec.normalizedKey(axis.key), values = axis.values
        let isAxis = grids.contains { $0.contains { $0.key == key } }
        if values.count == 1 && axis.sampled == nil && !isAxis {
            if let position = fixed.firstIndex(where: { $0.key == key }) {
                fixed[position].value = values[0]
            } else {
                fixed.append(Setting(key, values[0]))
            }
            return
        }
        fixed.removeAll { $0.key == key }
        if grids.isEmpty { grids = [[]] }
        // An axis replaces the axis of that name in the grids that have it (in a `grids:` union,
        // the others are other optimizers or schedules, where the flag may not apply); a new
        // axis goes into every grid.
        for index in grids.indices {
            if let position = grids[index].firstIndex(where: { $0.key == key }) {
                grids[index][position].values = values
                grids[index][position].sampled = axis.sampled
            } else if !isAxis {
                var added = axis
                added.key = key
                grids[index].append(added)
            }
        }
    }

    /// One command-line `KEY=…`: `trials=N` and `sampler-seed=S` set the spec's own keys (no
    /// train flag has those names), any other key an axis (setAxis).
    public mutating func apply(commandLine axis: Axis) throws {
        let context = "\(axis.key)=\(axis.values.joined(separator: ","))"
        switch axis.key {
        case "trials", "sampler-seed":
            guard axis.sampled == nil, axis.values.count == 1 else { throw SweepError.usage("\(context): \(axis.key) takes one whole number") }
            if axis.key == "trials" {
                trials = try SampledConfigurations.parseTrials(axis.values[0], context: context)
            } else {
                samplerSeed = try SampledConfigurations.parseSeed(axis.values[0], context: context)
            }
        default:
            setAxis(axis)
        }
    }

    /// Parses one `KEY=V1,V2` argument.
    public static func commandLineAxis(_ argument: String) throws -> Axis {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
            throw SweepError.usage("'\(argument)': an axis is KEY=V1,V2 (for example lr=0.1,0.01)")
        }
        let key = normalizedKey(String(argument[..<equals]))
        let rest = argument[argument.index(after: equals)...]
        if let sampled = try SampledAxis.parse(commandLine: rest, key: key) { return Axis(key, sampled: sampled) }
        let values = rest.isEmpty ? [] : rest.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0).trimmingCharacters(in: " ")
        }
        if values.contains("") { throw SweepError.usage("\(key)=\(rest): an empty value in the axis \(key)") }
        try refuseRepeatedValues(values, key: key, in: "\(key)=\(rest)", listHint: false)
        return Axis(key, values)
    }

    // MARK: - Writing YAML (the spec DIR keeps)

    public var yaml: String {
        let scalar = SweepSpec.storedScalar
        let fixedNode = Node(fixed.map { (scalar($0.key), scalar($0.value)) })
        func gridNode(_ grid: [Axis]) -> Node {
            Node(grid.map { (scalar($0.key), $0.sampled?.node ?? Node($0.values.map(scalar), .implicit, .flow)) })
        }
        var pairs: [(Node, Node)] = []
        if !fixed.isEmpty { pairs.append((scalar("fixed"), fixedNode)) }
        if let trials { pairs.append((scalar("trials"), scalar(String(trials)))) }
        if let samplerSeed { pairs.append((scalar("sampler-seed"), scalar(String(samplerSeed)))) }
        if writtenAsList || grids.count > 1 {
            pairs.append((scalar("grids"), Node(grids.map(gridNode))))
        } else if let grid = grids.first, !grid.isEmpty {
            pairs.append((scalar("grid"), gridNode(grid)))
        }
        if let halving { pairs.append((scalar("halving"), halving.node)) }
        let body = (try? Yams.serialize(node: Node(pairs))) ?? ""
        return "# The sweep's spec as last given (zalando-train sweep DIR reuses it).\n" + body
    }
}

extension SweepSpec {
    /// A value as `sweep.yaml` stores it, so that reading the file gives the same text and
    /// every YAML reader the same meaning. Plain when the plain scalar is a string to YAML, a
    /// number written in decimal (`0.1`, `1e-3`: YAML's number is the one train reads from the
    /// text) or `true`/`false` (a bare flag, or none); quoted otherwise, as Yams quotes a
    /// string: `~`, `null` and `` would be null (a value the spec refuses), `yes`/`on` a
    /// boolean, `0x10`, `0o17`, `1:20`, `.inf` another number, `2026-12-02` a timestamp.
    static func storedScalar(_ text: String) -> Node {
        let plain = Node(text), quoted = Node(text, Tag(.str), .singleQuoted)
        switch Resolver.default.resolveTag(of: plain) {
        case .str:
            return plain
        case .int, .float:
            return text.wholeMatch(of: /[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?/) != nil ? plain : quoted
        case .bool:
            return ["true", "false"].contains(text.lowercased()) ? plain : quoted
        default:
            return quoted
        }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

/// A sweep problem for the user: `usage` (a bad spec or flag, exit 64) or `runtime` (files, exit 1).
public struct SweepError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let exitCode: Int32
    public var description: String { message }
    public static func usage(_ message: String) -> SweepError { SweepError(message: message, exitCode: ExitStatus.usage.rawValue) }
    public static func runtime(_ message: String) -> SweepError { SweepError(message: message, exitCode: ExitStatus.failure.rawValue) }
}
