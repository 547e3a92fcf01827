import Foundation
import Testing
@testable import TestSupport

/// Hostile pass, 2026-12-03: `epochs=1,2` planned one run of 1 epoch with exit 0 (run_id leaves
/// --epochs out, so the second was taken for the first). It is refused (64) with both values and
/// the run_id. Spellings of one run (0.01 and 0.010) are one run by design (SweepTests), and grids
/// that overlap still plan each run once.
@Suite struct SweepSameRunValuesTests {
    @Test(arguments: [
        (["lr=0.1", "epochs=1,2"], "spec key epochs: 1 and 2 make one run"),
        (["epochs=3,9", "optimizer=adam,sgd"], "spec key epochs: 3 and 9 make one run"),
    ])
    func valuesThatMakeOneRunAreRefused(axes: [String], message: String) throws {
        let dir = TestPaths.temporaryDirectory().appendingPathComponent("sweep").path
        let result = try runTool(["sweep", dir] + axes + ["--status"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message) && result.stderr.contains("run_id"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir), "nothing created for a refused spec")
    }

    @Test func differentRunsAndOverlappingGridsStillPlan() throws {
        let dir = TestPaths.temporaryDirectory()
        let spec = dir.appendingPathComponent("overlap.yaml").path
        // The second grid names adam lr=0.1 again (and orders its keys otherwise): one run, kept once.
        try "grids:\n  - {optimizer: [adam], lr: [0.1, 0.01]}\n  - {lr: [0.1], optimizer: [adam, sgd]}\n"
            .write(toFile: spec, atomically: true, encoding: .utf8)
        let result = try runTool(["sweep", dir.appendingPathComponent("sweep").path, "--spec", spec, "--status"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").filter { $0.contains(" pending ") && !$0.contains("runs:") }
        #expect(rows.count == 3, "\(result.stdout)")
    }
}
