/// AMSGrad (Reddi et al. 2018) = Adam with ŝ ← max(ŝ, s) in the denominator, so the effective
/// step never grows. Reference: torch.optim.Adam(amsgrad=True).
extension Adam {
    public static func amsgrad(parameterCount: Int, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
                               weightDecay: Double = 0) -> Adam {
        Adam(parameterCount: parameterCount, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
             decoupledWeightDecay: false, amsgrad: true)
    }
}
