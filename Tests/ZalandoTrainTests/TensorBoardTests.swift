import Foundation
import IDXData
import MLP
import Testing
@testable import RunRecords
import Support
import Training

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

/// Walks an event file's framing: every record whole (length, both CRCs), nothing left over.
/// Returns the records' payloads.
func tfRecords(in path: String) throws -> [[UInt8]] {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var records: [[UInt8]] = []
    var offset = 0
    func word32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
    while offset < bytes.count {
        guard bytes.count - offset >= 12 else { throw FileProblem(path: path, problem: "partial header at \(offset)") }
        let header = Array(bytes[offset..<offset + 8])
        let length = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(header[$1]) << (8 * UInt64($1)) })
        guard word32(offset + 8) == CRC32C.masked(CRC32C.checksum(header)) else { throw FileProblem(path: path, problem: "header CRC at \(offset)") }
        guard bytes.count - offset - 12 >= length + 4 else { throw FileProblem(path: path, problem: "partial record at \(offset)") }
        let data = Array(bytes[offset + 12..<offset + 12 + length])
        guard word32(offset + 12 + length) == CRC32C.masked(CRC32C.checksum(data)) else { throw FileProblem(path: path, problem: "data CRC at \(offset)") }
        records.append(data)
        offset += 16 + length
    }
    return records
}

/// TensorBoard's reader is installed (`python3 -m pip install tensorboard`, as .ci/run does).
/// Outside CI its absence skips the reader tests loudly; with CI=true they run and fail.
enum TensorBoardReader {
    static let script = TestPaths.packageRoot.appendingPathComponent("scripts/tensorboard-read.py").path

    static var available: Bool {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return true }
        if let result = try? runProcess("/usr/bin/env", ["python3", "-c", "import tensorboard"]), result.status == 0 { return true }
        print("⚠️  SKIPPING TensorBoard reader test: python3 cannot import tensorboard; run `python3 -m pip install tensorboard`")
        return false
    }

    struct File: Decodable {
        let name: String
        let events: Int
        let first_file_version: String?
        let first_step: Int?
    }
    struct Run: Decodable {
        let scalars: [String: [[Double]]]
        let plugin_tags: [String]
        let files: [File]
    }
    struct Log: Decodable { let runs: [String: Run] }

    static func read(_ directory: String) throws -> Log {
        let result = try runProcess("/usr/bin/env", ["python3", script, directory])
        guard result.status == 0 else { throw FileProblem(path: script, problem: "failed: \(result.stderr)") }
        return try JSONDecoder().decode(Log.self, from: Data(result.stdout.utf8))
    }
}

/// The binary end to end: the event files it writes, read back by TensorBoard's EventAccumulator,
/// hold every epoch's scalars equal (as float32) to the CSV row of the same epoch.
@Suite(.enabled(if: RealData.available("fashion")))
struct TensorBoardRunTests {
    static let data = ["--data-dir", TestPaths.dataDirectory("fashion")]

    /// The one run folder under `logdir`: the run's name, a dash and its 12-digit run_id.
    static func onlyRunFolder(in logdir: String, named name: String) throws -> String {
        let folders = try FileManager.default.contentsOfDirectory(atPath: logdir)
        #expect(folders.count == 1 && folders[0].hasPrefix(name + "-") && folders[0].count == name.count + 13, "\(folders)")
        return logdir + "/" + (folders.first ?? name)
    }
    /// TensorBoard tag → run-log column.
    static let columns = ["cost/train": "train_cost", "cost/val": "val_cost", "cost/test": "test_cost",
                          "accuracy/train": "train_accuracy", "accuracy/val": "val_accuracy",
                          "accuracy/test": "test_accuracy", "lr": "lr"]

    @Test(.enabled(if: TensorBoardReader.available))
    func tensorBoardReadsEveryEpochOfTwoRunsSideBySide() throws {
        let dir = TestPaths.temporaryDirectory()
        let logdir = dir.appendingPathComponent("tb/logs").path   // missing parents are created
        let csv = dir.appendingPathComponent("runs.csv").path
        let model = dir.appendingPathComponent("m.safetensors").path
        let first = try runTool(Self.data + ["--epochs", "2", "--validation", "10000", "--run-name", "adam/val",
                                             "--csv", csv, "--save", model, "--tensorboard", logdir])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try runTool(Self.data + ["--epochs", "1", "--optimizer", "sgd", "--csv", csv, "--tensorboard", logdir])
        #expect(second.status == 0, "\(second.stderr)")

        let log = try TensorBoardReader.read(logdir)
        // Folders are the safe run name followed by the run_id (12 hex digits).
        func folder(_ prefix: String) -> String? {
            log.runs.keys.first { $0.hasPrefix(prefix + "-") && $0.count == prefix.count + 13 }
        }
        #expect(log.runs.count == 2 && folder("adam_val") != nil && folder("sgd lr=0.01") != nil, "\(log.runs.keys)")
        let rows = csvRows(try String(contentsOfFile: csv, encoding: .utf8))
        let header = rows[0]
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        let allTags: Set = ["cost/train", "cost/val", "cost/test", "accuracy/train", "accuracy/val", "accuracy/test", "lr"]

        for (runName, prefix, epochs, tags) in [("adam/val", "adam_val", 2, allTags),
                                                ("sgd lr=0.01", "sgd lr=0.01", 1, allTags.subtracting(["cost/val", "accuracy/val"]))] {
            guard let folder = folder(prefix), let run = log.runs[folder] else { Issue.record("no run \(prefix)"); continue }
            #expect(Set(run.scalars.keys) == tags, "\(folder)")
            #expect(Set(run.plugin_tags) == tags, "the scalars dashboard sees \(run.plugin_tags)")
            #expect(run.files.count == 1)
            let file = try #require(run.files.first)
            #expect(file.name.hasPrefix("events.out.tfevents."))
            #expect(file.first_file_version == "brain.Event:2" && file.first_step == 0)
            #expect(file.events == 3 + epochs, "the version event, the HParams session start, one per epoch, the session end")
            let runRows = rows.dropFirst().filter { $0[column("run")!] == runName }
            #expect(runRows.count == epochs)
            for tag in tags {
                let points = run.scalars[tag] ?? []
                #expect(points.map { Int($0[0]) } == Array(1...epochs), "\(folder) \(tag): steps are epochs")
                guard let index = Self.columns[tag].flatMap(column) else { continue }
                for (point, row) in zip(points, runRows) {
                    #expect(Float(row[index])! == Float(point[1]), "\(folder) \(tag) epoch \(Int(point[0])): \(row[index]) vs \(point[1])")
                }
            }
        }

        // Without val columns in the run log, the validation scalars are checked against the epoch
        // lines (accuracy) and against the saved model evaluated on the held-out images (last cost).
        let run = try #require(folder("adam_val").flatMap { log.runs[$0] })
        if column("val_accuracy") == nil {
            let printed = first.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.map { line in
                Double(line.split(separator: " ").drop { $0 != "val" }.dropFirst().first!.dropLast())!
            }
            let accuracies = try #require(run.scalars["accuracy/val"]).map { $0[1] }
            #expect(printed.count == 2 && accuracies.count == 2)
            for (shown, logged) in zip(printed, accuracies) { #expect(abs(shown - logged * 100) <= 0.0051, "\(shown)% vs \(logged)") }
        }
        if column("val_cost") == nil {
            let loaded = try ModelFile.load(path: model)
            let dataset = try Dataset.load(.fashion, from: TestPaths.dataDirectory("fashion"))
            let validation = Evaluator(inputSize: 784).evaluate(loaded.network, on: dataset.train.suffix(10000))
            let logged = try #require(run.scalars["cost/val"]?.last?[1])
            #expect(abs(Float(validation.meanCost) - Float(logged)) <= 1e-6 * Float(logged), "\(validation.meanCost) vs \(logged)")
        }
    }

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
        let folder = try Self.onlyRunFolder(in: logdir, named: "killed")
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
        let folder = try Self.onlyRunFolder(in: logdir, named: "closed")
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
