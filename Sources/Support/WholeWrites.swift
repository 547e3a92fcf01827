#if canImport(Glibc)
import Glibc
#endif

/// write(2) until every byte is written, retrying interrupted and short writes. False on an
/// error, with errno set (a full disk, a file-size limit), so the caller can name it.
public func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var done = 0
    while done < bytes.count {
        let n = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else {
            if n == 0 { errno = EIO }
            return false
        }
        done += n
    }
    return true
}

/// The one way a whole file is written (models, checkpoints, charts, sweep state, plain data
/// copies): a temporary file beside `path` (O_CREAT|O_EXCL|O_CLOEXEC), every byte written
/// (`writeAll`), fsync, rename over `path`, then fsync of the folder so the rename itself
/// survives a power cut. A process killed at any moment leaves the old file or the new one; on
/// any failure the temporary is removed and `path` is left as it was.
public enum AtomicFile {
    /// Writes `parts` one after the other as the whole of `path`. `temporary` is the name written
    /// first (`.NAME.tmp-PID` beside `path` unless given); a leftover of it is replaced.
    public static func write(parts: [UnsafeRawBufferPointer], to path: String, mode: mode_t = 0o644,
                             temporary: String? = nil) throws {
        let folder = folderName(of: path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let temporary = temporary ?? folder + "/.\(name).tmp-\(getpid())"
        unlink(temporary)  // a leftover of an earlier process (with our pid, or a killed writer)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, mode)
        guard fd >= 0 else { throw FileProblem(path: path, problem: "cannot be written: \(errorText())") }
        var failure: Int32 = 0
        for part in parts where failure == 0 && part.count > 0 {
            if !writeAll(fd, part) { failure = errno }
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw FileProblem(path: path, problem: "cannot be written: \(errorText(failure))")
        }
        guard rename(temporary, path) == 0 else {
            failure = errno
            unlink(temporary)
            throw FileProblem(path: path, problem: "cannot be replaced: \(errorText(failure))")
        }
        syncFolder(folder)
    }

    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        try bytes.withUnsafeBytes { try write(parts: [$0], to: path, mode: mode) }
    }
}

/// fsync on a folder, so that a file renamed into it survives a crash. Best effort: a folder
/// that cannot be opened (or synced) leaves the rename as durable as the file system makes it.
public func syncFolder(_ path: String) {
    let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    _ = fsync(descriptor)
    close(descriptor)
}

/// The folder a new file at `path` would go in ("." for a bare name).
public func folderName(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let folder = String(path[..<slash])
    return folder.isEmpty ? "/" : folder
}
