#if canImport(Glibc)
import Glibc
#endif

/// Uncompressed copies of a data set's four IDX files. A sweep gives its children these, so
/// that each run does not decompress the same 50 MB again: on Fashion-MNIST that is 0.2 s of
/// CPU per run, most of a run's fixed cost (reading the plain files takes 0.015 s).
public enum PlainCopy {
    /// The names of the four files, as `Dataset.load` reads them from a plain folder.
    public static let fileNames = [Dataset.fileStems.trainImages, Dataset.fileStems.trainLabels,
                                   Dataset.fileStems.testImages, Dataset.fileStems.testLabels]

    /// The four files `Dataset.load` would read from `directory` (each `NAME.gz`, else `NAME`),
    /// in the order of `fileNames`.
    public static func sourceFiles(in directory: String) -> [String] {
        fileNames.map { Dataset.locate($0, in: directory) }
    }

    /// Whether any of the four is gzip-compressed (else copying gains nothing).
    public static func isCompressed(_ directory: String) -> Bool {
        sourceFiles(in: directory).contains { $0.hasSuffix(".gz") }
    }

    /// A copy that could not be written (a full disk, no permission).
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Reads `source` with every check `IDXFile.read` makes (the gzip trailer's CRC-32 and
    /// length included) and writes it uncompressed to `destination`, created new and synced to
    /// disk. Returns the bytes written. A bad source throws its `DataError` and writes nothing
    /// a reader could take for data (the caller removes the half-written file).
    @discardableResult
    public static func write(_ source: String, to destination: String) throws -> Int {
        let file = try IDXFile.read(path: source)
        var header: [UInt8] = [0, 0, 0x08, UInt8(file.dimensions.count)]
        for size in file.dimensions {
            header += [UInt8(truncatingIfNeeded: size >> 24), UInt8(truncatingIfNeeded: size >> 16),
                       UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size)]
        }
        let fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(path: destination, reason: "cannot create: " + String(cString: strerror(errno))) }
        defer { close(fd) }
        for part in [header, file.bytes] {
            try part.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw WriteError(path: destination, reason: "write failed: " + String(cString: strerror(errno))) }
                    done += n
                }
            }
        }
        guard fsync(fd) == 0 else { throw WriteError(path: destination, reason: "fsync failed: " + String(cString: strerror(errno))) }
        return header.count + file.bytes.count
    }
}
