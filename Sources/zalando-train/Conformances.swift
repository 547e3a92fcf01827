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

