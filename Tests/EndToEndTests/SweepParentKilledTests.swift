import Foundation
import Testing
@testable import TestSupport

/// A sweep killed with SIGKILL (which it cannot catch) left its children training with parent 1,
/// each holding its run's lock: a rerun then said every run was "running in another sweep
/// process" and exited 0 with nothing done. The children now end with the sweep (SIGTERM from the
/// kernel, PR_SET_PDEATHSIG: checkpoint, exit 143), and a rerun finishes each run from its
/// checkpoint with every epoch logged once.
@Suite(.enabled(if: RealData.available("fashion")), .serialized)
struct SweepParentKilledTests {
    /// The pids of processes whose parent is `parent` (from /proc).
    static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && pid_t(fields[1]) == parent
        }
    }

    /// Running, not a zombie (a container's init may be slow to reap the orphans).
    static func alive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    @Test func childrenEndWithASIGKILLedSweepAndTheRerunFinishesThem() throws {
        let dir = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("sweep").path
        let axes = [folder, "lr=0.001,0.003", "epochs=12", "hidden=16", "data-dir=\(TestPaths.dataDirectory("fashion"))", "--jobs", "2"]
        let sweep = try KillAndResumeTests.start(["sweep"] + axes)
        // Wait until both children train (their run logs have a row), then SIGKILL the sweep.
        let deadline = Date().addingTimeInterval(60)
        var children: [pid_t] = []
        while Date() < deadline {
            children = Self.children(of: sweep.processIdentifier)
            let logs = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            let rows = logs.compactMap { try? String(contentsOfFile: folder + "/" + $0 + "/run.csv", encoding: .utf8) }
                .filter { $0.split(separator: "\n").count >= 2 }
            if children.count == 2 && rows.count == 2 { break }
            usleep(20_000)
        }
        try #require(children.count == 2, "two children training before the kill")
        kill(sweep.processIdentifier, SIGKILL)
        sweep.waitUntilExit()
        // Within a few seconds no child is left (each checkpoints its epoch first).
        let gone = Date().addingTimeInterval(20)
        while Date() < gone, children.contains(where: Self.alive) { usleep(50_000) }
        #expect(!children.contains(where: Self.alive), "children outlived the SIGKILLed sweep: \(children)")
        // The rerun finishes both runs, each epoch once.
        let rerun = try runTool(["sweep"] + axes)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder).filter { FileManager.default.fileExists(atPath: folder + "/" + $0 + "/run.csv") }
        #expect(runs.count == 2)
        for run in runs {
            let epochs = try expectWholeLog(folder + "/" + run + "/run.csv").map { $0[10] }
            #expect(epochs == (1...12).map(String.init), "\(run): \(epochs)")
        }
    }
}
