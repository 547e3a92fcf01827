import Foundation
import Reports
import RunRecords
import Support
import Testing
import Training
@testable import TestSupport

@Suite(.serialized)
struct RunLogWritingTests {
    static let binary = TestPaths.binary.path

    /// `>&-` used to put the "Fashion-MNIST: …" line into the CSV (opened on the freed fd 1).
    @Test(arguments: [">&-", "2>&-", "<&-", ">&- 2>&-", "<&- >&- 2>&-"])
    func closedStandardStreamsNeverBecomeTheLog(redirection: String) throws {
        let data = TinyData.make()
        let csv = TestPaths.temporaryDirectory().appendingPathComponent("runs.csv").path
        // A warning on stderr too: the collapse warning is forced by a huge rate.
        let (result, timedOut) = try runShell("exec \"$@\" \(redirection)", [Self.binary, "--data-dir", data, "--epochs", "2", "--csv", csv])
        #expect(!timedOut)
        #expect(result.status == 0, "\(result.stderr)")
        _ = try expectWholeLog(csv, rows: 2)
        let again = try runShell("exec \"$@\" \(redirection)", [Self.binary, "--data-dir", data, "--epochs", "1", "--csv", csv,
                                                                "--optimizer", "sgd", "--lr", "50"])
        #expect(again.result.status == 0 || again.result.status == 3)
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        #expect(!text.contains("Fashion-MNIST") && !text.contains("warning") && !text.contains("epoch "))
        _ = try expectWholeLog(csv)
    }

    /// 6 real processes append rows longer than 4 KB to one new file at once, several times:
    /// every row whole, the header once, each run's rows all there.
    @Test func concurrentWritersNeverSpliceRowsOrDoubleTheHeader() throws {
        let data = TinyData.make(train: 100, test: 20)
        for round in 0..<4 {
            let csv = TestPaths.temporaryDirectory().appendingPathComponent("shared.csv").path
            let names = (0..<6).map { i in "run\(i)-" + String(repeating: Character(UnicodeScalar(UInt8(65 + i))), count: 5000) + ",\"quoted\"" }
            let processes = try names.enumerated().map { i, name -> Process in
                let process = Process()
                process.executableURL = TestPaths.binary
                process.arguments = ["--data-dir", data, "--epochs", "8", "--batch-size", "100", "--csv", csv, "--run-name", name,
                                     "--seed", String(i + 1)]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                return process
            }
            for process in processes { process.waitUntilExit(); #expect(process.terminationStatus == 0, "round \(round)") }
            let rows = try expectWholeLog(csv, rows: 6 * 8)
            for name in names {
                let mine = rows.filter { $0.count == 21 && $0[1] == name }
                #expect(mine.map { $0[10] } == (1...8).map(String.init), "round \(round): every epoch of \(name.prefix(5)) once, in order")
            }
            #expect(rows.allSatisfy { $0.count == 21 && names.contains($0[1]) }, "no row carries a spliced name")
        }
    }

    /// The unit of `ulimit -f` in /bin/sh (dash: 512 bytes, bash: 1024).
    static func ulimitUnit() throws -> Int {
        let file = TestPaths.temporaryDirectory().appendingPathComponent("probe").path
        _ = try runShell("trap '' XFSZ; ulimit -f 1; head -c 5000 /dev/zero > \"$1\"", [file])
        return (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 512
    }

    /// A file-size limit (SIGXFSZ ignored, as a full disk behaves): the row that does not fit is
    /// rolled back, one line, exit 1, the model still saved; the next run appends cleanly.
    @Test func fileSizeLimitRollsBackTheRowAndTheNextRunAppends() throws {
        let data = TinyData.make()
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("runs.csv").path
        let model = dir.appendingPathComponent("m.safetensors").path
        // A log of whole rows, grown to just under the limit.
        let seed = try runTool(["--data-dir", data, "--epochs", "1", "--csv", csv])
        #expect(seed.status == 0, "\(seed.stderr)")
        let unit = try Self.ulimitUnit()
        let limitBlocks = 400  // 200 or 400 KB: above the 69 KB model, so --save can still be written
        let limit = limitBlocks * unit
        var text = try String(contentsOfFile: csv, encoding: .utf8)
        let row = String(text.split(separator: "\n")[1]) + "\n"
        while text.utf8.count + row.utf8.count < limit - 3000 { text += row }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let before = try Data(contentsOf: URL(fileURLWithPath: csv))
        let longName = String(repeating: "n", count: 2500)  // rows of ~2.9 KB: the first fits, the second does not
        let (limited, timedOut) = try runShell("trap '' XFSZ; ulimit -f \(limitBlocks); exec \"$@\"",
                                               [Self.binary, "--data-dir", data, "--epochs", "5", "--csv", csv, "--save", model, "--run-name", longName])
        #expect(!timedOut)
        #expect(limited.status == 1, "\(limited.stderr)")
        // The fixture is not a published data set: its one warning line is not the failure's.
        let lines = limited.stderr.split(separator: "\n").filter { !$0.hasPrefix("zalando-train: warning:") }
        #expect(lines.count == 1, "one line: \(limited.stderr)")
        #expect(lines.first?.hasPrefix("zalando-train: \(csv): write failed (File too large)") == true, "\(limited.stderr)")
        #expect(limited.stderr.contains("model saved to \(model)"))
        let after = try Data(contentsOf: URL(fileURLWithPath: csv))
        #expect(after.count <= limit && after.starts(with: before), "only whole rows were added")
        let rows = try expectWholeLog(csv)
        let added = rows.filter { $0[1] == longName }
        #expect(added.count >= 1 && added.count < 5)
        #expect(added.map { $0[10] } == (1...added.count).map(String.init))
        // The saved model holds the weights of the epoch whose row failed: evaluate reads it.
        let evaluation = try runTool(["evaluate", "--model", model, "--data-dir", data])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        // Without the limit the next run appends cleanly after the last whole row.
        let next = try runTool(["--data-dir", data, "--epochs", "2", "--csv", csv, "--run-name", "next"])
        #expect(next.status == 0, "\(next.stderr)")
        let final = try expectWholeLog(csv, rows: rows.count + 2)
        #expect(final.suffix(2).map { $0[1] } == ["next", "next"])
    }

    /// A last line without its newline: a whole row (or the header) gets its newline, the remains
    /// of a half row are cut back with a warning; the new rows never fuse onto either.
    @Test(arguments: ["header", "whole row", "half row", "half quoted row"])
    func lastLineWithoutNewlineIsRepaired(ending: String) throws {
        let data = TinyData.make()
        let csv = TestPaths.temporaryDirectory().appendingPathComponent("runs.csv").path
        #expect(try runTool(["--data-dir", data, "--epochs", "2", "--csv", csv, "--run-name", "first"]).status == 0)
        let full = try String(contentsOfFile: csv, encoding: .utf8)
        let lines = full.split(separator: "\n").map(String.init)
        let damaged: String
        var kept: Int
        switch ending {
        case "header": damaged = lines[0]; kept = 0
        case "whole row": damaged = lines[0] + "\n" + lines[1] + "\n" + lines[2]; kept = 2
        case "half row": damaged = lines[0] + "\n" + lines[1] + "\n" + String(lines[2].prefix(40)); kept = 1
        default: damaged = lines[0] + "\n" + lines[1] + "\n" + String(lines[2].prefix(lines[2].count - 30)); kept = 1  // inside the quoted flags
        }
        try damaged.write(toFile: csv, atomically: true, encoding: .utf8)
        let result = try runTool(["--data-dir", data, "--epochs", "1", "--csv", csv, "--run-name", "second"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("half-written row") == ending.hasPrefix("half"), "\(result.stderr)")
        let rows = try expectWholeLog(csv, rows: kept + 1)
        #expect(rows.last?[1] == "second")
        #expect(rows.dropLast().allSatisfy { $0[1] == "first" })
    }

    /// Two runs that differ only in their data set used to share a name and be merged by
    /// compare; they now have different run_ids, and validation columns are filled.
    @Test func rowsCarryRunIDFlagsAndValidation() throws {
        let data = TinyData.make()
        let csv = TestPaths.temporaryDirectory().appendingPathComponent("runs.csv").path
        #expect(try runTool(["--data-dir", data, "--epochs", "2", "--csv", csv, "--validation", "50"]).status == 0)
        #expect(try runTool(["--data-dir", data, "--epochs", "2", "--csv", csv, "--validation", "50", "--dataset", "mnist"]).status == 0)
        let rows = try expectWholeLog(csv, rows: 4)
        #expect(rows[0][0] == rows[1][0] && rows[0][0] != rows[2][0], "one run_id per configuration")
        #expect(rows.allSatisfy { Double($0[15]) != nil && Double($0[16]) != nil }, "val_cost and val_accuracy filled")
        #expect(rows[0][20].contains("--validation 50") && rows[2][20].contains("--dataset mnist"))
        let table = try runTool(["compare", csv])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.contains("best val_accuracy (epoch)") == true && lines.first?.contains("test_accuracy there") == true)
        #expect(lines.filter { $0.contains(rows[0][0]) || $0.contains(rows[2][0]) }.count == 2, "two runs, not merged: \(table.stdout)")
        #expect(table.stdout.contains("dataset=mnist") && table.stdout.contains("dataset=fashion"))
        #expect(!table.stdout.contains("overstates"))
    }
}

/// Outputs are checked before any training: exit 64, one line naming the flag and the path, and
/// the file that was there byte-identical afterwards.
@Suite(.serialized)
struct OutputCheckTests {
    /// A folder with a tiny data set, a v2 log, a v1 log, a foreign CSV, a model, an SVG, a text
    /// file, a FIFO and a subfolder.
    static func workspace() throws -> (dir: String, data: String) {
        let data = TinyData.make()
        let dir = URL(fileURLWithPath: data).deletingLastPathComponent().path
        let made = try runTool(["--data-dir", data, "--epochs", "1", "--csv", dir + "/runs.csv", "--save", dir + "/model.safetensors"])
        #expect(made.status == 0, "\(made.stderr)")
        try (v1Header + "\nold,fashion,sgd,constant,0.01,50,20-20-20-20,1,1,1200,0.01,0.6,0.78,0.62,0.77,0.11\n")
            .write(toFile: dir + "/v1.csv", atomically: true, encoding: .utf8)
        try "name,value\na,1\n".write(toFile: dir + "/other.csv", atomically: true, encoding: .utf8)
        try "notes\n".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        try "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>\n".write(toFile: dir + "/old.svg", atomically: true, encoding: .utf8)
        #expect(mkfifo(dir + "/fifo", 0o644) == 0)
        try FileManager.default.createDirectory(atPath: dir + "/folder", withIntermediateDirectories: false)
        return (dir, data)
    }

    static let refused: [(name: String, arguments: @Sendable (String, String) -> [String], first: String, untouched: String?)] = [
        ("--save a run log", { d, t in ["--data-dir", t, "--epochs", "1", "--save", d + "/runs.csv"] }, "--save \u{1}/runs.csv: exists and is not a zalando-train model", "runs.csv"),
        ("--save a data file", { d, t in ["--data-dir", t, "--epochs", "1", "--save", t + "/train-labels-idx1-ubyte"] }, "--save \u{2}/train-labels-idx1-ubyte: is also an input", "tiny/train-labels-idx1-ubyte"),
        ("--save a data file .gz not there", { d, t in ["--data-dir", t, "--epochs", "1", "--save", t + "/t10k-images-idx3-ubyte.gz"] }, "is also an input", nil),
        ("--save /dev/full", { _, t in ["--data-dir", t, "--epochs", "1", "--save", "/dev/full"] }, "--save /dev/full: is a device", nil),
        ("--save ''", { _, t in ["--data-dir", t, "--epochs", "1", "--save", ""] }, "--save '': empty file name", nil),
        ("--save newdir/", { d, t in ["--data-dir", t, "--epochs", "1", "--save", d + "/newdir/"] }, "ends in /", nil),
        ("--save missing folder", { d, t in ["--data-dir", t, "--epochs", "1", "--save", d + "/nodir/m.safetensors"] }, "--save \u{1}/nodir/m.safetensors: folder \u{1}/nodir does not exist", nil),
        ("--save a folder", { d, t in ["--data-dir", t, "--epochs", "1", "--save", d + "/folder"] }, "is a folder", nil),
        ("--save a FIFO", { d, t in ["--data-dir", t, "--epochs", "1", "--save", d + "/fifo"] }, "is a FIFO", nil),
        ("--save a text file", { d, t in ["--data-dir", t, "--epochs", "1", "--save", d + "/notes.txt"] }, "exists and is not a zalando-train model", "notes.txt"),
        ("--save an SVG", { d, t in ["--data-dir", t, "--epochs", "1", "--save", d + "/old.svg"] }, "exists and is not a zalando-train model", "old.svg"),
        ("--save under a file", { d, t in ["--data-dir", t, "--epochs", "1", "--save", d + "/notes.txt/m.safetensors"] }, "not a folder", "notes.txt"),
        ("--csv a FIFO", { d, t in ["--data-dir", t, "--epochs", "1", "--csv", d + "/fifo"] }, "--csv \u{1}/fifo: is a FIFO", nil),
        ("--csv /dev/null", { _, t in ["--data-dir", t, "--epochs", "1", "--csv", "/dev/null"] }, "is a device", nil),
        ("--csv another header", { d, t in ["--data-dir", t, "--epochs", "1", "--csv", d + "/other.csv"] }, "exists and is not a zalando-train run log (v2)", "other.csv"),
        ("--csv a v1 log", { d, t in ["--data-dir", t, "--epochs", "1", "--csv", d + "/v1.csv"] }, "a v1 run log", "v1.csv"),
        ("--csv a model", { d, t in ["--data-dir", t, "--epochs", "1", "--csv", d + "/model.safetensors"] }, "exists and is not a zalando-train run log", "model.safetensors"),
        ("--csv a data file", { d, t in ["--data-dir", t, "--epochs", "1", "--csv", t + "/t10k-labels-idx1-ubyte"] }, "is also an input", "tiny/t10k-labels-idx1-ubyte"),
        ("--csv a folder", { d, t in ["--data-dir", t, "--epochs", "1", "--csv", d + "/folder"] }, "is a folder", nil),
        ("--csv ''", { _, t in ["--data-dir", t, "--epochs", "1", "--csv", ""] }, "--csv '': empty file name", nil),
        ("--csv and --save one file", { d, t in ["--data-dir", t, "--epochs", "1", "--csv", d + "/runs.csv", "--save", d + "/runs.csv"] }, "is also an input or output", "runs.csv"),
        ("--csv and --save one new file", { d, t in ["--data-dir", t, "--epochs", "1", "--csv", d + "/new.csv", "--save", d + "/./new.csv"] }, "is the same file as", nil),
        ("compare --svg its input", { d, _ in ["compare", d + "/runs.csv", "--svg", d + "/runs.csv"] }, "--svg \u{1}/runs.csv: is an input of this command", "runs.csv"),
        ("compare --svg a model", { d, _ in ["compare", d + "/runs.csv", "--svg", d + "/model.safetensors"] }, "exists and is not an SVG file", "model.safetensors"),
        ("compare --svg a log not compared", { d, _ in ["compare", d + "/runs.csv", "--svg", d + "/v1.csv"] }, "exists and is not an SVG file", "v1.csv"),
        ("compare --svg /dev/full", { d, _ in ["compare", d + "/runs.csv", "--svg", "/dev/full"] }, "is not a regular file (a device", nil),
        ("compare --svg missing folder", { d, _ in ["compare", d + "/runs.csv", "--svg", d + "/nodir/c.svg"] }, "does not exist", nil),
    ]

    @Test(arguments: refused.indices)
    func refusedBeforeAnyTraining(_ index: Int) throws {
        let (name, arguments, first, untouched) = Self.refused[index]
        let (dir, data) = try Self.workspace()
        let before = try untouched.map { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0)) }
        let (result, timedOut) = try runShell("exec \"$@\"", [TestPaths.binary.path] + arguments(dir, data), timeout: 30)
        #expect(!timedOut, "\(name): hung")
        #expect(result.status == 64, "\(name): \(result.stderr)")
        // compare's picture outputs are checked with its other flags: a usage error (the Error
        // line names the problem, then swift-argument-parser's Usage lines); train's outputs are
        // checked when the run starts, in one line.
        let usageError = arguments(dir, data).first == "compare"
        let expected = (usageError ? "Error: " : "zalando-train: ")
            + first.replacingOccurrences(of: "\u{1}", with: dir).replacingOccurrences(of: "\u{2}", with: data)
        let lines = result.stderr.split(separator: "\n")
        #expect(usageError ? lines.count <= 3 && lines.dropFirst().allSatisfy { !$0.hasPrefix("Error") } : lines.count == 1,
                "\(name): one line: \(result.stderr)")
        #expect(lines.first.map { $0.hasPrefix(expected) || (!first.contains("\u{1}") && !first.contains("\u{2}") && $0.contains(first)) } == true,
                "\(name): \(result.stderr)")
        #expect(!result.stdout.contains("epoch "), "\(name): nothing trained")
        if let untouched, let before {
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + untouched)) == before, "\(name): \(untouched) untouched")
        }
        var info = stat()
        #expect(stat("/dev/full", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR, "/dev/full is still a device")
        #expect(stat(dir + "/fifo", &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
        #expect(!FileManager.default.fileExists(atPath: dir + "/new.csv") && !FileManager.default.fileExists(atPath: dir + "/newdir"))
    }

    /// Files of the kind being written are replaced (a model, an SVG) or appended to (a v2 log).
    @Test func ownKindIsReplacedOrAppended() throws {
        let (dir, data) = try Self.workspace()
        let train = try runTool(["--data-dir", data, "--epochs", "1", "--csv", dir + "/runs.csv", "--save", dir + "/model.safetensors", "--seed", "9"])
        #expect(train.status == 0, "\(train.stderr)")
        _ = try expectWholeLog(dir + "/runs.csv", rows: 2)
        let meta = try runTool(["evaluate", "--model", dir + "/model.safetensors", "--data-dir", data])
        #expect(meta.status == 0, "\(meta.stderr)")
        let compare = try runTool(["compare", dir + "/runs.csv", dir + "/v1.csv", "--svg", dir + "/old.svg"])
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(try String(contentsOfFile: dir + "/old.svg", encoding: .utf8).contains("class=\"series\""))
    }
}

/// compare over v2 and v1 logs written by hand: keys, ranking, differing flags, seed groups.
struct CompareV2Tests {
    static func flags(seed: Int = 1, lr: String = "0.001", dataset: String = "fashion", validation: Int = 100) -> String {
        "--dataset \(dataset) --hidden 20,20,20,20 --activation relu --init he --batch-size 50 --epochs 3 --seed \(seed) "
            + "--validation \(validation) --optimizer adam --lr \(lr) --beta1 0.9 --beta2 0.999 --eps 1e-08 --weight-decay 0 --l1 0 --grad-noise 0 --schedule constant"
    }

    /// One v2 row; `val` nil leaves the validation columns empty.
    static func row(id: String, name: String, dataset: String = "fashion", seed: Int = 1, epoch: Int, val: Double?, test: Double, flags: String) -> String {
        let v = val.map { ("0.5", "\($0)") } ?? ("", "")
        return "\(id),\"\(name)\",\(dataset),adam,constant,0.001,50,20-20-20-20,relu,\(seed),\(epoch),\(epoch * 1200),0.001,0.5,0.8,\(v.0),\(v.1),0.55,\(test),0.1,\"\(flags)\""
    }

    static func log(_ rows: [String]) throws -> String {
        let path = TestPaths.temporaryDirectory().appendingPathComponent("runs.csv").path
        try ([v2Header] + rows).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Same name, different run_id: two runs; with validation everywhere the ranking is by
    /// val_accuracy and shows the test accuracy at the best validation epoch.
    @Test func ranksByValidationAndKeysByRunID() throws {
        let path = try Self.log([
            Self.row(id: "aaaaaaaaaaaa", name: "same", epoch: 1, val: 0.80, test: 0.79, flags: Self.flags()),
            Self.row(id: "bbbbbbbbbbbb", name: "same", dataset: "mnist", epoch: 1, val: 0.90, test: 0.70, flags: Self.flags(dataset: "mnist")),
            Self.row(id: "aaaaaaaaaaaa", name: "same", epoch: 2, val: 0.85, test: 0.81, flags: Self.flags()),
            Self.row(id: "bbbbbbbbbbbb", name: "same", dataset: "mnist", epoch: 2, val: 0.88, test: 0.95, flags: Self.flags(dataset: "mnist")),
        ])
        let result = try runTool(["compare", path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].contains("best val_accuracy (epoch)"))
        // mnist's best validation epoch is 1 (90%), where test accuracy was 70% — not its 95%.
        #expect(lines[1].hasPrefix("same (2) ") && lines[1].contains("bbbbbbbbbbbb") && lines[1].contains("90.00% (1)") && lines[1].contains("70.00%"))
        #expect(lines[1].contains("dataset=mnist") && lines[2].contains("dataset=fashion"))
        #expect(lines[2].hasPrefix("same ") && lines[2].contains("aaaaaaaaaaaa") && lines[2].contains("85.00% (2)") && lines[2].contains("81.00%"))
        #expect(!result.stdout.contains("overstates"))
    }

    /// Without validation in every run: test accuracy, with the one-line note.
    @Test func withoutValidationRanksByTestAndSaysItOverstates() throws {
        let path = try Self.log([
            Self.row(id: "aaaaaaaaaaaa", name: "with", epoch: 1, val: 0.80, test: 0.79, flags: Self.flags()),
            Self.row(id: "cccccccccccc", name: "without", epoch: 1, val: nil, test: 0.83, flags: Self.flags(validation: 0)),
        ])
        let result = try runTool(["compare", path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].contains("best test_accuracy (epoch)") && !lines[0].contains("test_accuracy there"))
        #expect(lines[1].hasPrefix("without") && lines[2].hasPrefix("with "))
        #expect(lines.filter { $0.contains("overstates") }.count == 1)
        #expect(lines[1].contains("validation=0") && lines[2].contains("validation=100"))
    }

    /// Seeds of one configuration: also one line with mean ± sample sd, computed here.
    @Test func seedsOfOneConfigurationAreSummarised() throws {
        let vals = [0.80, 0.84, 0.86]
        let tests = [0.78, 0.83, 0.85]
        var rows = (0..<3).map { i in
            Self.row(id: "00000000000\(i)", name: "adam lr=0.001 seed=\(i + 1)", seed: i + 1, epoch: 1, val: vals[i], test: tests[i], flags: Self.flags(seed: i + 1))
        }
        rows.append(Self.row(id: "dddddddddddd", name: "other", epoch: 1, val: 0.5, test: 0.5, flags: Self.flags(lr: "0.1")))
        let result = try runTool(["compare", try Self.log(rows)])
        #expect(result.status == 0, "\(result.stderr)")
        func meanSD(_ v: [Double]) -> (Double, Double) {
            let m = v.reduce(0, +) / Double(v.count)
            return (m, (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot())
        }
        let (vm, vs) = meanSD(vals), (tm, ts) = meanSD(tests)
        let group = result.stdout.split(separator: "\n").filter { $0.contains("3 runs (seeds") }
        #expect(group.count == 1, "\(result.stdout)")
        #expect(group.first?.contains(String(format: "%.2f%% ± %.2f%%", vm * 100, vs * 100)) == true, "\(result.stdout)")
        #expect(group.first?.contains(String(format: "%.2f%% ± %.2f%%", tm * 100, ts * 100)) == true, "\(result.stdout)")
        #expect(group.first?.contains("adam lr=0.001") == true && group.first?.contains("seed=") == false)
        // Only the seed differs between the three, and the lr for the fourth: the differs column says so.
        #expect(result.stdout.contains("seed=2") && !result.stdout.contains("dataset="))
    }

    /// Configurations are ranked by their mean over seeds, not by their luckiest seed, and list
    /// their seeds in order.
    @Test func configurationsAreRankedByTheirMean() throws {
        // lr 0.1 has the best single run (0.95) but the lower mean (0.80 against 0.85).
        let spread = [0.95, 0.70, 0.75], steady = [0.84, 0.85, 0.86]
        var rows: [String] = []
        for (i, seed) in [3, 1, 2].enumerated() {
            rows.append(Self.row(id: "a0000000000\(i)", name: "lucky seed=\(seed)", seed: seed, epoch: 1, val: spread[i], test: 0.5, flags: Self.flags(seed: seed, lr: "0.1")))
            rows.append(Self.row(id: "b0000000000\(i)", name: "steady seed=\(seed)", seed: seed, epoch: 1, val: steady[i], test: 0.5, flags: Self.flags(seed: seed, lr: "0.01")))
        }
        let result = try runTool(["compare", try Self.log(rows)])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        // The per-run table puts the lucky run first; the configurations put the steady one first.
        #expect(lines[1].hasPrefix("lucky"))
        guard let at = lines.firstIndex(where: { $0.hasPrefix("configurations over seeds") }) else {
            Issue.record("no configuration table: \(result.stdout)"); return
        }
        #expect(lines[at + 1].contains("configuration") && lines[at + 1].contains("test_accuracy there"))
        #expect(lines[at + 2].contains("steady") && lines[at + 2].contains("85.00% ± 1.00%"), "\(result.stdout)")
        #expect(lines[at + 3].contains("lucky") && lines[at + 3].contains("(seeds 1,2,3)"), "\(result.stdout)")
    }

    /// A flag only some runs have (Adam's betas beside SGD) is not a difference unless it takes
    /// two values among them.
    @Test func optimizerOwnFlagsDifferOnlyWhenTheirValuesDo() throws {
        let sgd = "--dataset fashion --hidden 20,20,20,20 --activation relu --init he --batch-size 50 --epochs 3 --seed 1 "
            + "--validation 100 --optimizer sgd --lr 0.1 --weight-decay 0 --l1 0 --grad-noise 0 --schedule constant"
        let rows = [
            Self.row(id: "d00000000001", name: "adam a", epoch: 1, val: 0.8, test: 0.8, flags: Self.flags()),
            Self.row(id: "d00000000002", name: "adam b", epoch: 1, val: 0.7, test: 0.7, flags: Self.flags().replacingOccurrences(of: "--beta2 0.999", with: "--beta2 0.99")),
            Self.row(id: "d00000000003", name: "sgd", epoch: 1, val: 0.6, test: 0.6, flags: sgd),
        ]
        let result = try runTool(["compare", try Self.log(rows)])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("beta2=0.99 ") || result.stdout.contains("beta2=0.99\n"), "\(result.stdout)")
        #expect(!result.stdout.contains("beta1="), "one value among the runs that have it: \(result.stdout)")
    }

    /// The same run in two logs (two sweep folders, one continued to more epochs) counts once
    /// in its configuration, with its longer history.
    @Test func aRunInTwoLogsCountsOnceOverSeeds() throws {
        let first = try Self.log([
            Self.row(id: "c00000000001", name: "x seed=1", seed: 1, epoch: 1, val: 0.60, test: 0.5, flags: Self.flags(seed: 1)),
            Self.row(id: "c00000000002", name: "x seed=2", seed: 2, epoch: 1, val: 0.70, test: 0.5, flags: Self.flags(seed: 2)),
        ])
        let second = try Self.log([
            Self.row(id: "c00000000001", name: "x seed=1", seed: 1, epoch: 1, val: 0.60, test: 0.5, flags: Self.flags(seed: 1)),
            Self.row(id: "c00000000001", name: "x seed=1", seed: 1, epoch: 2, val: 0.80, test: 0.5, flags: Self.flags(seed: 1)),
        ])
        let result = try runTool(["compare", first, second])
        #expect(result.status == 0, "\(result.stderr)")
        let group = result.stdout.split(separator: "\n").filter { $0.contains("runs (seeds") }
        #expect(group.count == 1 && group[0].contains("2 runs (seeds 1,2)"), "\(result.stdout)")
        // Mean of 0.80 (the longer history's best) and 0.70.
        #expect(group.first?.contains("75.00% ± 7.07%") == true, "\(result.stdout)")
    }

    /// Names are printed with control characters escaped: a name cannot clear the screen.
    @Test func controlCharactersInNamesAreEscaped() throws {
        let path = try Self.log([Self.row(id: "eeeeeeeeeeee", name: "evil\u{1B}[2J\nname\u{7}", epoch: 1, val: 0.5, test: 0.5, flags: Self.flags())])
        let result = try runTool(["compare", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("\u{1B}") && !result.stdout.contains("\u{7}"))
        #expect(result.stdout.contains("evil\\u{1B}[2J\\nname\\u{7}"), "\(result.stdout)")
        // …nor can a field named in an error message.
        let bad = try Self.log([Self.row(id: "eeeeeeeeeeee", name: "n", epoch: 1, val: 0.5, test: 0.5, flags: Self.flags())
            .replacingOccurrences(of: ",0.55,", with: ",\"\u{1B}[2J\",")])
        let error = try runTool(["compare", bad])
        #expect(error.status == 1 && error.stderr.contains("test_cost \"\\u{1B}[2J\" is not a number") && !error.stderr.contains("\u{1B}"), "\(error.stderr)")
    }

    /// v1 and v2 logs together; a v1 run is keyed by its identifying columns.
    @Test func readsV1AndV2Together() throws {
        let v1 = TestPaths.temporaryDirectory().appendingPathComponent("old.csv").path
        try (v1Header + "\nold,fashion,sgd,constant,0.01,50,20-20-20-20,1,1,1200,0.01,0.60,0.78,0.62,0.77,0.11\n"
            + "old,mnist,sgd,constant,0.01,50,20-20-20-20,1,1,1200,0.01,0.60,0.78,0.62,0.91,0.11\n")
            .write(toFile: v1, atomically: true, encoding: .utf8)
        let v2 = try Self.log([Self.row(id: "aaaaaaaaaaaa", name: "new", epoch: 1, val: nil, test: 0.8, flags: Self.flags(validation: 0))])
        let result = try runTool(["compare", v1, v2])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[1].hasPrefix("old (2)") && lines[1].contains("(v1)") && lines[1].contains("91.00%"))
        #expect(lines[2].hasPrefix("new ") && lines[3].hasPrefix("old "))
    }

    /// Numbers read back bit for bit as Swift's own parser reads them (the reader's fast decimal
    /// path and its strtod fallback), for values as the log writes them and in other spellings.
    @Test func numbersReadBackExactly() throws {
        var generator = SystemRandomNumberGenerator()
        var texts: [String] = ["0", "-0.0", "1", "5.", ".5", "1e-08", "2.5E3", "123456789012345678", "0.30000000000000004",
                               "9007199254740993", "0.1234567890123456789", "nan", "inf", "-inf", "1e308", "4.9e-324"]
        for _ in 0..<3000 {
            let magnitude = Double.random(in: -12...4, using: &generator)
            var value = Double.random(in: 0.1...1, using: &generator) * pow(10, magnitude)
            if Bool.random(using: &generator) { value = -value }
            texts.append("\(value)")
            texts.append(String(format: "%.\(Int.random(in: 0...20, using: &generator))f", value))
        }
        let rows = texts.enumerated().map { i, text in
            "aaaaaaaaaaaa,r,fashion,adam,constant,0.001,50,20,relu,1,\(i + 1),\(i + 1),\(text),1,1,,,1,1,1,\"--x\""
        }
        let runs = try RunLogReader.read(path: try Self.log(rows))
        #expect(runs.count == 1 && runs[0].epochs.count == texts.count)
        for (text, record) in zip(texts, runs[0].epochs) {
            let expected = Double(text)!
            #expect(record.lr.bitPattern == expected.bitPattern || (record.lr.isNaN && expected.isNaN), "\(text)")
        }
    }

    /// The reader API others build on (resume, sweeps): the epochs a run_id already has.
    @Test func runsWithIDFindsARunsRows() throws {
        let path = try Self.log([
            Self.row(id: "aaaaaaaaaaaa", name: "a", epoch: 1, val: 0.5, test: 0.5, flags: Self.flags()),
            Self.row(id: "bbbbbbbbbbbb", name: "b", epoch: 1, val: 0.5, test: 0.5, flags: Self.flags(lr: "0.1")),
            Self.row(id: "aaaaaaaaaaaa", name: "a", epoch: 2, val: 0.6, test: 0.6, flags: Self.flags()),
        ])
        let runs = try RunLogReader.runs(withID: "aaaaaaaaaaaa", in: path)
        #expect(runs.count == 1 && runs[0].epochs.map(\.epoch) == [1, 2] && runs[0].flags == Self.flags())
        #expect(runs[0].epochs[1].valAccuracy == 0.6 && runs[0].hasValidation)
    }
}
