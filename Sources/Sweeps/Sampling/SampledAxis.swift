import Foundation
import Yams

/// An axis given as a distribution instead of a list (DESIGN.md "sweep", sampled search):
/// `uniform: [a, b]`, `loguniform: [a, b]` (a > 0), `int: [a, b]` (both ends included) or
/// `choice: [...]`; on the command line `lr=loguniform:1e-4,1`, `batch-size=int:16,128`,
/// `optimizer=choice:adam,nesterov`. Bounds and items keep the text the user wrote, so the spec
/// DIR stores reads back the same; `value(at:)` maps a point of [0, 1) to the flag's text.
public struct SampledAxis: Equatable, Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case uniform, loguniform, int, choice
    }

    public let kind: Kind
    /// The two bounds (uniform, loguniform, int) or the items (choice), as written.
    public let items: [String]

    /// Checks the distribution; `context` names the key in messages (`spec.yaml: grid: lr`).
    public init(kind: Kind, items: [String], context: String) throws {
        self.kind = kind
        self.items = items
        let written = "\(kind.rawValue): [\(items.joined(separator: ", "))]"
        switch kind {
        case .choice:
            if items.isEmpty { throw SweepError.usage("\(context): \(written): a choice needs at least one item") }
            try SweepSpec.refuseRepeatedValues(items, key: "choice", in: context, listHint: false)
        case .uniform, .loguniform, .int:
            guard items.count == 2 else {
                throw SweepError.usage("\(context): \(written): give two bounds, \(kind.rawValue): [a, b]")
            }
            if kind == .int {
                guard let a = Int(items[0]), let b = Int(items[1]) else {
                    throw SweepError.usage("\(context): \(written): the bounds of int must be whole numbers")
                }
                if a >= b { throw SweepError.usage("\(context): \(written): the lower bound must be below the upper one") }
                if b.subtractingReportingOverflow(a).overflow || b - a == Int.max {
                    throw SweepError.usage("\(context): \(written): the range is too wide")
                }
            } else {
                guard let a = Double(items[0]), let b = Double(items[1]), a.isFinite, b.isFinite else {
                    throw SweepError.usage("\(context): \(written): the bounds must be finite numbers")
                }
                if a >= b { throw SweepError.usage("\(context): \(written): the lower bound must be below the upper one") }
                if kind == .loguniform && a <= 0 {
                    throw SweepError.usage("\(context): \(written): the lower bound of loguniform must be above 0")
                }
            }
        }
    }

    /// The flag's value at `u` in [0, 1): uniform and loguniform rounded to 4 significant digits
    /// (kept within the bounds), int a whole number, choice the item.
    public func value(at u: Double) -> String {
        switch kind {
        case .choice:
            return items[min(Int(u * Double(items.count)), items.count - 1)]
        case .int:
            let a = Int(items[0])!, b = Int(items[1])!
            let span = b - a + 1
            return String(a + min(Int(u * Double(span)), span - 1))
        case .uniform, .loguniform:
            let a = Double(items[0])!, b = Double(items[1])!
            let x = kind == .uniform ? a + u * (b - a) : exp(log(a) + u * (log(b) - log(a)))
            let text = SampledAxis.fourSignificantDigits(x)
            // Rounding may step past a bound written with more digits (0.12346): the bound then.
            let rounded = Double(text)!
            if rounded < a { return items[0] }
            if rounded > b { return items[1] }
            return text
        }
    }

    /// `x` with 4 significant digits, in plain decimals from 1e-6 to 1e6 (0.0003162, 31620,
    /// 0.5), else in exponent form (3.162e-07): readable flags and run labels. The digits come
    /// from printf's correctly rounded %e, so every machine writes the same text.
    static func fourSignificantDigits(_ x: Double) -> String {
        if x == 0 { return "0" }
        let scientific = String(format: "%.3e", x)  // -3.162e-04
        let parts = scientific.split(separator: "e")
        let negative = parts[0].hasPrefix("-")
        let digits = parts[0].filter(\.isNumber)  // 3162
        let exponent = Int(parts[1])!
        var text: String
        if exponent < -6 || exponent > 6 {
            var mantissa = String(digits.prefix(1)) + "." + digits.dropFirst()
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
            text = mantissa + "e" + (exponent < 0 ? "-" : "+") + (abs(exponent) < 10 ? "0" : "") + String(abs(exponent))
        } else if exponent < 0 {
            text = "0." + String(repeating: "0", count: -exponent - 1) + digits
        } else if exponent >= 3 {
            text = digits + String(repeating: "0", count: exponent - 3)
        } else {
            text = String(digits.prefix(exponent + 1)) + "." + digits.dropFirst(exponent + 1)
        }
        if text.contains("."), !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return (negative ? "-" : "") + text
    }

    // MARK: - The spec's text

    /// `{loguniform: [0.0001, 0.3]}` in a grid; nil when the node is no mapping (a list axis).
    static func parse(_ node: Node, key: String, context: String, text: (Node) throws -> String) throws -> SampledAxis? {
        guard case .mapping(let mapping) = node else { return nil }
        let names = Kind.allCases.map(\.rawValue).joined(separator: ", ")
        guard mapping.count == 1, let (nameNode, value) = mapping.first else {
            throw SweepError.usage("\(context): \(key): a distribution is one of \(names), such as {loguniform: [0.0001, 0.1]}")
        }
        let name = nameNode.string ?? ""
        guard let kind = Kind(rawValue: name) else {
            throw SweepError.usage("\(context): \(key): unknown distribution '\(name)' (one of \(names))")
        }
        let items: [String]
        if case .sequence(let list) = value {
            items = try list.map(text)
        } else {
            throw SweepError.usage("\(context): \(key): \(name) takes a list, such as \(name): \(kind == .choice ? "[32, 64]" : "[0.001, 0.1]")")
        }
        return try SampledAxis(kind: kind, items: items, context: "\(context): \(key)")
    }

    /// A command-line value `loguniform:1e-4,1`; nil when the text is a list of values. A word
    /// and a colon before a number (`logunifrom:1e-4,1`) is taken for a misspelled distribution.
    static func parse(commandLine text: Substring, key: String) throws -> SampledAxis? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let name = String(text[..<colon])
        let rest = text[text.index(after: colon)...]
        let names = Kind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let kind = Kind(rawValue: name) else {
            if !name.isEmpty, name.allSatisfy(\.isLetter), let first = rest.first, first.isNumber || "-+.".contains(first) {
                throw SweepError.usage("\(key)=\(text): unknown distribution '\(name)' (one of \(names), as in \(key)=loguniform:0.0001,0.1)")
            }
            return nil
        }
        let items = rest.isEmpty ? [] : rest.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0).trimmingCharacters(in: " ")
        }
        if items.contains("") { throw SweepError.usage("\(key)=\(text): an empty value in the distribution") }
        return try SampledAxis(kind: kind, items: items, context: "\(key)=\(text)")
    }

    var node: Node {
        Node([(Node(kind.rawValue), Node(items.map(SweepSpec.storedScalar), .implicit, .flow))], .implicit, .flow)
    }
}
