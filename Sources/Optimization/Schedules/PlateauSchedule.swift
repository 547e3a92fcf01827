import Foundation

/// Performance scheduling: the rate is multiplied by `factor` (never below `minRate`) once the
/// monitored cost has gone `patience` epochs without improving on its best value (Keras
/// ReduceLROnPlateau's counting, min_delta 0, cooldown 0). The training loop feeds it one cost
/// per epoch: the validation cost when there is a validation set, otherwise the training cost.
public final class PlateauSchedule: LearningRateSchedule, @unchecked Sendable {
    public let factor: Double
    public let patience: Int
    public let minRate: Double
    public private(set) var currentRate: Double
    public private(set) var best = Double.infinity
    public private(set) var epochsWithoutImprovement = 0

    public init(initialRate: Double, factor: Double, patience: Int, minRate: Double) {
        self.factor = factor
        self.patience = patience
        self.minRate = minRate
        currentRate = initialRate
    }

    public func rate(at j: Int) -> Double { currentRate }

    /// Puts back the state a checkpoint recorded (the rest is fixed by the flags).
    public func restore(currentRate: Double, best: Double, epochsWithoutImprovement: Int) {
        self.currentRate = currentRate
        self.best = best
        self.epochsWithoutImprovement = epochsWithoutImprovement
    }

    /// Feeds one epoch's monitored cost; returns true when the rate was reduced.
    @discardableResult
    public func observe(cost: Double) -> Bool {
        if cost < best {
            best = cost
            epochsWithoutImprovement = 0
            return false
        }
        epochsWithoutImprovement += 1
        guard epochsWithoutImprovement >= patience else { return false }
        epochsWithoutImprovement = 0
        let reduced = max(currentRate * factor, minRate)
        defer { currentRate = reduced }
        return reduced < currentRate
    }
}
