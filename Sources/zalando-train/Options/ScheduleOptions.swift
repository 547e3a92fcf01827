import ArgumentParser
import Optimization

/// --lr and the learning-rate schedule. Durations take iterations (`1000`) or epochs (`5e`).
struct ScheduleOptions: ParsableArguments {
    @Option(name: .customLong("lr"), help: "Initial learning rate γ0 (default: the optimizer's; see the optimizer table). path: one per optimizer.")
    var learningRates: CommaList<Double>?
    @Option(name: .customLong("schedule"),
            help: "Schedule: \(ScheduleKind.allCases.map(\.rawValue).joined(separator: ", ")) (lr: a comma list draws several).",
            transform: choiceList)
    var schedules: [ScheduleKind] = [.constant]

    /// The schedule (train and path use exactly one; lr may compare several).
    var schedule: ScheduleKind { schedules[0] }
    /// The first --lr value.
    var learningRate: Double? { learningRates?.items.first }
    @Option(help: "piecewise: boundaries b1,…,bn.")
    var boundaries: CommaList<StepCount>?
    @Option(help: "piecewise: rates v0,…,vn (one more than boundaries).")
    var values: CommaList<Double>?
    @Option(name: .customLong("drop-every"), help: "step: divide by ⌊j/D⌋+1 every D updates.")
    var dropEvery: StepCount?
    @Option(help: "multistep: milestones m1,m2,… (increasing).")
    var milestones: CommaList<StepCount>?
    @Option(help: "multistep, plateau: multiply by f (default 0.1).")
    var factor: Double?
    @Option(name: .customLong("decay-rate"), help: "inverse-time, exponential, natural-exp: ν.")
    var decayRate: Double?
    @Option(name: .customLong("decay-steps"), help: "Decay period s.")
    var decaySteps: StepCount?
    @Flag(help: "Use ⌊j/s⌋ instead of j/s.")
    var staircase = false
    @Option(name: .customLong("end-lr"), help: "polynomial: final rate e (default 1e-4).")
    var endLR: Double?
    @Option(help: "polynomial: exponent p; power: exponent c (default 1).")
    var power: Double?
    @Flag(help: "polynomial: restart after every multiple of --decay-steps.")
    var cycle = false
    @Option(help: "cosine, sgdr: floor as a fraction of γ0 (default 0).")
    var alpha: Double?
    @Option(name: .customLong("t-mul"), help: "sgdr: period growth factor (default 2).")
    var tMul: Double?
    @Option(name: .customLong("m-mul"), help: "sgdr: peak decay factor per restart (default 1).")
    var mMul: Double?
    @Option(name: .customLong("max-lr"), help: "cyclic: upper rate.")
    var maxLR: Double?
    @Option(name: .customLong("step-size"), help: "cyclic: half-cycle length.")
    var stepSize: StepCount?
    @Option(help: "cyclic: triangular, triangular2 or exp-range (default triangular).", transform: choice)
    var mode: CyclicMode?
    @Option(help: "cyclic exp-range: decay per update (default 1.0).")
    var gamma: Double?
    @Option(help: "plateau: epochs without improvement before reducing (default 10).")
    var patience: Int?
    @Option(name: .customLong("min-lr"), help: "plateau: lower bound for the rate (default 0).")
    var minLR: Double?
    @Option(name: .customLong("warmup-steps"), help: "Linear warmup over W updates before any schedule.")
    var warmupSteps: StepCount?

    var givenFlags: [ScheduleFlag] {
        let flags: [(ScheduleFlag, Bool)] = [
            (.boundaries, boundaries != nil), (.values, values != nil), (.dropEvery, dropEvery != nil),
            (.milestones, milestones != nil), (.factor, factor != nil), (.decayRate, decayRate != nil),
            (.decaySteps, decaySteps != nil), (.staircase, staircase), (.endLR, endLR != nil), (.power, power != nil),
            (.cycle, cycle), (.alpha, alpha != nil), (.tMul, tMul != nil), (.mMul, mMul != nil), (.maxLR, maxLR != nil),
            (.stepSize, stepSize != nil), (.mode, mode != nil), (.gamma, gamma != nil), (.patience, patience != nil),
            (.minLR, minLR != nil),
        ]
        return flags.filter(\.1).map(\.0)
    }

    /// Checks that need no knowledge of the epoch length.
    func validate() throws {
        for rate in learningRates?.items ?? [] { try check("--lr", rate, "positive") { $0 > 0 } }
        // With several schedules (lr), a flag must be used by at least one, and each gets its
        // required flags.
        let used = schedules.flatMap(\.flags)
        try requireUsed(givenFlags.map(\.flag), used: ScheduleFlag.allCases.filter(used.contains).map(\.flag),
                        by: "--schedule " + schedules.map(\.rawValue).joined(separator: ","), none: "it takes none")
        for kind in schedules {
            for flag in kind.requiredFlags where !givenFlags.contains(flag) {
                throw ValidationError("--schedule \(kind.rawValue) needs \(flag.flag)")
            }
        }
        if schedules.contains(.piecewise), let boundaries, let values {
            guard values.items.count == boundaries.items.count + 1 else {
                throw ValidationError("--values needs one more value than --boundaries (\(boundaries.items.count) boundaries, \(values.items.count) values)")
            }
            for v in values.items { try check("--values", v, "positive") { $0 > 0 } }
        }
        let positiveDurations: [(String, StepCount?)] = [("--drop-every", dropEvery), ("--decay-steps", decaySteps), ("--step-size", stepSize)]
        for (flag, value) in positiveDurations {
            if let value, value.iterations(perEpoch: 1) == 0 { throw ValidationError("\(flag) \(value): must be at least 1") }
        }
        if schedules.contains(.plateau) {
            try check("--factor", factor, "in (0, 1)") { $0 > 0 && $0 < 1 }
        } else {
            try check("--factor", factor, "positive") { $0 > 0 }
        }
        if schedules.contains(.exponential) {
            try check("--decay-rate", decayRate, "positive") { $0 > 0 }
        } else {
            try check("--decay-rate", decayRate, "zero or positive") { $0 >= 0 }
        }
        try check("--end-lr", endLR, "zero or positive") { $0 >= 0 }
        try check("--power", power, "zero or positive") { $0 >= 0 }
        try check("--alpha", alpha, "in [0, 1]") { $0 >= 0 && $0 <= 1 }
        try check("--t-mul", tMul, "positive") { $0 > 0 }
        try check("--m-mul", mMul, "positive") { $0 > 0 }
        try check("--max-lr", maxLR, "positive") { $0 > 0 }
        try check("--gamma", gamma, "in (0, 1]") { $0 > 0 && $0 <= 1 }
        try check("--min-lr", minLR, "zero or positive") { $0 >= 0 }
        if let patience, patience < 0 { throw ValidationError("--patience \(patience): must be zero or positive") }
    }

    /// Checks that need the epoch length (durations given in epochs): increasing boundaries
    /// and milestones.
    func validate(iterationsPerEpoch: Int) throws {
        // Every duration must resolve to a count schedules can add and multiply without
        // overflow (`9223372036854775807e` trapped here once).
        let single: [(String, StepCount?)] = [("--drop-every", dropEvery), ("--decay-steps", decaySteps),
                                              ("--step-size", stepSize), ("--warmup-steps", warmupSteps)]
        let lists: [(String, CommaList<StepCount>?)] = [("--boundaries", boundaries), ("--milestones", milestones)]
        for (flag, value) in single + lists.flatMap({ flag, list in (list?.items ?? []).map { (flag, $0) } }) {
            guard let value, value.resolved(perEpoch: iterationsPerEpoch) == nil else { continue }
            throw ValidationError("\(flag) \(value): \(value.limitProblem(perEpoch: iterationsPerEpoch))")
        }
        for (flag, list) in lists {
            guard let list else { continue }
            let steps = list.items.map { $0.iterations(perEpoch: iterationsPerEpoch) }
            if zip(steps, steps.dropFirst()).contains(where: { $0 >= $1 }) {
                throw ValidationError("\(flag) \(list.defaultValueDescription): must be strictly increasing")
            }
        }
    }

    /// γ0: --lr, else v0 for piecewise, else `fallback` (the optimizer's default).
    func initialRate(fallback: Double) -> Double {
        learningRate ?? (schedule == .piecewise ? values?.items.first : nil) ?? fallback
    }

    /// plateau follows each epoch's cost of a training run; lr and path have none (without it
    /// the rate would stay γ0 forever).
    func refusePlateau(in command: String) throws {
        if schedules.contains(.plateau) {
            throw ValidationError("--schedule plateau follows the cost of a training run, which \(command) does not have; use it with train")
        }
    }

    /// Train and lr's single-rate checks: one schedule for train, one --lr value.
    func requireSingle(schedule allowSeveralSchedules: Bool, allowingRates optimizerCount: Int = 1) throws {
        if let rates = learningRates, rates.items.count > 1, rates.items.count != optimizerCount {
            if optimizerCount > 1 {
                throw ValidationError("--lr \(rates.defaultValueDescription): give one rate or one per optimizer (\(optimizerCount))")
            }
            throw ValidationError("--lr \(rates.defaultValueDescription): give one rate (several only with path and several optimizers)")
        }
        if !allowSeveralSchedules && schedules.count > 1 {
            throw ValidationError("--schedule \(schedules.map(\.rawValue).joined(separator: ",")): give one schedule (several only with lr)")
        }
    }

    func settings(initialRate: Double, kind: ScheduleKind? = nil) -> ScheduleSettings {
        let kind = kind ?? schedule
        // Flags that this schedule does not read are left out (they may belong to another one
        // of a compared list).
        let uses = Set(kind.flags)
        var s = ScheduleSettings(kind: kind, initialRate: initialRate)
        s.boundaries = boundaries?.items ?? []
        s.values = values?.items ?? []
        s.dropEvery = dropEvery
        s.milestones = milestones?.items ?? []
        s.factor = uses.contains(.factor) ? factor : nil
        s.decayRate = decayRate
        s.decaySteps = decaySteps
        s.staircase = uses.contains(.staircase) && staircase
        s.endRate = endLR
        s.power = power
        s.cycle = uses.contains(.cycle) && cycle
        s.alpha = alpha
        s.tMul = tMul
        s.mMul = mMul
        s.maxRate = maxLR
        s.stepSize = stepSize
        s.mode = mode
        s.gamma = gamma
        s.patience = patience
        s.minRate = minLR
        s.warmupSteps = warmupSteps
        return s
    }
}
