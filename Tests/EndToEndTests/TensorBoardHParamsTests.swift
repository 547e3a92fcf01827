import Foundation
@testable import RunRecords
import Support
import Testing
@testable import TestSupport

/// `--no-tensorboard`, and the sweep's children given the tensorboard flags (no reader needed).
struct SweepTensorBoardFlagTests {
    /// Whether `record` holds `text`'s bytes.
    static func holds(_ record: [UInt8], _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return record.count >= bytes.count && (0...(record.count - bytes.count)).contains { Array(record[$0..<$0 + bytes.count]) == bytes }
    }

    static func eventFiles(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix("events.out.tfevents.") }
    }

    @Test func noTensorBoardWritesNoEventsAndListPassesItOn() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  lr: [0.1, 0.05]\n")
        let listed = try f.sweep(["--spec", spec, "--list", "--no-tensorboard"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let lines = listed.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.hasSuffix(" --no-tensorboard") }, "\(listed.stdout)")
        let plain = try f.sweep(["--list"])
        #expect(plain.stdout.split(separator: "\n").count == 2 && !plain.stdout.contains("tensorboard"), "\(plain.stdout)")

        let off = try f.sweep(["--no-tensorboard"])
        #expect(off.status == 0, "\(off.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.dir + "/tensorboard"), "no DIR/tensorboard with --no-tensorboard")
        for id in f.runFolders() {
            let start = f.file(id, "train.log").split(separator: "\n").first { $0.contains("sweep starts:") } ?? ""
            #expect(!start.isEmpty && !start.contains("--tensorboard"), "\(start)")
        }
    }

    /// A halving sweep's workers start their runs with the same tensorboard flags: every run
    /// has a session start with its varying flag, and a promoted run keeps its one folder.
    @Test func halvingWorkersWriteTheSessionRecordsToo() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  lr: [0.1, 0.05, 0.02]\nhalving: {metric: val_accuracy, min-epochs: 1, reduction: 3}\n",
                          fixed: "epochs: 3\nvalidation: 100")
        let result = try f.sweep(["--spec", spec, "--worker"])
        #expect(result.status == 0, "\(result.stderr)")
        let ids = f.runFolders()
        #expect(ids.count == 3)
        for id in ids {
            let folder = f.dir + "/tensorboard/" + id
            let files = Self.eventFiles(folder)
            #expect(!files.isEmpty, "\(id): no event file")
            let records = try files.flatMap { try tfRecords(in: folder + "/" + $0) }
            #expect(records.contains { Self.holds($0, "_hparams_/session_start_info") && Self.holds($0, "lr") }, "\(id)")
            #expect(records.contains { Self.holds($0, "_hparams_/session_end_info") }, "\(id)")
            let start = f.file(id, "train.log").split(separator: "\n").first { $0.contains("sweep starts:") } ?? ""
            #expect(start.contains("--tensorboard \(f.dir)/tensorboard --tensorboard-run \(id) --hparams lr"), "\(start)")
        }
    }
}
