import Support

/// Nesterov accelerated gradient: v ← μ v + g;  θ ← θ − γ (g + μ v).
/// Reference: torch.optim.SGD(momentum=μ, nesterov=True) (Sutskever et al. 2013 formulation).
/// It is momentum whose step looks one velocity ahead.
public final class Nesterov: Optimizer {
    public private(set) var updateCount = 0
    let momentum: Float, weightDecay: Double
    let velocity: FloatBuffer

    public init(parameterCount: Int, momentum: Double, weightDecay: Double = 0) {
        self.momentum = Float(momentum)
        self.weightDecay = weightDecay
        velocity = FloatBuffer(count: parameterCount)
    }

    public func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>,
                     learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let lr = Float(learningRate), mu = momentum
        let p = parameters.baseAddress!, g = gradients.baseAddress!, v = velocity.pointer
        for i in 0..<parameters.count {
            v[i] = mu * v[i] + g[i]
            p[i] -= lr * (g[i] + mu * v[i])
        }
    }
}
