import Foundation
import CZlib
import IDXData
import Testing
@testable import TestSupport

/// IDX fixtures written by the tests themselves: plain and gzipped, 1-, 2- and 3-dimensional,
/// and one for every way a file can be broken.
struct IDXReaderTests {
    static func expectError(_ expected: DataError, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(expected), got success")
        } catch let error as DataError {
            #expect(error == expected)
            #expect(!error.description.contains("\n"))
            #expect(error.description.hasPrefix(expected.pathForTest))
        } catch {
            Issue.record("expected DataError, got \(error)")
        }
    }

    @Test(arguments: [false, true], [[7], [3, 4], [2, 3, 5]])
    func readsValidFiles(gzip: Bool, dimensions: [Int]) throws {
        let dir = TestPaths.temporaryDirectory()
        let count = dimensions.reduce(1, *)
        let payload = (0..<count).map { UInt8(($0 * 37) % 256) }
        let path = dir.appendingPathComponent("f.idx" + (gzip ? ".gz" : "")).path
        IDXFixture.write(IDXFixture.idxBytes(dimensions: dimensions, payload: payload), to: path, gzip: gzip)
        let file = try IDXFile.read(path: path)
        #expect(file.dimensions == dimensions)
        #expect(file.bytes == payload)
    }

    @Test func readsImagesAndLabelsTogether() throws {
        let dir = TestPaths.temporaryDirectory()
        let images = (0..<(3 * 2 * 2)).map { UInt8($0) }
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [3, 2, 2], payload: images), to: dir.appendingPathComponent("i.gz").path, gzip: true)
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [3], payload: [2, 0, 9]), to: dir.appendingPathComponent("l").path, gzip: false)
        let set = try LabeledImages.read(imagesPath: dir.appendingPathComponent("i.gz").path, labelsPath: dir.appendingPathComponent("l").path)
        #expect(set.count == 3 && set.rows == 2 && set.columns == 2)
        #expect(set.labels == [2, 0, 9])
        #expect(set.labelHistogram() == [1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
        #expect(set.suffix(1).pixels == [8, 9, 10, 11])
        #expect(set.prefix(2).labels == [2, 0])
        #expect(set.prefix(2).pixels == [0, 1, 2, 3, 4, 5, 6, 7])
    }

    @Test func missingFile() {
        Self.expectError(.missing(path: "/nonexistent/x.gz")) { _ = try IDXFile.read(path: "/nonexistent/x.gz") }
        #expect(DataError.missing(path: "p").description.contains("make download-data"))
    }

    @Test func emptyFile() {
        let path = TestPaths.temporaryDirectory().appendingPathComponent("empty").path
        IDXFixture.write([], to: path, gzip: false)
        Self.expectError(.empty(path: path)) { _ = try IDXFile.read(path: path) }
    }

    @Test(arguments: [false, true])
    func badMagic(gzip: Bool) {
        let path = TestPaths.temporaryDirectory().appendingPathComponent("bad").path
        IDXFixture.write([0x50, 0x4B, 3, 4, 0, 0, 0, 0], to: path, gzip: gzip)
        Self.expectError(.badMagic(path: path, found: [0x50, 0x4B, 3, 4])) { _ = try IDXFile.read(path: path) }
    }

    @Test func wrongElementType() {
        let path = TestPaths.temporaryDirectory().appendingPathComponent("float").path
        IDXFixture.write(IDXFixture.idxBytes(type: 0x0D, dimensions: [1], payload: [0, 0, 0, 0]), to: path, gzip: false)
        Self.expectError(.wrongElementType(path: path, found: 0x0D)) { _ = try IDXFile.read(path: path) }
    }

    @Test(arguments: [false, true])
    func headerClaimsMoreThanPresent(gzip: Bool) {
        let path = TestPaths.temporaryDirectory().appendingPathComponent("short").path
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [10, 4], payload: Array(repeating: 1, count: 30)), to: path, gzip: gzip)
        // A plain file's size is known: the claim is refused before allocating. A gzip file may
        // legitimately expand, so its payload is read and found short.
        let expected: DataError = gzip ? .truncated(path: path, expectedBytes: 40, foundBytes: 30)
                                       : .tooLarge(path: path, claimedBytes: 40, limitBytes: 30)
        Self.expectError(expected) { _ = try IDXFile.read(path: path) }
    }

    @Test func absurdHeaderIsRefusedBeforeAllocating() {
        let path = TestPaths.temporaryDirectory().appendingPathComponent("huge").path
        // 60000 × 28 × 28 claimed by a 40-byte plain file.
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [60000, 28, 28], payload: Array(repeating: 0, count: 24)), to: path, gzip: false)
        Self.expectError(.tooLarge(path: path, claimedBytes: 47_040_000, limitBytes: 24)) { _ = try IDXFile.read(path: path) }
        let overflow = TestPaths.temporaryDirectory().appendingPathComponent("overflow").path
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [0x7FFF_FFFF, 0x7FFF_FFFF, 0x7FFF_FFFF], payload: []), to: overflow, gzip: true)
        #expect(throws: DataError.self) { _ = try IDXFile.read(path: overflow) }
    }

    @Test func trailingBytesAreRefused() {
        let path = TestPaths.temporaryDirectory().appendingPathComponent("long").path
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [2], payload: [1, 2, 3]), to: path, gzip: false)
        Self.expectError(.trailingData(path: path, expectedBytes: 2)) { _ = try IDXFile.read(path: path) }
    }

    @Test func truncatedGzip() throws {
        let dir = TestPaths.temporaryDirectory()
        let full = dir.appendingPathComponent("full.gz").path
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [1000], payload: (0..<1000).map { UInt8($0 % 251) }), to: full, gzip: true)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: full))
        let cut = dir.appendingPathComponent("cut.gz").path
        _ = FileManager.default.createFile(atPath: cut, contents: bytes.prefix(bytes.count / 2))
        do {
            _ = try IDXFile.read(path: cut)
            Issue.record("a truncated gzip file was accepted")
        } catch let error as DataError {
            switch error {
            case .corruptGzip, .truncated: #expect(error.description.hasPrefix(cut))
            default: Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func imagesAndLabelsCountMismatch() {
        let dir = TestPaths.temporaryDirectory()
        let images = dir.appendingPathComponent("i").path, labels = dir.appendingPathComponent("l").path
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [3, 1, 1], payload: [1, 2, 3]), to: images, gzip: false)
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [2], payload: [1, 2]), to: labels, gzip: false)
        Self.expectError(.countMismatch(images: images, imageCount: 3, labels: labels, labelCount: 2)) {
            _ = try LabeledImages.read(imagesPath: images, labelsPath: labels)
        }
    }

    @Test func wrongRankForImages() {
        let dir = TestPaths.temporaryDirectory()
        let images = dir.appendingPathComponent("i").path, labels = dir.appendingPathComponent("l").path
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [3], payload: [1, 2, 3]), to: images, gzip: false)
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [3], payload: [1, 2, 3]), to: labels, gzip: false)
        Self.expectError(.wrongRank(path: images, expected: 3, found: 1)) { _ = try LabeledImages.read(imagesPath: images, labelsPath: labels) }
    }

    @Test func labelOutOfRange() {
        let dir = TestPaths.temporaryDirectory()
        let images = dir.appendingPathComponent("i").path, labels = dir.appendingPathComponent("l").path
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [2, 1, 1], payload: [1, 2]), to: images, gzip: false)
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [2], payload: [1, 12]), to: labels, gzip: false)
        Self.expectError(.labelOutOfRange(path: labels, index: 1, label: 12)) { _ = try LabeledImages.read(imagesPath: images, labelsPath: labels) }
    }

    @Test func directoryIsNotAFile() {
        let dir = TestPaths.temporaryDirectory().path
        Self.expectError(.unreadable(path: dir, reason: "it is a directory")) { _ = try IDXFile.read(path: dir) }
    }
}

extension DataError {
    /// The file each error names first.
    var pathForTest: String {
        switch self {
        case .missing(let p), .unreadable(let p, _), .empty(let p), .corruptGzip(let p, _), .badMagic(let p, _),
             .wrongElementType(let p, _), .wrongRank(let p, _, _), .wrongShape(let p, _, _), .tooLarge(let p, _, _),
             .truncated(let p, _, _), .trailingData(let p, _), .labelOutOfRange(let p, _, _),
             .notRegular(let p, _), .noImages(let p, _):
            return p
        case .countMismatch(let images, _, _, _):
            return images
        }
    }
}
