import Foundation
import Testing
@testable import TestSupport

/// Issue 22 "Nothing lost, nothing mislabelled", through the binary: a failed checkpoint or
/// TensorBoard write keeps the epoch's row and --save; repair cuts at the last real record
/// boundary; numbers read from logs and checkpoints are bounds-checked; one run, one record.
@Suite(.serialized)
struct RunRecordSafetyTests {
    static let binary = TestPaths.binary.path

    /// stderr without the one warning line the fixture's unpublished files give.
    static func failureLines(_ result: ProcessResult) -> [String] {
        result.stderr.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("zalando-train: warning:") }
    }

    /// The N of "the run stopped in epoch N" (a failure during the run) or "the run finished
    /// epoch N" (the last epoch's checkpoint failed) in a failure line.
    static func stoppedEpoch(_ line: String) -> Int? {
        guard let range = line.range(of: "the run stopped in epoch ") ?? line.range(of: "the run finished epoch ") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// Rows of `path` (RFC 4180, parsed by the tests' own reader) whose run column is `name`.
    static func rows(_ path: String, named name: String) throws -> [[String]] {
        try expectWholeLog(path).filter { $0[1] == name }
    }

    // MARK: - Item 2: a failed checkpoint or TensorBoard write loses neither the row nor --save

    /// A checkpoint that cannot be written (a file size limit between the 70 KB model and the
    /// 206 KB adam checkpoint) used to be thrown by the background writer before the epoch's row
    /// and --save were written: both were lost. Now the row and the model are written first,
    /// then one line names the checkpoint, exit 1. With 1 epoch the failure surfaces at the
    /// run's end, with 3 during the next epoch.
    @Test(arguments: [1, 3])
    func failedCheckpointWriteKeepsTheRowAndTheModel(epochs: Int) throws {
        let data = TinyData.make()
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("runs.csv").path
        let model = dir.appendingPathComponent("m.safetensors").path
        let checkpoint = dir.appendingPathComponent("run.ckpt").path
        let unit = try RunLogWritingTests.ulimitUnit()
        let blocks = 150 * 1024 / unit
        let (result, timedOut) = try runShell("trap '' XFSZ; ulimit -f \(blocks); exec \"$@\"",
                                              [Self.binary, "--data-dir", data, "--epochs", String(epochs), "--optimizer", "adam",
                                               "--csv", csv, "--save", model, "--checkpoint", checkpoint, "--run-name", "limited"])
        #expect(!timedOut)
        #expect(result.status == 1, "\(result.stderr)")
        let lines = Self.failureLines(result)
        #expect(lines.count == 1, "one line: \(result.stderr)")
        let line = lines.first ?? ""
        #expect(line.hasPrefix("zalando-train: \(checkpoint): "), "names the checkpoint: \(line)")
        #expect(line.contains("File too large"), "\(line)")
        #expect(line.contains("model saved to \(model)"), "\(line)")
        let stopped = try #require(Self.stoppedEpoch(line), "says where the run stopped: \(line)")
        #expect((1...epochs).contains(stopped))
        // Every epoch up to the one named is in the log, each once.
        let logged = try Self.rows(csv, named: "limited")
        #expect(logged.map { $0[10] } == (1...stopped).map(String.init), "\(logged.map { $0[10] })")
        // The model holds the weights of that epoch and evaluate reads it.
        let saved = try SafetensorsFile(path: model)
        #expect(saved.metadata["epochs_completed"] == String(stopped))
        let evaluation = try runTool(["evaluate", "--model", model, "--data-dir", data])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        // No checkpoint ever landed, and the temporary file is gone: nothing half-written remains.
        #expect(!FileManager.default.fileExists(atPath: checkpoint))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(".run.ckpt.tmp").path))
    }

    /// Whether this machine lets an unprivileged process mount a small tmpfs in its own
    /// namespaces (a full disk for one folder only).
    static let canMountTmpfs: Bool = {
        let probe = TestPaths.temporaryDirectory().path
        guard let result = try? runShell("unshare --user --map-root-user --mount sh -c 'mount -t tmpfs -o size=4k tmpfs \"$1\"' sh \"$1\"", [probe]).result else { return false }
        if result.status != 0 { print("⚠️  SKIPPING the full-TensorBoard-disk test: unshare/mount of a tmpfs is not permitted here (\(result.stderr))") }
        return result.status == 0
    }()

    /// --tensorboard on a full disk (a 4 KB tmpfs): the event write that fails stops the run
    /// after the epoch's row and with --save written (it used to throw past both), one line
    /// naming the event file, exit 1.
    @Test(.enabled(if: canMountTmpfs))
    func failedTensorBoardWriteKeepsTheRowAndTheModel() throws {
        let data = TinyData.make()
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("runs.csv").path
        let model = dir.appendingPathComponent("m.safetensors").path
        let board = dir.appendingPathComponent("tb").path
        try FileManager.default.createDirectory(atPath: board, withIntermediateDirectories: true)
        let (result, timedOut) = try runShell("d=$1; shift; exec unshare --user --map-root-user --mount sh -c 'mount -t tmpfs -o size=4k tmpfs \"$0\" && exec \"$@\"' \"$d\" \"$@\"",
                                              [board, Self.binary, "--data-dir", data, "--epochs", "60", "--csv", csv, "--save", model,
                                               "--tensorboard", board, "--run-name", "full"])
        #expect(!timedOut)
        #expect(result.status == 1, "\(result.stderr)")
        let lines = Self.failureLines(result).filter { !$0.hasPrefix("warning: dead units") }
        #expect(lines.count == 1, "one line: \(result.stderr)")
        let line = lines.first ?? ""
        #expect(line.hasPrefix("zalando-train: \(board)/full-") && line.contains("/events.out.tfevents."), "names the event file: \(line)")
        #expect(line.contains("No space left on device") && line.contains("model saved to \(model)"), "\(line)")
        let stopped = try #require(Self.stoppedEpoch(line), "\(line)")
        #expect(stopped < 60)
        #expect(try Self.rows(csv, named: "full").map { $0[10] } == (1...stopped).map(String.init))
        #expect(try SafetensorsFile(path: model).metadata["epochs_completed"] == String(stopped))
    }

    // MARK: - Item 3: repair finds the last real record boundary

    /// A run named with a newline, then its log damaged at the end: the next run's repair cuts
    /// at the last real record boundary (the scanner's), never at the newline inside the quoted
    /// name, so compare and --resume read every row afterwards.
    @Test(arguments: ["lost final newline", "cut after the quoted newline", "cut mid-row"])
    func repairHonoursQuotedNewlines(damage: String) throws {
        let data = TinyData.make()
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("runs.csv").path
        let checkpoint = dir.appendingPathComponent("b.ckpt").path
        let name = "two\nlines"
        #expect(try runTool(["--data-dir", data, "--epochs", "2", "--csv", csv, "--run-name", name]).status == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: csv))
        let lastRowStart = bytes[..<(bytes.count - 1)].lastIndex(of: UInt8(ascii: "\n"))! + 1  // after the name's newline
        let kept: Int
        switch damage {
        case "lost final newline": bytes.removeLast(); kept = 2
        case "cut after the quoted newline": bytes = bytes.prefix(lastRowStart); kept = 1  // `…,"two\n`: ends in a newline, inside quotes
        default: bytes = bytes.prefix(lastRowStart + 40); kept = 1
        }
        // The cut really is inside the last row: its first field is the run_id, its name quoted.
        #expect(String(decoding: bytes, as: UTF8.self).components(separatedBy: "\"two\n").count == 3)
        try bytes.write(to: URL(fileURLWithPath: csv))
        let next = try runTool(["--data-dir", data, "--epochs", "2", "--seed", "2", "--csv", csv, "--run-name", "next", "--checkpoint", checkpoint])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("half-written row") == (kept == 1), "\(next.stderr)")
        let rows = try expectWholeLog(csv, rows: kept + 2)
        #expect(rows.map { $0[1] } == Array(repeating: name, count: kept) + ["next", "next"])
        #expect(rows.prefix(kept).map { $0[10] } == (1...kept).map(String.init))
        // compare reads every row (it failed with "stray quote" on the corrupted log)…
        let table = try runTool(["compare", csv, "--runs"])  // --runs: the per-run table, which names each run_id
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains(rows[0][0]) && table.stdout.contains(rows[kept][0]))
        // …and so does --resume, which reads the run's logged epochs.
        let resumed = try runTool(["--data-dir", data, "--epochs", "3", "--seed", "2", "--csv", csv, "--run-name", "next", "--resume", checkpoint])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try expectWholeLog(csv).filter { $0[1] == "next" }.map { $0[10] } == ["1", "2", "3"])
    }

    /// A row cut inside unquoted flags (one hidden layer: no comma, so flags is not quoted) still
    /// has 21 fields; its run_id no longer matches its shortened flags, so it is cut, not ended.
    @Test func rowCutInsideUnquotedFlagsIsCut() throws {
        let data = TinyData.make()
        let csv = TestPaths.temporaryDirectory().appendingPathComponent("runs.csv").path
        #expect(try runTool(["--data-dir", data, "--epochs", "2", "--hidden", "30", "--csv", csv]).status == 0)
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        #expect(!text.split(separator: "\n")[1].contains("\""), "flags unquoted")
        try String(text.dropLast(12)).write(toFile: csv, atomically: true, encoding: .utf8)
        let next = try runTool(["--data-dir", data, "--epochs", "1", "--hidden", "30", "--seed", "3", "--csv", csv])
        #expect(next.status == 0 && next.stderr.contains("half-written row"), "\(next.stderr)")
        let rows = try expectWholeLog(csv, rows: 2)
        #expect(rows.map { $0[10] } == ["1", "1"] && rows[0][9] == "1" && rows[1][9] == "3")
        #expect(rows.allSatisfy { $0[20].hasSuffix("--schedule constant") }, "no shortened flags kept")
    }

    // MARK: - Item 4: every number read is bounds-checked

    /// 19 nines (more than Int.max) in the epoch or iteration column trapped compare, compare
    /// DIR and train --resume (SIGILL); now one line naming the file, the line and the column.
    @Test(arguments: [10, 11])
    func hugeCountsInALogAreRefused(column: Int) throws {
        let data = TinyData.make()
        let dir = TestPaths.temporaryDirectory()
        let sweep = dir.appendingPathComponent("sweep")
        let runFolder = sweep.appendingPathComponent("0123456789ab")
        try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true)
        let csv = runFolder.appendingPathComponent("run.csv").path
        let checkpoint = dir.appendingPathComponent("run.ckpt").path
        #expect(try runTool(["--data-dir", data, "--epochs", "1", "--csv", csv, "--checkpoint", checkpoint]).status == 0)
        var records = csvRecords(try String(contentsOfFile: csv, encoding: .utf8))
        records[1][column] = String(repeating: "9", count: 19)
        let quoted = records.map { $0.map { $0.contains(",") || $0.contains("\"") ? "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : $0 }
            .joined(separator: ",") }.joined(separator: "\n") + "\n"
        try quoted.write(toFile: csv, atomically: true, encoding: .utf8)
        let field = column == 10 ? "epoch" : "iteration"
        for arguments in [["compare", csv], ["compare", sweep.path],
                          ["--data-dir", data, "--epochs", "2", "--csv", csv, "--resume", checkpoint]] {
            let result = try runTool(arguments)
            #expect(result.status == 1, "\(arguments): status \(result.status) \(result.stderr)")
            let lines = Self.failureLines(result)
            #expect(lines.count == 1, "\(arguments): \(result.stderr)")
            #expect(lines.first?.contains("run.csv:2: \(field) \"9999999999999999999\" is out of range") == true, "\(arguments): \(result.stderr)")
        }
    }

    /// A checkpoint header whose numbers overflow any product (the issue's [2^32, 2^32] shape,
    /// offsets past Int, a fraction, a negative count) is refused by --resume with one line naming
    /// the file and the field, exit 1, never a trap.
    @Test(arguments: [
        ("\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]", "shape"),
        ("\"shape\":[4],\"data_offsets\":[0,18446744073709551616]", "malformed"),
        ("\"shape\":[1.5],\"data_offsets\":[0,4]", "malformed"),
        ("\"shape\":[-1],\"data_offsets\":[0,4]", "malformed"),
    ])
    func overflowingCheckpointShapesAreRefused(entry: String, expected: String) throws {
        let dir = TestPaths.temporaryDirectory()
        let path = dir.appendingPathComponent("crafted.ckpt").path
        var header = Array("{\"parameters\":{\"dtype\":\"F32\",\(entry)}}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header
        bytes += [UInt8](repeating: 0, count: 4)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try runTool(PatternData.arguments + ["--epochs", "2", "--resume", path])
        #expect(result.status == 1, "status \(result.status): \(result.stderr)")
        let lines = Self.failureLines(result)
        #expect(lines.count == 1 && lines[0].contains(path) && lines[0].contains("tensor parameters") && lines[0].contains(expected),
                "\(result.stderr)")
    }

    /// A hand-edited epoch near Int.max in a checkpoint is refused before `epoch + 1` (one update
    /// per epoch passed the epoch × updates check and then trapped).
    @Test func checkpointCountsAreBounded() throws {
        let dir = TestPaths.temporaryDirectory()
        let checkpoint = dir.appendingPathComponent("run.ckpt").path
        let flags = PatternData.arguments.filter { $0 != "32" && $0 != "--batch-size" } + ["--batch-size", "600"]
        #expect(try runTool(flags + ["--epochs", "1", "--checkpoint", checkpoint]).status == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        // epoch, iteration and their last.* twins all Int.max: consistent with one update per
        // epoch, so only `epoch + 1` could overflow (it trapped).
        let huge = String(Int.max)
        for key in ["epoch", "iteration"] { header = header.replacingOccurrences(of: "\(key)\":\"1\"", with: "\(key)\":\"\(huge)\"") }
        #expect(header.contains(huge))
        var newHeader = Array(header.utf8)
        while newHeader.count % 8 != 0 { newHeader.append(0x20) }
        bytes = Data((0..<8).map { UInt8(truncatingIfNeeded: newHeader.count >> (8 * $0)) } + newHeader) + bytes[(8 + length)...]
        try bytes.write(to: URL(fileURLWithPath: checkpoint))
        let result = try runTool(flags + ["--epochs", "2", "--resume", checkpoint])
        #expect(result.status == 1, "status \(result.status): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(checkpoint)
                && result.stderr.contains("__metadata__ epoch"), "\(result.stderr)")
    }

    // MARK: - Item 10: one run, one record

    /// --threads other than 1 is part of flags and run_id; --threads 1 (the default) is not, so
    /// single-threaded ids stay as they were; a resume with another thread count is refused.
    @Test func threadsArePartOfTheRun() throws {
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("runs.csv").path
        let checkpoint = dir.appendingPathComponent("run.ckpt").path
        let flags = PatternData.arguments + ["--epochs", "1", "--csv", csv]
        #expect(try runTool(flags + ["--checkpoint", checkpoint]).status == 0)
        #expect(try runTool(flags + ["--threads", "2"]).status == 0)
        let rows = try expectWholeLog(csv, rows: 2)
        #expect(!rows[0][20].contains("--threads"), "threads 1 stays out of flags")
        #expect(rows[1][20].hasSuffix(" --threads 2"), "\(rows[1][20])")
        #expect(rows[0][0] != rows[1][0], "another run_id")
        #expect(rows[0][20] + " --threads 2" == rows[1][20], "the only difference")
        let resumed = try runTool(PatternData.arguments + ["--epochs", "2", "--threads", "3", "--resume", checkpoint])
        #expect(resumed.status == 64 && resumed.stderr.contains("--threads: checkpoint not given, given 3"), "\(resumed.stderr)")
    }

    /// A run whose run_id the --csv already holds is refused before training (exit 64, one line
    /// saying how to continue it), the log untouched; --resume continues it into the same log.
    @Test func aRunAlreadyLoggedIsRefused() throws {
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("runs.csv").path
        let checkpoint = dir.appendingPathComponent("run.ckpt").path
        #expect(try runTool(PatternData.arguments + ["--epochs", "2", "--csv", csv, "--checkpoint", checkpoint]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: csv))
        // Another name, the same configuration: the same run.
        let again = try runTool(PatternData.arguments + ["--epochs", "2", "--csv", csv, "--run-name", "again"])
        #expect(again.status == 64, "\(again.stderr)")
        #expect(again.stderr.split(separator: "\n").count == 1 && again.stderr.contains(csv) && again.stderr.contains("--resume"), "\(again.stderr)")
        #expect(again.stdout.isEmpty, "refused before training: \(again.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: csv)) == before)
        let continued = try runTool(PatternData.arguments + ["--epochs", "3", "--csv", csv, "--resume", checkpoint])
        #expect(continued.status == 0, "\(continued.stderr)")
        let rows = try expectWholeLog(csv, rows: 3)
        #expect(Set(rows.map { $0[0] }).count == 1 && rows.map { $0[10] } == ["1", "2", "3"])
    }

    /// compare counts a run once however it is reached: the same log under two spellings, a
    /// sweep folder and a log inside it, or a copy of a log.
    @Test func compareCountsEachRunOnce() throws {
        let data = TinyData.make()
        let dir = TestPaths.temporaryDirectory()
        let sweep = dir.appendingPathComponent("sweep")
        var ids: [String] = []
        for seed in ["1", "2"] {
            let csv = dir.appendingPathComponent("seed\(seed).csv").path
            #expect(try runTool(["--data-dir", data, "--epochs", "2", "--seed", seed, "--csv", csv]).status == 0)
            let id = try expectWholeLog(csv)[0][0]
            ids.append(id)
            let folder = sweep.appendingPathComponent(id)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: csv, toPath: folder.appendingPathComponent("run.csv").path)
        }
        let copy = dir.appendingPathComponent("copy.csv").path
        try FileManager.default.copyItem(atPath: dir.appendingPathComponent("seed1.csv").path, toPath: copy)
        func compare(_ arguments: [String]) throws -> String {
            let result = try runTool(["compare", "--runs"] + arguments, in: dir)  // --runs lists each run_id
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            // Each run_id on one line of the per-run table at most (a run read twice was listed
            // twice, the second as "NAME (2)").
            for id in ids {
                #expect(result.stdout.split(separator: "\n").filter { $0.contains(id) }.count <= 1,
                        "\(arguments): a run listed twice:\n\(result.stdout)")
            }
            return result.stdout
        }
        // The same tables as for the log (or folder) given once.
        let single = try compare(["seed1.csv"])
        #expect(single.contains(ids[0]) && !single.contains(ids[1]))
        #expect(try compare(["seed1.csv", "./seed1.csv"]) == single)
        #expect(try compare(["seed1.csv", copy]) == single)
        let whole = try compare(["sweep"])
        #expect(whole.contains(ids[0]) && whole.contains(ids[1]))
        #expect(try compare(["sweep", "sweep/\(ids[0])/run.csv"]) == whole)
        #expect(try compare(["sweep/", "sweep/\(ids[1])/../\(ids[1])/run.csv"]) == whole)
    }
}
