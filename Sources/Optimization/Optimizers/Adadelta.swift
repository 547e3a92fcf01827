import Support

/// Adadelta (Zeiler 2012):
///   s ← ρ s + (1 − ρ) g²;  δ ← √(u + ε) / √(s + ε) · g;  u ← ρ u + (1 − ρ) δ²;  θ ← θ − γ δ.
/// Reference: torch.optim.Adadelta (ρ 0.9, ε 1e-6, lr 1.0). Note ε sits inside both roots.
public final class Adadelta: Optimizer {
    public internal(set) var updateCount = 0
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

    public func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let lr = Float(learningRate), rho = rho, keep = oneMinusRho, eps = eps
        let p = parameters.pointer, g = gradients.pointer
        let s = squareAverage.pointer, u = deltaAverage.pointer
        for i in stride(from: 0, to: parameters.paddedCount, by: FloatVector.scalarCount) {
            let gradient = g.vector(at: i)
            let square = rho * s.vector(at: i) + keep * gradient * gradient
            s.setVector(square, at: i)
            let previous = u.vector(at: i)
            let delta = (previous + eps).squareRootPacked() / (square + eps).squareRootPacked() * gradient
            u.setVector(rho * previous + keep * delta * delta, at: i)
            p.setVector(p.vector(at: i) - lr * delta, at: i)
        }
    }
}
