/// A learning-rate schedule: the rate for the update made after `j` updates (the first update
/// uses j = 0). Schedules advance every weight update, not every epoch, and are pure functions
/// of j — except plateau, whose small state is fed the monitored cost once per epoch.
public protocol LearningRateSchedule: Sendable {
    func rate(at j: Int) -> Double
}

/// The schedules of the contract (DESIGN.md "Schedule flags").
public enum ScheduleKind: String, CaseIterable, Sendable {
    case constant, piecewise, step, multistep
    case inverseTime = "inverse-time", exponential, naturalExp = "natural-exp"
    case polynomial, power, cosine, sgdr, cyclic, plateau
    case oneCycle = "one-cycle"

    /// The schedule flags it reads; every other schedule flag is refused.
    public var flags: [ScheduleFlag] {
        switch self {
        case .constant: return []
        case .piecewise: return [.boundaries, .values]
        case .step: return [.dropEvery]
        case .multistep: return [.milestones, .factor]
        case .inverseTime, .exponential, .naturalExp: return [.decayRate, .decaySteps, .staircase]
        case .polynomial: return [.decaySteps, .endLR, .power, .cycle]
        case .power: return [.decaySteps, .power]
        case .cosine: return [.decaySteps, .alpha]
        case .sgdr: return [.decaySteps, .tMul, .mMul, .alpha]
        case .cyclic: return [.maxLR, .stepSize, .mode, .gamma]
        case .plateau: return [.factor, .patience, .minLR]
        case .oneCycle: return [.decaySteps, .pctStart, .divFactor, .finalDivFactor, .anneal, .threePhase,
                                .baseMomentum, .maxMomentum, .noCycleMomentum]
        }
    }

    /// Flags without a default.
    public var requiredFlags: [ScheduleFlag] {
        switch self {
        case .constant, .plateau, .oneCycle: return []
        case .piecewise: return [.boundaries, .values]
        case .step: return [.dropEvery]
        case .multistep: return [.milestones]
        case .inverseTime, .exponential, .naturalExp: return [.decayRate, .decaySteps]
        case .polynomial, .power, .cosine, .sgdr: return [.decaySteps]
        case .cyclic: return [.maxLR, .stepSize]
        }
    }
}

/// Schedule flags, named as on the command line.
public enum ScheduleFlag: String, CaseIterable, Sendable {
    case boundaries, values, dropEvery = "drop-every", milestones, factor
    case decayRate = "decay-rate", decaySteps = "decay-steps", staircase
    case endLR = "end-lr", power, cycle, alpha, tMul = "t-mul", mMul = "m-mul"
    case maxLR = "max-lr", stepSize = "step-size", mode, gamma, patience, minLR = "min-lr"
    case pctStart = "pct-start", divFactor = "div-factor", finalDivFactor = "final-div-factor", anneal
    case threePhase = "three-phase", baseMomentum = "base-momentum", maxMomentum = "max-momentum"
    case noCycleMomentum = "no-cycle-momentum"
    public var flag: String { "--" + rawValue }
}

/// torch CyclicLR's modes.
public enum CyclicMode: String, CaseIterable, Sendable {
    case triangular, triangular2, expRange = "exp-range"
}

/// A schedule's settings as given (durations still in iterations or epochs).
public struct ScheduleSettings: Sendable {
    public var kind: ScheduleKind = .constant
    public var initialRate: Double
    public var boundaries: [StepCount] = []
    public var values: [Double] = []
    public var dropEvery: StepCount?
    public var milestones: [StepCount] = []
    public var factor: Double?
    public var decayRate: Double?
    public var decaySteps: StepCount?
    public var staircase = false
    public var endRate: Double?
    public var power: Double?
    public var cycle = false
    public var alpha: Double?
    public var tMul: Double?
    public var mMul: Double?
    public var maxRate: Double?
    public var stepSize: StepCount?
    public var mode: CyclicMode?
    public var gamma: Double?
    public var patience: Int?
    public var minRate: Double?
    public var warmupSteps: StepCount?
    /// one-cycle (nil: OneCycleSchedule's defaults, torch's).
    public var pctStart: Double?
    public var divFactor: Double?
    public var finalDivFactor: Double?
    public var anneal: OneCycleSchedule.Anneal?
    public var threePhase = false
    public var baseMomentum: Double?
    public var maxMomentum: Double?
    /// false with --no-cycle-momentum.
    public var cycleMomentum = true

    public init(kind: ScheduleKind = .constant, initialRate: Double) {
        self.kind = kind
        self.initialRate = initialRate
    }

    /// The value of a flag not given, for every schedule flag that has one: the one home of
    /// these defaults, read by `make` (the numbers), by the run identity (the canonical flags)
    /// and by `--help` (the text), so the three cannot disagree. one-cycle's are
    /// OneCycleSchedule.Defaults.
    public enum Defaults {
        public static let factor = 0.1
        public static let decayRate = 1.0
        public static let endRate = 1e-4
        public static let power = 1.0
        public static let alpha = 0.0
        public static let tMul = 2.0
        public static let mMul = 1.0
        public static let mode = CyclicMode.triangular
        public static let gamma = 1.0
        public static let patience = 10
        public static let minRate = 0.0
        /// A duration not given (or zero) is one update: schedules divide by it.
        public static let steps = 1
    }

    // Each flag's value as the schedule uses it: given, or its default.
    public var resolvedFactor: Double { factor ?? Defaults.factor }
    public var resolvedDecayRate: Double { decayRate ?? Defaults.decayRate }
    public var resolvedEndRate: Double { endRate ?? Defaults.endRate }
    public var resolvedPower: Double { power ?? Defaults.power }
    public var resolvedAlpha: Double { alpha ?? Defaults.alpha }
    public var resolvedTMul: Double { tMul ?? Defaults.tMul }
    public var resolvedMMul: Double { mMul ?? Defaults.mMul }
    /// cyclic's upper rate; without --max-lr the cycle is flat at the initial rate.
    public var resolvedMaxRate: Double { maxRate ?? initialRate }
    public var resolvedMode: CyclicMode { mode ?? Defaults.mode }
    public var resolvedGamma: Double { gamma ?? Defaults.gamma }
    public var resolvedPatience: Int { patience ?? Defaults.patience }
    public var resolvedMinRate: Double { minRate ?? Defaults.minRate }
    /// A duration in updates, at least one.
    public static func resolvedSteps(_ count: StepCount?, perEpoch iterationsPerEpoch: Int) -> Int {
        max(Defaults.steps, count?.iterations(perEpoch: iterationsPerEpoch) ?? Defaults.steps)
    }

    /// Builds the schedule with durations resolved; warmup wraps whatever schedule results.
    /// For plateau, the returned schedule is a `PlateauSchedule` to be fed costs.
    /// one-cycle's schedule: T = `--decay-steps`, else `totalUpdates` (the run's updates), the
    /// other values as given or OneCycleSchedule's defaults (their one home).
    public func oneCycle(iterationsPerEpoch: Int, totalUpdates: Int?) -> OneCycleSchedule {
        let total = decaySteps?.iterations(perEpoch: iterationsPerEpoch) ?? totalUpdates ?? 1
        typealias D = OneCycleSchedule.Defaults
        return OneCycleSchedule(maxRate: initialRate, totalSteps: max(1, total), pctStart: pctStart ?? D.pctStart,
                                divFactor: divFactor ?? D.divFactor, finalDivFactor: finalDivFactor ?? D.finalDivFactor,
                                anneal: anneal ?? D.anneal, threePhase: threePhase,
                                momentumRange: cycleMomentum ? (baseMomentum ?? D.baseMomentum, maxMomentum ?? D.maxMomentum) : nil)
    }

    /// `totalUpdates`: the run's updates (epochs × updates per epoch; lr and path: --iterations),
    /// one-cycle's T unless --decay-steps is given.
    public func make(iterationsPerEpoch: Int, totalUpdates: Int? = nil) -> any LearningRateSchedule {
        func steps(_ count: StepCount?) -> Int { Self.resolvedSteps(count, perEpoch: iterationsPerEpoch) }
        let γ0 = initialRate
        let base: any LearningRateSchedule
        switch kind {
        case .constant:
            base = ConstantSchedule(rate: γ0)
        case .piecewise:
            base = PiecewiseConstantSchedule(boundaries: boundaries.map { $0.iterations(perEpoch: iterationsPerEpoch) },
                                             values: values)
        case .step:
            base = StepDecaySchedule(initialRate: γ0, dropEvery: steps(dropEvery))
        case .multistep:
            base = MultiStepSchedule(initialRate: γ0, milestones: milestones.map { $0.iterations(perEpoch: iterationsPerEpoch) },
                                     factor: resolvedFactor)
        case .inverseTime, .exponential, .naturalExp:
            let form: DecaySchedule.Form = kind == .inverseTime ? .inverseTime : kind == .exponential ? .exponential : .naturalExponential
            base = DecaySchedule(form: form, initialRate: γ0, decayRate: resolvedDecayRate, decaySteps: steps(decaySteps),
                                 staircase: staircase)
        case .polynomial:
            base = PolynomialDecaySchedule(initialRate: γ0, decaySteps: steps(decaySteps), endRate: resolvedEndRate,
                                           power: resolvedPower, cycle: cycle)
        case .power:
            base = PowerSchedule(initialRate: γ0, decaySteps: steps(decaySteps), power: resolvedPower)
        case .cosine:
            base = CosineDecaySchedule(initialRate: γ0, decaySteps: steps(decaySteps), alpha: resolvedAlpha)
        case .sgdr:
            base = CosineRestartsSchedule(initialRate: γ0, firstDecaySteps: steps(decaySteps), tMul: resolvedTMul,
                                          mMul: resolvedMMul, alpha: resolvedAlpha)
        case .cyclic:
            base = CyclicSchedule(baseRate: γ0, maxRate: resolvedMaxRate, stepSize: steps(stepSize),
                                  mode: resolvedMode, gamma: resolvedGamma)
        case .plateau:
            base = PlateauSchedule(initialRate: γ0, factor: resolvedFactor, patience: resolvedPatience, minRate: resolvedMinRate)
        case .oneCycle:
            // It has its own warm-up: --warmup-steps is refused with it.
            return oneCycle(iterationsPerEpoch: iterationsPerEpoch, totalUpdates: totalUpdates)
        }
        if let warmupSteps, warmupSteps.iterations(perEpoch: iterationsPerEpoch) > 0 {
            return Warmup(targetRate: γ0, steps: warmupSteps.iterations(perEpoch: iterationsPerEpoch), then: base)
        }
        return base
    }
}
