import Foundation
@testable import RunRecords
import IDXData
import MLP
import Support
import Testing
import Training
@testable import TestSupport

/// The binary end to end: the event files it writes, read back by TensorBoard's EventAccumulator,
/// hold every epoch's scalars equal (as float32) to the CSV row of the same epoch.
@Suite(.enabled(if: RealData.available("fashion")))
struct TensorBoardRunTests {
    static let data = ["--data-dir", TestPaths.dataDirectory("fashion")]

    /// Killed at any moment, the file holds only whole records: every epoch whose line was
    /// printed before the next one is in it.
    @Test func aKilledRunLeavesWholeRecords() throws {
        let logdir = TestPaths.temporaryDirectory().path
        let process = Process()
        process.executableURL = TestPaths.binary
        process.arguments = Self.data + ["--epochs", "500", "--run-name", "killed", "--tensorboard", logdir]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && !text.contains(" 3/500 ") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(text.contains(" 3/500 "), "\(text)")
        let folder = try TensorBoardReader.onlyRunFolder(in: logdir, named: "killed")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files.count == 1)
        let records = try tfRecords(in: folder + "/" + files[0])
        #expect(records.count >= 4, "the version event, the session start and epochs 1 and 2 at least: \(records.count)")
        // Record 0: wall_time (key 0x09, 8 bytes), then file_version (key 0x1A, length 13).
        #expect(records.first.map { $0.first == 0x09 && Array($0.dropFirst(9)) == [0x1A, 13] + Array("brain.Event:2".utf8) } == true)
        // Record 1: the HParams session start at step 0 (no step field): wall_time, then the
        // summary (key 0x2A) whose value's tag is _hparams_/session_start_info. A killed run has no end.
        func holds(_ record: [UInt8], _ tag: String) -> Bool {
            let bytes = Array(tag.utf8)
            return record.count >= bytes.count && (0...(record.count - bytes.count)).contains { Array(record[$0..<$0 + bytes.count]) == bytes }
        }
        #expect(records.count > 1 && records[1][9] == 0x2A && holds(records[1], "_hparams_/session_start_info"), "record 1 is the session start")
        #expect(!records.contains { holds($0, "_hparams_/session_end_info") }, "a killed run writes no session end")
        // Record k ≥ 2: wall_time, then step (key 0x10) = epoch k - 1, then the summary (key 0x2A).
        for (k, record) in records.enumerated().dropFirst(2) {
            #expect(record.count > 12 && record[9] == 0x10 && Int(record[10]) == k - 1 && record[11] == 0x2A, "record \(k)")
        }
    }

    /// Started with standard output closed, the event file must not take its place (else the
    /// epoch lines would land inside it).
    @Test func closedStandardOutputNeverLandsInTheEventFile() throws {
        let logdir = TestPaths.temporaryDirectory().path
        let result = try runProcess("/bin/sh", ["-c", "exec \"$0\" \"$@\" >&-", TestPaths.binary.path]
                                    + Self.data + ["--epochs", "2", "--run-name", "closed", "--tensorboard", logdir])
        #expect(result.status == 0, "\(result.stderr)")
        let folder = try TensorBoardReader.onlyRunFolder(in: logdir, named: "closed")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files.count == 1)
        let records = try tfRecords(in: folder + "/" + files[0])
        #expect(records.count == 5, "the version event, the HParams session start, two epochs, the session end")
    }
}

/// `--tensorboard` values refused by validation (no data needed).
struct TensorBoardFlagTests {
    static let data = TensorBoardRunTests.data

    /// DIR is checked before anything is loaded: a file in its place or in place of a parent, an
    /// empty name → exit 64 with the flag and the path on the first line; nothing is created.
    @Test func unusableDirectoriesAreRefusedBeforeTraining() throws {
        let dir = TestPaths.temporaryDirectory()
        let file = dir.appendingPathComponent("runs.csv").path
        try "x\n".write(toFile: file, atomically: true, encoding: .utf8)
        for (path, problem) in [(file, "is a file, not a folder"), (file + "/logs", "\(file) is a file, not a folder"), ("", "needs a folder name")] {
            let result = try runTool(Self.data + ["--epochs", "1", "--tensorboard", path])
            #expect(result.status == 64)
            let firstLine = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
            #expect(firstLine == "Error: --tensorboard \(path.isEmpty ? "''" : path): \(problem)", "\(result.stderr)")
            #expect(!result.stdout.contains("epoch"))
        }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "x\n")
    }
}
