import Foundation
@testable import zalando_train
import Testing
@testable import TestSupport

/// A sweep survives one bad run: a run that cannot start is recorded as failed with its reason
/// and the others go on; files planted in run folders (FIFOs) never block it; no child outlives
/// it; names and values that would break a command line or sweep.sbatch are refused or quoted.
@Suite(.serialized)
struct SweepFaultTests {
    /// Runs `sweep` with a watchdog: a hang fails the test (and is killed) instead of stalling.
    func sweep(_ f: SweepFixture, _ arguments: [String], seconds: Double = 90) throws -> ProcessResult {
        let process = Process()
        process.executableURL = TestPaths.binary
        process.arguments = ["sweep", f.dir] + arguments
        process.currentDirectoryURL = f.root
        let (result, timedOut) = try collect(process, killAfter: seconds)
        #expect(!timedOut, "sweep \(arguments) hung (killed after \(seconds) s)")
        return result
    }

    func twoRuns(_ f: SweepFixture) throws -> (spec: String, ids: [String]) {
        let spec = f.spec("grid:\n  lr: [0.1, 0.05]\n", fixed: "epochs: 1\noptimizer: sgd")
        let ids = try ["0.1", "0.05"].map { try runID(["--optimizer", "sgd", "--lr", $0, "--epochs", "1"]) }
        try FileManager.default.createDirectory(atPath: f.dir, withIntermediateDirectories: true)
        return (spec, ids)
    }

    /// One run's folder is a file: that run fails with the reason while the run started before
    /// it goes on to finish (the sweep used to exit at once, leaving it running detached and
    /// unrecorded), the final table is printed, exit 1.
    @Test func aRunThatCannotStartIsRecordedAndTheOthersRun() throws {
        let f = SweepFixture()
        let (spec, ids) = try twoRuns(f)
        try Data("in the way\n".utf8).write(to: URL(fileURLWithPath: "\(f.dir)/\(ids[1])"))
        let result = try sweep(f, ["--spec", spec, "--jobs", "2"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("FAILED \(ids[1])"), "\(result.stderr)")
        #expect(result.stderr.contains("cannot start"), "\(result.stderr)")
        #expect(result.stderr.contains("1 finished, 0 diverged, 1 failed"), "\(result.stderr)")
        #expect(f.csv(ids[0]).count == 2, "the other run trained its epoch")
        #expect(f.file(ids[0], "state").contains("state=finished"), "recorded by the sweep after the child ended")
        #expect(result.stdout.contains(ids[0]), "compare's table of the finished run: \(result.stdout)")
        // The file in the way is untouched.
        #expect((try? String(contentsOfFile: "\(f.dir)/\(ids[1])", encoding: .utf8)) == "in the way\n")
    }

    /// A FIFO named train.log (the child's output) or lock: the sweep neither hangs in open() nor
    /// stops; that run fails naming the file, and --status answers at once.
    @Test func aFIFOInARunFolderNeitherHangsNorStopsTheSweep() throws {
        let f = SweepFixture()
        let (spec, ids) = try twoRuns(f)
        try FileManager.default.createDirectory(atPath: "\(f.dir)/\(ids[0])", withIntermediateDirectories: true)
        #expect(mkfifo("\(f.dir)/\(ids[0])/train.log", 0o644) == 0)
        let result = try sweep(f, ["--spec", spec, "--jobs", "2"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("FAILED \(ids[0])"), "\(result.stderr)")
        #expect(result.stderr.contains("\(ids[0])/train.log: is not a regular file"), "\(result.stderr)")
        #expect(f.csv(ids[1]).count == 2)

        let other = SweepFixture()
        let (otherSpec, otherIDs) = try twoRuns(other)
        try FileManager.default.createDirectory(atPath: "\(other.dir)/\(otherIDs[0])", withIntermediateDirectories: true)
        #expect(mkfifo("\(other.dir)/\(otherIDs[0])/lock", 0o644) == 0)
        let status = try sweep(other, ["--spec", otherSpec, "--status"], seconds: 20)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("2 runs: 2 pending"), "\(status.stdout)")
        let run = try sweep(other, ["--spec", otherSpec, "--jobs", "1"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(otherIDs[0])/lock: is not a regular file"), "\(run.stderr)")
        #expect(other.csv(otherIDs[1]).count == 2)
    }

    /// SIGTERM while runs are going: the sweep exits 143 and no child is left running.
    @Test func noChildOutlivesTheSweep() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  lr: [0.1, 0.05]\n", fixed: "epochs: 400\noptimizer: sgd")
        let process = Process()
        process.executableURL = TestPaths.binary
        process.arguments = ["sweep", f.dir, "--spec", spec, "--jobs", "2"]
        process.currentDirectoryURL = f.root
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until both children hold their run locks.
        var children: [Int32] = []
        for _ in 0..<200 {
            children = childProcesses(of: process.processIdentifier)
            if children.count == 2 { break }
            usleep(50_000)
        }
        #expect(children.count == 2, "two runs started")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 143)
        for pid in children { #expect(kill(pid, 0) != 0, "child \(pid) still running after the sweep exited") }
    }

    /// `sweep ''` would be the current folder; a line break in the folder would become a line
    /// of sweep.sbatch that every task runs.
    @Test func emptyAndLineBreakingNamesAreRefused() throws {
        let f = SweepFixture()
        let empty = try runTool(["sweep", "", "lr=0.1"], in: f.root)
        #expect(empty.status == 64)
        #expect(empty.stderr.contains("empty folder name"), "\(empty.stderr)")
        let injected = try runTool(["sweep", "sw\ntouch PWNED #", "lr=0.1", "--slurm"], in: f.root)
        #expect(injected.status == 64)
        #expect(injected.stderr.contains("line break"), "\(injected.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.root.appendingPathComponent("sw\ntouch PWNED #").path))
        let option = try runTool(["sweep", f.dir, "lr=0.1", "--slurm", "--slurm-option", "--mem=1G\ntouch PWNED"], in: f.root)
        #expect(option.status == 64)
        #expect(option.stderr.contains("--slurm-option"), "\(option.stderr)")
    }

    /// A folder with a space and a quote: #SBATCH --output is one quoted value, the commands
    /// are shell-quoted (bash reads the script back to the same words).
    @Test func sbatchQuotesEveryPath() throws {
        let f = SweepFixture()
        let dir = f.root.appendingPathComponent("my \"sweep\" 1").path
        let result = try runTool(["sweep", dir, "lr=0.1,0.05", "data-dir=\(f.data)", "epochs=1", "--slurm"], in: f.root)
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOfFile: "\(dir)/sweep.sbatch", encoding: .utf8)
        let output = text.split(separator: "\n").first { $0.hasPrefix("#SBATCH --output=") }.map(String.init) ?? ""
        #expect(output == "#SBATCH --output=\"\(dir.replacingOccurrences(of: "\"", with: "\\\""))/slurm/%A_%a.out\"", "\(output)")
        #expect(text.contains("#SBATCH --job-name=sweep-my__sweep__1\n"), "\(text)")
        // bash -n parses it, and the exec line names the folder as one word.
        let check = runShell("bash -n '\(dir)/sweep.sbatch'", output: f.root.appendingPathComponent("bash-n.txt").path)
        #expect(check.status == 0, "\(check.output)")
        let exec = text.split(separator: "\n").first { $0.hasPrefix("exec ") }.map(String.init) ?? ""
        let script = f.root.appendingPathComponent("words.sh").path
        try ("f() { printf '%s\\n' \"$@\"; }\nf" + exec.dropFirst(4) + "\n").write(toFile: script, atomically: true, encoding: .utf8)
        let words = runShell("bash '\(script)'", output: f.root.appendingPathComponent("words.txt").path)
        #expect(words.output.split(separator: "\n").dropFirst(1).prefix(2) == ["sweep", Substring(dir)], "\(words.output)")
    }

    /// A value that starts with `-` reaches the child as the value, not as a flag.
    @Test func aValueStartingWithADashReachesTheChild() throws {
        let f = SweepFixture()
        try FileManager.default.copyItem(atPath: f.data, toPath: f.root.appendingPathComponent("-tiny").path)
        let spec = f.root.appendingPathComponent("dash.yaml").path
        try "fixed:\n  data-dir: -tiny\n  epochs: 1\n  optimizer: sgd\ngrid:\n  lr: [0.1]\n".write(toFile: spec, atomically: true, encoding: .utf8)
        let result = try sweep(f, ["--spec", spec, "--jobs", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let id = try runID(["--optimizer", "sgd", "--lr", "0.1", "--epochs", "1"])
        #expect(f.csv(id).count == 2, "\(f.file(id, "train.log"))")
    }
}
