#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar for the minibatches of an epoch, on stderr, only when stderr is a
/// terminal (logs and pipes get the epoch lines alone). Redraws at most ~20 times a second.
public final class ProgressBar {
    public let enabled: Bool
    private var lastDraw = 0.0

    public init(enabled: Bool = isTerminal(2)) { self.enabled = enabled }

    public func update(epoch: Int, done: Int, total: Int) {
        guard enabled else { return }
        let now = monotonicSeconds()
        guard done == total || now - lastDraw >= 0.05 else { return }
        lastDraw = now
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        writeToStandardError("\repoch \(epoch)  \(bar)  \(done)/\(total)")
    }

    public func clear() {
        guard enabled else { return }
        writeToStandardError("\r\u{1B}[2K")
    }
}
