import Foundation
import Testing
@testable import TestSupport

/// Hostile pass, 2026-12-03: values that make one run were merged silently, so runs the user
/// asked for vanished with exit 0: `epochs=1,2` (run_id leaves --epochs out), `optimizer=ADAM,adam`,
/// `lr=0.01,0.010`. They are refused (64) with the key, both spellings and the run_id; values
/// that are different runs, and grids that overlap (the same run named twice), still plan.
@Suite struct SweepSameRunValuesTests {
    @Test(arguments: [
        (["lr=0.1", "epochs=1,2"], "spec key epochs: 1 and 2 make one run"),
        (["optimizer=ADAM,adam"], "spec key optimizer: ADAM and adam are the same run"),
        (["lr=0.01,0.010"], "spec key lr: 0.01 and 0.010 are the same run"),
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
        let rows = result.stdout.split(separator: "\n").filter { $0.contains("pending") }
        #expect(rows.count == 3, "\(result.stdout)")
    }
}
