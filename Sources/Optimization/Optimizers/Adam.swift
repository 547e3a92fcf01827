import Support
#if canImport(Glibc)
import Glibc
#endif

/// Adam (Kingma & Ba 2015):
///   m ← β1 m + (1 − β1) g;  s ← β2 s + (1 − β2) g²;
///   θ ← θ − γ (m / (1 − β1ᵗ)) / (√s / √(1 − β2ᵗ) + ε).
/// Reference: torch.optim.Adam, single-tensor path (m updated by lerp; ε added after the
/// bias-corrected root). AMSGrad and AdamW are this sweep with one change each (see
/// AMSGrad.swift, AdamW.swift).
public final class Adam: Optimizer {
    public internal(set) var updateCount = 0
    let beta1: Double, beta2: Double, eps: Float
    /// Coupled L2 (adam, amsgrad) or decoupled decay λ (adamw).
    let weightDecay: Double
    let decoupledWeightDecay: Bool
    let amsgrad: Bool
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer
    /// AMSGrad's running maximum of the second moment.
    let secondMomentMax: FloatBuffer
    /// β1 for the next steps instead of the built one (one-cycle; MomentumSettable.swift).
    public var momentumOverride: Double?

    init(parameterCount: Int, beta1: Double, beta2: Double, eps: Double, weightDecay: Double,
         decoupledWeightDecay: Bool, amsgrad: Bool) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = Float(eps)
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        self.amsgrad = amsgrad
        firstMoment = FloatBuffer(count: parameterCount)
        secondMoment = FloatBuffer(count: parameterCount)
        secondMomentMax = FloatBuffer(count: amsgrad ? parameterCount : 0)
    }

    public convenience init(parameterCount: Int, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
                            weightDecay: Double = 0) {
        self.init(parameterCount: parameterCount, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                  decoupledWeightDecay: false, amsgrad: false)
    }

    public func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        updateCount += 1
        let t = Double(updateCount)
        let p = parameters.pointer, g = gradients.pointer
        let n = parameters.paddedCount
        if decoupledWeightDecay {
            if weightDecay != 0 {
                let keep = Float(1 - learningRate * weightDecay)
                for i in stride(from: 0, to: n, by: FloatVector.scalarCount) { p.setVector(keep * p.vector(at: i), at: i) }
            }
        } else {
            addWeightDecay(weightDecay, parameters: parameters, gradients: gradients)
        }
        // Scalars in Double, as torch computes them in Python floats; β1 is the current one.
        let beta1 = momentumOverride ?? beta1
        let stepSize = Float(learningRate / (1 - pow(beta1, t)))
        let correction2 = Float((1 - pow(beta2, t)).squareRoot())
        let c1 = Float(1 - beta1), b2 = Float(beta2), c2 = Float(1 - beta2), eps = eps
        let m = firstMoment.pointer, s = secondMoment.pointer, sMax = secondMomentMax.pointer
        let amsgrad = amsgrad
        for i in stride(from: 0, to: n, by: FloatVector.scalarCount) {
            let gradient = g.vector(at: i)
            var moment = m.vector(at: i)
            moment += c1 * (gradient - moment)  // torch: exp_avg.lerp_(grad, 1 − β1)
            m.setVector(moment, at: i)
            var square = b2 * s.vector(at: i) + c2 * gradient * gradient
            s.setVector(square, at: i)
            if amsgrad {
                square = pointwiseMax(sMax.vector(at: i), square)
                sMax.setVector(square, at: i)
            }
            p.setVector(p.vector(at: i) - stepSize * moment / (square.squareRootPacked() / correction2 + eps), at: i)
        }
    }
}
