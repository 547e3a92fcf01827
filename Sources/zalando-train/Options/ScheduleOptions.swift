import ArgumentParser
import Optimization
import Training
import Reports
import RunRecords
import Support

// Defaults stated in --help come from their one home in the library.
private typealias D = ScheduleSettings.Defaults
private typealias C = OneCycleSchedule.Defaults

/// --lr and the learning-rate schedule. Durations take iterations (`1000`) or epochs (`5e`).
/// `Help` gives the texts of --lr and --schedule for the command that uses the group.
struct ScheduleOptions<Help: CommandHelp>: ParsableArguments {
    @Option(name: .customLong("lr"), help: ArgumentHelp(Help.learningRate))
    var learningRates: CommaList<Double>?
    @Option(name: .customLong("schedule"), help: ArgumentHelp(Help.schedule))
    var scheduleList = ChoiceList<ScheduleKind>([.constant])

    /// The schedules (lr may compare several).
    var schedules: [ScheduleKind] { scheduleList.items }

    /// The schedule (train and path use exactly one; lr may compare several).
    var schedule: ScheduleKind { schedules[0] }
    /// The first --lr value.
    var learningRate: Double? { learningRates?.items.first }
    @Option(help: DurationHelp.help("piecewise (required): boundaries b1,…,bn"))
    var boundaries: CommaList<StepCount>?
    @Option(help: "piecewise (required): rates v0,…,vn, one more than boundaries.")
    var values: CommaList<Double>?
    @Option(name: .customLong("drop-every"), help: DurationHelp.help("step (required): γ0/(⌊j/D⌋+1), a drop every D updates"))
    var dropEveryList: CommaList<StepCount>?
    var dropEvery: StepCount? { dropEveryList?.items.first }
    @Option(help: DurationHelp.help("multistep (required): milestones m1,m2,…, increasing"))
    var milestones: CommaList<StepCount>?
    @Option(name: .customLong("factor"), help: "multistep, plateau: multiply by f (default \(helpNumber(D.factor))).")
    var factorList: CommaList<Double>?
    var factor: Double? { factorList?.items.first }
    @Option(name: .customLong("decay-rate"), help: "inverse-time, exponential, natural-exp (required): ν.")
    var decayRateList: CommaList<Double>?
    var decayRate: Double? { decayRateList?.items.first }
    @Option(name: .customLong("decay-steps"), help: DurationHelp.help("Decay period s (required by the schedules that decay)"))
    var decayStepsList: CommaList<StepCount>?
    var decaySteps: StepCount? { decayStepsList?.items.first }
    @Flag(help: "Use ⌊j/s⌋ instead of j/s.")
    var staircase = false
    @Option(name: .customLong("end-lr"), help: "polynomial: final rate e (default \(helpNumber(D.endRate))).")
    var endLRList: CommaList<Double>?
    var endLR: Double? { endLRList?.items.first }
    @Option(name: .customLong("power"), help: "polynomial: exponent p; power: exponent c (default \(helpNumber(D.power))).")
    var powerList: CommaList<Double>?
    var power: Double? { powerList?.items.first }
    @Flag(help: "polynomial: restart after every multiple of --decay-steps.")
    var cycle = false
    @Option(name: .customLong("alpha"), help: "cosine, sgdr: floor as a fraction of γ0 (default \(helpNumber(D.alpha))).")
    var alphaList: CommaList<Double>?
    var alpha: Double? { alphaList?.items.first }
    @Option(name: .customLong("t-mul"), help: "sgdr: period growth factor (default \(helpNumber(D.tMul))).")
    var tMulList: CommaList<Double>?
    var tMul: Double? { tMulList?.items.first }
    @Option(name: .customLong("m-mul"), help: "sgdr: peak decay factor per restart (default \(helpNumber(D.mMul))).")
    var mMulList: CommaList<Double>?
    var mMul: Double? { mMulList?.items.first }
    @Option(name: .customLong("max-lr"), help: "cyclic (required): upper rate.")
    var maxLRList: CommaList<Double>?
    var maxLR: Double? { maxLRList?.items.first }
    @Option(name: .customLong("step-size"), help: DurationHelp.help("cyclic (required): half-cycle length s"))
    var stepSizeList: CommaList<StepCount>?
    var stepSize: StepCount? { stepSizeList?.items.first }
    @Option(help: "cyclic: the cycle's shape (default \(D.mode.rawValue)).")
    var mode: CyclicMode?
    @Option(name: .customLong("gamma"), help: "cyclic exp-range: decay per update (default \(helpNumber(D.gamma))).")
    var gammaList: CommaList<Double>?
    var gamma: Double? { gammaList?.items.first }
    @Option(help: "plateau: epochs without improvement before reducing (default \(D.patience)).")
    var patience: Int?
    @Option(name: .customLong("min-lr"), help: "plateau: lower bound for the rate (default \(helpNumber(D.minRate))).")
    var minLR: Double?
    @Option(name: .customLong("warmup-steps"), help: DurationHelp.help("Linear warmup over W updates before any schedule (default 0: none)"))
    var warmupStepsList: CommaList<StepCount>?
    var warmupSteps: StepCount? { warmupStepsList?.items.first }

    @Option(name: .customLong("pct-start"), help: "one-cycle: the fraction of the cycle spent rising to --lr (default \(helpNumber(C.pctStart))).")
    var pctStart: Double?
    @Option(name: .customLong("div-factor"), help: "one-cycle: the start rate is --lr / div (default \(helpNumber(C.divFactor))).")
    var divFactor: Double?
    @Option(name: .customLong("final-div-factor"), help: "one-cycle: the last rate is --lr / div / final-div (default \(helpNumber(C.finalDivFactor))).")
    var finalDivFactor: Double?
    @Option(help: "one-cycle: the shape of each phase (default \(C.anneal.rawValue)).")
    var anneal: OneCycleSchedule.Anneal?
    @Flag(name: .customLong("three-phase"), help: "one-cycle: rise, fall back to the start rate, then anneal to the last rate (torch three_phase).")
    var threePhase = false
    @Option(name: .customLong("base-momentum"), help: "one-cycle: the momentum or β1 at the peak rate (default \(helpNumber(C.baseMomentum))).")
    var baseMomentum: Double?
    @Option(name: .customLong("max-momentum"), help: "one-cycle: the momentum or β1 at the start and end (default \(helpNumber(C.maxMomentum))).")
    var maxMomentum: Double?
    @Flag(name: .customLong("no-cycle-momentum"), help: "one-cycle: leave the optimizer's momentum or β1 alone (cycle the rate only).")
    var noCycleMomentum = false

    var givenFlags: [ScheduleFlag] {
        let flags: [(ScheduleFlag, Bool)] = [
            (.boundaries, boundaries != nil), (.values, values != nil), (.dropEvery, dropEvery != nil),
            (.milestones, milestones != nil), (.factor, factor != nil), (.decayRate, decayRate != nil),
            (.decaySteps, decaySteps != nil), (.staircase, staircase), (.endLR, endLR != nil), (.power, power != nil),
            (.cycle, cycle), (.alpha, alpha != nil), (.tMul, tMul != nil), (.mMul, mMul != nil), (.maxLR, maxLR != nil),
            (.stepSize, stepSize != nil), (.mode, mode != nil), (.gamma, gamma != nil), (.patience, patience != nil),
            (.minLR, minLR != nil), (.pctStart, pctStart != nil), (.divFactor, divFactor != nil),
            (.finalDivFactor, finalDivFactor != nil), (.anneal, anneal != nil), (.threePhase, threePhase),
            (.baseMomentum, baseMomentum != nil), (.maxMomentum, maxMomentum != nil), (.noCycleMomentum, noCycleMomentum),
        ]
        return flags.filter(\.1).map(\.0)
    }

    /// A working value of a required schedule flag, for the "needs" message.
    static func example(_ flag: ScheduleFlag) -> String {
        switch flag {
        case .boundaries: return "5e,10e"
        case .values: return "0.1,0.01,0.001"
        case .milestones: return "5e,10e"
        case .decayRate: return "0.1"
        case .maxLR: return "0.1"
        case .stepSize: return "2e"
        default: return "1000"
        }
    }

    /// Checks that need no knowledge of the epoch length.
    func validate() throws {
        for rate in learningRates?.items ?? [] { try check("--lr", rate, "positive") { $0 > 0 } }
        // With several schedules (lr), a flag must be used by at least one, and each gets its
        // required flags.
        if let stepLRHint { throw ValidationError(stepLRHint) }
        let used = schedules.flatMap(\.flags)
        try requireUsed(givenFlags.map(\.flag), used: ScheduleFlag.allCases.filter(used.contains).map(\.flag),
                        by: "--schedule " + schedules.map(\.rawValue).joined(separator: ","), none: "it takes none")
        for kind in schedules {
            // Every missing flag at once, with a complete example, so a newcomer is not sent
            // back once per flag.
            let missing = kind.requiredFlags.filter { !givenFlags.contains($0) }
            if !missing.isEmpty {
                let example = kind.requiredFlags.map { "\($0.flag) \(Self.example($0))" }.joined(separator: " ")
                throw ValidationError("--schedule \(kind.rawValue) needs \(missing.map(\.flag).joined(separator: " and ")), "
                    + "for example --schedule \(kind.rawValue) \(example) (see --help for what each means)")
            }
        }
        if schedules.contains(.piecewise), let boundaries, let values {
            guard values.items.count == boundaries.items.count + 1 else {
                throw ValidationError("--values needs one more value than --boundaries (\(boundaries.items.count) boundaries, \(values.items.count) values)")
            }
            for v in values.items { try check("--values", v, "positive") { $0 > 0 } }
        }
        let positiveDurations: [(String, CommaList<StepCount>?)] = [("--drop-every", dropEveryList), ("--decay-steps", decayStepsList), ("--step-size", stepSizeList)]
        for (flag, list) in positiveDurations {
            for value in list?.items ?? [] where value.iterations(perEpoch: 1) == 0 {
                throw ValidationError("\(flag) \(value): must be at least 1")
            }
        }
        if schedules.contains(.plateau) {
            try checkAll("--factor", factorList, "in (0, 1)") { $0 > 0 && $0 < 1 }
        } else {
            try checkAll("--factor", factorList, "positive") { $0 > 0 }
        }
        if schedules.contains(.exponential) {
            try checkAll("--decay-rate", decayRateList, "positive") { $0 > 0 }
        } else {
            try checkAll("--decay-rate", decayRateList, "zero or positive") { $0 >= 0 }
        }
        try checkAll("--end-lr", endLRList, "zero or positive") { $0 >= 0 }
        try checkAll("--power", powerList, "zero or positive") { $0 >= 0 }
        try checkAll("--alpha", alphaList, "in [0, 1]") { $0 >= 0 && $0 <= 1 }
        try checkAll("--t-mul", tMulList, "positive") { $0 > 0 }
        try checkAll("--m-mul", mMulList, "positive") { $0 > 0 }
        try checkAll("--max-lr", maxLRList, "positive") { $0 > 0 }
        try checkAll("--gamma", gammaList, "in (0, 1]") { $0 > 0 && $0 <= 1 }
        try check("--min-lr", minLR, "zero or positive") { $0 >= 0 }
        if let patience, patience < 0 { throw ValidationError("--patience \(patience): must be zero or positive") }
        if schedules.contains(.oneCycle) {
            if let warmupSteps {
                throw ValidationError("--warmup-steps \(warmupSteps): --schedule one-cycle has its own warm-up (the first --pct-start of the cycle); leave --warmup-steps out")
            }
            if noCycleMomentum, let flag = baseMomentum != nil ? "--base-momentum" : maxMomentum != nil ? "--max-momentum" : nil {
                throw ValidationError("\(flag) has no effect with --no-cycle-momentum")
            }
            typealias D = OneCycleSchedule.Defaults
            for rate in learningRates?.items ?? [1] {
                if let problem = OneCycleSchedule.problem(maxRate: rate, totalSteps: 1, pctStart: pctStart ?? D.pctStart,
                                                          divFactor: divFactor ?? D.divFactor, finalDivFactor: finalDivFactor ?? D.finalDivFactor,
                                                          momentumRange: (baseMomentum ?? D.baseMomentum, maxMomentum ?? D.maxMomentum)) {
                    throw ValidationError(problem)
                }
            }
        }
    }

    /// one-cycle's momentum cycling writes the optimizer's momentum or β1 before every update
    /// (as torch's OneCycleLR does), so a --momentum or --beta1 given for momentum, nesterov or
    /// the adam family would be overwritten from the first update: refused. rmsprop's
    /// --momentum is what gives it a momentum to cycle; its value is then replaced by the cycle.
    func checkMomentumCycling(kinds: [OptimizerKind], momentum: Double?, beta1: Double?) throws {
        guard schedules.contains(.oneCycle), !noCycleMomentum else { return }
        for kind in kinds {
            let flag: (String, Double)?
            switch kind {
            case .momentum, .nesterov: flag = momentum.map { ("--momentum", $0) }
            case .adam, .amsgrad, .adamw, .adamax, .nadam: flag = beta1.map { ("--beta1", $0) }
            default: flag = nil
            }
            if let (name, value) = flag {
                throw ValidationError("\(name) \(formatCompact(value)): --schedule one-cycle cycles \(kind.rawValue)'s \(name.dropFirst(2)) between --max-momentum and --base-momentum, "
                    + "overwriting it from the first update; give those, or --no-cycle-momentum to keep \(name)")
            }
        }
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

    /// Train and lr's single-rate checks: one schedule for train, one --lr value. With
    /// `variants` (lr), one flag may hold a comma list, with one schedule.
    func requireSingle(schedule allowSeveralSchedules: Bool, allowingRates optimizerCount: Int = 1, variants: Bool = false) throws {
        let lists = variantFlags.filter { $0.count > 1 }
        if variants {
            if lists.count > 1 {
                throw ValidationError("\(lists.map(\.flag).joined(separator: " and ")): only one flag may hold a comma list (one curve per value)")
            }
            if let list = lists.first, schedules.count > 1 {
                throw ValidationError("\(list.flag) \(list.text): a list of values needs one --schedule (not \(schedules.map(\.rawValue).joined(separator: ",")))")
            }
            if let list = lists.first, list.flag == "--lr" { return }
        } else if let list = lists.first(where: { $0.flag != "--lr" }) {
            throw ValidationError("\(list.flag) \(list.text): give one value (a list draws one curve per value only with lr)")
        }
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

    /// Every flag that may hold a comma list in lr, with its count and its name in a legend.
    var variantFlags: [(flag: String, text: String, count: Int, label: String)] {
        func entry<T>(_ flag: String, _ list: CommaList<T>?, _ label: String) -> (flag: String, text: String, count: Int, label: String)? {
            list.map { list in (flag, list.items.map { ($0 as? Double).map(formatCompact) ?? $0.description }.joined(separator: ","), list.items.count, label) }
        }
        return [entry("--lr", learningRates, "γ0"), entry("--drop-every", dropEveryList, "D"), entry("--factor", factorList, "f"),
                entry("--decay-rate", decayRateList, "ν"), entry("--decay-steps", decayStepsList, "s"),
                entry("--end-lr", endLRList, "end"), entry("--power", powerList, "p"), entry("--alpha", alphaList, "α"),
                entry("--t-mul", tMulList, "t_mul"), entry("--m-mul", mMulList, "m_mul"), entry("--max-lr", maxLRList, "max"),
                entry("--step-size", stepSizeList, "step"), entry("--gamma", gammaList, "g"),
                entry("--warmup-steps", warmupStepsList, "W")].compactMap { $0 }
    }

    /// One copy of these options per value of the flag that holds a list (lr's variants), each
    /// with its legend label (`D=20`); just this one, unlabelled, when no flag does.
    func variants() -> [(label: String?, options: ScheduleOptions)] {
        guard let list = variantFlags.first(where: { $0.count > 1 }) else { return [(nil, self)] }
        return (0..<list.count).map { k in
            var copy = self
            func pick<T>(_ keyPath: WritableKeyPath<ScheduleOptions, CommaList<T>?>) {
                if let items = copy[keyPath: keyPath]?.items { copy[keyPath: keyPath] = CommaList([items[k]]) }
            }
            switch list.flag {
            case "--lr": pick(\.learningRates)
            case "--drop-every": pick(\.dropEveryList)
            case "--factor": pick(\.factorList)
            case "--decay-rate": pick(\.decayRateList)
            case "--decay-steps": pick(\.decayStepsList)
            case "--end-lr": pick(\.endLRList)
            case "--power": pick(\.powerList)
            case "--alpha": pick(\.alphaList)
            case "--t-mul": pick(\.tMulList)
            case "--m-mul": pick(\.mMulList)
            case "--max-lr": pick(\.maxLRList)
            case "--step-size": pick(\.stepSizeList)
            case "--gamma": pick(\.gammaList)
            default: pick(\.warmupStepsList)
            }
            let value = copy.variantFlags.first { $0.flag == list.flag }!.text
            return ("\(list.label)=\(value)", copy)
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
        s.pctStart = pctStart
        s.divFactor = divFactor
        s.finalDivFactor = finalDivFactor
        s.anneal = anneal
        s.threePhase = uses.contains(.threePhase) && threePhase
        s.baseMomentum = baseMomentum
        s.maxMomentum = maxMomentum
        s.cycleMomentum = !(uses.contains(.noCycleMomentum) && noCycleMomentum)
        return s
    }
}
