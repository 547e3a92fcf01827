import Foundation
@testable import zalando_train
import Testing
@testable import TestSupport

/// A sweep decompresses its gzip data once into DIR/.data and points the children at the plain
/// copy: the copy must be byte for byte what `gunzip` makes, follow its source when that
/// changes, never stand in for a bad source, and be made once however many processes start.
@Suite(.serialized)
struct SweepDataCopyTests {
    /// The copy folders under DIR/.data (not the lock, not leftovers).
    func copies(_ f: SweepFixture) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(f.dir)/.data")) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "lock" }.sorted()
    }

    func leftovers(_ f: SweepFixture) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(f.dir)/.data")) ?? []).filter { $0.hasPrefix(".") }
    }

    /// What the system's gunzip makes of a file (independent of zlib as the tool uses it).
    func gunzip(_ path: String) throws -> Data {
        let result = try runShell("gunzip -c '\(path)' | od -An -v -tx1 | tr -d ' \\n'")
        #expect(result.status == 0, "\(result.stderr)")
        return Data(result.stdout.utf8)
    }

    func hexdump(_ path: String) throws -> Data {
        let result = try runShell("od -An -v -tx1 '\(path)' | tr -d ' \\n'")
        return Data(result.stdout.utf8)
    }

    static let files = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    /// The first run starts at once on the gzip files while the copy is made; the later ones
    /// read the copy. Both give the numbers of the same run alone on the gzip files.
    @Test func theChildrenReadOnePlainCopyEqualToGunzip() throws {
        let f = SweepFixture()
        // (300 epochs: each run outlasts the copy, so the later runs read it.)
        let spec = f.spec("grid:\n  optimizer: [sgd, adam, momentum]\n  lr: [0.05]\n", fixed: "epochs: 300")
        let result = try f.sweep(["--spec", spec, "--jobs", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let made = copies(f)
        #expect(made.count == 1 && made[0].hasPrefix("tiny-"), "\(made)")
        guard made.count == 1 else { return }
        let copy = "\(f.dir)/.data/\(made[0])"
        for name in Self.files {
            #expect(try hexdump("\(copy)/\(name)") == gunzip("\(f.data)/\(name).gz"), "\(name)")
        }
        #expect(leftovers(f).isEmpty)
        let readers = f.runFolders().filter { f.file($0, "train.log").contains("--data-dir \(copy) ") }
        #expect(readers.count >= 2, "the runs after the first read the copy")
        for id in f.runFolders() {
            // The run log's flags and run_id do not mention the copy.
            let rows = f.csv(id)
            let header = rows[0]
            let flags = rows[1][header.firstIndex(of: "flags")!]
            #expect(!flags.contains("data-dir"))
            // The same run alone, reading the gzip files: the same numbers.
            let alone = f.root.appendingPathComponent("alone-\(id).csv").path
            let single = try runTool(["train"] + flags.split(separator: " ").map(String.init) + ["--data-dir", f.data, "--csv", alone])
            #expect(single.status == 0, "\(single.stderr)")
            let seconds = header.firstIndex(of: "seconds")!
            func withoutSeconds(_ table: [[String]]) -> [[String]] { table.map { $0.enumerated().filter { $0.offset != seconds }.map(\.element) } }
            #expect(withoutSeconds(rows) == withoutSeconds(quotedCSVRows(try String(contentsOfFile: alone, encoding: .utf8))))
        }
    }

    @Test func aChangedSourceGetsANewCopy() throws {
        let f = SweepFixture()
        // Two runs, one at a time: the second reads the copy (with as many jobs as runs, no
        // run would, and none is made).
        let spec = f.spec("grid:\n  lr: [0.05, 0.02]\n", fixed: "epochs: 1\noptimizer: sgd")
        #expect(try f.sweep(["--spec", spec, "--jobs", "1"]).status == 0)
        let copy = "\(f.dir)/.data/\(copies(f).first ?? "?")"
        let before = try hexdump("\(copy)/t10k-labels-idx1-ubyte")

        // New test labels (all 7s), written as a new file, then a new run in the grid.
        let labels = "\(f.data)/t10k-labels-idx1-ubyte.gz"
        try FileManager.default.removeItem(atPath: labels)
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [100], payload: [UInt8](repeating: 7, count: 100)), to: labels, gzip: true)
        let grown = try f.sweep(["lr=0.05,0.02,0.01,0.03", "--jobs", "1"])
        #expect(grown.status == 0, "\(grown.stderr)")
        #expect(copies(f).count == 1)
        let after = try hexdump("\(copy)/t10k-labels-idx1-ubyte")
        #expect(after != before)
        #expect(after == (try gunzip(labels)))
        #expect(leftovers(f).isEmpty)
    }

    /// A copy damaged after it was made (one byte changed, same size and manifest) is made
    /// again before a run reads it: a run never trains on data that is not the user's.
    @Test func aDamagedCopyIsMadeAgain() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  lr: [0.05, 0.04]\n", fixed: "epochs: 1\noptimizer: sgd")
        #expect(try f.sweep(["--spec", spec, "--jobs", "1"]).status == 0)
        let copy = "\(f.dir)/.data/\(copies(f).first ?? "?")"
        let labels = "\(copy)/train-labels-idx1-ubyte"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: labels))
        bytes[bytes.count - 1] ^= 1
        try FileManager.default.removeItem(atPath: labels)
        try bytes.write(to: URL(fileURLWithPath: labels))
        // …and another data set's file planted beside it (train prefers NAME.gz to NAME).
        try FileManager.default.copyItem(atPath: "\(f.data)/t10k-labels-idx1-ubyte.gz", toPath: "\(copy)/train-labels-idx1-ubyte.gz")
        // Three new runs, one at a time: the first reads the gzip files while the copy is made
        // again, the others the new copy.
        // (300 epochs: each run outlasts the new copy, so later runs read it.)
        let result = try f.sweep(["lr=0.05,0.04,0.01,0.02,0.03", "epochs=300", "--jobs", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try hexdump(labels) == gunzip("\(f.data)/train-labels-idx1-ubyte.gz"))
        #expect(!FileManager.default.fileExists(atPath: "\(copy)/train-labels-idx1-ubyte.gz"))
        #expect(leftovers(f).isEmpty)
        var readers = 0
        for lr in ["0.01", "0.02", "0.03"] {
            let id = try runID(["--optimizer", "sgd", "--lr", lr, "--epochs", "300"])
            if f.file(id, "train.log").contains("--data-dir \(copy) ") { readers += 1 }
            let alone = f.root.appendingPathComponent("alone-\(id).csv").path
            #expect(try runTool(["train", "--optimizer", "sgd", "--lr", lr, "--epochs", "300", "--data-dir", f.data, "--csv", alone]).status == 0)
            let rows = f.csv(id), reference = quotedCSVRows(try String(contentsOfFile: alone, encoding: .utf8))
            let header = rows[0]
            let compared = ["train_cost", "train_accuracy", "test_cost", "test_accuracy"].map { header.firstIndex(of: $0)! }
            #expect(rows.dropFirst().map { row in compared.map { row[$0] } } == reference.dropFirst().map { row in compared.map { row[$0] } },
                    "lr \(lr): the numbers of the run on the user's data")
        }
        #expect(readers >= 1)
    }

    /// The data folder switched while the sweep waits for another process's lock: the copy is
    /// checked against the source as it is once the lock is free, so no run reads a copy of
    /// the old data.
    @Test func aSourceSwitchedDuringTheLockWaitIsNotServedFromTheOldCopy() throws {
        let f = SweepFixture()
        let v1 = f.data
        let v2 = f.root.appendingPathComponent("v2").path
        try FileManager.default.copyItem(atPath: v1, toPath: v2)
        let labels = "\(v2)/t10k-labels-idx1-ubyte.gz"
        try FileManager.default.removeItem(atPath: labels)
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [100], payload: [UInt8](repeating: 7, count: 100)), to: labels, gzip: true)
        let link = f.root.appendingPathComponent("current").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: v1)
        let spec = f.spec("grid:\n  lr: [0.05, 0.04]\n", fixed: "epochs: 1\noptimizer: sgd")
        let first = try f.sweep(["--spec", spec, "data-dir=\(link)", "--jobs", "1"])
        #expect(first.status == 0)
        #expect(copies(f).count == 1, "\(first.stderr)")
        // Another process holds the lock for 1.5 s; the data is switched 0.3 s into the wait.
        let script = """
            flock '\(f.dir)/.data/lock' sleep 1.5 &
            sleep 0.1
            '\(TestPaths.binary.path)' sweep '\(f.dir)' lr=0.03,0.02,0.01 epochs=2000 --jobs 1 2> '\(f.root.path)/err.txt' &
            sleep 0.3
            ln -sfn '\(v2)' '\(link)'
            wait
            """
        #expect(try runShell(script, seconds: 60, in: f.root).status == 0)
        let reference = f.root.appendingPathComponent("v2.csv").path
        #expect(try runTool(["train", "--optimizer", "sgd", "--lr", "0.01", "--epochs", "2000", "--data-dir", v2, "--csv", reference]).status == 0)
        let expected = quotedCSVRows(try String(contentsOfFile: reference, encoding: .utf8))
        let column = expected[0].firstIndex(of: "test_accuracy")!
        let id = try runID(["--optimizer", "sgd", "--lr", "0.01", "--epochs", "2000"])
        // The last run starts after two runs of about a second each, well after the switch and
        // the lock's release: whatever it read, it saw v2.
        #expect(f.csv(id).dropFirst().map { $0[column] } == expected.dropFirst().map { $0[column] },
                "\(f.file(id, "train.log"))")
    }

    /// DIR/.data as a symlink to another folder: nothing is written or removed there; the runs
    /// read the gzip files themselves.
    @Test func aSymlinkedDataFolderIsNotWrittenThrough() throws {
        let f = SweepFixture()
        let elsewhere = f.root.appendingPathComponent("elsewhere").path
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try "keep".write(toFile: "\(elsewhere)/.mine.tmp.1", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: f.dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(f.dir)/.data", withDestinationPath: elsewhere)
        let spec = f.spec("grid:\n  lr: [0.05, 0.04]\n", fixed: "epochs: 1\noptimizer: sgd")
        let result = try f.sweep(["--spec", spec, "--jobs", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("\(f.dir)/.data: not a folder"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere) == [".mine.tmp.1"])
        for id in f.runFolders() { #expect(f.file(id, "train.log").contains("--data-dir \(f.data) ")) }
    }

    @Test func aBadSourceIsNotCopiedAndTheRunNamesTheUsersFile() throws {
        let f = SweepFixture()
        // Cut the training images short: a gzip stream with no end.
        let images = "\(f.data)/train-images-idx3-ubyte.gz"
        let whole = try Data(contentsOf: URL(fileURLWithPath: images))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: images))
        let spec = f.spec("grid:\n  lr: [0.05, 0.04]\n", fixed: "epochs: 1\noptimizer: sgd")
        let result = try f.sweep(["--spec", spec, "--jobs", "1"])
        #expect(result.status == 1)
        #expect(copies(f).isEmpty)
        #expect(leftovers(f).isEmpty)
        let id = f.runFolders().first ?? "?"
        #expect(f.file(id, "train.log").contains("\(images): corrupt or truncated gzip data"), "\(f.file(id, "train.log"))")
        #expect(!f.file(id, "train.log").contains("<fd:"), "zlib's name for the descriptor is left out")
    }

    @Test func manyRunProcessesAtOnceMakeOneCopy() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  optimizer: [sgd, adam, momentum, rmsprop]\n  lr: [0.05]\n", fixed: "epochs: 1")
        let list = try f.sweep(["--spec", spec, "--list"])
        #expect(list.status == 0)
        let commands = list.stdout.split(separator: "\n").map(String.init)
        #expect(commands.count == 4)
        // All four at once, as `parallel -j 4` would start them.
        let script = commands.map { "(\($0)) 2> /dev/null &" }.joined(separator: "\n") + "\nwait"
        let result = try runShell(script, seconds: 60, in: f.root)
        #expect(result.status == 0)
        #expect(try f.states().values.allSatisfy { $0 == "finished" })
        // One process made the copy (and read it); the others, finding it being made, read
        // the gzip files rather than wait.
        #expect(copies(f).count == 1)
        #expect(leftovers(f).isEmpty)
        #expect(f.runFolders().filter { f.file($0, "train.log").contains("/.data/tiny-") }.count >= 1)
        // A later run reads the copy.
        let more = try f.sweep(["optimizer=sgd,adam,momentum,rmsprop,nesterov", "--list"])
        let last = more.stdout.split(separator: "\n").map(String.init)
        #expect(last.count == 1)
        #expect(try runShell(last.first ?? "false", seconds: 60, in: f.root).status == 0)
        let nesterov = try runID(["--optimizer", "nesterov", "--lr", "0.05", "--epochs", "1"])
        #expect(f.file(nesterov, "train.log").contains("/.data/tiny-"))
    }

    @Test func plainDataIsReadWhereItIs() throws {
        let f = SweepFixture()
        for name in Self.files {
            let result = try runShell("gunzip '\(f.data)/\(name).gz'")
            #expect(result.status == 0)
        }
        let spec = f.spec("grid:\n  lr: [0.05, 0.04]\n", fixed: "epochs: 1\noptimizer: sgd")
        #expect(try f.sweep(["--spec", spec, "--jobs", "1"]).status == 0)
        #expect(copies(f).isEmpty)
        for id in f.runFolders() { #expect(f.file(id, "train.log").contains("--data-dir \(f.data) ")) }
    }
}
