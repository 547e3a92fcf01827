import Support
#if canImport(Glibc)
import Glibc
#endif

/// NAdam (Dozat 2016) as torch.optim.NAdam, momentum_decay ψ = 0.004:
///   μ_t = β1 (1 − ½ · 0.96^(tψ)),  μ_{t+1} = β1 (1 − ½ · 0.96^((t+1)ψ)),  Π_t = Π_{t−1} μ_t;
///   m ← β1 m + (1 − β1) g;  s ← β2 s + (1 − β2) g²;  d = √(s / (1 − β2ᵗ)) + ε;
///   θ ← θ − γ (1 − μ_t)/(1 − Π_t) · g/d − γ μ_{t+1}/(1 − Π_t μ_{t+1}) · m/d.
public final class NAdam: Optimizer {
    public private(set) var updateCount = 0
    let beta1: Double, beta2: Double, eps: Float, weightDecay: Double
    static let momentumDecay = 0.004
    /// Π_t, the product of the momentum coefficients so far (torch's mu_product).
    private var muProduct = 1.0
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer

    public init(parameterCount: Int, beta1: Double, beta2: Double, eps: Double, weightDecay: Double = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = Float(eps)
        self.weightDecay = weightDecay
        firstMoment = FloatBuffer(count: parameterCount)
        secondMoment = FloatBuffer(count: parameterCount)
    }

    public func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>,
                     learningRate: Double) {
        updateCount += 1
        addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        let t = Double(updateCount)
        let correction2 = 1 - pow(beta2, t)
        let mu = beta1 * (1 - 0.5 * pow(0.96, t * NAdam.momentumDecay))
        let muNext = beta1 * (1 - 0.5 * pow(0.96, (t + 1) * NAdam.momentumDecay))
        muProduct *= mu
        let gradientStep = Float(learningRate * (1 - mu) / (1 - muProduct))
        let momentStep = Float(learningRate * muNext / (1 - muProduct * muNext))
        let c1 = Float(1 - beta1), b2 = Float(beta2), oneMinusB2 = Float(1 - beta2), eps = eps, c2 = Float(correction2)
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        let m = firstMoment.pointer, s = secondMoment.pointer
        for i in 0..<parameters.count {
            m[i] += c1 * (g[i] - m[i])
            s[i] = b2 * s[i] + oneMinusB2 * g[i] * g[i]
            let denominator = (s[i] / c2).squareRoot() + eps
            p[i] -= gradientStep * g[i] / denominator
            p[i] -= momentStep * m[i] / denominator
        }
    }
}
