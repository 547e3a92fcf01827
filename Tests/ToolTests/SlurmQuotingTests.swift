import Foundation
@testable import zalando_train
import Testing
@testable import TestSupport

/// The real sbatch reads the quoted `#SBATCH --output` back: a folder with a space and quotes
/// runs, and its task output lands in DIR/slurm.
@Suite(.serialized)
struct SlurmQuotingTests {
    @Test(.enabled(if: RealTool.available(["sbatch", "slurmctld", "slurmd", "munged"], needsRoot: true, package: "slurm-wlm munge")),
          .timeLimit(.minutes(3)))
    func aSlurmArrayRunsInAFolderWithSpacesAndQuotes() throws {
        let f = SweepFixture()
        let cluster = LocalSlurmCluster(in: f.root)
        defer { cluster.stop() }
        #expect(cluster.start.status == 0, "\(cluster.start.output)")
        guard cluster.start.status == 0 else { return }
        let dir = f.root.appendingPathComponent("my \"sweep\" 1").path
        let written = try runTool(["sweep", dir, "lr=0.1,0.05", "data-dir=\(f.data)", "epochs=1", "optimizer=sgd",
                                   "--slurm", "--slurm-option", "--cpus-per-task=1"], in: f.root)
        #expect(written.status == 0, "\(written.stderr)")
        let job = try cluster.submitAndWait("\(dir)/sweep.sbatch", in: f.root)
        #expect(job.status == 0, "\(job.stdout)\(job.stderr)")
        let outputs = (try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/slurm")) ?? []
        #expect(outputs.count == 2, "one output per task (one task per run) in DIR/slurm: \(outputs)")
        let status = try runTool(["sweep", dir, "--status"], in: f.root)
        #expect(status.stdout.contains("2 runs: 0 pending, 0 running, 2 finished"), "\(status.stdout)")
    }
}
