/// An IDX file (LeCun's MNIST format): magic 00 00 <type> <rank>, then `rank` big-endian UInt32
/// dimensions, then the elements in row-major order. Only unsigned bytes (type 0x08) are used by
/// MNIST and Fashion-MNIST, so only they are accepted.
public struct IDXFile: Sendable {
    public let dimensions: [Int]
    public let bytes: [UInt8]

    /// Sizes a header may claim, whatever the file size: 2³¹ bytes is 45× Fashion-MNIST's largest file.
    public static let maximumElementCount = 1 << 31

    /// Reads `path` (gzip-compressed or plain), checking every claim the header makes against
    /// what the file can hold before allocating.
    public static func read(path: String) throws -> IDXFile {
        let reader = try GzipReader(path: path)
        if reader.fileSize == 0 { throw DataError.empty(path: path) }

        var magic = [UInt8](repeating: 0, count: 4)
        let got = try magic.withUnsafeMutableBytes { raw in try reader.read(into: raw) }
        if got == 0 { throw DataError.empty(path: path) }
        guard got == 4, magic[0] == 0, magic[1] == 0 else { throw DataError.badMagic(path: path, found: Array(magic.prefix(got))) }
        guard magic[2] == 0x08 else { throw DataError.wrongElementType(path: path, found: magic[2]) }
        let rank = Int(magic[3])
        guard rank >= 1 else { throw DataError.wrongRank(path: path, expected: 1, found: 0) }

        var header = [UInt8](repeating: 0, count: 4 * rank)
        let headerGot = try header.withUnsafeMutableBytes { raw in try reader.read(into: raw) }
        guard headerGot == header.count else {
            throw DataError.truncated(path: path, expectedBytes: 4 + header.count, foundBytes: 4 + headerGot)
        }
        var dimensions: [Int] = []
        var elementCount = 1
        for axis in 0..<rank {
            let b = header[(4 * axis)..<(4 * axis + 4)].map(Int.init)
            let size = b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
            dimensions.append(size)
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow, product <= maximumElementCount else {
                throw DataError.tooLarge(path: path, claimedBytes: overflow ? Int.max : product, limitBytes: maximumElementCount)
            }
            elementCount = product
        }
        let limit = reader.maximumDecompressedSize - 4 - header.count
        guard elementCount <= limit else { throw DataError.tooLarge(path: path, claimedBytes: elementCount, limitBytes: max(0, limit)) }

        let bytes = try [UInt8](hugePageCapacity: elementCount) { buffer in try reader.read(into: buffer) }
        let n = bytes.count
        guard n == elementCount else { throw DataError.truncated(path: path, expectedBytes: elementCount, foundBytes: n) }
        guard try reader.atEnd() else { throw DataError.trailingData(path: path, expectedBytes: elementCount) }
        return IDXFile(dimensions: dimensions, bytes: bytes)
    }
}
