import ArgumentParser
import IDXData
import MLP
import Optimization

// The library's domain enums, readable from the command line; `--help` lists their values.
extension OptimizerKind: ExpressibleByArgument {}
extension ScheduleKind: ExpressibleByArgument {}
extension CyclicMode: ExpressibleByArgument {}
extension Activation: ExpressibleByArgument {}
extension Initialization: ExpressibleByArgument {}
extension DatasetName: ExpressibleByArgument {}

extension StepCount: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
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

import Foundation
