import ArgumentParser
import Foundation
import IDXData
import MLP
import Optimization

/// Reads one of an enumeration's names. Used as an option's `transform`, so an unknown name
/// gets one line listing the valid ones (ArgumentParser's own message spans a line per value).
/// Names are accepted in any case, and an unknown one gets a "did you mean". (Enums that
/// conform to `NamedChoice` need no transform and also get completion and help listings.)
func choice<T: CaseIterable & RawRepresentable>(_ text: String) throws -> T where T.RawValue == String {
    if let value = T.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) { return value }
    throw ValidationError(ErrorTeacher.unknownName(items: [text], allowed: T.allCases.map(\.rawValue)))
}

extension StepCount: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
}

/// A comma-separated list of names (`--optimizer sgd,momentum,adam`), each checked by `choice`.
func choiceList<T: CaseIterable & RawRepresentable>(_ text: String) throws -> [T] where T.RawValue == String {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { try choice(String($0).trimmingCharacters(in: .whitespaces)) }
}

/// A comma-separated list on the command line (`--milestones 2e,4e`, `--hidden 20,20`).
struct CommaList<Element: Sendable>: ExpressibleByArgument, Sendable where Element: LosslessStringConvertible {
    let items: [Element]
    init?(argument: String) {
        // `--lr 0,01` is 0.01 with a decimal comma, not the list 0, 1: refused, and explained
        // by the error teacher.
        if Element.self is any BinaryFloatingPoint.Type, DecimalComma.cannotBeAList(argument) { return nil }
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        var items: [Element] = []
        for part in parts {
            guard let item = Element(part) else { return nil }
            items.append(item)
        }
        guard !items.isEmpty else { return nil }
        self.items = items
    }
    init(_ items: [Element]) { self.items = items }
    var defaultValueDescription: String { items.map(\.description).joined(separator: ",") }
}

extension StepCount: LosslessStringConvertible {}


/// A number written with a decimal comma (`0,01` for 0.01, as in much of Europe). The one home
/// of that rule for every number flag: a comma list of numbers refuses it when it cannot be a
/// list, and the error teacher then, like for a single number so written, says
/// "use a decimal point: 0.01".
enum DecimalComma {
    /// "0.01" for "0,01" (`[-]digits,digits`); nil for anything else, and for `1,000`, which
    /// is more likely a thousands separator than a decimal comma.
    static func pointed(_ text: String) -> String? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let whole = parts[0].hasPrefix("-") ? parts[0].dropFirst() : parts[0]
        let fraction = parts[1]
        func digits(_ part: Substring) -> Bool { !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } }
        guard digits(whole), digits(fraction), whole == "0" || fraction.count != 3 else { return nil }
        return "\(parts[0]).\(fraction)"
    }

    /// Whether a comma list must read `text` as one decimal number: after the comma comes a
    /// leading zero (`0,01`, `1,05`), which no one writes as a list item.
    static func cannotBeAList(_ text: String) -> Bool {
        guard pointed(text) != nil, let fraction = text.split(separator: ",").last else { return false }
        return fraction.count > 1 && fraction.hasPrefix("0")
    }
}
