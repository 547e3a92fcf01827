import Foundation
import CZlib

/// IDX files written by the tests themselves (the format of LeCun's MNIST files): the header's
/// type and dimensions, then the payload; plain or gzipped.
enum IDXFixture {
    static func idxBytes(type: UInt8 = 0x08, dimensions: [Int], payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
        for d in dimensions { bytes += [UInt8((d >> 24) & 255), UInt8((d >> 16) & 255), UInt8((d >> 8) & 255), UInt8(d & 255)] }
        return bytes + payload
    }

    static func write(_ bytes: [UInt8], to path: String, gzip: Bool) {
        if gzip {
            let file = gzopen(path, "wb")!
            _ = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
            gzclose(file)
        } else {
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        }
    }
}
