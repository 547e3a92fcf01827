import Foundation
import Testing

/// Attacks from the hostile review of the merged features: each test failed before its fix
/// (a hang, an exhausted memory, a damaged file) and checks the one-line message and status.
@Suite("Hostile review") struct HostileReviewTests {
    /// Nine axes of ten values written in a few lines of YAML (an alias for the list) name 10^9
    /// runs; the sweep built them all in memory before it checked any. Now it counts first.
    @Test func aBillionCombinationGridIsRefusedAtOnce() throws {
        let dir = TestPaths.temporaryDirectory()
        let values = "&v [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
        let keys = ["seed", "epochs", "batch-size", "lr", "hidden", "l1", "validation", "clip-norm", "momentum"]
        let body = "grids:\n  - " + keys.enumerated().map { $0.offset == 0 ? "\($0.element): \(values)" : "\($0.element): *v" }
            .joined(separator: "\n    ") + "\n"
        let spec = Fixtures.write(Array(body.utf8), "bomb.yaml", in: dir)
        let out = dir.appendingPathComponent("sweep").path
        let result = try runToolBounded(["sweep", out, "--spec", spec, "--list"], seconds: 20)
        #expect(result.isClean)
        #expect(result.status == 64)
        #expect(result.firstErrorLine.contains("1000000000 combinations"), "\(result.firstErrorLine)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: out), "nothing is written for a refused spec")
    }

    /// `--spec` naming a FIFO with no writer: opening it blocked the sweep forever.
    @Test func aSpecThatIsAFIFOIsRefusedNotWaitedOn() throws {
        let dir = TestPaths.temporaryDirectory()
        let fifo = Fixtures.fifo(in: dir, name: "spec.yaml")
        let result = try runToolBounded(["sweep", dir.appendingPathComponent("sweep").path, "--spec", fifo, "--list"], seconds: 20)
        #expect(result.isClean)
        #expect(result.status == 1)
        #expect(result.firstErrorLine.contains(fifo) && result.firstErrorLine.contains("FIFO"), "\(result.firstErrorLine)")
    }

    /// `--spec /dev/zero` was read until memory ran out.
    @Test func aSpecThatIsADeviceIsRefused() throws {
        let dir = TestPaths.temporaryDirectory()
        let result = try runToolBounded(["sweep", dir.appendingPathComponent("sweep").path, "--spec", "/dev/zero", "--list"], seconds: 20)
        #expect(result.isClean)
        #expect(result.status == 1)
        #expect(result.firstErrorLine.contains("/dev/zero") && result.firstErrorLine.contains("device"), "\(result.firstErrorLine)")
    }
}
