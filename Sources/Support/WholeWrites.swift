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
        guard n > 0 else { return false }
        done += n
    }
    return true
}

/// fsync on a folder, so that a file renamed into it survives a crash. Best effort: a folder
/// that cannot be opened (or synced) leaves the rename as durable as the file system makes it.
public func syncFolder(_ path: String) {
    let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    _ = fsync(descriptor)
    close(descriptor)
}
