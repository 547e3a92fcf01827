import Support

/// Nesterov accelerated gradient: v ← μ v + g;  θ ← θ − γ (g + μ v).
/// Reference: torch.optim.SGD(momentum=μ, nesterov=True) (Sutskever et al. 2013 formulation).
/// It is momentum whose step looks one velocity ahead.
public final class Nesterov: Optimizer {
    public internal(set) var updateCount = 0
    let momentum: Float, weightDecay: Double
    let velocity: FloatBuffer
    /// μ for the next steps instead of the built one (one-cycle; MomentumSettable.swift).
    public var momentumOverride: Double?

    public init(parameterCount: Int, momentum: Double, weightDecay: Double = 0) {
        self.momentum = Float(momentum)
        self.weightDecay = weightDecay
        velocity = FloatBuffer(count: parameterCount)
    }

    public func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let lr = Float(learningRate), mu = momentumOverride.map { Float($0) } ?? momentum
        let p = parameters.pointer, g = gradients.pointer, v = velocity.pointer
        if momentumOverride == 0 {
            // torch SGD with momentum 0 at this step: a plain step, the buffer left as it is.
            for i in stride(from: 0, to: parameters.paddedCount, by: FloatVector.scalarCount) {
                p.setVector(p.vector(at: i) - lr * g.vector(at: i), at: i)
            }
            return
        }
        for i in stride(from: 0, to: parameters.paddedCount, by: FloatVector.scalarCount) {
            let gradient = g.vector(at: i)
            let velocity = mu * v.vector(at: i) + gradient
            v.setVector(velocity, at: i)
            p.setVector(p.vector(at: i) - lr * (gradient + mu * velocity), at: i)
        }
    }
}
