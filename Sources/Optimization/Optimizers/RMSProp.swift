import Support

/// RMSProp (Hinton, Coursera lecture 6e):
///   s ← ρ s + (1 − ρ) g²;  θ ← θ − γ g / (√s + ε).
/// With momentum μ > 0: v ← μ v + g / (√s + ε), θ ← θ − γ v.
/// Centered (Graves 2013): a ← ρ a + (1 − ρ) g and the denominator is √(s − a²) + ε.
/// Reference: torch.optim.RMSprop(alpha=ρ, eps=1e-8) — ε outside the root, which matters for
/// tiny gradients.
public final class RMSProp: Optimizer {
    public internal(set) var updateCount = 0
    let rho: Float, oneMinusRho: Float, eps: Float, momentum: Float, centered: Bool, weightDecay: Double
    let squareAverage: FloatBuffer
    let gradientAverage: FloatBuffer
    let velocity: FloatBuffer
    /// μ for the next steps instead of the built one (one-cycle; MomentumSettable.swift). Used
    /// only when built with momentum > 0: otherwise there is no velocity buffer and it is
    /// ignored (torch would switch momentum on: build with momentum > 0 to cycle it).
    public var momentumOverride: Double?

    public init(parameterCount: Int, rho: Double, eps: Double, momentum: Double, centered: Bool, weightDecay: Double = 0) {
        self.rho = Float(rho)
        oneMinusRho = Float(1 - rho)
        self.eps = Float(eps)
        self.momentum = Float(momentum)
        self.centered = centered
        self.weightDecay = weightDecay
        squareAverage = FloatBuffer(count: parameterCount)
        gradientAverage = FloatBuffer(count: centered ? parameterCount : 0)
        velocity = FloatBuffer(count: momentum > 0 ? parameterCount : 0)
    }

    public func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let lr = Float(learningRate), rho = rho, keep = oneMinusRho, eps = eps
        let mu = velocity.count > 0 ? momentumOverride.map { Float($0) } ?? momentum : momentum
        let p = parameters.pointer, g = gradients.pointer
        let s = squareAverage.pointer, a = gradientAverage.pointer, v = velocity.pointer
        let hasMomentum = mu > 0
        for i in stride(from: 0, to: parameters.paddedCount, by: FloatVector.scalarCount) {
            let gradient = g.vector(at: i)
            let square = rho * s.vector(at: i) + keep * gradient * gradient
            s.setVector(square, at: i)
            let denominator: FloatVector
            if centered {
                // torch: grad_avg.lerp_(grad, 1 − α)
                let average = a.vector(at: i) + keep * (gradient - a.vector(at: i))
                a.setVector(average, at: i)
                denominator = (square - average * average).squareRootPacked() + eps
            } else {
                denominator = square.squareRootPacked() + eps
            }
            if hasMomentum {
                let velocity = mu * v.vector(at: i) + gradient / denominator
                v.setVector(velocity, at: i)
                p.setVector(p.vector(at: i) - lr * velocity, at: i)
            } else {
                p.setVector(p.vector(at: i) - lr * gradient / denominator, at: i)
            }
        }
    }
}
