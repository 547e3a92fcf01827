import Support

/// RMSProp (Hinton, Coursera lecture 6e):
///   s ← ρ s + (1 − ρ) g²;  θ ← θ − γ g / (√s + ε).
/// With momentum μ > 0: v ← μ v + g / (√s + ε), θ ← θ − γ v.
/// Centered (Graves 2013): a ← ρ a + (1 − ρ) g and the denominator is √(s − a²) + ε.
/// Reference: torch.optim.RMSprop(alpha=ρ, eps=1e-8) — ε outside the root, which matters for
/// tiny gradients.
public final class RMSProp: Optimizer {
    public private(set) var updateCount = 0
    let rho: Float, oneMinusRho: Float, eps: Float, momentum: Float, centered: Bool, weightDecay: Double
    let squareAverage: FloatBuffer
    let gradientAverage: FloatBuffer
    let velocity: FloatBuffer

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

    public func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>,
                     learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let lr = Float(learningRate), rho = rho, keep = oneMinusRho, eps = eps, mu = momentum
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        let s = squareAverage.pointer, a = gradientAverage.pointer, v = velocity.pointer
        let n = parameters.count
        switch (centered, mu > 0) {
        case (false, false):
            for i in 0..<n {
                s[i] = rho * s[i] + keep * g[i] * g[i]
                p[i] -= lr * g[i] / (s[i].squareRoot() + eps)
            }
        case (false, true):
            for i in 0..<n {
                s[i] = rho * s[i] + keep * g[i] * g[i]
                v[i] = mu * v[i] + g[i] / (s[i].squareRoot() + eps)
                p[i] -= lr * v[i]
            }
        case (true, _):
            for i in 0..<n {
                s[i] = rho * s[i] + keep * g[i] * g[i]
                a[i] += keep * (g[i] - a[i])   // torch: grad_avg.lerp_(grad, 1 − α)
                let denominator = (s[i] - a[i] * a[i]).squareRoot() + eps
                if mu > 0 {
                    v[i] = mu * v[i] + g[i] / denominator
                    p[i] -= lr * v[i]
                } else {
                    p[i] -= lr * g[i] / denominator
                }
            }
        }
    }
}
