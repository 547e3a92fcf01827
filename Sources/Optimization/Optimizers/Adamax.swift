import Support
#if canImport(Glibc)
import Glibc
#endif

/// Adamax (Kingma & Ba 2015, §7.1): Adam with the infinity norm.
///   m ← β1 m + (1 − β1) g;  u ← max(β2 u, |g| + ε);  θ ← θ − γ / (1 − β1ᵗ) · m / u.
/// Reference: torch.optim.Adamax (lr 0.002).
public final class Adamax: Optimizer {
    public internal(set) var updateCount = 0
    let beta1: Double, beta2: Float, eps: Float, weightDecay: Double
    let firstMoment: FloatBuffer
    let infinityNorm: FloatBuffer
    /// β1 for the next steps instead of the built one (one-cycle; MomentumSettable.swift).
    public var momentumOverride: Double?

    public init(parameterCount: Int, beta1: Double, beta2: Double, eps: Double, weightDecay: Double = 0) {
        self.beta1 = beta1
        self.beta2 = Float(beta2)
        self.eps = Float(eps)
        self.weightDecay = weightDecay
        firstMoment = FloatBuffer(count: parameterCount)
        infinityNorm = FloatBuffer(count: parameterCount)
    }

    public func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let beta1 = momentumOverride ?? beta1
        let stepSize = Float(learningRate / (1 - pow(beta1, Double(updateCount))))
        let c1 = Float(1 - beta1), b2 = beta2, eps = eps
        let p = parameters.pointer, g = gradients.pointer
        let m = firstMoment.pointer, u = infinityNorm.pointer
        for i in stride(from: 0, to: parameters.paddedCount, by: FloatVector.scalarCount) {
            let gradient = g.vector(at: i)
            var moment = m.vector(at: i)
            moment += c1 * (gradient - moment)
            m.setVector(moment, at: i)
            let norm = pointwiseMax(b2 * u.vector(at: i), gradient.replacing(with: -gradient, where: gradient .< 0) + eps)
            u.setVector(norm, at: i)
            p.setVector(p.vector(at: i) - stepSize * moment / norm, at: i)
        }
    }
}
