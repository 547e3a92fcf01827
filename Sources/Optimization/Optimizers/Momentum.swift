import Support

/// Momentum: v ← μ v + (1 − d) g;  θ ← θ − γ v.
/// Reference: torch.optim.SGD(momentum=μ, dampening=d), except that v starts at 0 (torch starts
/// its buffer at g), which differs only when d ≠ 0. With d = μ this is the book's averaged form
/// v ← β v + (1 − β) g. Reduces to SGD when μ = 0 and d = 0.
public final class Momentum: Optimizer {
    public internal(set) var updateCount = 0
    let momentum: Float, oneMinusDampening: Float, weightDecay: Double
    let velocity: FloatBuffer
    /// μ for the next steps instead of the built one (one-cycle; MomentumSettable.swift).
    public var momentumOverride: Double?

    public init(parameterCount: Int, momentum: Double, dampening: Double, weightDecay: Double = 0) {
        self.momentum = Float(momentum)
        // 1 − d rounded once from Double: Float(1 − d), not 1 − Float(d).
        oneMinusDampening = Float(1 - dampening)
        self.weightDecay = weightDecay
        velocity = FloatBuffer(count: parameterCount)
    }

    public func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let lr = Float(learningRate), mu = momentumOverride.map { Float($0) } ?? momentum, keep = oneMinusDampening
        let p = parameters.pointer, g = gradients.pointer, v = velocity.pointer
        if momentumOverride == 0 {
            // torch SGD with momentum 0 at this step: a plain step, the buffer left as it is.
            for i in stride(from: 0, to: parameters.paddedCount, by: FloatVector.scalarCount) {
                p.setVector(p.vector(at: i) - lr * g.vector(at: i), at: i)
            }
            return
        }
        for i in stride(from: 0, to: parameters.paddedCount, by: FloatVector.scalarCount) {
            let velocity = mu * v.vector(at: i) + keep * g.vector(at: i)
            v.setVector(velocity, at: i)
            p.setVector(p.vector(at: i) - lr * velocity, at: i)
        }
    }
}
