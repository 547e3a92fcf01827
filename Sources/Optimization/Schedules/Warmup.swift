/// Linear warmup composed with any schedule: γ0·(j+1)/W for j < W, then the wrapped schedule
/// at j − W (so the schedule starts fresh when warmup ends).
public struct Warmup: LearningRateSchedule {
    public let targetRate: Double
    public let steps: Int
    public let schedule: any LearningRateSchedule

    public init(targetRate: Double, steps: Int, then schedule: any LearningRateSchedule) {
        self.targetRate = targetRate
        self.steps = steps
        self.schedule = schedule
    }

    public func rate(at j: Int) -> Double {
        j < steps ? targetRate * Double(j + 1) / Double(steps) : schedule.rate(at: j - steps)
    }
}
