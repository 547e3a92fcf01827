import Foundation
@testable import RunRecords
import IDXData
import MLP
import Support
import Testing
import Training
@testable import TestSupport

/// The pieces of the event-file format against independent truth: CRC-32C against RFC 3720's
/// vectors, records and events against bytes written by TensorBoard's own Python writer
/// (tensorboard 2.21: `RecordWriter`, `event_pb2.Event(...).SerializeToString()`).
struct TensorBoardFormatTests {
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    @Test func crc32cMatchesRFC3720Vectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func maskRotatesAndOffsets() {
        #expect(CRC32C.masked(0) == 0xA282_EAD8)
        // 0x00008000 rotated right by 15 is 1.
        #expect(CRC32C.masked(0x0000_8000) == 0xA282_EAD9)
    }

    @Test func recordsAreFramedAsTensorBoardFramesThem() {
        #expect(TFRecord.frame([]) == Self.hex("000000000000000029039807d8ea82a2"))
        #expect(TFRecord.frame(Array("hello".utf8)) == Self.hex("0500000000000000eab2043e68656c6c6fbb1f1c19"))
    }

    @Test func eventsAreEncodedAsProtobufEncodesThem() {
        #expect(EventProtobuf.fileVersionEvent(wallTime: 1.5) == Self.hex("09000000000000f83f1a0d627261696e2e4576656e743a32"))
        let event = EventProtobuf.scalarsEvent(wallTime: 1_795_486_898.25, step: 300,
                                               scalars: [("cost/train", 0.4819), ("lr", 0.001)])
        #expect(event == Self.hex("090000902c3dc1da4110ac022a1e0a110a0a636f73742f747261696e1599bbf63e0a090a026c72156f12833a"))
    }

    @Test(arguments: [
        ("adam-lr0.001-constant-s1", "adam-lr0.001-constant-s1"),
        ("GD γ=0.01", "GD γ=0.01"),
        ("a/b\\c", "a_b_c"),
        ("line\nbreak\r\u{7F}\u{202E}", "line_break___"),
        ("..", "_."),
        (".hidden", "_hidden"),
        ("", "run"),
    ])
    func runFoldersAreSafeFileNames(run: String, folder: String) {
        #expect(TensorBoardLog.runFolderName(run: run) == folder)
    }

    @Test func runFolderNamesAreBoundedAndTakeTheRunID() {
        let long = TensorBoardLog.runFolderName(run: String(repeating: "é", count: 300))
        #expect(long.utf8.count == 200 && long == String(repeating: "é", count: 100))
        #expect(TensorBoardLog.runFolderName(run: "a/b", runID: "0123456789ab") == "a_b-0123456789ab")
    }
}
