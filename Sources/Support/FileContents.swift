#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole (small) file for the model, run-log and `path --data` readers: refuses a
/// missing file, a directory or one larger than `limit` before allocating, then reads it with
/// read(2). (FileManager.contents(atPath:) was avoided: it leaks 4 KB on every empty file, found by
/// `make fuzz` under LeakSanitizer, and offers no size limit before reading.)
/// A problem with a file this tool reads or writes, printed as "PATH: problem".
/// Every model, checkpoint, run log, data CSV and output file problem is one of these.
public struct FileProblem: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    /// The line of a text file the problem is on (from 1), or 0 for the file as a whole.
    public let line: Int
    public let problem: String
    public init(path: String, line: Int = 0, problem: String) { self.path = path; self.line = line; self.problem = problem }
    public var description: String { line > 0 ? "\(path):\(line): \(problem)" : "\(path): \(problem)" }
}

/// The names the one file-problem type had before the modules were split (one struct each), so
/// code written against them still builds; new code says `FileProblem`.
public typealias FileError = FileProblem
public typealias ModelFileError = FileProblem
public typealias CheckpointError = FileProblem
public typealias RunLogError = FileProblem
public typealias RunLogReadError = FileProblem
public typealias PathDataError = FileProblem
/// `evaluate` asked for something its model contradicts: a usage error (ExitStatus.swift).
public typealias EvaluationRequestError = UsageError

public func readFileContents(_ path: String, limit: Int, what: String) throws -> [UInt8] {
    // Opened without blocking and checked on the descriptor: a FIFO, device or directory is
    // refused with one line instead of hanging (see InputFile).
    let file: InputFile
    do {
        file = try InputFile.open(path)
    } catch .directory {
        throw FileProblem(path: path, problem: "is a directory, not \(what)")
    } catch .notRegular(let kind) {
        throw FileProblem(path: path, problem: "is \(kind), not \(what) (only regular files are read)")
    } catch {
        throw FileProblem(path: path, problem: error.description)
    }
    defer { close(file.descriptor) }
    let size = file.size
    guard size <= limit else { throw FileProblem(path: path, problem: "is \(size) bytes, larger than any \(what) (\(limit >> 20) MB)") }
    var bytes = [UInt8](repeating: 0, count: size)
    var got = 0
    while got < size {
        let n = bytes.withUnsafeMutableBytes { Glibc.read(file.descriptor, $0.baseAddress! + got, size - got) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { throw FileProblem(path: path, problem: "cannot be read: \(String(cString: strerror(errno)))") }
        if n == 0 { break }
        got += n
    }
    guard got == size else { throw FileProblem(path: path, problem: "cannot be read completely (\(got) of \(size) bytes)") }
    return bytes
}

/// Up to `count` bytes of the file at `path` from `offset` (fewer at the end of the file),
/// through a read-only descriptor that never blocks on a FIFO: for peeking at a file's kind
/// (OutputPath) and at the tail of a run log (AppendOnlyFile).
public func readBytes(_ path: String, at offset: Int, count: Int) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
    guard fd >= 0 else { throw FileProblem(path: path, problem: "cannot be read: \(errorText())") }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: count)
    var got = 0
    while got < count {
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset + got)) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { throw FileProblem(path: path, problem: "cannot be read: \(errorText())") }
        if n == 0 { break }
        got += n
    }
    return Array(bytes.prefix(got))
}
