import Dispatch
import Support

/// Writes checkpoints in the background: the training loop only copies the state (a memcpy of
/// well under a millisecond for the default model) and goes on, while the file is written and
/// fsynced (milliseconds to tens of milliseconds on a busy disk) during the next epoch. One write
/// at a time: a new one first waits for the previous one. A failed write is reported by the
/// next `submit` or by `wait`.
final class CheckpointWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "zalando-train.checkpoint")
    private let group = DispatchGroup()
    /// Set on the queue, read only after `group.wait()`.
    private var failure: Error?
    /// Seconds the last finished background write took (for --timing).
    private(set) var lastWriteSeconds = 0.0

    func submit(_ snapshot: Checkpoint.Snapshot, to path: String) throws {
        try wait()
        group.enter()
        queue.async { [self] in
            defer { group.leave() }
            let start = monotonicSeconds()
            do { try snapshot.write(to: path) } catch { failure = error }
            lastWriteSeconds = monotonicSeconds() - start
        }
    }

    /// Waits until the last submitted checkpoint is on disk; throws if its write failed.
    func wait() throws {
        group.wait()
        if let failure {
            self.failure = nil
            throw failure
        }
    }
}
