import Optimization
import Support
import Training

/// Who a run is: its canonical command line (`flags`), the id derived from it (`runID`) and a
/// readable default name. Run logs, model files, checkpoints and sweeps all key runs by these,
/// never by a name a person typed (DESIGN.md "train": run log v2).
///
/// - `flags` lists every flag that changes the numbers, with its resolved value (defaults
///   written out, `5e` durations resolved to iterations), in one fixed order and number format,
///   so `zalando-train train <flags>` reruns the run. Output-only flags (--csv, --save,
///   --run-name, --checkpoint, --resume, --restore-best, --tensorboard, --threads, --data-dir)
///   are left out: --restore-best only chooses which weights --save writes.
/// - `runID` is the first 6 bytes (12 hex digits) of SHA-256 of `flags` without its --epochs
///   term, so a run continued to more epochs keeps its id.
public struct RunIdentity: Sendable, Equatable {
    /// One flag of the canonical command line; `value` is nil for a boolean flag that is set.
    public struct Term: Sendable, Equatable {
        public let flag: String
        public let value: String?
        public init(_ flag: String, _ value: String?) { self.flag = flag; self.value = value }
        public var text: String { value.map { "\(flag) \($0)" } ?? flag }
    }

    public let terms: [Term]
    public let flags: String
    public let runID: String
    public let defaultName: String
    /// The run log's `dataset` column: `--dataset`, marked `fashion*` when the files are not
    /// the published ones (set by the session once it has checked them).
    public var dataset: String

    public init(configuration c: TrainingConfiguration, iterationsPerEpoch: Int) {
        terms = RunIdentity.terms(of: c, iterationsPerEpoch: iterationsPerEpoch)
        flags = terms.map(\.text).joined(separator: " ")
        let withoutEpochs = terms.filter { $0.flag != "--epochs" }.map(\.text).joined(separator: " ")
        runID = SHA256.digest(Array(withoutEpochs.utf8)).prefix(6).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
        }.joined()
        defaultName = RunIdentity.readableName(terms: terms, configuration: c, iterationsPerEpoch: iterationsPerEpoch)
        dataset = c.dataset.rawValue
    }

    /// The terms of a `flags` string, in order: each `--flag` with the words after it as its
    /// value (nil for a boolean flag). The one parser of `flags` (run logs, checkpoints, compare).
    public static func terms(of flags: String) -> [Term] {
        var terms: [(flag: String, value: String?)] = []
        for token in flags.split(separator: " ").map(String.init) {
            if token.hasPrefix("--") {
                terms.append((token, nil))
            } else if let last = terms.indices.last {
                terms[last].value = terms[last].value.map { $0 + " " + token } ?? token
            }
        }
        return terms.map { Term($0.flag, $0.value) }
    }

    /// The run's name: `--run-name` if given, else the readable default.
    public static func name(of c: TrainingConfiguration, identity: RunIdentity) -> String { c.runName ?? identity.defaultName }

    // MARK: - The canonical terms, in their one order

    static func terms(of c: TrainingConfiguration, iterationsPerEpoch: Int) -> [Term] {
        var t: [Term] = [
            Term("--dataset", c.dataset.rawValue),
            Term("--hidden", c.hiddenSizes.map(String.init).joined(separator: ",")),
            Term("--activation", c.activation.rawValue),
            Term("--init", c.initialization.rawValue),
            Term("--batch-size", String(c.batchSize)),
            Term("--epochs", String(c.epochs)),
            Term("--seed", String(c.seed)),
            Term("--validation", String(c.validation)),
        ]
        t += optimizerTerms(c.optimizer, learningRate: c.learningRate, overwrittenBySchedule: cycledHyperparameter(of: c))
        t.append(Term("--l1", number(c.l1)))
        if let clip = c.clipNorm { t.append(Term("--clip-norm", number(clip))) }
        t.append(Term("--grad-noise", number(c.gradientNoise)))
        let (total, overflow) = c.epochs.multipliedReportingOverflow(by: iterationsPerEpoch)
        t += scheduleTerms(c.schedule, iterationsPerEpoch: iterationsPerEpoch, totalUpdates: overflow ? Int.max : total,
                           cyclesMomentum: c.optimizer.takesMomentumCycling)
        // Only when given, so the ids of runs without early stopping do not change.
        if let patience = c.earlyStopPatience {
            t += [Term("--early-stop", String(patience)), Term("--min-delta", number(c.minDelta))]
        }
        return t
    }

    /// The optimizer's momentum or β1 when one-cycle's momentum cycling writes it before every
    /// update: its own value never acts, so it is no part of the run's identity, and leaving it
    /// out keeps `flags` a command line train accepts (train refuses --momentum/--beta1 beside
    /// cycling). rmsprop keeps --momentum: its value > 0 is what gives it a momentum to cycle.
    static func cycledHyperparameter(of c: TrainingConfiguration) -> Hyperparameter? {
        guard c.schedule.kind == .oneCycle, c.schedule.cycleMomentum, c.optimizer.takesMomentumCycling else { return nil }
        switch c.optimizer.kind {
        case .momentum, .nesterov: return .momentum
        case .adam, .amsgrad, .adamw, .adamax, .nadam: return .beta1
        default: return nil
        }
    }

    static func optimizerTerms(_ o: OptimizerSettings, learningRate: Double, overwrittenBySchedule: Hyperparameter? = nil) -> [Term] {
        var t = [Term("--optimizer", o.kind.rawValue), Term("--lr", number(learningRate))]
        for parameter in o.kind.hyperparameters where parameter != overwrittenBySchedule {
            switch parameter {
            case .momentum: t.append(Term("--momentum", number(o.momentum)))
            case .dampening: t.append(Term("--dampening", number(o.dampening)))
            case .rho: t.append(Term("--rho", number(o.rho)))
            case .beta1: t.append(Term("--beta1", number(o.beta1)))
            case .beta2: t.append(Term("--beta2", number(o.beta2)))
            case .eps: t.append(Term("--eps", number(o.eps)))
            case .centered: if o.centered { t.append(Term("--centered", nil)) }
            case .lrPower: t.append(Term("--lr-power", number(o.lrPower)))
            case .initialAccumulator: t.append(Term("--initial-accumulator", number(o.initialAccumulator)))
            case .l2: t.append(Term("--l2", number(o.l2)))
            case .l2Shrinkage: t.append(Term("--l2-shrinkage", number(o.l2Shrinkage)))
            case .ftrlBeta: t.append(Term("--ftrl-beta", number(o.ftrlBeta)))
            }
        }
        // ftrl has no --weight-decay (its L2 is --l2); --l1 is written once, with the gradient terms.
        if o.kind.takesWeightDecay { t.append(Term("--weight-decay", number(o.weightDecay))) }
        return t
    }

    /// The schedule and the flags it reads, each with the value `ScheduleSettings.make` uses.
    /// one-cycle's values come from the schedule it builds (T resolved: the run's updates
    /// unless --decay-steps), its momentum range only when the optimizer has a momentum to cycle.
    static func scheduleTerms(_ s: ScheduleSettings, iterationsPerEpoch n: Int, totalUpdates: Int, cyclesMomentum: Bool) -> [Term] {
        if s.kind == .oneCycle {
            let o = s.oneCycle(iterationsPerEpoch: n, totalUpdates: totalUpdates)
            var t = [Term("--schedule", s.kind.rawValue), Term("--decay-steps", String(o.totalSteps)),
                     Term("--pct-start", number(o.pctStart)), Term("--div-factor", number(o.divFactor)),
                     Term("--final-div-factor", number(o.finalDivFactor)), Term("--anneal", o.anneal.rawValue)]
            if o.threePhase { t.append(Term("--three-phase", nil)) }
            if let range = o.momentumRange, cyclesMomentum {
                t += [Term("--base-momentum", number(range.base)), Term("--max-momentum", number(range.max))]
            } else {
                t.append(Term("--no-cycle-momentum", nil))
            }
            return t
        }
        func steps(_ count: StepCount?) -> String { String(ScheduleSettings.resolvedSteps(count, perEpoch: n)) }
        func list(_ counts: [StepCount]) -> String { counts.map { String($0.iterations(perEpoch: n)) }.joined(separator: ",") }
        var t = [Term("--schedule", s.kind.rawValue)]
        for flag in s.kind.flags {
            switch flag {
            case .boundaries: t.append(Term(flag.flag, list(s.boundaries)))
            case .values: t.append(Term(flag.flag, s.values.map(number).joined(separator: ",")))
            case .dropEvery: t.append(Term(flag.flag, steps(s.dropEvery)))
            case .milestones: t.append(Term(flag.flag, list(s.milestones)))
            case .factor: t.append(Term(flag.flag, number(s.resolvedFactor)))
            case .decayRate: t.append(Term(flag.flag, number(s.resolvedDecayRate)))
            case .decaySteps: t.append(Term(flag.flag, steps(s.decaySteps)))
            case .staircase: if s.staircase { t.append(Term(flag.flag, nil)) }
            case .endLR: t.append(Term(flag.flag, number(s.resolvedEndRate)))
            case .power: t.append(Term(flag.flag, number(s.resolvedPower)))
            case .cycle: if s.cycle { t.append(Term(flag.flag, nil)) }
            case .alpha: t.append(Term(flag.flag, number(s.resolvedAlpha)))
            case .tMul: t.append(Term(flag.flag, number(s.resolvedTMul)))
            case .mMul: t.append(Term(flag.flag, number(s.resolvedMMul)))
            case .maxLR: t.append(Term(flag.flag, number(s.resolvedMaxRate)))
            case .stepSize: t.append(Term(flag.flag, steps(s.stepSize)))
            case .mode: t.append(Term(flag.flag, s.resolvedMode.rawValue))
            case .gamma: t.append(Term(flag.flag, number(s.resolvedGamma)))
            case .patience: t.append(Term(flag.flag, String(s.resolvedPatience)))
            case .minLR: t.append(Term(flag.flag, number(s.resolvedMinRate)))
            case .pctStart, .divFactor, .finalDivFactor, .anneal, .threePhase, .baseMomentum, .maxMomentum, .noCycleMomentum:
                break  // one-cycle's, above
            }
        }
        if let warmup = s.warmupSteps, warmup.iterations(perEpoch: n) > 0 {
            t.append(Term("--warmup-steps", String(warmup.iterations(perEpoch: n))))
        }
        return t
    }

    /// Shortest round-trip decimal, as Swift prints a Double, without a trailing ".0".
    static func number(_ value: Double) -> String { formatCompact(value) }

    // MARK: - The readable default name

    /// `adam lr=0.001`, then the schedule when it is not constant, then `flag=value` for every
    /// other term that differs from the defaults of the same optimizer and schedule (and every
    /// flag the schedule requires). --epochs is left out, as in the run id.
    static func readableName(terms: [Term], configuration c: TrainingConfiguration, iterationsPerEpoch: Int) -> String {
        var defaults = TrainingConfiguration(optimizer: OptimizerSettings(kind: c.optimizer.kind),
                                             schedule: ScheduleSettings(kind: c.schedule.kind, initialRate: c.learningRate))
        // --init's default follows the activation: name xavier only when it was chosen by hand.
        defaults.initialization = .recommended(for: c.activation)
        let defaultTerms = Dictionary(RunIdentity.terms(of: defaults, iterationsPerEpoch: iterationsPerEpoch).map { ($0.flag, $0.value) },
                                      uniquingKeysWith: { first, _ in first })
        let required = Set(c.schedule.kind.requiredFlags.map(\.flag))
        var name = "\(c.optimizer.kind.rawValue) lr=\(number(c.learningRate))"
        if c.schedule.kind != .constant { name += " \(c.schedule.kind.rawValue)" }
        for term in terms where !["--optimizer", "--lr", "--schedule", "--epochs"].contains(term.flag) {
            // one-cycle's T is the run's updates unless --decay-steps was given: named only then,
            // so the name does not change with --epochs (a run continued keeps its name).
            if c.schedule.kind == .oneCycle && term.flag == "--decay-steps" {
                if c.schedule.decaySteps != nil { name += " decay-steps=\(term.value ?? "")" }
                continue
            }
            let isDefault = defaultTerms.keys.contains(term.flag) && defaultTerms[term.flag]! == term.value
            if isDefault && !required.contains(term.flag) { continue }
            let key = String(term.flag.dropFirst(2))
            name += " " + (term.value.map { "\(key)=\($0)" } ?? key)
        }
        return name
    }
}

extension TrainingConfiguration {
    /// Iterations per epoch for the real data sets (60,000 training images less --validation),
    /// for computing a run's identity before its data is loaded (sweeps). A run computes its own
    /// identity from the images it actually loaded.
    public var nominalIterationsPerEpoch: Int { iterationsPerEpoch(trainingCount: max(60_000 - validation, 1)) }
}
