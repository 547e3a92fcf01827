import CZlib
#if canImport(Glibc)
import Glibc
#endif
import Support

/// Streams a file through zlib: gzread decompresses gzip data and passes plain files through
/// unchanged, so one reader serves `x.gz` and `x`.
final class GzipReader {
    let path: String
    private let file: gzFile
    /// Size of the file on disk: bounds what a header may claim (see `maximumDecompressedSize`).
    let fileSize: Int
    /// True when the file is not gzip-compressed (zlib reads it directly).
    let isPlain: Bool

    init(path: String) throws {
        self.path = path
        // A FIFO, device or directory is refused here (a FIFO once hung the run forever).
        let input: InputFile
        do {
            input = try InputFile.open(path)
        } catch .missing {
            throw DataError.missing(path: path)
        } catch .directory {
            throw DataError.unreadable(path: path, reason: "it is a directory")
        } catch .notRegular(let kind) {
            throw DataError.notRegular(path: path, kind: kind)
        } catch .unreadable(let reason) {
            throw DataError.unreadable(path: path, reason: reason)
        }
        guard let handle = gzdopen(input.descriptor, "rb") else {
            let reason = String(cString: strerror(errno))
            close(input.descriptor)
            throw DataError.unreadable(path: path, reason: reason)
        }
        file = handle
        fileSize = input.size
        gzbuffer(handle, 1 << 17)
        // gzdirect is only meaningful after the first read attempt; peek one byte.
        let first = gzgetc(handle)
        if first >= 0 { gzungetc(first, handle) }
        isPlain = gzdirect(handle) == 1
    }

    deinit { gzclose(file) }

    /// The most bytes this file could decompress to: deflate cannot beat 1032:1.
    var maximumDecompressedSize: Int { isPlain ? fileSize : fileSize.multipliedReportingOverflow(by: 1032).partialValue }

    /// Reads up to `count` bytes into `buffer`; returns how many were read (fewer only at the end).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var total = 0
        while total < buffer.count {
            let chunk = UInt32(min(buffer.count - total, 1 << 30))
            let n = gzread(file, buffer.baseAddress! + total, chunk)
            if n < 0 { throw DataError.corruptGzip(path: path, reason: errorMessage()) }
            if n == 0 {
                // A clean end of file, or a gzip stream cut short (zlib reports Z_BUF_ERROR).
                var code: Int32 = 0
                let message = gzerror(file, &code)
                if code != Z_OK, let message { throw DataError.corruptGzip(path: path, reason: Self.withoutDescriptor(String(cString: message))) }
                break
            }
            total += Int(n)
        }
        return total
    }

    /// True when nothing is left to read (used to refuse trailing garbage).
    func atEnd() throws -> Bool {
        var byte: UInt8 = 0
        let n = try withUnsafeMutableBytes(of: &byte) { raw in try read(into: raw) }
        return n == 0
    }

    private func errorMessage() -> String {
        var code: Int32 = 0
        guard let message = gzerror(file, &code) else { return "unknown zlib error" }
        return code == Z_ERRNO ? String(cString: strerror(errno)) : Self.withoutDescriptor(String(cString: message))
    }

    /// zlib prefixes its messages with the name it was opened by, for gzdopen `<fd:3>: `; the
    /// caller names the file itself.
    static func withoutDescriptor(_ message: String) -> String {
        guard message.hasPrefix("<fd:"), let close = message.firstIndex(of: ">") else { return message }
        let rest = message[message.index(after: close)...]
        return rest.hasPrefix(": ") ? String(rest.dropFirst(2)) : message
    }
}
