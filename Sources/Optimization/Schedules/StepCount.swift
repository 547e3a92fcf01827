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

    public func iterations(perEpoch: Int) -> Int {
        switch self {
        case .iterations(let n): return n
        case .epochs(let n): return n * perEpoch
        }
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
