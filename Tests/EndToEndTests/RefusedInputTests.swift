import Foundation
import Testing
@testable import TestSupport

/// Inputs that once hung, exhausted memory or damaged a file, now refused: each test failed before
/// its fix and checks the one-line message and status.
@Suite struct RefusedInputTests {
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

    /// A checkpoint whose `__metadata__` value `key` is replaced by `value` (a hand edit).
    static func editedCheckpoint(_ path: String, key: String, value: String, to output: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        var metadata = try #require(header["__metadata__"] as? [String: String])
        metadata[key] = value
        header["__metadata__"] = metadata
        let json = [UInt8](try JSONSerialization.data(withJSONObject: header))
        let out = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + bytes[(8 + length)...]
        _ = FileManager.default.createFile(atPath: output, contents: Data(out))
    }

    /// A checkpoint edited to say epoch 9223372036854775807: resuming multiplied it by the
    /// updates per epoch unchecked and trapped (exit 132). Now it is one line naming the file.
    @Test func aCheckpointWithAHugeEpochIsRefusedNotATrap() throws {
        let data = Fixtures.dataDirectory(train: 40, test: 10, rows: 28, columns: 28)
        let dir = TestPaths.temporaryDirectory()
        let checkpoint = dir.appendingPathComponent("ck.safetensors").path
        let flags = ["train", "--data-dir", data.path, "--hidden", "4", "--batch-size", "10", "--epochs", "2"]
        let first = try runToolBounded(flags + ["--checkpoint", checkpoint], seconds: 60)
        #expect(first.status == 0, "\(first.stderr)")
        let edited = dir.appendingPathComponent("edited.safetensors").path
        try Self.editedCheckpoint(checkpoint, key: "epoch", value: String(Int.max), to: edited)
        let before = Fixtures.contents(edited)
        let result = try runToolBounded(flags + ["--resume", edited], seconds: 60)
        #expect(result.isClean, "\(result.status) \(result.stderr)")
        #expect(result.status == 1)
        let line = result.stderr.split(separator: "\n").first { !$0.hasPrefix("warning") }.map(String.init) ?? ""
        #expect(line.contains(edited) && line.contains("9223372036854775807"), "\(line)")
        #expect(Fixtures.contents(edited) == before, "a refused checkpoint is left as it was")
    }

    /// `--save X --tensorboard X` (or --csv, --checkpoint) with X new: TensorBoard made the folder
    /// X, the whole run trained, and then the model could not be written there (exit 1, the
    /// trained model lost). Now refused before training, exit 64, nothing created.
    @Test(arguments: ["--save", "--csv", "--checkpoint"])
    func tensorBoardAtTheSamePathAsAnotherOutputIsRefusedFirst(flag: String) throws {
        let data = Fixtures.dataDirectory(train: 40, test: 10, rows: 28, columns: 28)
        let dir = TestPaths.temporaryDirectory()
        let target = dir.appendingPathComponent("out").path
        let result = try runToolBounded(["train", "--data-dir", data.path, "--hidden", "4", "--batch-size", "10", "--epochs", "1",
                                         flag, target, "--tensorboard", "./" + target.dropFirst()], seconds: 60, in: URL(fileURLWithPath: "/"))
        #expect(result.isClean)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.firstErrorLine.contains("--tensorboard") || result.firstErrorLine.contains("--checkpoint"), "\(result.firstErrorLine)")
        #expect(!FileManager.default.fileExists(atPath: target), "nothing is created for a refused command")
    }

    /// `--resume ''` said "zalando-train: : no such file" (exit 1), naming neither flag nor value.
    @Test func anEmptyResumeNameIsAUsageError() throws {
        let result = try runToolBounded(["train", "--data-dir", TestPaths.temporaryDirectory().path, "--resume", ""], seconds: 20)
        #expect(result.isClean)
        #expect(result.status == 64)
        #expect(result.firstErrorLine.contains("--resume ''"), "\(result.firstErrorLine)")
    }
}
