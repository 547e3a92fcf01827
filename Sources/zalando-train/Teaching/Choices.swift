import ArgumentParser
import Foundation
import IDXData
import MLP
import Optimization
import Training
import Reports
import RunRecords
import Support

/// A name on the command line from a fixed set (`--optimizer adam`, `--dataset mnist`),
/// accepted in any case (`Adam`). Conforming enums get, from ArgumentParser, their values in
/// --help and in the shell completions; an unknown name gets a "did you mean" from the
/// error rewriting in `TeachingMain` (which reads the values from the command tree).
protocol NamedChoice: CaseIterable, RawRepresentable, ExpressibleByArgument, Sendable where RawValue == String {}

extension NamedChoice {
    public init?(argument: String) {
        guard let value = Self.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = value
    }
    public var defaultValueDescription: String { rawValue }
}

extension DatasetName: NamedChoice {}
extension Activation: NamedChoice {}
extension Initialization: NamedChoice {}
extension OptimizerKind: NamedChoice {}
extension ScheduleKind: NamedChoice {}
extension CyclicMode: NamedChoice {}
extension OneCycleSchedule.Anneal: NamedChoice {}
extension Metric: NamedChoice {}
extension TableFormat: NamedChoice {}
extension ConfigurationTable.Ranking: NamedChoice {}
extension CompareChart.Panel: NamedChoice {}
extension ChartLayout.Width: NamedChoice {}

/// A comma list of names (`--optimizer sgd,momentum,adam`): each name as in `NamedChoice`,
/// the values listed in --help and offered by completion.
struct ChoiceList<Element: NamedChoice>: ExpressibleByArgument, Sendable {
    let items: [Element]
    init(_ items: [Element]) { self.items = items }
    init?(argument: String) {
        var items: [Element] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let item = Element(argument: String(part).trimmingCharacters(in: .whitespaces)) else { return nil }
            items.append(item)
        }
        self.items = items
    }
    var defaultValueDescription: String { items.map(\.rawValue).joined(separator: ",") }
    /// The first name given more than once (`--panels cost,cost`), for the flags where a
    /// repeat would only do the same thing twice.
    var repeated: Element? { items.first { item in items.filter { $0.rawValue == item.rawValue }.count > 1 } }
    static var allValueStrings: [String] { Element.allCases.map(\.rawValue) }
    static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
}
