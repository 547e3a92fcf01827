import Support

/// What a checkpoint needs from an optimizer: its buffers (moments, velocities, running sums)
/// and its counters. Buffers are found by reflection, so every optimizer, present or future,
/// exports all of them; counters are listed per optimizer, since only it knows which of its
/// scalars change as it steps. An optimizer that does not say how to restore its counters
/// refuses to resume (a clear error, never a silent restart of its step count).
extension Optimizer {
    public var stateBuffers: [(name: String, buffer: FloatBuffer)] {
        Mirror(reflecting: self).children.compactMap { child in
            guard let name = child.label, let buffer = child.value as? FloatBuffer, buffer.count > 0 else { return nil }
            return (name, buffer)
        }
    }

    public var stateCounters: [(name: String, value: Double)] { [("update_count", Double(updateCount))] }

    public func restoreCounters(_ counters: [String: Double]) throws {
        throw OptimizerStateError(problem: "\(type(of: self)) does not say how to restore its counters")
    }
}

public struct OptimizerStateError: Error, CustomStringConvertible {
    public let problem: String
    public init(problem: String) { self.problem = problem }
    public var description: String { problem }
}

/// The update count t, which every optimizer keeps: a whole number ≥ 0.
func restoredUpdateCount(_ counters: [String: Double]) throws -> Int {
    guard let value = counters["update_count"], value >= 0, value < 0x1p53, value == value.rounded() else {
        throw OptimizerStateError(problem: "update_count is missing or not a whole number ≥ 0")
    }
    return Int(value)
}

extension SGD { public func restoreCounters(_ c: [String: Double]) throws { updateCount = try restoredUpdateCount(c) } }
extension Momentum { public func restoreCounters(_ c: [String: Double]) throws { updateCount = try restoredUpdateCount(c) } }
extension Nesterov { public func restoreCounters(_ c: [String: Double]) throws { updateCount = try restoredUpdateCount(c) } }
extension AdaGrad { public func restoreCounters(_ c: [String: Double]) throws { updateCount = try restoredUpdateCount(c) } }
extension Adadelta { public func restoreCounters(_ c: [String: Double]) throws { updateCount = try restoredUpdateCount(c) } }
extension RMSProp { public func restoreCounters(_ c: [String: Double]) throws { updateCount = try restoredUpdateCount(c) } }
extension Adam { public func restoreCounters(_ c: [String: Double]) throws { updateCount = try restoredUpdateCount(c) } }
extension Adamax { public func restoreCounters(_ c: [String: Double]) throws { updateCount = try restoredUpdateCount(c) } }

extension NAdam {
    /// NAdam also carries Π μ_i, the product of its momentum schedule so far.
    public var stateCounters: [(name: String, value: Double)] {
        [("update_count", Double(updateCount)), ("mu_product", muProduct)]
    }

    public func restoreCounters(_ c: [String: Double]) throws {
        guard let product = c["mu_product"], product.isFinite else {
            throw OptimizerStateError(problem: "mu_product is missing or not finite")
        }
        updateCount = try restoredUpdateCount(c)
        muProduct = product
    }
}
