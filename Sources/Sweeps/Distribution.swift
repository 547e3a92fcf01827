#if canImport(Glibc)
import Glibc
#endif

/// `--shard I/N`: the I-th of N disjoint parts of a sweep. A run belongs to the shard given by
/// its run_id (its first 8 hex digits modulo N), never by its place in the grid, so a run keeps
/// its shard when the spec grows and two shards never share a run.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `I/N` with 1 ≤ I ≤ N.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw SweepError.usage("--shard \(text): expected I/N, for example 2/8")
        }
        guard n >= 1, (1...n).contains(i) else {
            throw SweepError.usage("--shard \(text): I must be between 1 and N (N ≥ 1)")
        }
        self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    public func contains(_ runID: String) -> Bool {
        let value = UInt64(runID.prefix(8), radix: 16) ?? 0
        return Int(value % UInt64(count)) == index - 1
    }
}

/// `--list`: one shell command per pending run, each running that one run through the sweep
/// (`sweep DIR --run ID`), which takes the run's lock, resumes it and records its state, exactly
/// as a local sweep does. For GNU parallel: `… --list | parallel -j 8 --joblog DIR/joblog`.
public enum CommandList {
    public static func lines(runs: [PlannedRun], folder: SweepFolder, executable: String, workingDirectory: String,
                             sweepFlags: [String] = []) -> [String] {
        runs.map { run in
            "cd \(shellQuote(workingDirectory)) && " + shellCommand([executable, "sweep", folder.path, "--run", run.runID] + sweepFlags)
        }
    }
}

/// `--slurm`: DIR/sweep.sbatch, a job array whose task I (from 0) runs shard I+1 of N with as
/// many jobs as the task has CPUs, its output under DIR/slurm/.
public enum SlurmScript {
    public static func path(in folder: SweepFolder) -> String { folder.path + "/sweep.sbatch" }

    /// Every path and option that goes into the script is quoted: in `#SBATCH` lines with
    /// sbatch's own double quotes (it splits those lines itself, honouring `"` and `\\`), in
    /// the commands with POSIX shell quoting; the job name keeps only safe characters.
    public static func text(folder: SweepFolder, tasks: Int, options: [String], executable: String, workingDirectory: String,
                            workers: Bool = false, sweepFlags: [String] = []) -> String {
        let name = (folder.path.split(separator: "/").last.map(String.init) ?? "sweep")
            .map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? String($0) : "_" }.joined()
        var lines = [
            "#!/bin/bash",
            workers ? "# Written by zalando-train sweep --slurm: every task of the array is a worker of this halving sweep."
                : "# Written by zalando-train sweep --slurm: task I of the array runs shard I+1 of \(tasks).",
            "# The folder must be on a file system every node shares; each run writes only its own folder.",
            "#SBATCH --job-name=sweep-\(name)",
            "#SBATCH --array=0-\(tasks - 1)",
            "#SBATCH --output=\(sbatchQuote(folder.path + "/slurm/%A_%a.out"))",
        ]
        lines += options.map { $0.hasPrefix("#SBATCH") ? $0 : "#SBATCH \($0)" }
        lines += [
            "cd \(shellQuote(workingDirectory)) || exit 1",
            "exec \(shellCommand([executable, "sweep", folder.path] + sweepFlags)) "
                + (workers ? "--worker" : "--shard $((SLURM_ARRAY_TASK_ID+1))/\(tasks)") + " --jobs ${SLURM_CPUS_PER_TASK:-1}",
            "",
        ]
        return lines.joined(separator: "\n")
    }

    /// A value of an `#SBATCH` line as sbatch reads it back: in double quotes, `"` and `\\`
    /// escaped with a backslash.
    static func sbatchQuote(_ value: String) -> String {
        "\"" + value.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
    }

    /// Writes the script (and DIR/slurm/, which Slurm does not create) and returns its path.
    /// A line break in anything written into it would start a new line of the script (a
    /// command every task runs): refused.
    public static func write(folder: SweepFolder, tasks: Int, options: [String], executable: String, workingDirectory: String,
                             workers: Bool = false, sweepFlags: [String] = []) throws -> String {
        for (what, value) in [("the sweep folder", folder.path), ("the working folder", workingDirectory), ("the executable", executable)]
            + options.map({ ("--slurm-option", $0) }) where value.contains(where: { $0 == "\n" || $0 == "\r" }) {
            throw SweepError.usage("\(what) \(shellQuote(value)): holds a line break, which would end a line of sweep.sbatch; refused")
        }
        try makeDirectories(folder.path + "/slurm")
        let path = path(in: folder)
        try writeFileAtomically(path, text(folder: folder, tasks: tasks, options: options, executable: executable,
                                           workingDirectory: workingDirectory, workers: workers, sweepFlags: sweepFlags), mode: 0o755)
        return path
    }
}

/// `--status`: every run with its state, the epochs in its log, its id and what distinguishes it.
public enum StatusTable {
    public static func text(runs: [PlannedRun], folder: SweepFolder) -> String {
        var counts: [RunState: Int] = [:]
        var rows: [[String]] = [["run_id", "state", "epochs", "run"]]
        for run in runs {
            let state = folder.state(of: run)
            counts[state, default: 0] += 1
            var stateText = state.rawValue
            // A run stopped mid-epoch has a checkpoint before its first row: it resumes too.
            if state == .pending, folder.hasCheckpoint(run.runID) {
                stateText += " (resumes)"
            } else if state == .pending, folder.loggedEpochs(run.runID) > 0 {
                stateText += " (restarts)"
            }
            rows.append([run.runID, stateText, "\(folder.loggedEpochs(run.runID))/\(run.definition.epochs)", run.label])
        }
        let widths = (0..<3).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var text = rows.map { row in
            (0..<3).map { row[$0].padding(widths[$0]) }.joined(separator: "  ") + "  " + row[3]
        }.joined(separator: "\n") + "\n"
        let parts = RunState.allCases.map { "\(counts[$0, default: 0]) \($0.rawValue)" }
        text += "\(runs.count) run\(runs.count == 1 ? "" : "s"): " + parts.joined(separator: ", ") + "\n"
        return text
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }

    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
