#if canImport(Glibc)
import Glibc
#endif
import Support

/// Rows printed as they are computed (`lr`, `path`): a 64 KB buffer written to standard output
/// whenever it fills, so memory stays constant whatever the number of rows (`lr --iterations
/// 1000000000` once built 24 GB in memory and printed nothing). With SIGPIPE ignored, a reader
/// that goes away (`| head -2`) makes the next write fail with EPIPE: `closed` turns true and
/// the caller stops computing rows.
public final class StreamedOutput {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private let flushSize = 1 << 16
    /// True once the reader has gone away (EPIPE): nothing more can be printed.
    public private(set) var closed = false

    public init(descriptor: Int32 = 1) {
        self.descriptor = descriptor
        buffer.reserveCapacity(flushSize + 4096)
    }

    /// Appends `text`; writes the buffer out once it holds 64 KB. Throws a one-line FileProblem
    /// when standard output fails for another reason than a closed pipe (`> /dev/full`).
    public func write(_ text: String) throws {
        guard !closed else { return }
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= flushSize { try flush() }
    }

    /// Writes out everything buffered.
    public func flush() throws {
        var offset = 0
        defer { buffer.removeAll(keepingCapacity: true) }
        while offset < buffer.count, !closed {
            let n = buffer.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n >= 0 { offset += n; continue }
            switch errno {
            case EINTR: continue
            case EPIPE: closed = true
            case let code: throw FileProblem(path: "standard output", problem: "cannot be written: \(String(cString: strerror(code)))")
            }
        }
    }
}
