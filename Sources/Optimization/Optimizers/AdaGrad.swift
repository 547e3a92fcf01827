import Support

/// AdaGrad (Duchi et al. 2011): s ← s + g²;  θ ← θ − γ g / (√s + ε).
/// Reference: torch.optim.Adagrad (lr_decay 0, initial_accumulator_value 0), ε default 1e-10.
public final class AdaGrad: Optimizer {
    public internal(set) var updateCount = 0
    let eps: Float, weightDecay: Double
    let sumOfSquares: FloatBuffer

    public init(parameterCount: Int, eps: Double, weightDecay: Double = 0) {
        self.eps = Float(eps)
        self.weightDecay = weightDecay
        sumOfSquares = FloatBuffer(count: parameterCount)
    }

    public func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let lr = Float(learningRate), eps = eps
        let p = parameters.pointer, g = gradients.pointer, s = sumOfSquares.pointer
        for i in stride(from: 0, to: parameters.paddedCount, by: FloatVector.scalarCount) {
            let gradient = g.vector(at: i)
            let sum = s.vector(at: i) + gradient * gradient
            s.setVector(sum, at: i)
            p.setVector(p.vector(at: i) - lr * gradient / (sum.squareRootPacked() + eps), at: i)
        }
    }
}
