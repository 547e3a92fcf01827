import Dispatch
import Support

/// Writes checkpoints in the background: the training loop only copies the state (a memcpy of
/// well under a millisecond for the default model) and goes on, while the file is written and
/// fsynced (milliseconds to tens of milliseconds on a busy disk) during the next epoch. One write
/// at a time: a new one first waits for the previous one.
///
/// A failed write is kept, not thrown: it happened in the background, during an epoch whose row
/// and model are still to be written, so the session asks for it (`failure`, `wait`) only once
/// those are safe (DESIGN.md "train": a failed write never loses --save or the epoch's row).
/// After a failure no further write is started: the file keeps the last checkpoint that landed.
final class CheckpointWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "zalando-train.checkpoint")
    private let group = DispatchGroup()
    /// Set on the queue, read only after `group.wait()`.
    private var firstFailure: Error?
    /// Seconds the last finished background write took (for --timing).
    private(set) var lastWriteSeconds = 0.0

    /// Waits for the previous write, then starts this one, unless a write has already failed.
    func submit(_ snapshot: Checkpoint.Snapshot, to path: String) {
        guard wait() == nil else { return }
        group.enter()
        queue.async { [self] in
            defer { group.leave() }
            let start = monotonicSeconds()
            do { try snapshot.write(to: path) } catch { firstFailure = error }
            lastWriteSeconds = monotonicSeconds() - start
        }
    }

    /// The first failed write among those finished so far (without waiting for the one under way).
    var failure: Error? {
        // The group is free exactly when no write is under way; only then may `firstFailure` be read.
        guard group.wait(timeout: .now()) == .success else { return nil }
        return firstFailure
    }

    /// Waits until the last submitted checkpoint is on disk; the first failed write, if any.
    @discardableResult
    func wait() -> Error? {
        group.wait()
        return firstFailure
    }
}
