#if canImport(Glibc)
import Glibc
#endif

/// Writes to standard error without touching C's global `stderr` (not concurrency-safe in
/// Swift 6): progress bars, warnings and error lines.
public func writeToStandardError(_ text: String) { write(text, toFileDescriptor: 2) }

/// Writes straight to file descriptor 1, so each line appears at once even through a pipe.
public func writeToStandardOutput(_ text: String) { write(text, toFileDescriptor: 1) }

/// All of `text`, retrying short writes.
func write(_ text: String, toFileDescriptor fd: Int32) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { break }
        offset += n
    }
}

/// True when file descriptor `fd` is a terminal.
public func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
