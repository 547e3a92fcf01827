import Foundation
@testable import zalando_train
import Reports
import RunRecords
import Support
import Testing
import Training
@testable import TestSupport

@Suite(.serialized)
struct SweepTests {
    // MARK: - Specs

    @Test func gridsUniteProductsAndAxesReplaceThem() throws {
        let f = SweepFixture()
        let spec = f.spec("""
            grids:
              - optimizer: [adam]
                lr: [0.01, 0.001, 0.010]
              - optimizer: [sgd]
                lr: [0.1]
            """)
        let status = try f.sweep(["--spec", spec, "seed=1,2", "--status"])
        #expect(status.status == 0, "\(status.stderr)")
        let states = try f.states(["--spec", spec, "seed=1,2"])
        var expected: Set<String> = []
        for (optimizer, lr) in [("adam", "0.01"), ("adam", "0.001"), ("sgd", "0.1")] {
            for seed in ["1", "2"] {
                expected.insert(try runID(["--optimizer", optimizer, "--lr", lr, "--seed", seed, "--epochs", "2"]))
            }
        }
        // 0.010 is the run of 0.01: six runs, not eight.
        #expect(Set(states.keys) == expected)
        #expect(states.values.allSatisfy { $0 == "pending" })
        #expect(status.stdout.contains("optimizer=adam lr=0.001 seed=2"))
        // --status writes nothing.
        #expect(!FileManager.default.fileExists(atPath: f.dir))
    }

    /// In a union of grids, an axis on the command line replaces that axis where a grid has it
    /// and leaves the other grids alone (their optimizer may not take the flag).
    @Test func anAxisReplacesOnlyInTheGridsThatHaveIt() throws {
        let f = SweepFixture()
        let spec = f.spec("""
            grids:
              - optimizer: [adam]
                lr: [0.01]
              - optimizer: [momentum]
                momentum: [0.5]
            """)
        let states = try f.states(["--spec", spec, "momentum=0.8,0.9"])
        var expected: Set<String> = [try runID(["--optimizer", "adam", "--lr", "0.01", "--epochs", "2"])]
        for momentum in ["0.8", "0.9"] { expected.insert(try runID(["--optimizer", "momentum", "--momentum", momentum, "--epochs", "2"])) }
        #expect(Set(states.keys) == expected)
    }

    /// A sweep.yaml edited by hand (comments, another layout) is kept while it names the same
    /// runs, and rewritten once an axis changes it.
    @Test func aHandEditedSpecKeepsItsComments() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  lr: [0.1]\n", fixed: "epochs: 1\noptimizer: sgd")
        #expect(try f.sweep(["--spec", spec]).status == 0)
        let stored = "\(f.dir)/sweep.yaml"
        let edited = "# my notes: sgd at one rate\n" + (try String(contentsOfFile: stored, encoding: .utf8))
        try edited.write(toFile: stored, atomically: true, encoding: .utf8)
        #expect(try f.sweep([]).status == 0)
        #expect(try String(contentsOfFile: stored, encoding: .utf8) == edited)
        #expect(try f.sweep(["lr=0.1,0.05"]).status == 0)
        #expect(try String(contentsOfFile: stored, encoding: .utf8).contains("[0.1, 0.05]"))
    }

    /// Replacing an axis leaves finished runs out of the spec: the sweep says so.
    @Test func finishedRunsLeftOutOfTheSpecAreNoted() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  lr: [0.1]\n", fixed: "epochs: 1\noptimizer: sgd")
        #expect(try f.sweep(["--spec", spec]).status == 0)
        let replaced = try f.sweep(["lr=0.01"])
        #expect(replaced.status == 0)
        #expect(replaced.stderr.contains("1 finished run is in \(f.dir) but not in the spec"), "\(replaced.stderr)")
        #expect(f.runFolders().count == 2)
    }

    @Test(arguments: [
        (["foo=1,2"], "", "foo"),
        (["lr=-1,0.1"], "", "lr=-1"),
        (["lr=abc"], "", "abc"),
        (["optimizer=adam,sgdd"], "", "sgdd"),
        (["lr="], "", "lr"),
        (["momentum=0.5,0.9"], "", "momentum"),
        (["data-dir=a,b"], "", "data-dir"),
        ([], "grid:\n  lr: []\n", "lr"),
        ([], "grid:\n  lr: [0.1\n", "line"),
        ([], "gird:\n  lr: [0.1]\n", "gird"),
        ([], "grid:\n  csv: [x.csv]\n", "csv"),
    ])
    func badSpecsAreOneLineNamingTheKey(axes: [String], body: String, key: String) throws {
        let f = SweepFixture()
        let spec = f.spec(body, fixed: "epochs: 2\noptimizer: sgd")
        let result = try f.sweep(["--spec", spec] + axes)
        #expect(result.status == 64)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(key), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.dir), "nothing is written for a bad spec")
    }

    // MARK: - Running locally

    @Test func runsEveryRunOnceAndARerunTouchesNoFile() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  optimizer: [sgd, adam]\n  lr: [0.1, 0.01]\n")
        let result = try f.sweep(["--spec", spec, "--jobs", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let folders = f.runFolders()
        #expect(folders.count == 4)
        for id in folders {
            let rows = f.csv(id)
            let header = rows[0]
            let idColumn = header.firstIndex(of: "run_id")!, epochColumn = header.firstIndex(of: "epoch")!
            // The child wrote the run_id the sweep named the folder by; each epoch once.
            #expect(rows.dropFirst().map { $0[idColumn] } == [id, id])
            #expect(rows.dropFirst().map { $0[epochColumn] } == ["1", "2"])
            #expect(f.file(id, "state").contains("state=finished"))
            #expect(FileManager.default.fileExists(atPath: "\(f.dir)/\(id)/model.safetensors"))
        }
        // The end: compare's table, one row per run.
        for id in folders { #expect(result.stdout.contains(id)) }

        let before = f.snapshot()
        let again = try f.sweep(["--jobs", "2"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("4 already done, 0 to run"))
        #expect(f.snapshot() == before, "a rerun of a finished sweep touches no file")
    }

    @Test func growingTheGridRunsOnlyTheNewRuns() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  optimizer: [sgd]\n  lr: [0.1]\n")
        #expect(try f.sweep(["--spec", spec]).status == 0)
        let first = f.runFolders()
        #expect(first.count == 1)
        let before = f.snapshot().filter { $0.key.hasPrefix(first[0]) }
        let grown = try f.sweep(["lr=0.1,0.01,0.001"])
        #expect(grown.status == 0, "\(grown.stderr)")
        #expect(grown.stderr.contains("1 already done, 2 to run"))
        #expect(f.runFolders().count == 3)
        #expect(f.snapshot().filter { $0.key.hasPrefix(first[0]) } == before, "the finished run is not touched")
        #expect(try String(contentsOfFile: "\(f.dir)/sweep.yaml", encoding: .utf8).contains("[0.1, 0.01, 0.001]"))
    }

    @Test func aDivergingRunIsRecordedAndNotRetried() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  optimizer: [sgd]\n  lr: [1e20, 0.1]\n")
        let result = try f.sweep(["--spec", spec])
        #expect(result.status == 0, "diverged runs are a result, not a failure: \(result.stderr)")
        let diverged = try runID(["--optimizer", "sgd", "--lr", "1e20", "--epochs", "2"])
        #expect(f.file(diverged, "state").contains("state=diverged"))
        #expect(f.file(diverged, "state").contains("exit=3"))
        #expect(result.stderr.contains("diverged"))
        let log = f.file(diverged, "train.log")
        #expect(try f.states()[diverged] == "diverged")
        #expect(try f.sweep([]).status == 0)
        #expect(f.file(diverged, "train.log") == log, "not retried")
    }

    @Test func aFailingRunIsRetriedOnceAndReported() throws {
        let f = SweepFixture()
        // A data folder whose test labels are not gzip data: train fails on it.
        let broken = f.root.appendingPathComponent("broken").path
        try FileManager.default.copyItem(atPath: f.data, toPath: broken)
        try Data("not gzip, not IDX".utf8).write(to: URL(fileURLWithPath: "\(broken)/t10k-labels-idx1-ubyte.gz"))
        let spec = f.spec("grid:\n  lr: [0.1]\n", fixed: "epochs: 2\noptimizer: sgd")
        // One value for a fixed key replaces it.
        let result = try f.sweep(["--spec", spec, "data-dir=\(broken)"])
        #expect(result.status == 1)
        let id = try runID(["--optimizer", "sgd", "--lr", "0.1", "--epochs", "2"])
        #expect(f.file(id, "train.log").components(separatedBy: "sweep starts").count - 1 == 2)
        #expect(result.stderr.contains("FAILED \(id)"))
        #expect(result.stderr.contains("\(broken)/t10k-labels-idx1-ubyte.gz"))
        #expect(try f.states()[id] == "failed")
    }

    /// A missing data set is one line before anything starts, not a failure of every run.
    @Test func missingDataIsOneLineBeforeAnyRun() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  lr: [0.1, 0.01]\n", fixed: "epochs: 2\noptimizer: sgd")
        for mode in [[], ["--list"]] {
            let result = try f.sweep(["--spec", spec, "data-dir=/nonexistent"] + mode)
            #expect(result.status == 1)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("/nonexistent/train-images-idx3-ubyte.gz: no such file"), "\(result.stderr)")
            #expect(f.runFolders().isEmpty, "no run started")
        }
    }

    /// Ctrl-C mid-sweep: every child checkpoints, exit 130; the rerun resumes, and each run's
    /// log holds every epoch once, row for row the numbers of the same run done alone.
    @Test func anInterruptedSweepResumesToTheSameRows() throws {
        let f = SweepFixture()
        let epochs = 120
        let spec = f.spec("grid:\n  optimizer: [sgd, adam]\n  lr: [0.05]\n  seed: [1, 2]\n", fixed: "epochs: \(epochs)")
        let process = Process()
        process.executableURL = TestPaths.binary
        process.arguments = ["sweep", f.dir, "--spec", spec, "--jobs", "2"]
        process.currentDirectoryURL = f.root
        process.standardOutput = FileHandle.nullDevice
        let errors = f.root.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        // Interrupt once some run has logged a few epochs.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !f.runFolders().contains(where: { f.csv($0).count > 4 }) { usleep(20_000) }
        process.interrupt()
        process.waitUntilExit()
        let stderr = try String(contentsOf: errors, encoding: .utf8)
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted"))
        // Each stopped run says how far it got (train's own line), not only this attempt's seconds.
        #expect(stderr.contains(": interrupted in epoch ") && stderr.contains(" after iteration "), "\(stderr)")
        let partial = f.runFolders().filter { (2...epochs).contains(f.csv($0).count) }
        #expect(!partial.isEmpty, "some run was stopped part way")
        for id in partial { #expect(FileManager.default.fileExists(atPath: "\(f.dir)/\(id)/checkpoint.safetensors")) }

        let rerun = try f.sweep([])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(f.runFolders().count == 4)
        for id in f.runFolders() {
            let rows = f.csv(id)
            let header = rows[0]
            let epochColumn = header.firstIndex(of: "epoch")!, secondsColumn = header.firstIndex(of: "seconds")!
            let flagsColumn = header.firstIndex(of: "flags")!
            #expect(rows.dropFirst().map { Int($0[epochColumn])! } == Array(1...epochs), "run \(id): every epoch once")
            // The same run alone, from the flags its log records.
            let alone = f.root.appendingPathComponent("alone-\(id).csv").path
            let flags = rows[1][flagsColumn].split(separator: " ").map(String.init)
            let single = try runTool(["train"] + flags + ["--data-dir", f.data, "--csv", alone])
            #expect(single.status == 0, "\(single.stderr)")
            let reference = quotedCSVRows(try String(contentsOfFile: alone, encoding: .utf8))
            func withoutSeconds(_ table: [[String]]) -> [[String]] { table.map { row in row.enumerated().filter { $0.offset != secondsColumn }.map(\.element) } }
            #expect(withoutSeconds(rows) == withoutSeconds(reference), "run \(id) resumed ≠ run alone")
        }
    }

    @Test func twoSweepsOnOneFolderNeverRunARunTwice() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  optimizer: [sgd, adam, momentum]\n  lr: [0.1, 0.01]\n", fixed: "epochs: 20")
        #expect(try f.sweep(["--spec", spec, "--list"]).status == 0)
        // Both at once, each with two jobs.
        let processes = (0..<2).map { index -> Process in
            let process = Process()
            process.executableURL = TestPaths.binary
            process.arguments = ["sweep", f.dir, "--jobs", "2"]
            process.currentDirectoryURL = f.root
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            return process
        }
        for process in processes { try process.run() }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        #expect(f.runFolders().count == 6)
        for id in f.runFolders() {
            #expect(f.file(id, "train.log").components(separatedBy: "sweep starts").count - 1 == 1, "run \(id) started once")
            #expect(f.csv(id).count == 21)
        }
    }

    // MARK: - Shards, GNU parallel, Slurm

    @Test func shardsAreDisjointCoveringAndStableWhenTheGridGrows() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  optimizer: [sgd, adam, momentum]\n  lr: [0.1, 0.01]\n  seed: [1, 2]\n")
        let all = Set(try f.states(["--spec", spec]).keys)
        #expect(all.count == 12)
        var shards: [Set<String>] = []
        for i in 1...3 { shards.append(Set(try f.states(["--spec", spec, "--shard", "\(i)/3"]).keys)) }
        #expect(shards.reduce(Set<String>()) { $0.union($1) } == all)
        #expect(shards.map(\.count).reduce(0, +) == all.count, "disjoint")
        // A bigger grid keeps every old run in its shard.
        for i in 1...3 {
            let grown = Set(try f.states(["--spec", spec, "lr=0.1,0.01,0.001", "--shard", "\(i)/3"]).keys)
            #expect(grown.intersection(all) == shards[i - 1])
        }
        // Running a shard runs only its runs.
        #expect(try f.sweep(["--spec", spec, "--shard", "2/3", "--jobs", "2"]).status == 0)
        #expect(Set(f.runFolders()) == shards[1])
        #expect(try runTool(["sweep", f.dir, "--shard", "4/3"]).status == 64)
    }

}
