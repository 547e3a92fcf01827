import Foundation
import Reports
import RunRecords
import Support
import Testing
import Training

/// The pids whose parent is `parent` (from /proc).
func childProcesses(of parent: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 && Int32(fields[1]) == parent
    }
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
