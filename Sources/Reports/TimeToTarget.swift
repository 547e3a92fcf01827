import Support
import RunRecords

/// `compare --target METRIC=V` (AlgoPerf's time-to-result, DeepOBS's speed): when a run first
/// reaches a value of a metric — its epoch, the updates made by then and the seconds trained by
/// then (the sum of the epochs' `seconds`) — and, over a configuration's seeds, the median of
/// each (a seed that never reaches it counts as infinitely slow) and how many reached it.
public struct Target: Sendable, Equatable {
    public let metric: Metric
    public let value: Double

    public init(metric: Metric, value: Double) { self.metric = metric; self.value = value }

    /// `METRIC=V`; the problem with it in one phrase, or the target.
    public static func parse(_ text: String) -> Result<Target, TargetProblem> {
        guard let equals = text.firstIndex(of: "=") else { return .failure(TargetProblem("expected METRIC=VALUE, e.g. val_accuracy=0.87")) }
        let name = String(text[..<equals]), number = String(text[text.index(after: equals)...])
        guard let metric = Metric(rawValue: name.replacingAll("-", with: "_")) else {
            return .failure(TargetProblem("\"\(name)\" is not a metric (\(Metric.allCases.map(\.rawValue).joined(separator: ", ")))"))
        }
        guard let value = Double(number), value.isFinite else { return .failure(TargetProblem("\"\(number)\" is not a number")) }
        if metric.isAccuracy && !(0...1).contains(value) {
            return .failure(TargetProblem("accuracies are fractions from 0 to 1 (87% is 0.87)"))
        }
        if !metric.isAccuracy && value < 0 { return .failure(TargetProblem("a cost is never negative")) }
        return .success(Target(metric: metric, value: value))
    }

    public var text: String { "\(metric.rawValue)=\(formatCompact(value))" }

    /// Reached: at least V for an accuracy, at most V for a cost.
    public func isReached(by x: Double) -> Bool { metric.higherIsBetter ? x >= value : x <= value }

    /// One run's time to the target: nil when no epoch reaches it.
    public struct Time: Sendable, Equatable {
        public let epoch: Int
        public let updates: Int
        public let seconds: Double
    }

    public func time(of run: RunHistory) -> Time? {
        var seconds = 0.0
        for record in run.epochs {
            seconds += record.seconds
            let x = record.value(of: metric)
            if !x.isNaN && isReached(by: x) { return Time(epoch: record.epoch, updates: record.iteration, seconds: seconds) }
        }
        return nil
    }

    /// Over a configuration's seeds: the medians (infinite when more than half never reached
    /// the target) and how many reached it.
    public struct Summary: Sendable, Equatable {
        public let reached: Int
        public let count: Int
        public let medianEpoch: Double
        public let medianUpdates: Double
        public let medianSeconds: Double
    }

    public func summary(_ times: [Time?]) -> Summary {
        Summary(reached: times.filter { $0 != nil }.count, count: times.count,
                medianEpoch: median(times.map { $0.map { Double($0.epoch) } ?? .infinity }),
                medianUpdates: median(times.map { $0.map { Double($0.updates) } ?? .infinity }),
                medianSeconds: median(times.map { $0?.seconds ?? .infinity }))
    }
}

public struct TargetProblem: Error, Sendable { public let message: String; init(_ message: String) { self.message = message } }

/// The middle value; for an even count the mean of the two middle ones (infinite if either is).
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
