import Support

/// Everything that can be wrong with a data file, each printed as one line that names the file.
public enum DataError: Error, Equatable, CustomStringConvertible, Sendable {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    /// A FIFO, device or socket in place of a data file (`kind`: "a FIFO").
    case notRegular(path: String, kind: String)
    /// A data file that holds no images (or images of no pixels).
    case noImages(path: String, found: [Int])
    case empty(path: String)
    case corruptGzip(path: String, reason: String)
    case badMagic(path: String, found: [UInt8])
    case wrongElementType(path: String, found: UInt8)
    case wrongRank(path: String, expected: Int, found: Int)
    case wrongShape(path: String, expected: String, found: [Int])
    case tooLarge(path: String, claimedBytes: Int, limitBytes: Int)
    case truncated(path: String, expectedBytes: Int, foundBytes: Int)
    case trailingData(path: String, expectedBytes: Int)
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    case labelOutOfRange(path: String, index: Int, label: UInt8)

    public var description: String {
        switch self {
        case .missing(let path):
            return "\(path): no such file (run `make download-data` in the source folder to fetch the data sets, or give --data-dir)"
        case .unreadable(let path, let reason):
            return "\(path): cannot be read: \(reason)"
        case .notRegular(let path, let kind):
            return "\(path): is \(kind), not an IDX data file (only regular files are read)"
        case .noImages(let path, let found):
            return "\(path): holds no images (IDX shape \(found.map(String.init).joined(separator: "×"))); a data set needs at least one image of at least one pixel"
        case .empty(let path):
            return "\(path): the file is empty"
        case .corruptGzip(let path, let reason):
            return "\(path): corrupt or truncated gzip data: \(reason)"
        case .badMagic(let path, let found):
            let hex = found.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
            return "\(path): not an IDX file (magic bytes \(hex), expected 00 00 08 0N)"
        case .wrongElementType(let path, let found):
            return "\(path): IDX element type 0x\(String(found, radix: 16).leftPadded(to: 2)) is not unsigned byte (0x08)"
        case .wrongRank(let path, let expected, let found):
            return "\(path): IDX file has \(found) dimension\(found == 1 ? "" : "s"), expected \(expected)"
        case .wrongShape(let path, let expected, let found):
            return "\(path): IDX shape \(found.map(String.init).joined(separator: "×")), expected \(expected)"
        case .tooLarge(let path, let claimed, let limit):
            return "\(path): header claims \(claimed) bytes of data, more than the file can hold (at most \(limit))"
        case .truncated(let path, let expected, let found):
            return "\(path): truncated: header promises \(expected) bytes of data, file holds \(found)"
        case .trailingData(let path, let expected):
            return "\(path): file holds more than the \(expected) bytes of data its header promises"
        case .countMismatch(let images, let imageCount, let labels, let labelCount):
            return "\(images) holds \(imageCount) images but \(labels) holds \(labelCount) labels"
        case .labelOutOfRange(let path, let index, let label):
            return "\(path): label \(label) at index \(index) is not a class 0–9"
        }
    }
}
