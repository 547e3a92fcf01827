import Foundation
import Optimization
import Training
import Reports
import RunRecords
import Support

/// The tables in --help: every optimizer and schedule with the flags it uses and its
/// defaults. Each command shows the ones that apply to it (train: both; path: both, without
/// plateau; lr: the schedules, without plateau). Every line fits 80 columns.
enum HelpTables {
    static let train = optimizers(recommended: true) + "\n\n" + schedules(ScheduleKind.allCases) + "\n\n"
        + "Resuming: --checkpoint FILE writes the whole state after every epoch and when\n"
        + "interrupted; --resume FILE alone continues it with the same numbers (flags\n"
        + "given beside it must be the checkpoint's; --epochs may be raised).\n\n"
        + "Exit status: 0 done (also an early stop), 1 runtime error (files; a run log\n"
        + "write that failed is rolled back), 3 the cost became NaN or infinite, 64 bad\n"
        + "flags or output paths (checked before training), 130, 143 or 129 interrupted\n"
        + "by SIGINT, SIGTERM or SIGHUP (SIGPIPE is ignored: a closed output only stops\n"
        + "the printing)."

    static let exitStatus = "Exit status: 0 done, 1 runtime error (files), 64 bad flags."

    /// lr and path draw schedules without a training run, so plateau is not theirs.
    static let withoutPlateau = ScheduleKind.allCases.filter { $0 != .plateau }

    /// The optimizer table; `recommended` adds the rate recommended for the default model.
    static func optimizers(recommended: Bool) -> String {
        var text = recommended
            ? "Optimizers (torch.optim formulas; ftrl: keras Ftrl), with the --lr default and\nthe rate recommended for the default model:\n"
            : "Optimizers (torch.optim formulas; ftrl: keras Ftrl), with the --lr default:\n"
        for kind in OptimizerKind.allCases {
            let flags = kind.hyperparameters.map(\.flag).joined(separator: " ")
            var line = "  \(kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) lr \(formatCompact(kind.defaultLearningRate))"
            if recommended {
                line += ", recommended \(formatCompact(kind.recommendedLearningRate))"
                if !kind.recommendedFlags.isEmpty { line += " with " + kind.recommendedFlags.joined(separator: " ") }
            }
            // Too long for one line of --help (80 columns): the flags go on a line of their own.
            if flags.isEmpty {
                text += line + "\n"
            } else if line.count + flags.count + 2 <= 80 {
                text += line + "; \(flags)\n"
            } else {
                text += line + "\n            \(flags)\n"
            }
            text += "            \(summary(kind))\n"
        }
        text += "  All take --l1, --clip-norm, --grad-noise, and all but ftrl --weight-decay."
        return text
    }

    static func schedules(_ kinds: [ScheduleKind]) -> String {
        var text = "Schedules (advance every update j; durations in iterations, or epochs: 5e)\n"
        for kind in kinds {
            let flags = kind.flags.map { kind.requiredFlags.contains($0) ? $0.flag : "[\($0.flag)]" }.joined(separator: " ")
            text += "  \(kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(flags.isEmpty ? "(no flags)" : flags)\n"
            text += "               \(summary(kind))\n"
        }
        text += "  Any schedule takes [--warmup-steps W]: γ0·(j+1)/W for j < W, then the\n"
        text += "  schedule at j − W."
        return text
    }
    // One line per optimizer and schedule: the update, and its defaults as the library resolves
    // them (OptimizerSettings' init, LearningRateSchedule.Defaults, OneCycleSchedule.Defaults),
    // so the help cannot disagree with the numbers. Help text is the executable's: the library
    // holds the formulas, not the words.
    static func summary(_ kind: OptimizerKind) -> String {
        let d = OptimizerSettings(kind: kind)
        let n = helpNumber
        switch kind {
        case .sgd: return "θ ← θ − γg"
        case .momentum: return "v ← μv + (1−d)g; θ ← θ − γv  (μ \(n(d.momentum)), d \(n(d.dampening)); d = μ averages)"
        case .nesterov: return "v ← μv + g; θ ← θ − γ(g + μv)  (μ \(n(d.momentum)))"
        case .adagrad: return "s ← s + g²; θ ← θ − γg/(√s + ε)  (ε \(n(d.eps)))"
        case .adadelta: return "Zeiler 2012, torch Adadelta  (ρ \(n(d.rho)), ε \(n(d.eps)), γ \(n(kind.defaultLearningRate)))"
        case .rmsprop: return "s ← ρs + (1−ρ)g²; θ ← θ − γg/(√s + ε)  (ρ \(n(d.rho)), ε \(n(d.eps)), μ \(n(d.momentum)))"
        case .adam: return "bias-corrected m and s  (β1 \(n(d.beta1)), β2 \(n(d.beta2)), ε \(n(d.eps)))"
        case .amsgrad: return "adam with a running max of s in the denominator"
        case .adamw: return "adam with decoupled weight decay θ ← θ(1 − γλ)  (λ \(n(d.weightDecay)))"
        case .adamax: return "adam with the infinity norm u ← max(β2u, |g| + ε)"
        case .nadam: return "adam with Nesterov momentum, torch NAdam (ψ 0.004)"
        case .ftrl: return "FTRL-proximal, keras Ftrl; --l1/--l2 in closed form: exact zeros"
        }
    }

    static func summary(_ kind: ScheduleKind) -> String {
        typealias D = ScheduleSettings.Defaults
        typealias C = OneCycleSchedule.Defaults
        let n = helpNumber
        switch kind {
        case .constant: return "γ0"
        case .piecewise: return "v_i between boundaries (tf piecewise_constant)"
        case .step: return "γ0 / (⌊j/D⌋ + 1)"
        case .multistep: return "γ0 · f^(milestones passed)  (f \(n(D.factor)))"
        case .inverseTime: return "γ0 / (1 + ν·j/s)"
        case .exponential: return "γ0 · ν^(j/s)"
        case .naturalExp: return "γ0 · e^(−ν·j/s)"
        case .polynomial: return "(γ0 − e)(1 − j/s)^p + e  (e \(n(D.endRate)), p \(n(D.power)))"
        case .power: return "γ0 (1 + j/s)^(−c)  (c \(n(D.power)))"
        case .cosine: return "keras CosineDecay  (α \(n(D.alpha)))"
        case .sgdr: return "keras CosineDecayRestarts  (t-mul \(n(D.tMul)), m-mul \(n(D.mMul)), α \(n(D.alpha)))"
        case .cyclic: return "torch CyclicLR between γ0 and --max-lr  (\(D.mode.rawValue))"
        case .plateau: return "×f after p epochs without improvement  (f \(n(D.factor)), p \(D.patience))"
        case .oneCycle:
            return "torch OneCycleLR, --lr the peak, over the run's updates  (pct \(n(C.pctStart)), div \(n(C.divFactor)), "
                + "final \(n(C.finalDivFactor)), \(C.anneal.rawValue), momentum \(n(C.baseMomentum))–\(n(C.maxMomentum)))"
        }
    }

    /// A default as --help writes it: shortest form, exponents without padding (1e-8, 1e4).
    static func helpNumber(_ v: Double) -> String {
        if v > 0, let e = Int(exactly: log10(v)), abs(e) >= 4, pow(10, Double(e)) == v { return "1e\(e)" }
        return formatCompact(v).replacingOccurrences(of: "e-0", with: "e-")
    }
}
