import Foundation
@testable import RunRecords
import Support
import Testing
@testable import TestSupport

/// What TensorBoard's hparams plugin backend serves for event files the binary wrote
/// (scripts/tensorboard-hparams-read.py: the /experiment and /session_groups replies and each
/// run's parsed session records), on SweepFixture's generated data.
@Suite(.enabled(if: TensorBoardReader.available))
struct TensorBoardHParamsRunTests {
    static let script = TestPaths.packageRoot.appendingPathComponent("scripts/tensorboard-hparams-read.py").path

    static func read(_ logdir: String) throws -> [String: Any] {
        let result = try runProcess("/usr/bin/env", ["python3", script, logdir])
        guard result.status == 0 else { throw FileProblem(path: script, problem: "failed: \(result.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    /// The configuration id computed independently: Python's hashlib over `flags` with the
    /// --seed and --epochs terms taken out.
    static func configurationID(_ flags: String) throws -> String {
        let code = "import hashlib,re,sys; f=re.sub(r' ?--(seed|epochs) [^ ]+','',' '+sys.argv[1]).strip(); print(hashlib.sha256(f.encode()).hexdigest()[:12])"
        let result = try runProcess("/usr/bin/env", ["python3", "-c", code, flags])
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The one data row of a train CSV (or the last one), by column name.
    static func lastRow(_ csv: String) throws -> [String: String] {
        let rows = csvRows(try String(contentsOfFile: csv, encoding: .utf8))
        return Dictionary(uniqueKeysWithValues: zip(rows[0], rows[rows.count - 1]))
    }

    static func runs(_ log: [String: Any]) -> [String: [String: Any]] { log["runs"] as? [String: [String: Any]] ?? [:] }
    static func groups(_ log: [String: Any]) -> [[String: Any]] { log["session_groups"] as? [[String: Any]] ?? [] }
    static func start(_ run: [String: Any]?) -> [String: Any]? { run?["start"] as? [String: Any] }
    static func end(_ run: [String: Any]?) -> [String: Any]? { run?["end"] as? [String: Any] }

    @Test func aTrainRunRecordsItsFlagsAsHParamsAndItsConfigurationAsGroup() throws {
        let f = SweepFixture()
        let logdir = f.root.appendingPathComponent("tb").path, csv = f.root.appendingPathComponent("run.csv").path
        let result = try runTool(["train", "--data-dir", f.data, "--epochs", "2", "--seed", "5", "--lr", "0.05", "--hidden", "20,20",
                                  "--csv", csv, "--tensorboard", logdir])
        #expect(result.status == 0, "\(result.stderr)")
        let row = try Self.lastRow(csv)
        let flags = try #require(row["flags"])
        let log = try Self.read(logdir)
        let runs = Self.runs(log)
        #expect(runs.count == 1)
        let start = try #require(Self.start(runs.values.first), "\(log)")
        #expect(start["group_name"] as? String == (try Self.configurationID(flags)))
        // Every flag of the run's canonical line but --seed and --epochs, with its value typed.
        let hparams = try #require(start["hparams"] as? [String: [String: Any]])
        var expected: [String: String] = [:]
        var last: String?
        for word in flags.split(separator: " ").map(String.init) {
            if word.hasPrefix("--") { last = String(word.dropFirst(2)); expected[last!] = "" } else if let key = last { expected[key] = word }
        }
        expected["seed"] = nil
        expected["epochs"] = nil
        #expect(Set(hparams.keys) == Set(expected.keys), "\(hparams.keys.sorted()) vs \(expected.keys.sorted())")
        #expect(hparams["lr"]?["number"] as? Double == 0.05)
        #expect(hparams["batch-size"]?["number"] as? Double == Double(expected["batch-size"] ?? ""))
        #expect(hparams["hidden"]?["string"] as? String == "20,20", "a list is a string")
        #expect(hparams["optimizer"]?["string"] as? String == "adam")
        #expect(Self.end(runs.values.first)?["status"] as? String == "STATUS_SUCCESS")
        // The dashboard's one row: the group, its session finished, its metrics the run's last epoch.
        let groups = Self.groups(log)
        #expect(groups.count == 1 && groups.first?["name"] as? String == start["group_name"] as? String)
        let session = try #require((groups.first?["sessions"] as? [[String: Any]])?.first)
        #expect(session["status"] as? String == "STATUS_SUCCESS")
        let metrics = session["metrics"] as? [String: Double] ?? [:]
        #expect(metrics["accuracy/test"].map(Float.init) == row["test_accuracy"].flatMap(Float.init), "\(metrics) vs \(row)")
    }

    /// The 2×2 sweep: two rates × two seeds → two groups of two sessions; only the rate is an
    /// hparam (the seeds are the group), and the dashboard's one column is `lr`.
    @Test func aSweepGroupsSeedsAndRecordsOnlyTheVaryingFlag() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  lr: [0.1, 0.05]\n  seed: [1, 2]\n")
        let result = try f.sweep(["--spec", spec, "--jobs", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let ids = f.runFolders()
        #expect(ids.count == 4)
        let log = try Self.read(f.dir + "/tensorboard")
        let runs = Self.runs(log)
        #expect(Set(runs.keys) == Set(ids), "one TensorBoard run per sweep run, named by its run_id")
        var groupOf: [String: String] = [:]
        for id in ids {
            let flags = try #require(f.csv(id).last.flatMap { row in f.csv(id).first.flatMap { $0.firstIndex(of: "flags") }.map { row[$0] } })
            let start = try #require(Self.start(runs[id]), "\(id)")
            #expect(start["group_name"] as? String == (try Self.configurationID(flags)), "\(id)")
            groupOf[id] = start["group_name"] as? String
            let hparams = start["hparams"] as? [String: [String: Any]] ?? [:]
            #expect(Set(hparams.keys) == ["lr"], "\(id): \(hparams.keys)")
            #expect(Self.end(runs[id])?["status"] as? String == "STATUS_SUCCESS")
        }
        #expect(Set(groupOf.values).count == 2)
        let infos = (log["experiment"] as? [String: Any])?["hparam_infos"] as? [[String: Any]] ?? []
        #expect(infos.count == 1 && infos.first?["name"] as? String == "lr" && infos.first?["differs"] as? Bool == true, "\(infos)")
        #expect(infos.first?["min"] as? Double == 0.05 && infos.first?["max"] as? Double == 0.1)
        let metrics = (log["experiment"] as? [String: Any])?["metric_infos"] as? [String] ?? []
        #expect(Set(metrics).isSuperset(of: ["accuracy/test", "cost/train", "lr"]), "\(metrics)")
        let groups = Self.groups(log)
        #expect(groups.count == 2)
        for group in groups {
            let sessions = (group["sessions"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(sessions.count == 2 && sessions.allSatisfy { groupOf[$0] == group["name"] as? String }, "\(group)")
            let lr = (group["hparams"] as? [String: [String: Any]])?["lr"]?["number"] as? Double
            #expect(lr == 0.1 || lr == 0.05)
        }
    }

    @Test func aDivergedRunEndsInFailure() throws {
        let f = SweepFixture()
        let logdir = f.root.appendingPathComponent("tb").path
        let result = try runTool(["train", "--data-dir", f.data, "--epochs", "2", "--optimizer", "sgd", "--lr", "1e20",
                                  "--tensorboard", logdir])
        #expect(result.status != 0 && result.stderr.contains("diverged"), "\(result.status) \(result.stderr)")
        let log = try Self.read(logdir)
        let run = Self.runs(log).values.first
        #expect(Self.start(run) != nil)
        #expect(Self.end(run)?["status"] as? String == "STATUS_FAILURE", "\(log)")
        let session = (Self.groups(log).first?["sessions"] as? [[String: Any]])?.first
        #expect(session?["status"] as? String == "STATUS_FAILURE")
    }

    /// Stopped by SIGINT, a run has its start and no end (TensorBoard keeps a tag's first
    /// record, and 2.21 has no "aborted"); resumed to the end, it has SUCCESS and still its
    /// first start.
    @Test func anInterruptedRunHasNoEndUntilResumed() throws {
        let f = SweepFixture()
        let logdir = f.root.appendingPathComponent("tb").path
        let csv = f.root.appendingPathComponent("run.csv").path, checkpoint = f.root.appendingPathComponent("ck").path
        let flags = ["train", "--data-dir", f.data, "--epochs", "150", "--lr", "0.01", "--csv", csv, "--tensorboard", logdir]
        let process = Process()
        process.executableURL = TestPaths.binary
        process.arguments = flags + ["--checkpoint", checkpoint]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: csv, encoding: .utf8), text.split(separator: "\n").count >= 3 { break }
            usleep(5_000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let rows = csvRows(try String(contentsOfFile: csv, encoding: .utf8)).count - 1
        #expect(process.terminationStatus != 0 && rows < 150, "stopped by the signal after \(rows) epochs")
        let stopped = try Self.read(logdir)
        let run = Self.runs(stopped).values.first
        let start = try #require(Self.start(run), "\(stopped)")
        #expect(Self.end(run) == nil, "no end record for an interrupted run: \(stopped)")

        let resumed = try runTool(flags + ["--resume", checkpoint])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let finished = try Self.read(logdir)
        #expect(Self.runs(finished).count == 1, "the resumed run writes into the same run folder")
        let after = Self.runs(finished).values.first
        #expect(Self.end(after)?["status"] as? String == "STATUS_SUCCESS", "\(finished)")
        #expect(Self.start(after)?["start_time_secs"] as? Double == start["start_time_secs"] as? Double, "the first start is the one kept")
    }
}
