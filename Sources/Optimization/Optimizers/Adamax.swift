import Support
#if canImport(Glibc)
import Glibc
#endif

/// Adamax (Kingma & Ba 2015, §7.1): Adam with the infinity norm.
///   m ← β1 m + (1 − β1) g;  u ← max(β2 u, |g| + ε);  θ ← θ − γ / (1 − β1ᵗ) · m / u.
/// Reference: torch.optim.Adamax (lr 0.002).
public final class Adamax: Optimizer {
    public private(set) var updateCount = 0
    let beta1: Double, beta2: Float, eps: Float, weightDecay: Double
    let firstMoment: FloatBuffer
    let infinityNorm: FloatBuffer

    public init(parameterCount: Int, beta1: Double, beta2: Double, eps: Double, weightDecay: Double = 0) {
        self.beta1 = beta1
        self.beta2 = Float(beta2)
        self.eps = Float(eps)
        self.weightDecay = weightDecay
        firstMoment = FloatBuffer(count: parameterCount)
        infinityNorm = FloatBuffer(count: parameterCount)
    }

    public func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>,
                     learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let stepSize = Float(learningRate / (1 - pow(beta1, Double(updateCount))))
        let c1 = Float(1 - beta1), b2 = beta2, eps = eps
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        let m = firstMoment.pointer, u = infinityNorm.pointer
        for i in 0..<parameters.count {
            m[i] += c1 * (g[i] - m[i])
            u[i] = max(b2 * u[i], abs(g[i]) + eps)
            p[i] -= stepSize * m[i] / u[i]
        }
    }
}
