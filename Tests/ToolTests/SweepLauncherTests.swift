import Foundation
import Testing
@testable import TestSupport

/// Sweeps run by the real launchers: GNU parallel running `--list`'s commands or `--worker`s,
/// and a one-node Slurm cluster running `--slurm`'s job array (grid shards or halving workers).
@Suite(.serialized)
struct SweepLauncherTests {
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

    @Test(.enabled(if: RealTool.available(["parallel"], package: "parallel")))
    func gnuParallelRunsWorkers() throws {
        let f = SweepFixture()
        let spec = f.spec(HalvingFixture.grid + HalvingFixture.halving, fixed: HalvingFixture.fixed)
        let binary = TestPaths.binary.path
        // -N0: each job gets no argument from seq (it only counts the workers).
        let result = try runProcess("/bin/sh", ["-c", "seq 3 | parallel -N0 -j 3 --joblog '\(f.root.path)/joblog' '\(binary)' sweep '\(f.dir)' --spec '\(spec)' --worker"], in: f.root)
        #expect(result.status == 0, "\(result.stderr)")
        let joblog = try String(contentsOfFile: "\(f.root.path)/joblog", encoding: .utf8).split(separator: "\n")
        #expect(joblog.count == 4)
        try HalvingFixture.checkEveryEpochOnce(f, runs: 9)
    }

    @Test(.enabled(if: RealTool.available(["sbatch", "slurmctld", "slurmd", "munged"], needsRoot: true, package: "slurm-wlm munge")),
          .timeLimit(.minutes(3)))
    func aSlurmArrayOfWorkersRunsAHalvingSweep() throws {
        let f = SweepFixture()
        let cluster = LocalSlurmCluster(in: f.root)
        defer { cluster.stop() }
        #expect(cluster.start.status == 0, "\(cluster.start.output)")
        guard cluster.start.status == 0 else { return }
        let spec = f.spec(HalvingFixture.grid + HalvingFixture.halving, fixed: HalvingFixture.fixed)
        let written = try f.sweep(["--spec", spec, "--slurm", "--slurm-tasks", "2", "--slurm-option", "--cpus-per-task=1"])
        #expect(written.status == 0, "\(written.stderr)")
        let text = try String(contentsOfFile: "\(f.dir)/sweep.sbatch", encoding: .utf8)
        #expect(text.contains("#SBATCH --array=0-1"))
        #expect(text.contains(" --worker --jobs ${SLURM_CPUS_PER_TASK:-1}"), "\(text)")
        let job = try cluster.submitAndWait("\(f.dir)/sweep.sbatch", in: f.root)
        #expect(job.status == 0, "\(job.stdout)\(job.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(f.dir)/slurm").count == 2)
        try HalvingFixture.checkEveryEpochOnce(f, runs: 9)
    }
}
