/// An optimizer whose momentum μ (momentum, nesterov, rmsprop) or β1 (adam, amsgrad, adamw,
/// adamax, nadam) can be changed between updates, as torch's OneCycleLR does by writing
/// `param_group['momentum']` or `param_group['betas'][0]` before each `optimizer.step()`.
///
/// Set `momentumOverride` before `step`; that step (and every later one, until it is set again)
/// uses it everywhere the optimizer reads μ or β1, exactly as torch reads the group's current
/// value: Adam's and Adamax's bias correction 1 − β1ᵗ use the current β1 (not a product of the
/// past ones), NAdam's μ_t and μ_{t+1} use it and its Π μ keeps the product of the μ_t actually
/// used. nil (the default) is the value the optimizer was built with, and then every optimizer
/// is bit-identical to what it was without this field. Setting it allocates nothing. It is not
/// checkpoint state: `ParameterUpdate` sets it from the schedule before every update.
public protocol MomentumSettable: Optimizer {
    var momentumOverride: Double? { get set }
}

extension Momentum: MomentumSettable {}
extension Nesterov: MomentumSettable {}
extension RMSProp: MomentumSettable {}
extension Adam: MomentumSettable {}
extension Adamax: MomentumSettable {}
extension NAdam: MomentumSettable {}
