import ArgumentParser
import Foundation
import Training
import Reports
import RunRecords
import Support

// Usage checks shared by the option groups: each throws a ValidationError naming the flag, so
// the user sees one line, the usage, and exit status 64.

/// Throws when `value` is given and fails `isValid` (NaN and ±∞ always fail).
func check(_ flag: String, _ value: Double?, _ requirement: String, _ isValid: (Double) -> Bool) throws {
    guard let value else { return }
    guard value.isFinite, isValid(value) else {
        throw ValidationError("\(flag) \(formatCompact(value)): must be \(requirement)")
    }
}

/// Throws for the first of the `given` flags that none of the chosen optimizers or schedules
/// (`choice`, e.g. "--optimizer sgd,adam") reads; with several, one reader is enough.
/// `used` lists the flags they read, in the order to print; `none` is said when it is empty.
func requireUsed(_ given: [String], used: [String], by choice: String, none: String) throws {
    for flag in given where !used.contains(flag) {
        let uses = used.isEmpty ? none : "it uses " + used.joined(separator: ", ")
        throw ValidationError("\(flag) is not used by \(choice) (\(uses))")
    }
}

/// `check` for every value of a comma list.
func checkAll(_ flag: String, _ list: CommaList<Double>?, _ requirement: String, _ isValid: (Double) -> Bool) throws {
    for value in list?.items ?? [] { try check(flag, value, requirement, isValid) }
}

/// A default as --help states it: `0.1`, `25`, `10000`, and small values as `1e-4`, `1e-8`.
func helpNumber(_ value: Double) -> String {
    let magnitude = abs(value)
    if magnitude > 0 && magnitude < 1e-3 {
        let exponent = Int((log10(magnitude)).rounded(.down))
        let mantissa = value / pow(10, Double(exponent))
        if abs(mantissa - mantissa.rounded()) < 1e-9 { return "\(Int(mantissa.rounded()))e\(exponent)" }
    }
    return formatCompact(value)
}
