#if canImport(Glibc)
import Glibc
#endif

/// The exit statuses of `train`, `sweep` and every other command (DESIGN.md), named once: the
/// executable picks one of these, never a literal.
public struct ExitStatus: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Everything worked (a sweep: every run finished or diverged).
    public static let success = ExitStatus(rawValue: 0)
    /// A file problem or a failed run: missing data, an unreadable model, an unwritable log.
    public static let failure = ExitStatus(rawValue: 1)
    /// The cost became NaN or infinite (`train`, `path`).
    public static let diverged = ExitStatus(rawValue: 3)
    /// A usage error: a bad flag, value, output path, spec or combination (EX_USAGE).
    public static let usage = ExitStatus(rawValue: 64)
    /// Stopped by a signal: 128 + its number.
    public static func interrupted(by signal: Int32) -> ExitStatus { ExitStatus(rawValue: 128 + signal) }
    /// The signals a run or a sweep stops cleanly on: 129 SIGHUP, 130 SIGINT, 143 SIGTERM.
    public static let interruptions: Set<ExitStatus> = [.interrupted(by: SIGHUP), .interrupted(by: SIGINT), .interrupted(by: SIGTERM)]
    public var isInterruption: Bool { Self.interruptions.contains(self) }
}

/// A request that cannot be carried out as asked — a bad output path, a data set the model
/// contradicts — found by the library: the one usage-error kind. The executable prints its
/// description as one line and exits `ExitStatus.usage` (64).
public protocol UsageProblem: Error, CustomStringConvertible {}

/// A usage problem that is just its message.
public struct UsageError: UsageProblem, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
