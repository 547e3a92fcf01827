/// Plain (minibatch) gradient descent: θ ← θ − γ g.
/// Reference: torch.optim.SGD with momentum 0.
public final class SGD: Optimizer {
    public private(set) var updateCount = 0
    let weightDecay: Double

    public init(weightDecay: Double = 0) { self.weightDecay = weightDecay }

    public func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>,
                     learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let lr = Float(learningRate)
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        for i in 0..<parameters.count { p[i] -= lr * g[i] }
    }
}
