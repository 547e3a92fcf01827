import Foundation

/// A schedule that also sets the optimizer's momentum (μ) or β1 for every update (one-cycle's
/// momentum cycling). `ParameterUpdate` hands `momentum(at: j)` to a `MomentumSettable`
/// optimizer before update j.
public protocol MomentumSchedule: LearningRateSchedule {
    /// The momentum or β1 for update j; nil leaves the optimizer's own value.
    func momentum(at j: Int) -> Double?
}

/// torch.optim.lr_scheduler.OneCycleLR (PyTorch 2.15, lr_scheduler.py `class OneCycleLR`),
/// stepped once per update, with max_lr = γ0 and total_steps = T:
///   initial = γ0/div, min = initial/final_div;
///   two phases (default): end steps e1 = pct·T − 1 (initial → γ0, momentum max → base) and
///   e2 = T − 1 (γ0 → min, momentum base → max);
///   three phases: e1 = pct·T − 1 (initial → γ0), e2 = 2·pct·T − 2 (γ0 → initial),
///   e3 = T − 1 (initial → min; momentum max → base, base → max, max → max);
///   update j lies in the first phase with j ≤ e_k (or the last), pct = (j − e_{k−1})/(e_k − e_{k−1})
///   with e_0 = 0, and the value is anneal(start, end, pct):
///   cos: end + (start − end)/2 · (cos(π·pct) + 1);  linear: (end − start)·pct + start.
///
/// Step counting: torch's constructor steps the scheduler once (last_epoch = 0) and the training
/// loop calls `scheduler.step()` after every `optimizer.step()`, so update j uses the rate and
/// momentum computed at last_epoch = j: exactly `rate(at: j)`, `momentum(at: j)`.
///
/// Where torch has no answer we define one:
/// - Past the cycle (j ≥ T): torch extrapolates the last phase at j = T (pct > 1: the cosine turns
///   back up, the linear anneal goes below the minimum and can go negative) and raises from
///   j = T + 1 on. We hold the value of the cycle's last update, j = T − 1 (the minimum rate,
///   and max-momentum), for every j ≥ T — what a run with `--decay-steps` shorter than the run
///   gets after the cycle.
/// - A phase of zero length (e_k = e_{k−1}, e.g. pct·T = 1 puts e1 at 0): torch divides 0 by 0
///   (ZeroDivisionError at update 0); we use pct = 1 there, the phase's end value.
///
/// All arithmetic in Double in torch's order, so the rates are torch's to the last bit (same
/// libm cos).
public struct OneCycleSchedule: MomentumSchedule {
    public enum Anneal: String, CaseIterable, Sendable {
        case cos, linear
    }

    /// torch's defaults, the one home of one-cycle's defaults (the flags, make and the run's
    /// identity read them here).
    public enum Defaults {
        public static let pctStart = 0.3
        public static let divFactor = 25.0
        public static let finalDivFactor = 1e4
        public static let anneal = Anneal.cos
        public static let baseMomentum = 0.85
        public static let maxMomentum = 0.95
    }

    public let maxRate: Double
    public let totalSteps: Int
    public let pctStart: Double
    public let divFactor: Double
    public let finalDivFactor: Double
    public let anneal: Anneal
    public let threePhase: Bool
    /// (base, max) momentum; nil with `--no-cycle-momentum` (cycle_momentum=False).
    public let momentumRange: (base: Double, max: Double)?

    public var initialRate: Double { maxRate / divFactor }
    public var minimumRate: Double { initialRate / finalDivFactor }

    private enum Level { case initial, max, min }
    private enum MomentumLevel { case base, max }
    private struct Phase {
        let endStep: Double
        let startRate: Level, endRate: Level
        let startMomentum: MomentumLevel, endMomentum: MomentumLevel
    }
    private let phases: [Phase]

    /// torch's defaults: pct_start 0.3, div_factor 25, final_div_factor 1e4, cos, two phases,
    /// momentum 0.85 … 0.95. Callers validate: `problem(...)` says what is wrong.
    public init(maxRate: Double, totalSteps: Int, pctStart: Double = Defaults.pctStart, divFactor: Double = Defaults.divFactor,
                finalDivFactor: Double = Defaults.finalDivFactor, anneal: Anneal = Defaults.anneal, threePhase: Bool = false,
                momentumRange: (base: Double, max: Double)? = (Defaults.baseMomentum, Defaults.maxMomentum)) {
        self.maxRate = maxRate
        self.totalSteps = max(1, totalSteps)
        self.pctStart = pctStart
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
        self.anneal = anneal
        self.threePhase = threePhase
        self.momentumRange = momentumRange
        let t = Double(self.totalSteps)
        if threePhase {
            phases = [
                Phase(endStep: pctStart * t - 1, startRate: .initial, endRate: .max, startMomentum: .max, endMomentum: .base),
                Phase(endStep: 2 * pctStart * t - 2, startRate: .max, endRate: .initial, startMomentum: .base, endMomentum: .max),
                Phase(endStep: t - 1, startRate: .initial, endRate: .min, startMomentum: .max, endMomentum: .max),
            ]
        } else {
            phases = [
                Phase(endStep: pctStart * t - 1, startRate: .initial, endRate: .max, startMomentum: .max, endMomentum: .base),
                Phase(endStep: t - 1, startRate: .max, endRate: .min, startMomentum: .base, endMomentum: .max),
            ]
        }
    }

    /// What is wrong with these settings (torch's own checks plus ours), or nil. The caller
    /// prefixes the flag: "--pct-start 1.5: must be between 0 and 1".
    public static func problem(maxRate: Double, totalSteps: Int, pctStart: Double, divFactor: Double,
                               finalDivFactor: Double, momentumRange: (base: Double, max: Double)?) -> String? {
        if !(maxRate > 0) || !maxRate.isFinite { return "--lr: the peak rate must be positive" }
        if totalSteps < 1 { return "the cycle must have at least 1 update (--decay-steps or the run's updates)" }
        if !(pctStart >= 0 && pctStart <= 1) { return "--pct-start \(pctStart): must be between 0 and 1" }
        if !(divFactor > 0) || !divFactor.isFinite { return "--div-factor \(divFactor): must be positive" }
        if !(finalDivFactor > 0) || !finalDivFactor.isFinite { return "--final-div-factor \(finalDivFactor): must be positive" }
        if let range = momentumRange {
            if !(range.base >= 0 && range.base < 1) { return "--base-momentum \(range.base): must be in [0, 1)" }
            if !(range.max >= 0 && range.max < 1) { return "--max-momentum \(range.max): must be in [0, 1)" }
        }
        return nil
    }

    /// The rate for update j (j = 0 is the first update).
    public func rate(at j: Int) -> Double {
        let (phase, pct) = locate(j)
        return annealed(rateLevel(phase.startRate), rateLevel(phase.endRate), pct)
    }

    /// The momentum (or β1) torch sets for update j; nil without momentum cycling.
    public func momentum(at j: Int) -> Double? {
        guard let range = momentumRange else { return nil }
        let (phase, pct) = locate(j)
        func level(_ l: MomentumLevel) -> Double { l == .base ? range.base : range.max }
        return annealed(level(phase.startMomentum), level(phase.endMomentum), pct)
    }

    /// torch's get_lr loop: the first phase whose end step is ≥ j (or the last one), and the
    /// fraction of it done. j ≥ T is held at T − 1 (see above).
    private func locate(_ j: Int) -> (Phase, Double) {
        let step = Double(min(max(j, 0), totalSteps - 1))
        var startStep = 0.0
        var k = 0
        while k < phases.count - 1 && step > phases[k].endStep {
            startStep = phases[k].endStep
            k += 1
        }
        let length = phases[k].endStep - startStep
        return (phases[k], length == 0 ? 1 : (step - startStep) / length)
    }

    private func rateLevel(_ level: Level) -> Double {
        switch level {
        case .initial: return initialRate
        case .max: return maxRate
        case .min: return minimumRate
        }
    }

    private func annealed(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        switch anneal {
        case .cos: return end + (start - end) / 2.0 * (cos(Double.pi * pct) + 1)
        case .linear: return (end - start) * pct + start
        }
    }
}
