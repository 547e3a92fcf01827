import Support
#if canImport(Glibc)
import Glibc
#endif
import Support

/// The `train` command line of a run in the sweep folder. The one place that knows which of
/// train's output flags a sweep uses.
public enum TrainCommand {
    /// `train <flags> --csv … --save … [--tensorboard … --tensorboard-run <run_id> --hparams …]
    /// --checkpoint … [--resume …] [--data-dir …]`; `dataFolder` replaces the run's own
    /// --data-dir (the sweep's plain copy of the same files).
    public static func arguments(for run: PlannedRun, in folder: SweepFolder, resuming: Bool, checkpoints: Bool,
                                 dataFolder: String? = nil, tensorBoard: Bool = false) -> [String] {
        let id = run.runID
        var own = run.definition.arguments
        if let dataFolder {
            if let at = own.firstIndex(of: "--data-dir"), at + 1 < own.count { own.removeSubrange(at...(at + 1)) }
            own.removeAll { $0.hasPrefix("--data-dir=") }
            own += optionArguments("--data-dir", dataFolder)
        }
        var arguments = ["train"] + own + ["--csv", folder.csv(id), "--save", folder.model(id)]
        if tensorBoard {
            arguments += ["--tensorboard", folder.tensorBoard, "--tensorboard-run", id]
            if !run.hparams.isEmpty { arguments += ["--hparams", run.hparams.joined(separator: ",")] }
        }
        if checkpoints {
            arguments += ["--checkpoint", folder.checkpoint(id)]
            if resuming { arguments += ["--resume", folder.checkpoint(id)] }
        }
        return arguments
    }
}

/// How a sweep (or the part of it this process ran) ended.
public struct SweepSummary: Sendable {
    public var finished: [PlannedRun] = []
    public var diverged: [(run: PlannedRun, message: String)] = []
    public var failed: [(run: PlannedRun, message: String)] = []
    /// Runs another process was running (their lock was held).
    public var elsewhere: [PlannedRun] = []
    /// Runs already finished or diverged before this process looked.
    public var alreadyDone = 0
    /// The signal that stopped the sweep, or 0.
    public var signal: Int32 = 0
    public var interrupted: [PlannedRun] = []

    /// 0 when every run finished or diverged, 1 when some failed, 128 + signal when interrupted.
    public var exitCode: Int32 { (signal != 0 ? .interrupted(by: signal) : failed.isEmpty ? ExitStatus.success : .failure).rawValue }
}

/// Runs a sweep's pending runs on this machine, `jobs` at a time, each a child `train` in its
/// run folder, and keeps the state files: finished and diverged runs are recorded and never
/// rerun, a failed run is retried once (it resumes from its checkpoint), and SIGINT, SIGTERM or
/// SIGHUP stop every child cleanly (each writes its checkpoint) so a rerun continues.
public final class LocalRunner {
    public struct Options: Sendable {
        public var jobs: Int
        /// The zalando-train binary the children run.
        public var executable: String
        /// Whether train takes --checkpoint and --resume.
        public var checkpoints: Bool
        /// Whether runs write TensorBoard events under DIR/tensorboard/<run_id>/.
        public var tensorBoard: Bool
        /// One line per run on standard error, no status line (for `--run`, one run per process).
        public var quiet: Bool
        /// The folder a run whose data folder is the argument reads instead, if any (a plain
        /// copy; see `DataCopies`), asked when the run starts.
        var dataFolder: @Sendable (String) -> String?
        /// Whether the copies are still being made: they take one of the `jobs` slots (with more
        /// than one), so the copy does not compete with two runs decompressing the same files.
        var copying: @Sendable () -> Bool
        public init(jobs: Int, executable: String, checkpoints: Bool, quiet: Bool = false,
                    dataFolder: @escaping @Sendable (String) -> String? = { _ in nil },
                    copying: @escaping @Sendable () -> Bool = { false }, tensorBoard: Bool = true) {
            self.jobs = jobs
            self.executable = executable
            self.checkpoints = checkpoints
            self.tensorBoard = tensorBoard
            self.quiet = quiet
            self.dataFolder = dataFolder
            self.copying = copying
        }
    }

    private struct Job {
        let run: PlannedRun
        let lock: RunLock
        let started: Double
        let resumed: Bool
    }

    let folder: SweepFolder
    let options: Options
    private var queue: [PlannedRun]
    private var running: [pid_t: Job] = [:]
    private var failuresNow: [String: Int] = [:]
    private var summary = SweepSummary()
    private var durations: [Double] = []
    /// Lines about runs that ended, printed once the freed slots are filled again.
    private var events: [String] = []
    private let total: Int
    private let status: StatusLine
    /// Where units come from once `queue` is empty (workers: `WorkPicker`), and whether it said
    /// nothing is left.
    private let source: WorkSource?
    private var sourceDone = false

    public init(folder: SweepFolder, runs: [PlannedRun], options: Options, source: WorkSource? = nil) {
        self.folder = folder
        self.options = options
        self.source = source
        queue = runs
        total = runs.count
        status = StatusLine(enabled: !options.quiet && isatty(2) == 1)
    }

    public func run() throws -> SweepSummary {
        SignalRelay.install()
        // Whatever ends this loop, no child is left running where Ctrl-C cannot reach it (they
        // run in their own process group): they are stopped and waited for first.
        defer { stopAndWaitForChildren() }
        var forwarded: Int32 = 0
        while true {
            filling: while summary.signal == 0 && running.count < slots() {
                if !queue.isEmpty {
                    start(queue.removeFirst())
                    continue
                }
                guard let source, !sourceDone else { break }
                switch try source.next() {
                case .unit(let run, let lock): start(run, holding: lock)
                case .wait: break filling
                case .done: sourceDone = true
                }
            }
            for event in events {
                status.print(options.quiet ? event : event + " — " + progress())
            }
            events.removeAll()
            if running.isEmpty && ((queue.isEmpty && (source == nil || sourceDone)) || summary.signal != 0) { break }
            status.show(progress())
            SignalRelay.wait(milliseconds: 1000)
            if SignalRelay.count != forwarded {
                forwarded = SignalRelay.count
                stop(signal: SignalRelay.lastSignal)
            }
            reap()
        }
        status.clear()
        return summary
    }

    /// Runs that may run now: `jobs`, less one while the data copy is being made.
    private func slots() -> Int {
        options.jobs > 1 && options.copying() ? options.jobs - 1 : options.jobs
    }

    // MARK: - Starting and ending runs

    /// Starts a run; one that cannot start (its folder is a file, a full disk, no descriptors
    /// left) is recorded as failed with its reason, and the sweep goes on with the others.
    private func start(_ run: PlannedRun, holding held: RunLock? = nil) {
        let id = run.runID
        let lock: RunLock
        if let held {
            lock = held
        } else {
            do {
                guard let held = try folder.lock(id) else {
                    summary.elsewhere.append(run)
                    return
                }
                lock = held
            } catch {
                cannotStart(run, reason: "\(error)")
                return
            }
        }
        if let record = folder.record(id), record.state == .diverged || (record.state == .finished && record.epochs >= run.definition.epochs) {
            lock.release()
            summary.alreadyDone += 1
            return
        }
        let resuming = options.checkpoints && folder.hasCheckpoint(id)
        if !resuming {
            // A fresh start: no rows or model of an earlier attempt may remain.
            for path in [folder.csv(id), folder.model(id)] { unlink(path) }
            for name in listFolder(folder.tensorBoardRun(id)) where name.hasPrefix("events.out.tfevents.") {
                unlink(folder.tensorBoardRun(id) + "/" + name)
            }
        }
        let arguments = TrainCommand.arguments(for: run, in: folder, resuming: resuming, checkpoints: options.checkpoints,
                                               dataFolder: options.dataFolder(run.definition.dataFolder), tensorBoard: options.tensorBoard)
        do {
            let log = try RunLogFile(path: folder.log(id))
            defer { log.close() }
            log.append("== \(timestamp()) sweep starts: \(shellCommand([options.executable] + arguments))")
            let pid = try ChildProcess.spawn(executable: options.executable, arguments: arguments, log: log, lock: lock)
            running[pid] = Job(run: run, lock: lock, started: monotonicSeconds(), resumed: resuming)
        } catch {
            cannotStart(run, reason: "\(error)")
            // Recorded after the message, while the lock is still held.
            try? folder.write(RunRecord(state: .failed, epochs: run.definition.epochs, exitStatus: 1,
                                        failures: (folder.record(id)?.failures ?? 0) + 1), for: id)
            lock.release()
        }
    }

    /// A run that could not start: failed, with its reason, not retried in this sweep.
    private func cannotStart(_ run: PlannedRun, reason: String) {
        let message = "cannot start: " + reason
        summary.failed.append((run, message))
        events.append("sweep: \(run.runID) \(run.label): failed (\(message))")
    }

    /// Stops the children still running (SIGTERM: they checkpoint) and waits for every one.
    private func stopAndWaitForChildren() {
        guard !running.isEmpty else { return }
        for pid in running.keys { kill(pid, SIGTERM) }
        for (pid, job) in running {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            job.lock.release()
        }
        running.removeAll()
    }

    private func reap() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { return }
            guard let job = running.removeValue(forKey: pid) else { continue }
            finish(job, code: ChildProcess.exitCode(fromWaitStatus: status))
        }
    }

    private func finish(_ job: Job, code: Int32) {
        let run = job.run, id = run.runID
        let seconds = monotonicSeconds() - job.started
        let previous = folder.record(id)
        // A resumed attempt continues the earlier ones: the run's time is theirs and its own
        // (a run interrupted just after resuming at iteration 560 was said to take "0.0s").
        let before = job.resumed ? previous?.seconds ?? 0 : 0
        var record = RunRecord(state: .finished, epochs: run.definition.epochs, exitStatus: code, failures: previous?.failures ?? 0,
                               seconds: before + seconds)
        let line: String
        switch code {
        case ExitStatus.success.rawValue:
            durations.append(seconds)
            summary.finished.append(run)
            line = "finished"
        case ExitStatus.diverged.rawValue:
            durations.append(seconds)
            record.state = .diverged
            let message = lastLine(of: folder.log(id)) ?? "diverged"
            summary.diverged.append((run, message))
            line = "diverged (\(message))"
        case let c where ExitStatus(rawValue: c).isInterruption && summary.signal != 0:
            record.state = .interrupted
            summary.interrupted.append(run)
            // Where train stopped, from its own last line ("interrupted by SIGINT in epoch 3 after
            // iteration 560; …"): the attempt's seconds alone ("in 0.0s") hid how far it got.
            let whereStopped = lastLine(of: folder.log(id)).flatMap(Self.stoppingPoint).map { " " + $0 } ?? ""
            line = "interrupted\(whereStopped) " + (folder.hasCheckpoint(id) ? "(checkpointed; a rerun resumes it)" : "(a rerun starts it again)")
        default:
            record.state = .failed
            record.failures += 1
            let message = "exit \(code): " + (lastLine(of: folder.log(id)) ?? "no output")
            failuresNow[id, default: 0] += 1
            if failuresNow[id]! < 2 && summary.signal == 0 {
                queue.append(run)
                line = "failed, retrying once (\(message))"
            } else {
                summary.failed.append((run, message))
                line = "failed (\(message); log \(folder.log(id)))"
            }
        }
        do { try folder.write(record, for: id) } catch { writeError("sweep: \(error)") }
        job.lock.release()
        let thisAttempt = before > 0 ? " (\(formatDuration(seconds)) in this attempt)" : record.state == .interrupted ? " of this attempt" : ""
        let attempt = (record.state == .interrupted ? "after " : "in ") + formatDuration(before + seconds) + thisAttempt
        events.append("sweep: \(id) \(run.label): \(line) \(attempt)")
    }

    /// "in epoch 3 after iteration 560" from train's interruption line, if it is one.
    static func stoppingPoint(_ line: String) -> String? {
        guard let start = line.range(of: " in epoch ") else { return nil }
        let rest = line[start.lowerBound...].dropFirst()
        return String(rest.prefix { $0 != ";" })
    }

    /// Forwards the signal to every child (they checkpoint and exit) and starts nothing more.
    private func stop(signal: Int32) {
        let first = summary.signal == 0
        summary.signal = signal
        // train checkpoints on SIGINT and SIGTERM; SIGHUP to the sweep stops children with SIGTERM.
        let toChild = signal == SIGHUP ? SIGTERM : signal
        for pid in running.keys { kill(pid, toChild) }
        if first {
            let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "SIGHUP"
            status.print("sweep: \(name): stopping \(running.count) running run\(running.count == 1 ? "" : "s") (each writes its checkpoint)")
        }
    }

    // MARK: - Progress

    private func progress() -> String {
        let done = summary.finished.count + summary.diverged.count + summary.failed.count + summary.alreadyDone
            + summary.elsewhere.count
        var text = source != nil ? "\(summary.finished.count) units done, \(running.count) running"
            : "\(done)/\(total) done, \(running.count) running, \(queue.count) left"
        if !summary.interrupted.isEmpty { text += ", \(summary.interrupted.count) interrupted" }
        if source == nil, !durations.isEmpty, running.count + queue.count > 0, summary.signal == 0 {
            let mean = durations.reduce(0, +) / Double(durations.count)
            let now = monotonicSeconds()
            let underway = running.values.map { min(now - $0.started, mean) }.reduce(0, +)
            let remaining = max(0, mean * Double(running.count + queue.count) - underway) / Double(max(1, options.jobs))
            if remaining >= 0.5 { text += ", about \(formatDuration(remaining)) left" }
        }
        return text
    }
}

/// The status line: on a terminal one line rewritten in place under the event lines; otherwise
/// only the event lines (a log stays readable).
final class StatusLine {
    let enabled: Bool
    private var shown = false
    init(enabled: Bool) { self.enabled = enabled }

    func show(_ text: String) {
        guard enabled else { return }
        writeError("\r\u{1B}[K" + "sweep: " + text, newline: false)
        shown = true
    }

    func print(_ line: String) {
        clear()
        writeError(line)
    }

    func clear() {
        if shown { writeError("\r\u{1B}[K", newline: false); shown = false }
    }
}

// MARK: - Helpers

func writeError(_ text: String, newline: Bool = true) {
    let bytes = Array((newline ? text + "\n" : text).utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func timestamp() -> String {
    var now = time(nil)
    var parts = tm()
    gmtime_r(&now, &parts)
    var buffer = [CChar](repeating: 0, count: 32)
    let length = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S UTC", &parts)
    return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// A run's train.log, opened for appending by the sweep (its own lines) and handed to the child
/// as standard output and error. Opened without blocking and checked to be a regular file, so a
/// FIFO or device planted under that name is refused instead of hanging the sweep in open().
final class RunLogFile {
    let descriptor: Int32
    init(path: String) throws {
        var existing = stat()
        if lstat(path, &existing) == 0, (existing.st_mode & S_IFMT) != S_IFREG {
            throw SweepError.runtime("\(path): is not a regular file")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0o644)
        guard fd >= 0 else { throw SweepError.runtime("\(path): cannot open: \(errorText())") }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            Glibc.close(fd)
            throw SweepError.runtime("\(path): is not a regular file")
        }
        descriptor = fd
    }
    func append(_ line: String) {
        _ = Array((line + "\n").utf8).withUnsafeBytes { writeAll(descriptor, $0) }
    }
    func close() { _ = Glibc.close(descriptor) }
}

/// Appends one line to a run's log, if it is a regular file (see `RunLogFile`).
func appendLine(_ line: String, to path: String) {
    guard let log = try? RunLogFile(path: path) else { return }
    log.append(line)
    log.close()
}

/// A value as one argument of its flag: `--flag=value` when it starts with `-` (so a parser
/// cannot take it for a flag: `--data-dir=-mnist`), otherwise the flag and the value as two.
public func optionArguments(_ flag: String, _ value: String) -> [String] {
    value.hasPrefix("-") ? [flag + "=" + value] : [flag, value]
}

/// POSIX shell quoting: plain words stay as they are, anything else in single quotes.
public func shellQuote(_ word: String) -> String {
    let safe = word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=,:@+%".contains($0)) }
    if safe && !word.isEmpty { return word }
    return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
}

public func shellCommand(_ words: [String]) -> String { words.map(shellQuote).joined(separator: " ") }
