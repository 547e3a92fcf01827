import Foundation

/// γ0 throughout.
public struct ConstantSchedule: LearningRateSchedule {
    public let rate: Double
    public func rate(at j: Int) -> Double { rate }
}

/// tf.train.piecewise_constant / keras PiecewiseConstantDecay: v0 while j ≤ b1,
/// v_i while b_i < j ≤ b_{i+1}, v_n after b_n. The values are the rates themselves.
public struct PiecewiseConstantSchedule: LearningRateSchedule {
    public let boundaries: [Int]
    public let values: [Double]
    public func rate(at j: Int) -> Double {
        var i = 0
        while i < boundaries.count && j > boundaries[i] { i += 1 }
        return values[i]
    }
}

/// The book's step decay: γ0 / (⌊j/D⌋ + 1).
public struct StepDecaySchedule: LearningRateSchedule {
    public let initialRate: Double
    public let dropEvery: Int
    public func rate(at j: Int) -> Double { initialRate / Double(j / dropEvery + 1) }
}

/// torch.optim.lr_scheduler.MultiStepLR: γ0 · f^(number of milestones ≤ j).
public struct MultiStepSchedule: LearningRateSchedule {
    public let initialRate: Double
    public let milestones: [Int]
    public let factor: Double
    public func rate(at j: Int) -> Double {
        initialRate * pow(factor, Double(milestones.filter { $0 <= j }.count))
    }
}

/// Keras InverseTimeDecay, ExponentialDecay and the natural-exponential form (tf 1.x
/// natural_exp_decay), with p = j/s, or ⌊j/s⌋ with --staircase:
///   inverse-time γ0/(1 + ν p);  exponential γ0 ν^p;  natural-exp γ0 e^(−ν p).
public struct DecaySchedule: LearningRateSchedule {
    public enum Form: Sendable { case inverseTime, exponential, naturalExponential }
    public let form: Form
    public let initialRate: Double
    public let decayRate: Double
    public let decaySteps: Int
    public let staircase: Bool

    public func rate(at j: Int) -> Double {
        var p = Double(j) / Double(decaySteps)
        if staircase { p = p.rounded(.down) }
        switch form {
        case .inverseTime: return initialRate / (1 + decayRate * p)
        case .exponential: return initialRate * pow(decayRate, p)
        case .naturalExponential: return initialRate * exp(-decayRate * p)
        }
    }
}

/// Keras PolynomialDecay (tf.train.polynomial_decay): (γ0 − e)(1 − min(j, s)/s)^p + e.
/// With cycle, s grows to s·⌈j/s⌉ (and is s at j = 0), so the rate restarts after each multiple.
public struct PolynomialDecaySchedule: LearningRateSchedule {
    public let initialRate: Double
    public let decaySteps: Int
    public let endRate: Double
    public let power: Double
    public let cycle: Bool

    public func rate(at j: Int) -> Double {
        var s = Double(decaySteps)
        var step = Double(j)
        if cycle {
            let multiplier = j == 0 ? 1 : (Double(j) / s).rounded(.up)
            s *= multiplier
        } else {
            step = min(step, s)
        }
        return (initialRate - endRate) * pow(1 - step / s, power) + endRate
    }
}

/// Power scheduling (Géron, "Hands-On Machine Learning", ch. 11): γ0 (1 + j/s)^(−c).
public struct PowerSchedule: LearningRateSchedule {
    public let initialRate: Double
    public let decaySteps: Int
    public let power: Double
    public func rate(at j: Int) -> Double { initialRate * pow(1 + Double(j) / Double(decaySteps), -power) }
}
