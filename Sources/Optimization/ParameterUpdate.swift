import Support

/// What one weight update does, the same for the MLP and the `path` problem: take the rate
/// for update j from the schedule, transform the gradient (L1, clip, noise), then let the
/// optimizer step (which adds coupled L2 itself).
public struct ParameterUpdate {
    public let optimizer: any Optimizer
    public let schedule: any LearningRateSchedule
    public var transforms: GradientTransforms
    /// j: updates made so far (set only when resuming from a checkpoint).
    public var updatesMade = 0

    public init(optimizer: any Optimizer, schedule: any LearningRateSchedule, transforms: GradientTransforms) {
        self.optimizer = optimizer
        self.schedule = schedule
        self.transforms = transforms
    }

    /// Applies update j = `updatesMade` in place; returns the learning rate it used.
    @discardableResult
    public mutating func apply(parameters: FloatBuffer, gradients: FloatBuffer) -> Double {
        let rate = schedule.rate(at: updatesMade)
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
