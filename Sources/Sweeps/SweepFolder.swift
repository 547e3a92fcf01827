import Support
#if canImport(Glibc)
import Glibc
#endif

/// The sweep folder: `sweep.yaml` (the spec as last given) and one folder per run, named by its
/// run_id, holding everything of that run and nothing of any other (so shards on different
/// machines never write the same file):
///
///     DIR/sweep.yaml
///     DIR/<run_id>/run.csv                 the run log (train --csv)
///     DIR/<run_id>/checkpoint.safetensors  train --checkpoint, for resuming
///     DIR/<run_id>/model.safetensors       train --save
///     DIR/<run_id>/train.log               the child's output, every attempt
///     DIR/<run_id>/state                   finished, diverged, failed or interrupted (key=value lines)
///     DIR/<run_id>/lock                    flock'ed while the run is running
///     DIR/tensorboard/<run_id>/            the run's TensorBoard events (train --tensorboard)
public struct SweepFolder: Sendable {
    /// Absolute path.
    public let path: String

    public init(_ path: String) {
        self.path = absolutePath(path)
    }

    public var specPath: String { path + "/sweep.yaml" }
    public func runFolder(_ id: String) -> String { path + "/" + id }
    public func csv(_ id: String) -> String { runFolder(id) + "/run.csv" }
    public func checkpoint(_ id: String) -> String { runFolder(id) + "/checkpoint.safetensors" }
    public func model(_ id: String) -> String { runFolder(id) + "/model.safetensors" }
    public func log(_ id: String) -> String { runFolder(id) + "/train.log" }
    public func statePath(_ id: String) -> String { runFolder(id) + "/state" }
    public func lockPath(_ id: String) -> String { runFolder(id) + "/lock" }
    public var tensorBoard: String { path + "/tensorboard" }
    public func tensorBoardRun(_ id: String) -> String { tensorBoard + "/" + id }

    /// Creates the folder (and missing parents).
    public func create() throws {
        try makeDirectories(path)
    }

    /// The stored spec, if there is one.
    public func storedSpec() throws -> SweepSpec? {
        guard let text = try readFileIfPresent(specPath) else { return nil }
        return try SweepSpec.parse(yaml: text, source: specPath)
    }

    /// Stores the spec, only when it changed (a rerun of a finished sweep touches no file, and
    /// a sweep.yaml edited by hand keeps its comments and layout while it says the same).
    public func store(_ spec: SweepSpec) throws {
        let text = spec.yaml
        if let stored = try? readFileIfPresent(specPath) {
            if stored == text { return }
            if let parsed = try? SweepSpec.parse(yaml: stored, source: specPath), parsed == spec { return }
        }
        try writeFileAtomically(specPath, text)
    }

    // MARK: - A run's state

    public func record(_ id: String) -> RunRecord? {
        guard let text = try? readFileIfPresent(statePath(id)) else { return nil }
        return RunRecord(text: text)
    }

    public func write(_ record: RunRecord, for id: String) throws {
        try writeFileAtomically(statePath(id), record.text)
    }

    /// Epochs in the run's log (its data rows).
    public func loggedEpochs(_ id: String) -> Int {
        guard let text = try? readFileIfPresent(csv(id)) else { return 0 }
        return max(0, text.split(separator: "\n").count - 1)
    }

    /// The run folders present (12 hex digits), whatever the spec says now.
    public func runIDs() -> [String] {
        listFolder(path).filter { $0.utf8.count == 12 && $0.allSatisfy(\.isHexDigit) }.sorted()
    }

    public func hasCheckpoint(_ id: String) -> Bool { access(checkpoint(id), F_OK) == 0 }

    /// Whether some process holds the run's lock (it is running), without creating anything.
    public func isRunning(_ id: String) -> Bool {
        guard let fd = openRegularFile(lockPath(id), O_RDONLY) else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 { return false }
        return errno == EWOULDBLOCK
    }

    /// Takes the run's lock, or nil when another process holds it. The lock lives as long as
    /// its open file: the sweep hands it to the child too, so an orphaned child still holds it.
    public func lock(_ id: String) throws -> RunLock? {
        try makeDirectories(runFolder(id))
        let fd = open(lockPath(id), O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0o644)
        guard fd >= 0 else { throw SweepError.runtime("\(lockPath(id)): cannot open: \(errorText())") }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw SweepError.runtime("\(lockPath(id)): is not a regular file")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            close(fd)
            if busy { return nil }
            throw SweepError.runtime("\(lockPath(id)): cannot lock: \(errorText())")
        }
        return RunLock(descriptor: fd)
    }

    /// What a run needs now, given the epochs the spec asks for.
    public func state(of run: PlannedRun) -> RunState {
        if isRunning(run.runID) { return .running }
        guard let record = record(run.runID) else { return .pending }
        switch record.state {
        case .finished: return record.epochs >= run.definition.epochs ? .finished : .pending
        case .diverged: return .diverged
        case .failed: return .failed
        case .interrupted: return .pending
        }
    }
}

/// The state of a run as `--status` shows it.
public enum RunState: String, Sendable, CaseIterable {
    case pending, running, finished, diverged, failed
}

/// What the state file of a run says: how its last attempt ended.
public struct RunRecord: Equatable, Sendable {
    public enum Outcome: String, Sendable { case finished, diverged, failed, interrupted }
    public var state: Outcome
    /// The --epochs of the attempt (a finished run with fewer epochs than the spec asks is continued).
    public var epochs: Int
    public var exitStatus: Int32
    /// Failed attempts so far.
    public var failures: Int
    /// Wall-clock seconds of the attempts that continued one another (a resumed run adds to
    /// it), so an interruption reports the run's time, not only its last attempt's.
    public var seconds: Double

    public init(state: Outcome, epochs: Int, exitStatus: Int32, failures: Int, seconds: Double = 0) {
        self.state = state
        self.epochs = epochs
        self.exitStatus = exitStatus
        self.failures = failures
        self.seconds = seconds
    }

    init?(text: String) {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard let state = fields["state"].flatMap(Outcome.init(rawValue:)) else { return nil }
        self.state = state
        epochs = fields["epochs"].flatMap { Int($0) } ?? 0
        exitStatus = fields["exit"].flatMap { Int32($0) } ?? 0
        failures = fields["failures"].flatMap { Int($0) } ?? 0
        // Absent in the state files of earlier versions; a bad value counts as none.
        seconds = fields["seconds"].flatMap { Double($0) }.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } ?? 0
    }

    var text: String {
        "state=\(state.rawValue)\nepochs=\(epochs)\nexit=\(exitStatus)\nfailures=\(failures)\n" + (seconds > 0 ? "seconds=\(seconds)\n" : "")
    }
}

/// A held run lock; `release()` closes it (the child's copy keeps it until the child exits).
public final class RunLock {
    public let descriptor: Int32
    init(descriptor: Int32) { self.descriptor = descriptor }
    public func release() { if descriptor >= 0 { close(descriptor) } }
}

// MARK: - Small file helpers (POSIX, so every failure has its errno text)

/// The largest spec, state or run log a sweep reads (64 MiB: far beyond any real one).
let maximumReadBytes = 64 << 20

func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return trimmedSlashes(path) }
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    let cwd = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var parts = cwd.split(separator: "/").map(String.init)
    for part in path.split(separator: "/") {
        if part == "." { continue }
        if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
        parts.append(String(part))
    }
    return "/" + parts.joined(separator: "/")
}

private func trimmedSlashes(_ path: String) -> String {
    var p = path
    while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
    return p
}

/// The working directory, absolute.
public func currentDirectory() -> String { absolutePath(".") }

func makeDirectories(_ path: String) throws {
    var current = ""
    for part in path.split(separator: "/") {
        current += "/" + part
        if mkdir(current, 0o755) != 0 && errno != EEXIST {
            throw SweepError.runtime("\(current): cannot create the folder: \(errorText())")
        }
    }
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
        throw SweepError.runtime("\(path): not a folder")
    }
}

func readFileIfPresent(_ path: String) throws -> String? {
    // O_NONBLOCK: opening a FIFO with no writer must not hang; only regular files are read, and
    // only up to a size a spec or state file can have (a --spec /dev/zero would never end).
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
    if fd < 0 {
        if errno == ENOENT { return nil }
        throw SweepError.runtime("\(path): cannot read: \(errorText())")
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw SweepError.runtime("\(path): cannot read: \(errorText())") }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw SweepError.runtime("\(path): is a folder, not a file")
    case S_IFIFO: throw SweepError.runtime("\(path): is a FIFO, not a regular file")
    case S_IFCHR, S_IFBLK: throw SweepError.runtime("\(path): is a device, not a regular file")
    default: throw SweepError.runtime("\(path): is not a regular file")
    }
    if info.st_size > maximumReadBytes {
        throw SweepError.runtime("\(path): \(info.st_size) bytes; a sweep reads files of at most \(maximumReadBytes) bytes")
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &chunk, chunk.count)
        if n < 0 { if errno == EINTR { continue }; throw SweepError.runtime("\(path): cannot read: \(errorText())") }
        if n == 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Writes a temporary file beside `path`, then renames it over `path`: readers see the old or
/// the new file, never half of one.
func writeFileAtomically(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
    do {
        try AtomicFile.write(Array(text.utf8), to: path, mode: mode)
    } catch let problem as FileProblem {
        throw SweepError.runtime(problem.description)
    }
}

/// `path` opened without blocking (a FIFO with no writer would block open()), or nil when it
/// cannot be opened or is not a regular file.
func openRegularFile(_ path: String, _ flags: Int32) -> Int32? {
    let fd = open(path, flags | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
    guard fd >= 0 else { return nil }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
        close(fd)
        return nil
    }
    return fd
}

/// The last non-empty line of a file (a failed child's message), at most 4 KiB from its end.
func lastLine(of path: String) -> String? {
    guard let fd = openRegularFile(path, O_RDONLY) else { return nil }
    defer { close(fd) }
    let size = lseek(fd, 0, SEEK_END)
    let start = max(0, size - 4096)
    lseek(fd, start, SEEK_SET)
    var buffer = [UInt8](repeating: 0, count: Int(size - start))
    let n = read(fd, &buffer, buffer.count)
    guard n > 0 else { return nil }
    let text = String(decoding: buffer[0..<n], as: UTF8.self)
    return text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last.map(String.init)
}
