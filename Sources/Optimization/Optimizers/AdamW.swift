/// AdamW (Loshchilov & Hutter 2019) = Adam with decoupled weight decay θ ← θ (1 − γλ) applied
/// before the Adam step, instead of λθ added to the gradient. Reference: torch.optim.AdamW
/// (weight_decay default 0.01).
extension Adam {
    public static func adamw(parameterCount: Int, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
                             weightDecay: Double = 0.01) -> Adam {
        Adam(parameterCount: parameterCount, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
             decoupledWeightDecay: true, amsgrad: false)
    }
}
