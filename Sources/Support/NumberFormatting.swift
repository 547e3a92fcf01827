#if canImport(Glibc)
import Glibc
#endif

// How numbers are written for people and files: the epoch line, the CSV, reports and charts.

/// `value` with a fixed number of decimals (printf %.Nf).
public func formatFixed(_ value: Double, digits: Int) -> String { formatted(value, "%.\(digits)f") }

/// `value` in scientific notation with `digits` decimals (printf %.Ne).
public func formatScientific(_ value: Double, digits: Int) -> String { formatted(value, "%.\(digits)e") }

/// Shortest round-trip form of a Double (Swift's description), without a trailing ".0".
public func formatCompact(_ value: Double) -> String {
    let text = "\(value)"
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
}

/// One Double through a printf conversion (C's rounding, as Python's and numpy's "%.4f").
/// A huge value in %f takes hundreds of characters: the buffer then grows to what vsnprintf
/// says it needs, so nothing is cut off.
private func formatted(_ value: Double, _ format: String) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let needed = Int(withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) })
    if needed >= buffer.count {
        buffer = [CChar](repeating: 0, count: needed + 1)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) }
    }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The one duration format, for progress bars, sweep lines and summaries: `0.4s`, `7s`,
/// `4m05s`, `2h03m`. Below 10 s a tenth of a second; then whole seconds, minutes and hours.
public func formatDuration(_ seconds: Double) -> String {
    let seconds = seconds.isFinite ? max(0, seconds) : 0
    if seconds < 9.95 { return formatFixed(seconds, digits: 1) + "s" }
    let s = Int(seconds.rounded())
    func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m\(twoDigits(s % 60))s" }
    return "\(s / 3600)h\(twoDigits(s % 3600 / 60))m"
}
