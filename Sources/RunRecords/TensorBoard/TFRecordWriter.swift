#if canImport(Glibc)
import Glibc
#endif
import Support

/// TFRecord framing, the container of TensorBoard event files (tensorflow/core/lib/io/record_writer.cc,
/// tensorboard/summary/writer/record_writer.py): per record
///
///     uint64 length (little-endian) · uint32 masked CRC-32C of those 8 bytes
///     · the data · uint32 masked CRC-32C of the data
public enum TFRecord {
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var record: [UInt8] = []
        record.reserveCapacity(data.count + 16)
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) }
        record += length
        appendLittleEndian(CRC32C.masked(CRC32C.checksum(length)), to: &record)
        record += data
        appendLittleEndian(CRC32C.masked(CRC32C.checksum(data)), to: &record)
        return record
    }

    static func appendLittleEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}

/// Writes TFRecords to a file it creates (never one that exists). Each record goes to the kernel
/// in one write(2), unbuffered, so a process stopped at any moment (even by SIGKILL) leaves only
/// whole records; a write that fails part-way (disk full, file size limit) is cut back to the
/// last whole record and reported.
public final class TFRecordWriter {
    public let path: String
    private let descriptor: Int32
    /// Bytes of whole records in the file.
    private var size: off_t = 0

    public init(creating path: String) throws {
        self.path = path
        var descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FileProblem(path: path, problem: "cannot be created: \(String(cString: strerror(errno)))")
        }
        // Started with standard input, output or error closed, the file could take its number
        // and receive what is printed: move it above 2 and leave that number closed.
        if descriptor <= 2 {
            let moved = fcntl(descriptor, F_DUPFD_CLOEXEC, 3)
            close(descriptor)
            guard moved >= 0 else { throw FileProblem(path: path, problem: "cannot be opened: \(String(cString: strerror(errno)))") }
            descriptor = moved
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    public func write(record data: [UInt8]) throws {
        let record = TFRecord.frame(data)
        var written = 0
        var failure: Int32 = 0
        record.withUnsafeBytes { bytes in
            while written < bytes.count {
                let n = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if n > 0 { written += n; continue }
                if n < 0 && errno == EINTR { continue }
                failure = n < 0 ? errno : ENOSPC
                return
            }
        }
        guard failure == 0 else {
            if written > 0 { _ = ftruncate(descriptor, size) }
            throw FileProblem(path: path, problem: "write failed: \(String(cString: strerror(failure))); the file keeps its whole records")
        }
        size += off_t(record.count)
    }
}
