#if canImport(Glibc)
import Glibc
#endif

/// A regular file many processes append whole records to: opened O_WRONLY|O_APPEND|O_CREAT|
/// O_CLOEXEC, every record one write(2) under an exclusive flock, a short or failed write cut back
/// (ftruncate) to the size before it, so readers only ever see whole records. The run log is
/// built on it; anything else that appends shared records can be.
///
/// Why each piece: O_APPEND puts every write at the end even with other writers; one write per
/// record under the lock means no other writer's bytes land inside it (a 4 KB row used to go out
/// in 3 writes and was spliced); the lock also covers reading the size before the write, so the
/// rollback cuts exactly this record. A FIFO or device is refused after opening it with
/// O_NONBLOCK, so a FIFO without a reader fails at once instead of hanging in open().
public final class AppendOnlyFile {
    public let path: String
    public let descriptor: Int32

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0o644)
        guard fd >= 0 else {
            throw FileProblem(path: path, problem: errno == ENXIO ? "is a FIFO, not a regular file" : "cannot be opened for writing: \(errorText())")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw FileProblem(path: path, problem: "is not a regular file (a device, FIFO or socket); choose a file name")
        }
        // Regular files ignore O_NONBLOCK, but clear it so nothing later depends on that.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Runs `body` holding the file's exclusive lock (waiting for other writers).
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        while flock(descriptor, LOCK_EX) != 0 {
            if errno != EINTR { throw FileProblem(path: path, problem: "cannot be locked: \(errorText())") }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// Claims `key` in this file for as long as the file stays open (and the process lives): a
    /// write lock on one byte far past any real end (2^62 + key), an open-file-description
    /// lock (F_OFD_SETLK), so it is released by the kernel when the process dies however it
    /// dies, and closing another descriptor of the same file does not drop it. False when another
    /// open file holds the same key. Independent of `withLock`'s flock.
    public func claim(key: UInt64) throws -> Bool {
        let ofdSetLock: Int32 = 37  // F_OFD_SETLK (Linux ≥ 3.15; glibc defines it only with _GNU_SOURCE)
        var range = flock(l_type: Int16(F_WRLCK), l_whence: Int16(SEEK_SET), l_start: off_t(1 << 62) + off_t(key & 0xFFFF_FFFF_FFFF),
                          l_len: 1, l_pid: 0)
        while fcntl(descriptor, ofdSetLock, &range) != 0 {
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EACCES { return false }
            throw FileProblem(path: path, problem: "cannot be locked: \(errorText())")
        }
        return true
    }

    /// The file's size now.
    public func size() throws -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileProblem(path: path, problem: "cannot be examined: \(errorText())") }
        return Int(info.st_size)
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    public func read(at offset: Int, count: Int) throws -> [UInt8] {
        // The append descriptor is write-only: read through a second, read-only one.
        try readBytes(path, at: offset, count: count)
    }

    /// Appends `bytes` with one write(2); call it holding the lock. On a short or failed write the
    /// file is cut back to `sizeBefore` and the error says why (disk full, file size limit).
    public func appendWhole(_ bytes: [UInt8], sizeBefore: Int) throws {
        var written = -1
        repeat {
            written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        } while written < 0 && errno == EINTR
        if written == bytes.count { return }
        // A short write sets no errno: write the rest to learn why (ENOSPC, EFBIG); all of it is
        // rolled back below, and the lock keeps other writers out until then.
        var code = written < 0 ? errno : 0
        var offset = max(written, 0)
        while code == 0 && offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { code = n < 0 ? errno : EIO } else { offset += n }
        }
        if code == 0 { return }  // the rest went through after all: the row is whole
        let reason = errorText(code)
        let problem: String
        if ftruncate(descriptor, off_t(sizeBefore)) == 0 {
            problem = "write failed (\(reason)); the partial row was removed, the file ends with its last whole row"
        } else {
            problem = "write failed (\(reason)) and the partial row could not be removed (\(errorText()))"
        }
        throw FileProblem(path: path, problem: problem)
    }

    /// Cuts the file back to `size` (a half record left by a process killed mid-write).
    public func truncate(to size: Int) throws {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw FileProblem(path: path, problem: "cannot be repaired: \(errorText())") }
    }
}

public func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

/// Standard input, output and error are never mistaken for files: a process started with fd 0, 1
/// or 2 closed (`>&-`, `2>&-`) would otherwise get the run log as its "stdout" from the next
/// open(), and every progress line would land in the CSV. Call first thing in the program.
public enum StandardStreams {
    public static func protect() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            // open() returns the lowest free descriptor: exactly the closed one.
            let null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if null >= 0 && null != fd { dup2(null, fd); close(null) }
        }
        // A file size limit (ulimit -f) should fail a write with EFBIG, which the run log rolls
        // back and reports, not kill the process with SIGXFSZ half-way through a row.
        signal(SIGXFSZ, SIG_IGN)
    }
}
