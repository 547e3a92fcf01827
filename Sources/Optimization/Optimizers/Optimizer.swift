import Support

/// An optimizer is a small state machine: per-parameter state in flat buffers mirroring the
/// parameter layout, updated in place once per minibatch. `gradients` may be overwritten (coupled
/// weight decay is added to them, as torch.optim does). Sweeps run over `paddedCount` in
/// `FloatVector` steps: FloatBuffer's zero padding makes a scalar tail unnecessary.
///
/// Conventions shared by every optimizer (torch.optim, PyTorch 2.x, foreach=False): t counts
/// updates from 1; all state starts at 0; coupled L2 adds λθ to g before anything else.
public protocol Optimizer: AnyObject {
    /// Updates made so far.
    var updateCount: Int { get }
    func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double)

    /// Every per-parameter state buffer, by name, for checkpoints (restored in place). Default:
    /// the optimizer's non-empty `FloatBuffer` stored properties, found by reflection, so a new
    /// optimizer's buffers are saved without a line of code (OptimizerState.swift).
    var stateBuffers: [(name: String, buffer: FloatBuffer)] { get }
    /// Its scalar state (the update count, NAdam's μ product), exact as Doubles.
    var stateCounters: [(name: String, value: Double)] { get }
    /// Puts back the scalar state `stateCounters` listed; throws for a missing or invalid one.
    func restoreCounters(_ counters: [String: Double]) throws
}

/// g ← g + λθ (coupled L2 weight decay).
@inline(__always)
func addWeightDecay(_ lambda: Double, parameters: FloatBuffer, gradients: FloatBuffer) {
    guard lambda != 0 else { return }
    let l = Float(lambda)
    let p = parameters.pointer, g = gradients.pointer
    for i in stride(from: 0, to: gradients.paddedCount, by: FloatVector.scalarCount) {
        g.setVector(g.vector(at: i) + l * p.vector(at: i), at: i)
    }
}

/// The optimizers of the contract, in increasing complexity.
public enum OptimizerKind: String, CaseIterable, Sendable {
    case sgd, momentum, nesterov, adagrad, adadelta, rmsprop, adam, amsgrad, adamw, adamax, nadam, ftrl

    /// torch.optim's default learning rate; 0.01 (the book's) for sgd, momentum and nesterov.
    public var defaultLearningRate: Double {
        switch self {
        case .sgd, .momentum, .nesterov: return 0.01
        case .adagrad, .rmsprop: return 0.01
        case .adadelta: return 1.0
        case .adam, .amsgrad, .adamw: return 0.001
        case .adamax, .nadam: return 0.002
        case .ftrl: return 0.001
        }
    }

    /// Whether `--weight-decay` applies (ftrl has its own L2, `--l2`, in closed form).
    public var takesWeightDecay: Bool { self != .ftrl }

    /// Whether `--l1` is FTRL's own closed-form L1 strength rather than λ·sign(θ) added to the
    /// gradient.
    public var ownsL1: Bool { self == .ftrl }

    /// A learning rate that trains the default model (784-20-20-20-20-10, batch 50) well on
    /// Fashion-MNIST within a few epochs; checked by the real-data tests.
    public var recommendedLearningRate: Double {
        switch self {
        case .sgd: return 0.1
        case .momentum, .nesterov: return 0.01
        case .adagrad: return 0.05
        case .adadelta: return 1.0
        case .rmsprop: return 0.001
        case .adam, .amsgrad, .adamw: return 0.001
        case .adamax, .nadam: return 0.002
        case .ftrl: return 0.03
        }
    }

    /// Flags the recommendation needs besides --lr: ftrl's default n₀ = 0.1 shrinks the first
    /// step's weights by 1 − √(n₀/(n₀ + g²)), which for the small gradients of a deep MLP wipes
    /// out the initialization (measured: the default model stays at 10% at every rate from
    /// 0.001 to 30), so it is recommended with a small initial accumulator.
    public var recommendedFlags: [String] {
        self == .ftrl ? ["--initial-accumulator", "1e-4"] : []
    }

    /// The hyperparameter flags this optimizer reads (besides --lr and the gradient options).
    public var hyperparameters: [Hyperparameter] {
        switch self {
        case .sgd: return []
        case .momentum: return [.momentum, .dampening]
        case .nesterov: return [.momentum]
        case .adagrad: return [.eps]
        case .adadelta: return [.rho, .eps]
        case .rmsprop: return [.rho, .eps, .momentum, .centered]
        case .adam, .amsgrad, .adamw, .adamax, .nadam: return [.beta1, .beta2, .eps]
        case .ftrl: return [.lrPower, .initialAccumulator, .l2, .l2Shrinkage, .ftrlBeta]
        }
    }
}

/// Hyperparameter flags, named as on the command line.
public enum Hyperparameter: String, CaseIterable, Sendable {
    case momentum, dampening, rho, beta1, beta2, eps, centered
    case lrPower = "lr-power", initialAccumulator = "initial-accumulator", l2, l2Shrinkage = "l2-shrinkage", ftrlBeta = "ftrl-beta"
    public var flag: String { "--" + rawValue }
}

/// An optimizer's hyperparameters with every default resolved.
public struct OptimizerSettings: Sendable, Equatable {
    public var kind: OptimizerKind
    public var momentum: Double
    public var dampening: Double
    public var rho: Double
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    public var centered: Bool
    /// Coupled L2 for every optimizer but adamw, where it is the decoupled decay λ; 0 for ftrl.
    public var weightDecay: Double
    /// FTRL (keras.optimizers.Ftrl): learning_rate_power p ≤ 0 (default −0.5).
    public var lrPower: Double
    /// FTRL: initial_accumulator_value, n's start (default 0.1).
    public var initialAccumulator: Double
    /// FTRL: l1_regularization_strength λ1, from `--l1` (default 0). Only ftrl reads it; for
    /// the other optimizers `--l1` is a gradient transform (TrainingConfiguration.l1).
    public var l1: Double
    /// FTRL: l2_regularization_strength λ2, `--l2` (default 0).
    public var l2: Double
    /// FTRL: l2_shrinkage_regularization_strength λs, `--l2-shrinkage` (default 0).
    public var l2Shrinkage: Double
    /// FTRL: the paper's β, `--ftrl-beta` (default 0).
    public var ftrlBeta: Double

    /// Unset values take the optimizer's defaults (DESIGN.md "Optimizer flags").
    public init(kind: OptimizerKind, momentum: Double? = nil, dampening: Double? = nil, rho: Double? = nil,
                beta1: Double? = nil, beta2: Double? = nil, eps: Double? = nil, centered: Bool = false,
                weightDecay: Double? = nil, lrPower: Double? = nil, initialAccumulator: Double? = nil, l1: Double? = nil,
                l2: Double? = nil, l2Shrinkage: Double? = nil, ftrlBeta: Double? = nil) {
        self.kind = kind
        self.momentum = momentum ?? (kind == .rmsprop ? 0 : 0.9)
        self.dampening = dampening ?? 0
        self.rho = rho ?? 0.9
        self.beta1 = beta1 ?? 0.9
        self.beta2 = beta2 ?? 0.999
        switch kind {
        case .adagrad: self.eps = eps ?? 1e-10
        case .adadelta: self.eps = eps ?? 1e-6
        default: self.eps = eps ?? 1e-8
        }
        self.centered = centered
        self.weightDecay = kind.takesWeightDecay ? weightDecay ?? (kind == .adamw ? 0.01 : 0) : 0
        self.lrPower = lrPower ?? -0.5
        self.initialAccumulator = initialAccumulator ?? 0.1
        self.l1 = kind.ownsL1 ? l1 ?? 0 : 0
        self.l2 = l2 ?? 0
        self.l2Shrinkage = l2Shrinkage ?? 0
        self.ftrlBeta = ftrlBeta ?? 0
    }

    /// The defaults with `kind.recommendedFlags` applied.
    public static func recommended(_ kind: OptimizerKind) -> OptimizerSettings {
        OptimizerSettings(kind: kind, initialAccumulator: kind == .ftrl ? 1e-4 : nil)
    }

    /// A fresh optimizer (state at zero) for `parameterCount` parameters.
    public func makeOptimizer(parameterCount n: Int) -> any Optimizer {
        switch kind {
        case .sgd: return SGD(weightDecay: weightDecay)
        case .momentum: return Momentum(parameterCount: n, momentum: momentum, dampening: dampening, weightDecay: weightDecay)
        case .nesterov: return Nesterov(parameterCount: n, momentum: momentum, weightDecay: weightDecay)
        case .adagrad: return AdaGrad(parameterCount: n, eps: eps, weightDecay: weightDecay)
        case .adadelta: return Adadelta(parameterCount: n, rho: rho, eps: eps, weightDecay: weightDecay)
        case .rmsprop: return RMSProp(parameterCount: n, rho: rho, eps: eps, momentum: momentum, centered: centered, weightDecay: weightDecay)
        case .adam: return Adam(parameterCount: n, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay)
        case .amsgrad: return Adam.amsgrad(parameterCount: n, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay)
        case .adamw: return Adam.adamw(parameterCount: n, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay)
        case .adamax: return Adamax(parameterCount: n, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay)
        case .nadam: return NAdam(parameterCount: n, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay)
        case .ftrl: return FTRL(parameterCount: n, lrPower: lrPower, initialAccumulator: initialAccumulator, l1: l1, l2: l2,
                                l2Shrinkage: l2Shrinkage, beta: ftrlBeta)
        }
    }
}

extension OptimizerSettings {
    /// Whether one-cycle's momentum cycling changes this optimizer: the momentum of momentum and
    /// nesterov, β1 of the adam family, rmsprop's momentum only when it has one (--momentum > 0;
    /// RMSProp without momentum keeps no velocity, and one-cycle changes its rate only). sgd,
    /// adagrad, adadelta and ftrl have nothing to cycle.
    public var takesMomentumCycling: Bool {
        switch kind {
        case .momentum, .nesterov, .adam, .amsgrad, .adamw, .adamax, .nadam: return true
        case .rmsprop: return momentum > 0
        case .sgd, .adagrad, .adadelta, .ftrl: return false
        }
    }
}
