import Foundation
import Support

/// FTRL-proximal (McMahan et al. 2013, "Ad Click Prediction: a View from the Trenches",
/// Algorithm 1), exactly as keras.optimizers.Ftrl (Keras 3), with c = −p (p = lr_power ≤ 0):
///
///     g' = g + 2·λs·θ                       (shrinkage-type L2 joins the linear term only)
///     n' = n + g²
///     z ← z + g' − (n'^c − n^c)/γ · θ
///     n ← n'
///     θ ← (clip(z, −λ1, λ1) − z) / (n^c/γ + 2λ2 + β/γ)
///
/// n starts at `initialAccumulator` (0.1), z at 0; λ1 and λ2 are FTRL's own L1 and L2
/// strengths, applied in closed form by the proximal step: whenever |z| ≤ λ1 the weight is
/// exactly 0, which is what makes FTRL's models sparse. Unlike the torch-style optimizers it
/// takes no coupled weight decay (use λ2). The default c = 0.5 takes the square-root path; any
/// other power uses `pow` element by element (still without allocation).
///
/// One deliberate difference: an update with rate γ = 0 (cosine decay at its end, a
/// polynomial decay to 0) leaves θ, z and n as they are, as a zero rate does for every other
/// optimizer; Keras would divide by zero and make every weight NaN.
public final class FTRL: Optimizer {
    public internal(set) var updateCount = 0
    let power: Float, l1: Float, l2: Float, shrinkage: Float, beta: Float
    /// z: the linear accumulator.
    let linear: FloatBuffer
    /// n: the sum of squared gradients (plus the initial value).
    let accumulator: FloatBuffer

    public init(parameterCount: Int, lrPower: Double = -0.5, initialAccumulator: Double = 0.1, l1: Double = 0, l2: Double = 0,
                l2Shrinkage: Double = 0, beta: Double = 0) {
        power = Float(-lrPower)
        self.l1 = Float(l1)
        self.l2 = Float(l2)
        shrinkage = Float(l2Shrinkage)
        self.beta = Float(beta)
        linear = FloatBuffer(count: parameterCount)
        accumulator = FloatBuffer(count: parameterCount)
        // The zero padding stays zero in θ: its g and z are 0, so θ = 0/denominator, and the
        // denominator is positive there too (n = initialAccumulator > 0, or λ2 or β > 0 —
        // settings without any of these are refused by the command line).
        accumulator.pointer.initialize(repeating: Float(initialAccumulator), count: accumulator.paddedCount)
    }

    public func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        updateCount += 1
        guard learningRate > 0 else { return }
        let lr = Float(learningRate)
        let inverseRate = 1 / lr
        let constant = 2 * l2 + beta * inverseRate
        let l1 = l1, shrinkage2 = 2 * shrinkage
        let p = parameters.pointer, g = gradients.pointer, z = linear.pointer, n = accumulator.pointer
        if power == 0.5 {
            for i in stride(from: 0, to: parameters.paddedCount, by: FloatVector.scalarCount) {
                let theta = p.vector(at: i), gradient = g.vector(at: i), old = n.vector(at: i)
                let new = old + gradient * gradient
                let newRoot = new.squareRootPacked()
                let sigma = (newRoot - old.squareRootPacked()) / lr
                let zNew = z.vector(at: i) + (gradient + shrinkage2 * theta) - sigma * theta
                z.setVector(zNew, at: i)
                n.setVector(new, at: i)
                let clipped = zNew.clamped(lowerBound: FloatVector(repeating: -l1), upperBound: FloatVector(repeating: l1))
                p.setVector((clipped - zNew) / (newRoot / lr + constant), at: i)
            }
        } else {
            let c = power
            for i in 0..<parameters.paddedCount {
                let theta = p[i], gradient = g[i], old = n[i]
                let new = old + gradient * gradient
                let newPower = powf(new, c)
                let zNew = z[i] + (gradient + shrinkage2 * theta) - (newPower - powf(old, c)) / lr * theta
                z[i] = zNew
                n[i] = new
                p[i] = (min(max(zNew, -l1), l1) - zNew) / (newPower / lr + constant)
            }
        }
    }
}
