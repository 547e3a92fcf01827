#if canImport(Glibc)
import Glibc
#endif
import Support

/// A one-line progress bar for the minibatches of an epoch, on stderr, only when stderr is a
/// terminal that understands it (not a pipe or file, not TERM=dumb: logs get the epoch lines
/// alone). It shows the updates done, the time left for the epoch and for the run, and the
/// running mean cost of the epoch's minibatches, in 80 columns:
/// `epoch 3/20 ███████·····  600/1200  cost 0.4321  3s left, run 1m05s`
/// Redraws at most ~20 times a second.
public final class ProgressBar {
    public let enabled: Bool
    private let epochs: Int
    private var lastDraw = 0.0
    private var epochStart = 0.0
    private var currentEpoch = 0
    /// Seconds of the last whole epoch (training and evaluation), for the run's time left.
    private var lastEpochSeconds: Double?

    public init(epochs: Int = 1, enabled: Bool = ProgressBar.terminalCanShowIt()) {
        self.epochs = epochs
        self.enabled = enabled
    }

    /// stderr is a terminal and TERM is not "dumb".
    public static func terminalCanShowIt(environment: [String: String]? = nil) -> Bool {
        let term = environment.map { $0["TERM"] } ?? getenv("TERM").map { String(cString: $0) }
        return isTerminal(2) && term != "dumb"
    }

    public func update(epoch: Int, done: Int, total: Int, meanCost: Double? = nil) {
        guard enabled else { return }
        let now = monotonicSeconds()
        if epoch != currentEpoch {
            if currentEpoch != 0 { lastEpochSeconds = now - epochStart }
            currentEpoch = epoch
            epochStart = now
        }
        guard done == total || now - lastDraw >= 0.05 else { return }
        lastDraw = now
        writeToStandardError("\r" + ProgressBar.line(epoch: epoch, epochs: epochs, done: done, total: total, meanCost: meanCost,
                                                     elapsed: now - epochStart, lastEpochSeconds: lastEpochSeconds) + "\u{1B}[K")
    }

    /// The bar's text (no control characters).
    public static func line(epoch: Int, epochs: Int, done: Int, total: Int, meanCost: Double?,
                            elapsed: Double, lastEpochSeconds: Double?) -> String {
        let width = 20
        let filled = total == 0 ? width : min(width, width * done / total)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        var text = "epoch \(epoch)/\(epochs) \(bar)  \(done)/\(total)"
        if let meanCost, meanCost.isFinite { text += "  cost " + formatFixed(meanCost, digits: 4) }
        if done > 0, total > 0 {
            let epochLeft = elapsed / Double(done) * Double(total - done)
            // A whole epoch: the last one measured, else this one's training extrapolated.
            let perEpoch = lastEpochSeconds ?? elapsed / Double(done) * Double(total)
            let runLeft = epochLeft + perEpoch * Double(max(0, epochs - epoch))
            text += "  \(duration(epochLeft)) left"
            if epochs > epoch { text += ", run \(duration(runLeft))" }
        }
        return text
    }

    /// `0.4s`, `7s`, `4m05s`, `2h03m`: Support's one duration format.
    public static func duration(_ seconds: Double) -> String { formatDuration(seconds) }

    public func clear() {
        guard enabled else { return }
        writeToStandardError("\r\u{1B}[2K")
    }
}
