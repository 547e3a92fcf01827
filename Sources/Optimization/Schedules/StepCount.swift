/// A duration given on the command line: an iteration count (`1000`) or whole epochs (`5e`,
/// 5 × iterations per epoch).
public enum StepCount: Sendable, Equatable, CustomStringConvertible {
    case iterations(Int)
    case epochs(Int)

    /// Parses `1000` or `5e`; nil for anything else (negative numbers, `3x`, `1.5e`).
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters()
        if trimmed.hasSuffix("e"), let n = Int(trimmed.dropLast()), n >= 0, !trimmed.dropLast().isEmpty {
            self = .epochs(n)
        } else if let n = Int(trimmed), n >= 0 {
            self = .iterations(n)
        } else {
            return nil
        }
    }

    /// The most iterations a duration may resolve to: 2⁵³, the largest count a schedule (which
    /// computes in Double) still tells apart from its neighbour. Far beyond any real run, and it
    /// keeps every sum and product schedules make of durations inside Int.
    public static let maximumIterations = 1 << 53

    /// The duration in iterations, or nil when `5e` × `perEpoch` is beyond `maximumIterations`
    /// (or overflows Int). `validate` refuses those with `limitProblem`.
    public func resolved(perEpoch: Int) -> Int? {
        switch self {
        case .iterations(let n):
            return n <= StepCount.maximumIterations ? n : nil
        case .epochs(let n):
            let (product, overflow) = n.multipliedReportingOverflow(by: perEpoch)
            return !overflow && product <= StepCount.maximumIterations ? product : nil
        }
    }

    /// Why `resolved(perEpoch:)` is nil, for the usage error after "--flag VALUE: ".
    public func limitProblem(perEpoch: Int) -> String {
        switch self {
        case .iterations:
            return "must be at most \(StepCount.maximumIterations) iterations (2^53, the most a schedule counts exactly)"
        case .epochs(let n):
            return "\(n) epochs of \(perEpoch) iterations is more than \(StepCount.maximumIterations) iterations "
                + "(2^53, the most a schedule counts exactly)"
        }
    }

    /// The duration in iterations, saturated at `maximumIterations` (callers validate first with
    /// `resolved(perEpoch:)`; saturating keeps an unchecked caller from trapping).
    public func iterations(perEpoch: Int) -> Int {
        resolved(perEpoch: perEpoch) ?? StepCount.maximumIterations
    }

    public var description: String {
        switch self {
        case .iterations(let n): return String(n)
        case .epochs(let n): return "\(n)e"
        }
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
