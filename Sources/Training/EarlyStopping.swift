import Support

/// `--early-stop P [--min-delta D] [--restore-best]`, with keras.callbacks.EarlyStopping's
/// semantics (keras/src/callbacks/early_stopping.py, mode "min"): once per epoch the monitored
/// cost is compared with the best so far; an improvement is cost < best − D, which makes that
/// epoch the best and resets `wait`; otherwise `wait` (epochs since the best) has grown by one,
/// and training stops when wait ≥ P (never after the first epoch). The best epoch's weights are
/// copied into a buffer allocated once (at most one copy per epoch, never in the training
/// step), so `--restore-best` can save them and a checkpoint can carry them.
public final class EarlyStopping {
    public let patience: Int
    public let minDelta: Double
    /// "val cost" or "train cost": what is monitored, as the messages say it.
    public let monitor: String
    public package(set) var best = Double.infinity
    public package(set) var wait = 0
    /// The epoch (from 1) whose cost is `best`; 0 before the first epoch.
    public package(set) var bestEpoch = 0
    /// The epoch at which training stopped early, if it did.
    public package(set) var stoppedEpoch: Int?
    /// The parameters at the end of `bestEpoch`.
    package let bestParameters: FloatBuffer

    public init(patience: Int, minDelta: Double, monitorsValidation: Bool, parameterCount: Int) {
        self.patience = patience
        self.minDelta = minDelta
        monitor = monitorsValidation ? "val cost" : "train cost"
        bestParameters = FloatBuffer(count: parameterCount)
    }

    /// The line said once at the start.
    public var announcement: String {
        "early stopping: monitors the \(monitor); stops after \(patience) epoch\(patience == 1 ? "" : "s") without an improvement "
            + "of more than \(formatCompact(minDelta))"
    }

    /// Feeds epoch `epoch`'s monitored cost and the parameters after it; true means stop now.
    public func observe(cost: Double, epoch: Int, parameters: FloatBuffer) -> Bool {
        wait += 1
        if cost + minDelta < best {  // Keras: current − (−|D|) < best
            best = cost
            bestEpoch = epoch
            bestParameters.pointer.update(from: parameters.pointer, count: parameters.count)
            wait = 0
            return false
        }
        if wait >= patience && epoch > 1 {
            stoppedEpoch = epoch
            return true
        }
        return false
    }

    /// Why training stopped, for the epoch line.
    public var reason: String {
        "stopped early: \(monitor) has not improved on \(formatFixed(best, digits: 4)) (epoch \(bestEpoch))"
            + (minDelta > 0 ? " by more than \(formatCompact(minDelta))" : "") + " for \(wait) epoch\(wait == 1 ? "" : "s")"
    }

    /// Copies the best epoch's weights into `parameters` (`--restore-best`, at the end).
    public func restoreBest(into parameters: FloatBuffer) {
        parameters.pointer.update(from: bestParameters.pointer, count: parameters.count)
    }
}
