import Foundation
import Testing
import Training
import Reports
import RunRecords
import Support
@testable import zalando_train

/// A sweep folder with a tiny data set (600 training and 100 test images of 8×8 pixels), so a
/// run takes a fraction of a second, and the helpers to run `zalando-train sweep` on it.
struct SweepFixture {
    let root: URL
    var dir: String { root.appendingPathComponent("sweep").path }
    var data: String { root.appendingPathComponent("tiny").path }

    init() {
        root = TestPaths.temporaryDirectory()
        let data = root.appendingPathComponent("tiny")
        try! FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        var generator = SplitMix64(seed: 2026)
        for (stem, count) in [("train", 600), ("t10k", 100)] {
            let labels = (0..<count).map { _ in UInt8.random(in: 0..<10, using: &generator) }
            // Each class has its own brightness pattern plus noise: learnable, not trivial.
            var pixels: [UInt8] = []
            for label in labels {
                for i in 0..<64 {
                    let noise = Int.random(in: 0..<40, using: &generator)
                    let value: Int = (Int(label) * 25 + (i % 8) * 3 + noise) % 256
                    pixels.append(UInt8(value))
                }
            }
            IDXReaderTests.write(IDXReaderTests.idxBytes(dimensions: [count, 8, 8], payload: pixels),
                                 to: data.appendingPathComponent("\(stem)-images-idx3-ubyte.gz").path, gzip: true)
            IDXReaderTests.write(IDXReaderTests.idxBytes(type: 0x08, dimensions: [count], payload: labels),
                                 to: data.appendingPathComponent("\(stem)-labels-idx1-ubyte.gz").path, gzip: true)
        }
    }

    /// Writes a spec whose `fixed:` starts with the tiny data set.
    func spec(_ body: String, fixed: String = "epochs: 2", name: String = "spec.yaml") -> String {
        let path = root.appendingPathComponent(name).path
        let text = "fixed:\n  data-dir: \(data)\n" + fixed.split(separator: "\n").map { "  \($0)\n" }.joined() + body
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func sweep(_ arguments: [String]) throws -> ProcessResult {
        try runTool(["sweep", dir] + arguments, in: root)
    }

    func runFolders() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.count == 12 && $0.allSatisfy(\.isHexDigit) }.sorted()
    }

    func csv(_ id: String) -> [[String]] {
        quotedCSVRows((try? String(contentsOfFile: "\(dir)/\(id)/run.csv", encoding: .utf8)) ?? "")
    }

    func file(_ id: String, _ name: String) -> String {
        (try? String(contentsOfFile: "\(dir)/\(id)/\(name)", encoding: .utf8)) ?? ""
    }

    /// Run ids and states from `--status`.
    func states(_ extra: [String] = []) throws -> [String: String] {
        let result = try sweep(["--status"] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        var states: [String: String] = [:]
        for line in result.stdout.split(separator: "\n").dropFirst() where line.first?.isHexDigit == true {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, fields[0].count == 12 { states[String(fields[0])] = String(fields[1]) }
        }
        return states
    }

    /// Path → (size, modification time, bytes) of every file under the sweep folder.
    func snapshot() -> [String: String] {
        var result: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: dir)!
        while let relative = enumerator.nextObject() as? String {
            let path = "\(dir)/\(relative)"
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let bytes = FileManager.default.contents(atPath: path) ?? Data()
            result[relative] = "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(bytes.hashValue)"
        }
        return result
    }
}

/// A seeded generator, so every fixture holds the same images.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// RFC 4180 rows: the `flags` column is quoted (`--hidden 20,20,20,20` holds commas).
func quotedCSVRows(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var characters = Array(text)[...]
    while let c = characters.popFirst() {
        if quoted {
            if c == "\"" {
                if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" { quoted = true
        } else if c == "," { row.append(field); field = ""
        } else if c == "\n" { row.append(field); rows.append(row); row = []; field = ""
        } else if c != "\r" { field.append(c) }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

/// The run's id as train's own parser computes it (independently of the sweep's folder names).
func runID(_ arguments: [String]) throws -> String {
    let train = try Train.parse(arguments)
    let c = train.trainingConfiguration
    return RunIdentity(configuration: c, iterationsPerEpoch: c.nominalIterationsPerEpoch).runID
}

/// Runs a shell command with posix_spawn and waits for it with waitpid, its output in a file.
/// For starting daemons: Foundation's Process sometimes never saw the script exit once it had
/// started slurmctld, slurmd and munged (the test hung on a zombie).
func runShell(_ command: String, output: String) -> (status: Int32, output: String) {
    var pid: pid_t = 0
    let words: [String] = ["/bin/sh", "-c", "(\(command)) </dev/null >'\(output)' 2>&1"]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else { return (127, "cannot start /bin/sh") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), text)
}

/// The one-node Slurm cluster of scripts/slurm-local.sh, started for one test and stopped after
/// it. It can run once per machine (its daemons listen on fixed ports), and Swift Testing runs
/// suites in parallel, so the cluster holds a lock (an flock on a file in /tmp) from start to
/// stop. Every wait is bounded by `timeout`: a test's time limit cannot interrupt a blocking
/// call, so a hung sinfo or sbatch would otherwise hold the whole run (CI once waited 50 minutes).
final class LocalSlurmCluster {
    private let descriptor: Int32
    private let script = TestPaths.packageRoot.appendingPathComponent("scripts/slurm-local.sh").path
    private let folder: String
    private let scratch: String
    /// What `start` printed, and its status: 0 when the node is idle and takes jobs.
    private(set) var start: (status: Int32, output: String) = (1, "not started")
    var environment: [String: String] { ["SLURM_CONF": "\(folder)/slurm.conf"] }

    init(in root: URL) {
        folder = root.appendingPathComponent("slurm-cluster").path
        scratch = root.path
        descriptor = open("/tmp/zalando-train-tests-slurm.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        if descriptor >= 0 { while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {} }
        start = runShell("ZT_SLURM_DIR='\(folder)' timeout 90 bash '\(script)' start", output: "\(scratch)/slurm-start.txt")
    }

    /// `sbatch --wait FILE`, ended after `seconds`.
    func submitAndWait(_ file: String, in directory: URL, seconds: Int = 150) throws -> ProcessResult {
        let sbatch = RealTool.path("sbatch") ?? "/usr/bin/sbatch"
        return try runProcess("/usr/bin/timeout", ["\(seconds)", sbatch, "--wait", file], in: directory, environment: environment)
    }

    func stop() {
        _ = runShell("ZT_SLURM_DIR='\(folder)' timeout 60 bash '\(script)' stop", output: "\(scratch)/slurm-stop.txt")
        if descriptor >= 0 { close(descriptor) }
    }
}

/// Tools the real-world tests need. Outside CI a missing tool skips loudly; in CI (CI=true or
/// ZT_REQUIRE_DATA=1, set by .ci/run, which installs them) the test runs and fails instead.
enum RealTool {
    static var required: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["CI"] == "true" || env["ZT_REQUIRE_DATA"] == "1"
    }

    static func path(_ name: String) -> String? {
        let searchPath = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        for folder in searchPath.split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func available(_ names: [String], needsRoot: Bool = false, package: String) -> Bool {
        let missing = names.filter { path($0) == nil }
        if (missing.isEmpty && (!needsRoot || getuid() == 0)) || required { return true }
        let why = missing.isEmpty ? "it needs root" : "\(missing.joined(separator: ", ")) not installed (apt-get install \(package))"
        print("⚠️  SKIPPING sweep test: \(why); .ci/run installs it")
        return false
    }
}

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

    @Test(.enabled(if: RealTool.available(["parallel"], package: "parallel")))
    func gnuParallelRunsTheListedCommands() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  optimizer: [sgd, adam]\n  lr: [0.1, 0.01]\n  seed: [1, 2]\n")
        let list = try f.sweep(["--spec", spec, "--list"])
        #expect(list.status == 0)
        let commands = list.stdout.split(separator: "\n")
        #expect(commands.count == 8)
        let binary = TestPaths.binary.path
        let result = try runProcess("/bin/sh", ["-c", "'\(binary)' sweep '\(f.dir)' --list | parallel -j 2 --joblog '\(f.dir)/joblog'"], in: f.root)
        #expect(result.status == 0, "\(result.stderr)")
        let joblog = try String(contentsOfFile: "\(f.dir)/joblog", encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(joblog.count == 9)
        let exitColumn = joblog[0].firstIndex(of: "Exitval")!
        #expect(joblog.dropFirst().allSatisfy { $0[exitColumn] == "0" })
        #expect(try f.states().values.allSatisfy { $0 == "finished" })
        // Nothing is pending any more: the list is empty.
        #expect(try f.sweep(["--list"]).stdout.isEmpty)
    }

    @Test(.enabled(if: RealTool.available(["sbatch", "slurmctld", "slurmd", "munged"], needsRoot: true, package: "slurm-wlm munge")),
          .timeLimit(.minutes(3)))
    func aSlurmJobArrayRunsEveryShard() throws {
        let f = SweepFixture()
        let cluster = LocalSlurmCluster(in: f.root)
        defer { cluster.stop() }
        #expect(cluster.start.status == 0, "\(cluster.start.output)")
        guard cluster.start.status == 0 else { return }

        let spec = f.spec("grid:\n  optimizer: [sgd, adam]\n  lr: [0.1, 0.01]\n  seed: [1, 2]\n")
        let written = try f.sweep(["--spec", spec, "--slurm", "--slurm-tasks", "3", "--slurm-option", "--cpus-per-task=1"])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout == "sbatch \(f.dir)/sweep.sbatch\n")
        let text = try String(contentsOfFile: "\(f.dir)/sweep.sbatch", encoding: .utf8)
        #expect(text.contains("#SBATCH --array=0-2"))
        #expect(text.contains("--shard $((SLURM_ARRAY_TASK_ID+1))/3 --jobs ${SLURM_CPUS_PER_TASK:-1}"))
        #expect(text.contains("#SBATCH --cpus-per-task=1"))

        let job = try cluster.submitAndWait("\(f.dir)/sweep.sbatch", in: f.root)
        #expect(job.status == 0, "\(job.stdout)\(job.stderr)")
        let outputs = try FileManager.default.contentsOfDirectory(atPath: "\(f.dir)/slurm")
        #expect(outputs.count == 3, "one output per task: \(outputs)")
        #expect(try f.states().values.allSatisfy { $0 == "finished" })
        #expect(f.runFolders().count == 8)
        // Each run was run by exactly one task.
        for id in f.runFolders() { #expect(f.file(id, "train.log").components(separatedBy: "sweep starts").count - 1 == 1) }
    }
}
