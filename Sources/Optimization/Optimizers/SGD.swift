import Support

/// Plain (minibatch) gradient descent: θ ← θ − γ g.
/// Reference: torch.optim.SGD with momentum 0.
public final class SGD: Optimizer {
    public internal(set) var updateCount = 0
    let weightDecay: Double

    public init(weightDecay: Double = 0) { self.weightDecay = weightDecay }

    public func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let lr = Float(learningRate)
        let p = parameters.pointer, g = gradients.pointer
        for i in stride(from: 0, to: parameters.paddedCount, by: FloatVector.scalarCount) {
            p.setVector(p.vector(at: i) - lr * g.vector(at: i), at: i)
        }
    }
}
