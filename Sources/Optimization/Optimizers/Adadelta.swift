import Support

/// Adadelta (Zeiler 2012):
///   s ← ρ s + (1 − ρ) g²;  δ ← √(u + ε) / √(s + ε) · g;  u ← ρ u + (1 − ρ) δ²;  θ ← θ − γ δ.
/// Reference: torch.optim.Adadelta (ρ 0.9, ε 1e-6, lr 1.0). Note ε sits inside both roots.
public final class Adadelta: Optimizer {
    public private(set) var updateCount = 0
    let rho: Float, oneMinusRho: Float, eps: Float, weightDecay: Double
    let squareAverage: FloatBuffer
    let deltaAverage: FloatBuffer

    public init(parameterCount: Int, rho: Double, eps: Double, weightDecay: Double = 0) {
        self.rho = Float(rho)
        oneMinusRho = Float(1 - rho)
        self.eps = Float(eps)
        self.weightDecay = weightDecay
        squareAverage = FloatBuffer(count: parameterCount)
        deltaAverage = FloatBuffer(count: parameterCount)
    }

    public func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>,
                     learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let lr = Float(learningRate), rho = rho, keep = oneMinusRho, eps = eps
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        let s = squareAverage.pointer, u = deltaAverage.pointer
        for i in 0..<parameters.count {
            s[i] = rho * s[i] + keep * g[i] * g[i]
            let delta = (u[i] + eps).squareRoot() / (s[i] + eps).squareRoot() * g[i]
            u[i] = rho * u[i] + keep * delta * delta
            p[i] -= lr * delta
        }
    }
}
