#if canImport(Glibc)
import Glibc
#endif

/// Opens a file this tool reads (data files, models, run logs, `path --data`) without ever
/// blocking: open with O_NONBLOCK (a FIFO with no writer would otherwise hang in open, and
/// reading it would wait forever), then fstat the descriptor — not the name, so nothing can be
/// swapped in between — and accept only a regular file. The caller owns `descriptor`.
public struct InputFile {
    public let descriptor: Int32
    /// Size on disk when opened.
    public let size: Int

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case missing
        case directory
        /// "a FIFO", "a character device", … : anything but a regular file.
        case notRegular(String)
        case unreadable(String)

        public var description: String {
            switch self {
            case .missing: return "no such file"
            case .directory: return "is a directory"
            case .notRegular(let kind): return "is \(kind), not a regular file"
            case .unreadable(let reason): return "cannot be read: \(reason)"
            }
        }
    }

    public static func open(_ path: String) throws(Problem) -> InputFile {
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .missing }
            throw .unreadable(String(cString: strerror(code)))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .unreadable(reason)
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            close(fd)
            if type == S_IFDIR { throw .directory }
            throw .notRegular(kindName(type))
        }
        // Reads of a regular file never block; clear the flag anyway so zlib sees a plain descriptor.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return InputFile(descriptor: fd, size: Int(info.st_size))
    }

    public static func kindName(_ type: mode_t) -> String {
        switch type {
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "a special file"
        }
    }
}
