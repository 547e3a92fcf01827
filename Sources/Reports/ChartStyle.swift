import Foundation
import Support

/// How a chart tells its lines apart and how it picks and labels its axes: a colour, a dash
/// pattern and a marker shape per line (so print in grey and overlapping lines still work),
/// the log-or-linear choice made from the data, and one tick-label format per axis.
public enum ChartStyle {
    /// Ten distinguishable colours (Tableau 10), cycled.
    public static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1",
                                 "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#5f5f5f"]
    /// Dash patterns (SVG stroke-dasharray; "" is solid), cycled with a different period from
    /// the colours and markers, so the nth line differs from every other in at least two ways.
    public static let dashes = ["", "7 3", "2 2.5", "9 3 2 3", "4 4", "12 3 3 3 3 3"]
    public enum Marker: String, CaseIterable, Sendable { case circle, square, triangle, diamond, cross, plus, star }

    public static func color(_ index: Int) -> String { palette[index % palette.count] }
    public static func dash(_ index: Int) -> String { dashes[index % dashes.count] }
    public static func marker(_ index: Int) -> Marker { Marker.allCases[index % Marker.allCases.count] }

    /// The nth line's look: colour, dash and marker cycled with different periods.
    public static func look(_ index: Int) -> ChartLook { ChartLook(color: color(index), dash: dash(index), marker: marker(index)) }

    /// Dashes a configuration's line may take: none of them dotted, since dotted means held-out
    /// cost wherever training and held-out cost share a panel.
    static let configurationDashes = ["", "7 3", "9 3 2 3", "12 3 3 3 3 3"]

    /// A configuration's look from its id alone, so it is the same in every picture whatever else
    /// is drawn beside it (a look taken from the position in the legend changed from picture to
    /// picture). Colour, dash and marker come from different digits of a hash of the id: two
    /// configurations share a colour 1 time in 10, and then still differ in dash or marker
    /// unless all three coincide (1 in 280).
    public static func look(configurationID id: String) -> ChartLook {
        // SHA-256 of the id, not the id's own hex digits: any string (a v1 run's id too) spreads
        // evenly, and each choice takes its own byte.
        let h = SHA256.digest(Array(id.utf8))
        let choice = { (k: Int, count: Int) in Int(UInt16(h[k]) << 8 | UInt16(h[k + 1])) % count }
        return ChartLook(color: palette[choice(0, palette.count)], dash: configurationDashes[choice(2, configurationDashes.count)],
                         marker: Marker.allCases[choice(4, Marker.allCases.count)])
    }

    /// A marker shape centred on (x, y) with half-size r, as an SVG element. `open`: a filled
    /// shape is drawn white with a coloured outline (crosses and pluses are lines already and
    /// get a thinner stroke). Every attribute is written once: a repeated one makes the SVG
    /// malformed XML, which librsvg and browsers refuse (the 5th and 6th runs' open markers did).
    /// `attributes` are written into the element as given (` data-config="…"`).
    public static func markerElement(_ marker: Marker, x: Double, y: Double, r: Double, color: String, open: Bool = false,
                                     attributes: String = "") -> String {
        let f = SVGChart.fmt
        let extra = (open ? " stroke=\"\(color)\" stroke-width=\"1.4\"" : "") + attributes
        let lineWidth = open ? "1.2" : "1.8"
        switch marker {
        case .circle:
            return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(r))\" fill=\"\(open ? "white" : color)\"\(extra)/>"
        case .square:
            return "<rect x=\"\(f(x - r * 0.9))\" y=\"\(f(y - r * 0.9))\" width=\"\(f(1.8 * r))\" height=\"\(f(1.8 * r))\" fill=\"\(open ? "white" : color)\"\(extra)/>"
        case .triangle:
            return "<path d=\"M\(f(x)),\(f(y - 1.2 * r))L\(f(x + 1.1 * r)),\(f(y + 0.8 * r))L\(f(x - 1.1 * r)),\(f(y + 0.8 * r))Z\" fill=\"\(open ? "white" : color)\"\(extra)/>"
        case .diamond:
            return "<path d=\"M\(f(x)),\(f(y - 1.3 * r))L\(f(x + 1.1 * r)),\(f(y))L\(f(x)),\(f(y + 1.3 * r))L\(f(x - 1.1 * r)),\(f(y))Z\" fill=\"\(open ? "white" : color)\"\(extra)/>"
        case .cross:
            return "<path d=\"M\(f(x - r)),\(f(y - r))L\(f(x + r)),\(f(y + r))M\(f(x - r)),\(f(y + r))L\(f(x + r)),\(f(y - r))\" stroke=\"\(color)\" stroke-width=\"\(lineWidth)\" fill=\"none\"\(attributes)/>"
        case .plus:
            return "<path d=\"M\(f(x - 1.2 * r)),\(f(y))L\(f(x + 1.2 * r)),\(f(y))M\(f(x)),\(f(y - 1.2 * r))L\(f(x)),\(f(y + 1.2 * r))\" stroke=\"\(color)\" stroke-width=\"\(lineWidth)\" fill=\"none\"\(attributes)/>"
        case .star:
            var d = ""
            for k in 0..<10 {
                let angle = -Double.pi / 2 + Double(k) * Double.pi / 5
                let radius = k % 2 == 0 ? 1.4 * r : 0.6 * r
                d += (k == 0 ? "M" : "L") + "\(f(x + radius * cos(angle))),\(f(y + radius * sin(angle)))"
            }
            return "<path d=\"\(d)Z\" fill=\"\(open ? "white" : color)\"\(extra)/>"
        }
    }

    /// `--log-y`, `--linear-y`, or neither (the data decide).
    public enum Scale: String, Sendable { case auto, log, linear }

    /// Log only when every value is positive and finite and they span more than two decades:
    /// a log axis cannot show zero or negative values, and over less than two decades it only
    /// bends straight lines (a triangular cycle would look scalloped).
    public static func prefersLog(_ values: [Double]) -> Bool {
        let finite = values.filter { $0.isFinite }
        guard let low = finite.min(), let high = finite.max(), low > 0 else { return false }
        return high / low > 100
    }

    /// One format per axis: plain decimals (`0.001`, `0.25`, `12`) when every tick reads well
    /// that way, otherwise scientific for all of them (`1e-4`, `2.5e-3`). Percent axes show `85%`.
    /// On a log axis plain decimals are each as short as they can be (`0.001`, `0.01`, `1`),
    /// and decades beyond that range are written as powers of ten (`10⁻⁵`).
    public static func tickLabels(_ ticks: [Double], percent: Bool, log: Bool = false) -> [String] {
        if percent {
            let decimals = ticks.map { decimalsNeeded($0 * 100) }.max() ?? 0
            return ticks.map { formatFixed($0 * 100, digits: min(decimals, 3)) + "%" }
        }
        let plain = ticks.allSatisfy { $0 == 0 || (abs($0) >= 1e-3 && abs($0) < 1e5) }
        if plain {
            if log { return ticks.map { formatFixed($0, digits: decimalsNeeded($0)) } }
            let decimals = ticks.map(decimalsNeeded).max() ?? 0
            return ticks.map { formatFixed($0, digits: min(decimals, 6)) }
        }
        if log, ticks.allSatisfy({ $0 > 0 && abs(Foundation.log10($0) - Foundation.log10($0).rounded()) < 1e-9 }) {
            return ticks.map { powerOfTen(Int(Foundation.log10($0).rounded())) }
        }
        return ticks.map(scientific)
    }

    /// `10⁻⁵`, `10⁶`.
    public static func powerOfTen(_ exponent: Int) -> String {
        let digits: [Character: String] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return "10" + String(exponent).map { digits[$0] ?? String($0) }.joined()
    }

    /// A value in a sentence or tooltip: 4 significant digits, scientific outside 0.001…1e5.
    public static func readable(_ v: Double) -> String {
        if v == 0 || !v.isFinite { return formatCompact(v) }
        if abs(v) >= 1e-3 && abs(v) < 1e5 { return formatCompact(Double(formatScientific(v, digits: 3)) ?? v) }
        return formatScientific(v, digits: 2)
    }

    /// `3e-4`, `2.5e-3`, `1e6`, `0`: the shortest mantissa (at most 3 significant digits).
    public static func scientific(_ v: Double) -> String {
        if v == 0 { return "0" }
        var exponent = Int(Foundation.log10(abs(v)).rounded(.down))
        var mantissa = v / pow(10, Double(exponent))
        mantissa = (mantissa * 100).rounded() / 100
        if abs(mantissa) >= 10 { mantissa /= 10; exponent += 1 }
        return formatCompact(mantissa) + "e" + String(exponent)
    }

    /// Decimals needed to write `v` exactly to 6 places (0.25 → 2, 12 → 0).
    static func decimalsNeeded(_ v: Double) -> Int {
        for d in 0...6 {
            let scaled = v * pow(10, Double(d))
            if abs(scaled - scaled.rounded()) < 1e-6 * max(1, abs(scaled)) { return d }
        }
        return 6
    }

    /// "Test accuracy" → "Test Accuracy": every panel title in the same (title) case.
    public static func titleCase(_ text: String) -> String {
        let small: Set<String> = ["a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "per", "the", "to", "vs", "vs."]
        return text.split(separator: " ", omittingEmptySubsequences: false).enumerated().map { i, word in
            let w = String(word)
            if i > 0 && small.contains(w.lowercased()) { return w.lowercased() }
            guard let first = w.first, first.isLowercase else { return w }
            return first.uppercased() + w.dropFirst()
        }.joined(separator: " ")
    }
}

/// What tells one line from the others: its colour, dash pattern (SVG stroke-dasharray, "" for
/// solid) and marker shape.
public struct ChartLook: Sendable, Equatable {
    public let color: String
    public let dash: String
    public let marker: ChartStyle.Marker
    public init(color: String, dash: String, marker: ChartStyle.Marker) { self.color = color; self.dash = dash; self.marker = marker }
}

/// Legend labels that name what differs between runs: the attributes whose values are not the
/// same for all runs, in the order given (`adam γ=0.001`, `sgd γ=0.01`). An attribute with an
/// empty key is written bare (optimizer and schedule names); when nothing differs, or two runs
/// would get the same label, those runs' names are used (appended).
public enum DifferenceLabels {
    public static func labels(names: [String], attributes: [[(key: String, value: String)]]) -> [String] {
        guard names.count > 1 else { return names }
        let keys = attributes.first.map { $0.map(\.key) } ?? []
        var differing: [Int] = []
        for (k, _) in keys.enumerated() {
            let values = Set(attributes.map { $0.count > k ? $0[k].value : "" })
            if values.count > 1 { differing.append(k) }
        }
        var labels = attributes.map { attrs in
            differing.compactMap { k -> String? in
                guard k < attrs.count else { return nil }
                let (key, value) = attrs[k]
                return key.isEmpty ? value : "\(key)=\(value)"
            }.joined(separator: " ")
        }
        // Only the labels that are empty or shared get the run name: naming every run made each
        // entry long as soon as two of them collided.
        let counts = Dictionary(labels.map { ($0, 1) }, uniquingKeysWith: +)
        labels = zip(labels, names).map { counts[$0]! > 1 || $0.isEmpty ? ($0.isEmpty ? $1 : "\($0) (\($1))") : $0 }
        return labels
    }
}
