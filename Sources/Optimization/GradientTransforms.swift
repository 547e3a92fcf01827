import Support
#if canImport(Glibc)
import Glibc
#endif

/// What happens to the gradient before the optimizer sees it, in PyTorch's order:
/// + L1 (λ·sign(θ), sign(0) = 0), global-norm clipping (torch.nn.utils.clip_grad_norm_:
/// factor c/(‖g‖ + 1e-6) when ‖g‖ > c), then Gaussian noise N(0, η/(1+t)^0.55)
/// (Neelakantan et al. 2015, "Adding Gradient Noise Improves Learning for Very Deep Networks",
/// t counting updates from 1 as everywhere in this tool). Coupled L2 is added later by the
/// optimizer itself, as torch.optim does.
public struct GradientTransforms: Sendable {
    public var l1: Double
    public var clipNorm: Double?
    public var noise: Double
    private var rng: Xoshiro256

    public init(l1: Double = 0, clipNorm: Double? = nil, noise: Double = 0, seed: UInt64 = 0) {
        self.l1 = l1
        self.clipNorm = clipNorm
        self.noise = noise
        // A stream of its own, so enabling noise does not change the shuffling.
        rng = Xoshiro256(seed: seed ^ 0x6E6F_6973_655F_7374)
    }

    /// The noise generator, for checkpoints (its state changes only when noise is on).
    public var noiseGenerator: Xoshiro256 {
        get { rng }
        set { rng = newValue }
    }

    public var isIdentity: Bool { l1 == 0 && clipNorm == nil && noise == 0 }

    /// The noise variance at update t (from 1).
    public static func noiseVariance(eta: Double, update t: Int) -> Double { eta / pow(1 + Double(t), 0.55) }

    /// Applies the transforms in place for update `t` (counting from 1).
    public mutating func apply(parameters: FloatBuffer, gradients: FloatBuffer, update t: Int) {
        // Over `count` only: the zero padding stays zero.
        let n = gradients.count
        let p = parameters.pointer, g = gradients.pointer
        if l1 != 0 {
            let lambda = Float(l1)
            for i in 0..<n where p[i] != 0 { g[i] += p[i] > 0 ? lambda : -lambda }
        }
        if let clipNorm {
            var sumOfSquares = 0.0
            for i in 0..<n { sumOfSquares += Double(g[i]) * Double(g[i]) }
            let norm = sumOfSquares.squareRoot()
            let factor = clipNorm / (norm + 1e-6)
            if factor < 1 {
                let f = Float(factor)
                for i in 0..<n { g[i] *= f }
            }
        }
        if noise != 0 {
            let std = GradientTransforms.noiseVariance(eta: noise, update: t).squareRoot()
            for i in 0..<n { g[i] += Float(rng.nextGaussian() * std) }
        }
    }
}
