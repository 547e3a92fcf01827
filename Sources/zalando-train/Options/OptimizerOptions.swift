import ArgumentParser
import Optimization
import Support

/// --optimizer and its hyperparameters, plus the gradient options every optimizer shares.
/// `Help` gives the text of --optimizer for the command that uses the group.
/// An optimizer's default for a flag, as --help states it: read from OptimizerSettings (the
/// defaults' one home), never written twice.
private func shownDefault(_ kind: OptimizerKind, _ value: KeyPath<OptimizerSettings, Double>) -> String {
    helpNumber(OptimizerSettings(kind: kind)[keyPath: value])
}

struct OptimizerOptions<Help: CommandHelp>: ParsableArguments {
    @Option(name: .customLong("optimizer"), help: ArgumentHelp(Help.optimizer))
    var optimizerList = ChoiceList<OptimizerKind>([.adam])

    /// The optimizers (path may compare several).
    var optimizers: [OptimizerKind] { optimizerList.items }

    /// The optimizer (train uses exactly one; path may compare several).
    var optimizer: OptimizerKind { optimizers[0] }

    @Option(help: "Momentum μ (momentum, nesterov: default \(shownDefault(.momentum, \.momentum)); rmsprop: default \(shownDefault(.rmsprop, \.momentum))).")
    var momentum: Double?
    @Option(help: "Dampening d of momentum (default \(shownDefault(.momentum, \.dampening)); d = μ gives the averaged form).")
    var dampening: Double?
    @Option(help: "Decay ρ of the squared-gradient average (rmsprop, adadelta; default \(shownDefault(.rmsprop, \.rho))).")
    var rho: Double?
    @Option(help: "β1 (adam family; default \(shownDefault(.adam, \.beta1))).")
    var beta1: Double?
    @Option(help: "β2 (adam family; default \(shownDefault(.adam, \.beta2))).")
    var beta2: Double?
    @Option(help: "ε (default \(shownDefault(.adam, \.eps)); adagrad \(shownDefault(.adagrad, \.eps)), adadelta \(shownDefault(.adadelta, \.eps))).")
    var eps: Double?
    @Flag(help: "Centered RMSProp (normalise by the gradient's variance estimate).")
    var centered = false
    @Option(name: .customLong("weight-decay"), help: "L2 weight decay λ (coupled; decoupled for adamw, default \(shownDefault(.adamw, \.weightDecay)) there; not ftrl: use --l2).")
    var weightDecay: Double?
    @Option(help: "L1 penalty λ: adds λ·sign(θ) to the gradient; ftrl: its own L1 strength, in closed form (default 0).")
    var l1: Double?
    @Option(name: .customLong("lr-power"), help: "ftrl: learning_rate_power p ≤ 0 (default \(shownDefault(.ftrl, \.lrPower)); 0 = a fixed rate).")
    var lrPower: Double?
    @Option(name: .customLong("initial-accumulator"), help: "ftrl: the accumulator n's start, ≥ 0 (default \(shownDefault(.ftrl, \.initialAccumulator))).")
    var initialAccumulator: Double?
    @Option(help: "ftrl: L2 strength λ2 ≥ 0, in closed form (default 0).")
    var l2: Double?
    @Option(name: .customLong("l2-shrinkage"), help: "ftrl: shrinkage-type L2 λs ≥ 0, added to the gradient as 2λsθ (default 0).")
    var l2Shrinkage: Double?
    @Option(name: .customLong("ftrl-beta"), help: "ftrl: the paper's β ≥ 0 (default 0).")
    var ftrlBeta: Double?
    @Option(name: .customLong("clip-norm"), help: "Clip the gradient's global norm to c (torch clip_grad_norm_; default: no clipping).")
    var clipNorm: Double?
    @Option(name: .customLong("grad-noise"), help: "Gradient noise η: add N(0, η/(1+t)^0.55) (Neelakantan et al. 2015; default 0).")
    var gradNoise: Double?

    func validate() throws {
        let given: [(Hyperparameter, Bool)] = [
            (.momentum, momentum != nil), (.dampening, dampening != nil), (.rho, rho != nil),
            (.beta1, beta1 != nil), (.beta2, beta2 != nil), (.eps, eps != nil), (.centered, centered),
            (.lrPower, lrPower != nil), (.initialAccumulator, initialAccumulator != nil), (.l2, l2 != nil),
            (.l2Shrinkage, l2Shrinkage != nil), (.ftrlBeta, ftrlBeta != nil),
        ]
        // With several optimizers (path), a flag must be used by at least one of them.
        // The message also names the optimizers that do read the flag: `--optimizer sgd
        // --momentum 0.9` (torch's SGD(momentum=0.9)) is --optimizer momentum here.
        let usedByChosen = Set(optimizers.flatMap(\.hyperparameters))
        let usedFlags = usedByChosen.map(\.flag).sorted()
        for (parameter, isGiven) in given where isGiven && !usedByChosen.contains(parameter) {
            let owners = OptimizerKind.allCases.filter { $0.hyperparameters.contains(parameter) }.map(\.rawValue)
            let uses = usedFlags.isEmpty ? "it takes none besides --lr" : "it uses " + usedFlags.joined(separator: ", ")
            throw ValidationError("\(parameter.flag) is not used by --optimizer \(optimizers.map(\.rawValue).joined(separator: ",")) (\(uses)); "
                + "\(parameter.flag) belongs to --optimizer \(owners.joined(separator: ", "))")
        }
        try check("--momentum", momentum, "in [0, 1)") { $0 >= 0 && $0 < 1 }
        try check("--dampening", dampening, "in [0, 1]") { $0 >= 0 && $0 <= 1 }
        try check("--rho", rho, "in [0, 1)") { $0 >= 0 && $0 < 1 }
        try check("--beta1", beta1, "in [0, 1)") { $0 >= 0 && $0 < 1 }
        try check("--beta2", beta2, "in [0, 1)") { $0 >= 0 && $0 < 1 }
        try check("--eps", eps, "positive") { $0 > 0 }
        try check("--weight-decay", weightDecay, "zero or positive") { $0 >= 0 }
        try check("--l1", l1, "zero or positive") { $0 >= 0 }
        try check("--clip-norm", clipNorm, "positive") { $0 > 0 }
        try check("--grad-noise", gradNoise, "zero or positive") { $0 >= 0 }
        // keras.optimizers.Ftrl's own constraints, and β ≥ 0 (a negative β can make the
        // proximal step's denominator zero).
        try check("--lr-power", lrPower, "zero or negative") { $0 <= 0 }
        try check("--initial-accumulator", initialAccumulator, "zero or positive") { $0 >= 0 }
        try check("--l2", l2, "zero or positive") { $0 >= 0 }
        try check("--l2-shrinkage", l2Shrinkage, "zero or positive") { $0 >= 0 }
        try check("--ftrl-beta", ftrlBeta, "zero or positive") { $0 >= 0 }
        if let weightDecay, optimizers.allSatisfy({ !$0.takesWeightDecay }) {
            throw ValidationError("--weight-decay \(weightDecay) is not used by ftrl: its L2 is --l2 (applied in closed form)")
        }
        if optimizers.contains(.ftrl), initialAccumulator == 0, (lrPower ?? -0.5) != 0, (l2 ?? 0) == 0, (ftrlBeta ?? 0) == 0 {
            // n = 0 and no λ2 or β: a weight whose gradient is still 0 would become 0/0 (NaN).
            throw ValidationError("--initial-accumulator 0: needs --l2 or --ftrl-beta above 0 (or --lr-power 0), else a weight with a zero gradient becomes 0/0")
        }
        if optimizers.contains(.nesterov), momentum == 0 {
            throw ValidationError("--momentum 0 makes nesterov plain sgd; use --optimizer sgd or a momentum in (0, 1)")
        }
    }

    var settings: OptimizerSettings { settings(for: optimizer) }

    func settings(for kind: OptimizerKind) -> OptimizerSettings {
        let uses = Set(kind.hyperparameters)
        func given(_ value: Double?, _ parameter: Hyperparameter) -> Double? { uses.contains(parameter) ? value : nil }
        return OptimizerSettings(kind: kind, momentum: given(momentum, .momentum), dampening: given(dampening, .dampening),
                                 rho: given(rho, .rho), beta1: given(beta1, .beta1), beta2: given(beta2, .beta2),
                                 eps: given(eps, .eps), centered: uses.contains(.centered) && centered,
                                 weightDecay: kind.takesWeightDecay ? weightDecay : nil,
                                 lrPower: given(lrPower, .lrPower), initialAccumulator: given(initialAccumulator, .initialAccumulator),
                                 l1: kind.ownsL1 ? l1 : nil, l2: given(l2, .l2), l2Shrinkage: given(l2Shrinkage, .l2Shrinkage),
                                 ftrlBeta: given(ftrlBeta, .ftrlBeta))
    }

    /// The `--l1` added to the gradient for `kind`: none for ftrl, whose L1 is in its settings.
    func gradientL1(for kind: OptimizerKind) -> Double { kind.ownsL1 ? 0 : l1 ?? 0 }
}
