import Support

/// What one weight update does, the same for the MLP and the `path` problem: take the rate
/// for update j from the schedule, transform the gradient (L1, clip, noise), then let the
/// optimizer step (which adds coupled L2 itself). A schedule that cycles momentum (one-cycle)
/// also sets the optimizer's μ or β1 for update j first.
public struct ParameterUpdate {
    public let optimizer: any Optimizer
    public let schedule: any LearningRateSchedule
    public var transforms: GradientTransforms
    /// j: updates made so far (set only when resuming from a checkpoint).
    public var updatesMade = 0
    /// One-cycle's momentum cycling: the schedule that says μ or β1 for update j and the
    /// optimizer it is given to; nil when either does not take part.
    let momentumCycle: (schedule: any MomentumSchedule, optimizer: any MomentumSettable)?

    public init(optimizer: any Optimizer, schedule: any LearningRateSchedule, transforms: GradientTransforms) {
        self.optimizer = optimizer
        self.schedule = schedule
        self.transforms = transforms
        if let cycling = schedule as? any MomentumSchedule, let settable = optimizer as? any MomentumSettable {
            momentumCycle = (cycling, settable)
        } else {
            momentumCycle = nil
        }
    }

    /// Applies update j = `updatesMade` in place; returns the learning rate it used.
    @discardableResult
    public mutating func apply(parameters: FloatBuffer, gradients: FloatBuffer) -> Double {
        let rate = schedule.rate(at: updatesMade)
        if let momentumCycle, let momentum = momentumCycle.schedule.momentum(at: updatesMade) {
            momentumCycle.optimizer.momentumOverride = momentum
        }
        updatesMade += 1
        if !transforms.isIdentity {
            transforms.apply(parameters: parameters, gradients: gradients, update: updatesMade)
        }
        optimizer.step(parameters: parameters, gradients: gradients, learningRate: rate)
        return rate
    }

    /// The plateau schedule inside `schedule` (possibly behind warmup), to be fed costs.
    public var plateau: PlateauSchedule? {
        if let plateau = schedule as? PlateauSchedule { return plateau }
        return (schedule as? Warmup)?.schedule as? PlateauSchedule
    }
}
