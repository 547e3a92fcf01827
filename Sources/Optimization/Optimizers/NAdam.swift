import Support
#if canImport(Glibc)
import Glibc
#endif

/// NAdam (Dozat 2016) as torch.optim.NAdam, momentum_decay ψ = 0.004:
///   μ_t = β1 (1 − ½ · 0.96^(tψ)),  μ_{t+1} = β1 (1 − ½ · 0.96^((t+1)ψ)),  Π_t = Π_{t−1} μ_t;
///   m ← β1 m + (1 − β1) g;  s ← β2 s + (1 − β2) g²;  d = √(s / (1 − β2ᵗ)) + ε;
///   θ ← θ − γ (1 − μ_t)/(1 − Π_t) · g/d − γ μ_{t+1}/(1 − Π_t μ_{t+1}) · m/d.
public final class NAdam: Optimizer {
    public internal(set) var updateCount = 0
    let beta1: Double, beta2: Double, eps: Float, weightDecay: Double
    static let momentumDecay = 0.004
    /// Π_t, the product of the momentum coefficients so far (torch's mu_product).
    var muProduct = 1.0
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer
    /// β1 for the next steps instead of the built one (one-cycle; MomentumSettable.swift).
    public var momentumOverride: Double?

    public init(parameterCount: Int, beta1: Double, beta2: Double, eps: Double, weightDecay: Double = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = Float(eps)
        self.weightDecay = weightDecay
        firstMoment = FloatBuffer(count: parameterCount)
        secondMoment = FloatBuffer(count: parameterCount)
    }

    public func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let t = Double(updateCount)
        let beta1 = momentumOverride ?? beta1
        let correction2 = 1 - pow(beta2, t)
        let mu = beta1 * (1 - 0.5 * pow(0.96, t * NAdam.momentumDecay))
        let muNext = beta1 * (1 - 0.5 * pow(0.96, (t + 1) * NAdam.momentumDecay))
        muProduct *= mu
        let gradientStep = Float(learningRate * (1 - mu) / (1 - muProduct))
        let momentStep = Float(learningRate * muNext / (1 - muProduct * muNext))
        let c1 = Float(1 - beta1), b2 = Float(beta2), oneMinusB2 = Float(1 - beta2), eps = eps, c2 = Float(correction2)
        let p = parameters.pointer, g = gradients.pointer
        let m = firstMoment.pointer, s = secondMoment.pointer
        for i in stride(from: 0, to: parameters.paddedCount, by: FloatVector.scalarCount) {
            let gradient = g.vector(at: i)
            var moment = m.vector(at: i)
            moment += c1 * (gradient - moment)
            m.setVector(moment, at: i)
            let square = b2 * s.vector(at: i) + oneMinusB2 * gradient * gradient
            s.setVector(square, at: i)
            let denominator = (square / c2).squareRootPacked() + eps
            var theta = p.vector(at: i) - gradientStep * gradient / denominator
            theta -= momentStep * moment / denominator
            p.setVector(theta, at: i)
        }
    }
}
