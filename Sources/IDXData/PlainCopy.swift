import CZlib
import Support
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

    /// A copy as written: its size and zlib's CRC-32 of its bytes.
    public struct Written: Equatable, Sendable {
        public let size: Int
        public let crc32: UInt32
        public init(size: Int, crc32: UInt32) {
            self.size = size
            self.crc32 = crc32
        }
    }

    /// Reads the data set in `source` with every check `Dataset.load` makes (each gzip
    /// trailer's CRC-32 and length, shapes, counts, labels 0–9) and writes its four files
    /// uncompressed into the existing folder `destination`, each created new, read-only and
    /// synced to disk, in the order of `fileNames`. A bad source throws its `DataError` (naming
    /// the source file) before anything is written. Leaves `spare` bytes free on the disk (for
    /// the runs' own files), or throws `WriteError` without writing.
    public static func make(from source: String, into destination: String, spare: Int = 256 << 20) throws -> [Written] {
        let data = try Dataset.load(.fashion, from: source)
        let parts: [(dimensions: [Int], bytes: ArraySlice<UInt8>)] = [
            ([data.train.count, data.train.rows, data.train.columns], data.train.pixels), ([data.train.count], data.train.labels),
            ([data.test.count, data.test.rows, data.test.columns], data.test.pixels), ([data.test.count], data.test.labels),
        ]
        let needed = parts.reduce(0) { $0 + 4 + 4 * $1.dimensions.count + $1.bytes.count }
        var disk = statvfs()
        if statvfs(destination, &disk) == 0 {
            let free = Int(disk.f_bavail) * Int(disk.f_frsize)
            guard free >= needed + spare else {
                throw WriteError(path: destination, reason: "\(free >> 20) MB free; a plain copy needs \(needed >> 20) MB and the runs' own files some room")
            }
        }
        return try zip(parts, fileNames).map { part, name in
            try write(dimensions: part.dimensions, bytes: part.bytes, to: destination + "/" + name)
        }
    }

    private static func write(dimensions: [Int], bytes: ArraySlice<UInt8>, to destination: String) throws -> Written {
        var header: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for size in dimensions {
            header += [UInt8(truncatingIfNeeded: size >> 24), UInt8(truncatingIfNeeded: size >> 16),
                       UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size)]
        }
        var crc = CZlib.crc32(0, nil, 0)
        for part in [header[...], bytes] { part.withUnsafeBytes { crc = update(crc, $0) } }
        do {
            try header.withUnsafeBytes { header in
                try bytes.withUnsafeBytes { try AtomicFile.write(parts: [header, $0], to: destination, mode: 0o444) }
            }
        } catch let problem as FileProblem {
            throw WriteError(path: destination, reason: problem.problem)
        }
        return Written(size: header.count + bytes.count, crc32: UInt32(crc))
    }

    /// Size and CRC-32 of a regular file as it is now, or nil if it is not one or cannot be read
    /// (a copy is checked this way before every use: 55 MB in about 30 ms, from the page cache).
    public static func measure(_ path: String) -> Written? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        var crc = CZlib.crc32(0, nil, 0)
        var size = 0
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { chunk.deallocate() }
        while true {
            let n = read(fd, chunk.baseAddress, chunk.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            crc = update(crc, UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            size += n
        }
        return Written(size: size, crc32: UInt32(crc))
    }

    private static func update(_ crc: uLong, _ bytes: UnsafeRawBufferPointer) -> uLong {
        var crc = crc, offset = 0
        while offset < bytes.count {
            let length = min(bytes.count - offset, 1 << 30)
            crc = CZlib.crc32(crc, bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(length))
            offset += length
        }
        return crc
    }
}
