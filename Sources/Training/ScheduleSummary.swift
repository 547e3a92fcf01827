import Optimization

/// `lr --summary`: the rate at the start and the end, and the first update at which it falls
/// below γ0/10, γ0/100 and γ0/1000.
public enum ScheduleSummary {
    public static func lines(schedule: any LearningRateSchedule, initialRate: Double, iterations: Int,
                             iterationsPerEpoch: Int) -> [String] {
        guard iterations > 0 else { return ["no iterations"] }
        var lines = [
            "start   iteration 0: lr \(formatScientific(schedule.rate(at: 0), digits: 4))",
            "end     iteration \(iterations - 1): lr \(formatScientific(schedule.rate(at: iterations - 1), digits: 4))",
        ]
        for divisor in [10.0, 100.0, 1000.0] {
            let threshold = initialRate / divisor
            let label = "below γ0/\(Int(divisor))".rightPadded(to: 15)
            if let j = (0..<iterations).first(where: { schedule.rate(at: $0) < threshold }) {
                lines.append("\(label) (\(formatScientific(threshold, digits: 2))): first at iteration \(j) (epoch \(j / iterationsPerEpoch + 1), \(iterationsPerEpoch) iterations per epoch)")
            } else {
                lines.append("\(label) (\(formatScientific(threshold, digits: 2))): never within \(iterations) iterations")
            }
        }
        return lines
    }
}
