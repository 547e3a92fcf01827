import Optimization
import Support

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
        // One pass finds all three crossings (it scans at most `iterations` rates; lr caps that).
        let divisors = [10.0, 100.0, 1000.0]
        var firsts: [Int?] = [nil, nil, nil]
        var j = 0
        while j < iterations, firsts.contains(where: { $0 == nil }) {
            let rate = schedule.rate(at: j)
            for (k, divisor) in divisors.enumerated() where firsts[k] == nil && rate < initialRate / divisor { firsts[k] = j }
            j += 1
        }
        for (divisor, first) in zip(divisors, firsts) {
            let threshold = initialRate / divisor
            let label = "below γ0/\(Int(divisor))".rightPadded(to: 15)
            if let j = first {
                lines.append("\(label) (\(formatScientific(threshold, digits: 2))): first at iteration \(j) (epoch \(j / iterationsPerEpoch + 1), \(iterationsPerEpoch) iterations per epoch)")
            } else {
                lines.append("\(label) (\(formatScientific(threshold, digits: 2))): never within \(iterations) iterations")
            }
        }
        return lines
    }
}
