import Foundation
@testable import zalando_train
import Sweeps
import Testing
@testable import TestSupport

/// Successive halving, workers, --best and --refit, through the built binary on the tiny data
/// set (SweepFixture). The rule is checked against a replay written here from the run logs of
/// the same configurations trained straight through (a grid sweep of the same spec).
@Suite(.serialized)
struct SweepHalvingTests {

    /// Rows without `seconds`, and `flags` without its --epochs term (each attempt records its
    /// own --epochs there; everything else must be identical).
    static func comparable(_ table: [[String]]) -> [[String]] {
        guard let header = table.first, let seconds = header.firstIndex(of: "seconds"), let flags = header.firstIndex(of: "flags") else { return table }
        return table.map { row in
            row.enumerated().filter { $0.offset != seconds }.map { item in
                item.offset == flags ? item.element.replacingOccurrences(of: #"--epochs \d+ "#, with: "", options: .regularExpression) : item.element
            }
        }
    }

    /// Run ids in spec order, from --status.
    static func orderedIDs(_ f: SweepFixture, _ extra: [String] = []) throws -> [String] {
        let result = try f.sweep(["--status"] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap { line in
            let first = line.split(separator: " ").first.map(String.init) ?? ""
            return first.count == 12 && first.allSatisfy(\.isHexDigit) ? first : nil
        }
    }

    /// The epochs each run reaches under the rule with one worker (units one after another),
    /// replayed from the straight runs' validation accuracies.
    static func replay(ids: [String], accuracy: [String: [Double]], rungs: [Int], eta: Int) -> [String: Int] {
        var reached: [String: Int] = [:]   // rung index reached, per started run
        var started: [String] = []
        func value(_ id: String, _ k: Int) -> Double { accuracy[id]![rungs[k] - 1] }
        func promotable(_ k: Int, ending: Bool) -> String? {
            let population = started.filter { reached[$0]! >= k }
            var quota = population.count / eta
            if ending && !population.isEmpty { quota = max(quota, 1) }
            let ranked = population.sorted { value($0, k) != value($1, k) ? value($0, k) > value($1, k) : $0 < $1 }
            return ranked.prefix(quota).first { reached[$0]! == k }
        }
        while true {
            var next: (String, Int)?
            for k in stride(from: rungs.count - 2, through: 0, by: -1) where next == nil {
                if let id = promotable(k, ending: false) { next = (id, k + 1) }
            }
            if next == nil, let new = ids.first(where: { reached[$0] == nil }) { next = (new, 0); started.append(new) }
            for k in 0..<(rungs.count - 1) where next == nil {
                if let id = promotable(k, ending: true) { next = (id, k + 1) }
            }
            guard let (id, k) = next else { break }
            reached[id] = k
        }
        return reached.mapValues { rungs[$0] }
    }

    /// The heart of it: with one worker, every run stops exactly where the rule (replayed here
    /// from the straight runs) says; every promoted run's rows equal the straight run's; the
    /// halving sweep trains at most half the grid's epochs and finds the grid's best within 0.5%;
    /// a rerun trains nothing and touches no file.
    @Test func halvingStopsWhereTheRuleSaysAndPromotedRowsEqualStraightRuns() throws {
        let f = SweepFixture()
        let straightSpec = f.spec(HalvingFixture.grid, fixed: HalvingFixture.fixed, name: "grid.yaml")
        let straight = try runTool(["sweep", f.root.appendingPathComponent("grid").path, "--spec", straightSpec, "--jobs", "2"], in: f.root)
        #expect(straight.status == 0, "\(straight.stderr)")
        let gridDir = f.root.appendingPathComponent("grid").path
        func gridRows(_ id: String) -> [[String]] { quotedCSVRows((try? String(contentsOfFile: "\(gridDir)/\(id)/run.csv", encoding: .utf8)) ?? "") }

        let spec = f.spec(HalvingFixture.grid + HalvingFixture.halving, fixed: HalvingFixture.fixed)
        let result = try f.sweep(["--spec", spec, "--jobs", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let ids = try Self.orderedIDs(f)
        #expect(ids.count == 9)
        var accuracy: [String: [Double]] = [:]
        for id in ids {
            let rows = gridRows(id)
            let column = rows[0].firstIndex(of: "val_accuracy")!
            accuracy[id] = rows.dropFirst().map { Double($0[column])! }
            #expect(accuracy[id]!.count == 9)
        }
        let expected = Self.replay(ids: ids, accuracy: accuracy, rungs: [1, 3, 9], eta: 3)
        var trained = 0
        for id in ids {
            let rows = f.csv(id)
            trained += rows.count - 1
            #expect(rows.count - 1 == expected[id], "run \(id): \(rows.count - 1) epochs, the rule says \(expected[id] ?? -1)")
            // Paused at rungs and promoted from its checkpoint = the same run trained straight.
            #expect(Self.comparable(rows) == Self.comparable(Array(gridRows(id).prefix(rows.count))), "run \(id): promoted rows ≠ straight rows")
            let starts = f.file(id, "train.log").components(separatedBy: "sweep starts").count - 1
            #expect(starts == [1, 3, 9].filter { $0 <= rows.count - 1 }.count, "run \(id): one unit per rung reached")
        }
        #expect(ids.contains { f.csv($0).count - 1 == 9 }, "the top rung is reached")
        // Epochs saved, as the sweep says it.
        #expect(trained <= 81 / 2, "halving trained \(trained) of 81 epochs")
        #expect(result.stderr.contains("epochs trained: \(trained) of the full grid's 81 (9 runs × 9 epochs)"), "\(result.stderr)")
        // Within 0.5% of the grid's best validation accuracy (the best epoch of the best run, as
        // compare's table ranks runs); the final epoch's is printed too.
        let gridBest = ids.map { accuracy[$0]!.max()! }.max()!
        let found = ids.map { accuracy[$0]!.prefix(f.csv($0).count - 1).max()! }.max()!
        let gridFinal = ids.map { accuracy[$0]![8] }.max()!
        let foundFinal = ids.filter { f.csv($0).count - 1 == 9 }.map { accuracy[$0]![8] }.max()!
        print("halving: \(trained) of 81 epochs; best val_accuracy found \(found) (grid's best \(gridBest)); final epoch \(foundFinal) (grid's \(gridFinal))")
        #expect(found >= gridBest - 0.005, "halving found \(found), the grid's best is \(gridBest)")

        // --status: each run's rung and state.
        let status = try f.sweep(["--status"])
        for id in ids {
            let line = status.stdout.split(separator: "\n").first { $0.hasPrefix(id) }.map(String.init) ?? ""
            let epochs = expected[id]!
            #expect(line.contains(epochs == 9 ? "finished" : "stopped"), "\(line)")
            #expect(line.contains("\([1, 3, 9].firstIndex(of: epochs)!) (\(epochs))"), "\(line)")
        }
        // A rerun trains nothing and touches no file.
        let before = f.snapshot()
        let again = try f.sweep(["--jobs", "2"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("nothing left to do"), "\(again.stderr)")
        #expect(f.snapshot().filter { $0.key != "lock" } == before.filter { $0.key != "lock" }, "a rerun touches no file")
    }

    /// The end of the asynchronous rule: two runs with η = 3 (⌊2/3⌋ = 0 would promote nobody);
    /// once no new run is left the best of each rung goes on, so exactly one run reaches the top,
    /// the one the replay of the straight runs picks.
    @Test func withFewerRunsThanEtaTheBestStillReachesTheTop() throws {
        let f = SweepFixture()
        let grid = "grid:\n  optimizer: [adam, momentum]\n  lr: [0.01]\n"
        let straightSpec = f.spec(grid, fixed: HalvingFixture.fixed, name: "grid.yaml")
        let gridDir = f.root.appendingPathComponent("grid").path
        #expect(try runTool(["sweep", gridDir, "--spec", straightSpec, "--jobs", "2"], in: f.root).status == 0)
        let spec = f.spec(grid + HalvingFixture.halving, fixed: HalvingFixture.fixed)
        let result = try f.sweep(["--spec", spec, "--jobs", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let ids = try Self.orderedIDs(f)
        var accuracy: [String: [Double]] = [:]
        for id in ids {
            let rows = quotedCSVRows(try String(contentsOfFile: "\(gridDir)/\(id)/run.csv", encoding: .utf8))
            let column = rows[0].firstIndex(of: "val_accuracy")!
            accuracy[id] = rows.dropFirst().map { Double($0[column])! }
        }
        let expected = Self.replay(ids: ids, accuracy: accuracy, rungs: [1, 3, 9], eta: 3)
        #expect(expected.values.sorted() == [1, 9])
        for id in ids { #expect(f.csv(id).count - 1 == expected[id], "run \(id)") }
        // The winner at epoch 1 is the one that went on.
        let winner = ids.max { a, b in accuracy[a]![0] != accuracy[b]![0] ? accuracy[a]![0] < accuracy[b]![0] : a > b }!
        #expect(f.csv(winner).count - 1 == 9)
    }

    /// Two workers at once on one folder: no unit twice, every epoch once, the same runs reach
    /// the top rung as the rule allows (at least one).
    @Test func twoWorkersShareOneFolder() throws {
        let f = SweepFixture()
        let spec = f.spec(HalvingFixture.grid + HalvingFixture.halving, fixed: HalvingFixture.fixed)
        let processes = (0..<2).map { _ -> Process in
            let process = Process()
            process.executableURL = TestPaths.binary
            process.arguments = ["sweep", f.dir, "--spec", spec, "--worker"]
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
        try HalvingFixture.checkEveryEpochOnce(f, runs: 9)
    }

    /// A worker SIGKILLed mid-unit (with its child, as when a node dies): the run lock dies with
    /// them, the next worker resumes the unit from its checkpoint, every epoch is logged once and
    /// the run's rows equal the same run trained straight.
    @Test(.timeLimit(.minutes(3))) func aKilledWorkersRunIsPickedUpAgain() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  optimizer: [adam, sgd, momentum]\n  lr: [0.01]\nhalving: {min-epochs: 100, reduction: 3}\n",
                          fixed: "epochs: 300\nvalidation: 200")
        let worker = Process()
        worker.executableURL = TestPaths.binary
        worker.arguments = ["sweep", f.dir, "--spec", spec, "--worker"]
        worker.currentDirectoryURL = f.root
        worker.standardOutput = FileHandle.nullDevice
        worker.standardError = FileHandle.nullDevice
        try worker.run()
        let deadline = Date().addingTimeInterval(60)
        var victim: String?
        while Date() < deadline, victim == nil {
            victim = f.runFolders().first { (6...90).contains(f.csv($0).count) }
            usleep(10_000)
        }
        let children = (try? String(contentsOfFile: "/proc/\(worker.processIdentifier)/task/\(worker.processIdentifier)/children", encoding: .utf8)) ?? ""
        // The worker first (so it cannot see its child end and record it), then the child.
        kill(worker.processIdentifier, SIGKILL)
        for child in children.split(separator: " ").compactMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) { kill(child, SIGKILL) }
        worker.waitUntilExit()
        #expect(victim != nil, "a run was under way")
        guard let victim else { return }
        #expect(!children.isEmpty, "the worker's child was found")
        usleep(200_000)
        let killedAt = f.csv(victim).count - 1
        let resumed = try f.sweep(["--worker"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try HalvingFixture.checkEveryEpochOnce(f, runs: 3, rungs: [100, 300], allowRestart: [victim])
        // The unit was resumed, not redone: the same rows as one straight run of those flags.
        let rows = f.csv(victim)
        #expect(rows.count - 1 > killedAt)
        let flagsColumn = rows[0].firstIndex(of: "flags")!
        let alone = f.root.appendingPathComponent("alone.csv").path
        let flags = rows[1][flagsColumn].split(separator: " ").map(String.init)
        let single = try runTool(["train"] + flags + ["--epochs", String(rows.count - 1), "--data-dir", f.data, "--csv", alone])
        #expect(single.status == 0, "\(single.stderr)")
        let reference = quotedCSVRows(try String(contentsOfFile: alone, encoding: .utf8))
        #expect(Self.comparable(rows) == Self.comparable(reference), "the killed-and-resumed run ≠ the run alone")
    }

    /// --best 2 --seeds 5,6 adds the two best configurations (ranked here from the run logs) with
    /// those seeds; --refit trains the best without validation for its median best epoch and
    /// prints the mean of their test accuracies.
    @Test func bestAndRefit() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  optimizer: [sgd, adam, momentum]\n  lr: [0.05]\n  seed: [1, 2]\n", fixed: "epochs: 4\nvalidation: 200")
        #expect(try f.sweep(["--spec", spec, "--jobs", "2"]).status == 0)
        var mean: [String: Double] = [:]
        var bestEpochs: [String: [Int]] = [:]
        for id in f.runFolders() {
            let rows = f.csv(id)
            let v = rows[0].firstIndex(of: "val_accuracy")!, o = rows[0].firstIndex(of: "optimizer")!
            let values = rows.dropFirst().map { Double($0[v])! }
            mean[rows[1][o], default: 0] += values.last! / 2
            bestEpochs[rows[1][o], default: []].append(values.firstIndex(of: values.max()!)! + 1)
        }
        let ranked = mean.keys.sorted { mean[$0]! != mean[$1]! ? mean[$0]! > mean[$1]! : $0 < $1 }
        let best = try f.sweep(["--best", "2", "--seeds", "5,6", "--jobs", "2"])
        #expect(best.status == 0, "\(best.stderr)")
        var added: Set<String> = []
        for optimizer in ranked.prefix(2) {
            for seed in ["5", "6"] {
                let id = try runID(["--optimizer", optimizer, "--lr", "0.05", "--seed", seed, "--epochs", "4", "--validation", "200"])
                added.insert(id)
                #expect(f.csv(id).count == 5, "run \(optimizer) seed \(seed) trained to 4 epochs")
            }
        }
        #expect(f.runFolders().count == 6 + 4)
        let winner = ranked[0]
        let epochs = (bestEpochs[winner]! + added.filter { f.csv($0)[1].contains(winner) }.map { id -> Int in
            let rows = f.csv(id), v = rows[0].firstIndex(of: "val_accuracy")!
            let values = rows.dropFirst().map { Double($0[v])! }
            return values.firstIndex(of: values.max()!)! + 1
        }).sorted()
        let median = epochs[(epochs.count - 1) / 2]
        let refit = try f.sweep(["--refit", "--seeds", "7,8", "--jobs", "2"])
        #expect(refit.status == 0, "\(refit.stderr)")
        var accuracies: [Double] = []
        for seed in ["7", "8"] {
            let id = try runID(["--optimizer", winner, "--lr", "0.05", "--seed", seed, "--epochs", "\(median)", "--validation", "0"])
            let rows = f.csv(id)
            #expect(rows.count - 1 == median, "refit seed \(seed): \(median) epochs")
            let t = rows[0].firstIndex(of: "test_accuracy")!
            accuracies.append(Double(rows.last![t])!)
            #expect(rows.last![rows[0].firstIndex(of: "val_accuracy")!] == "", "no validation set")
        }
        let shown = (accuracies.reduce(0, +) / 2 * 10000).rounded() / 100
        #expect(refit.stdout.contains("REFIT TEST ACCURACY (the number to publish): \(shown)%"), "\(refit.stdout)")
        // Again: nothing new to train.
        let again = try f.sweep(["--refit", "--seeds", "7,8"])
        #expect(again.stderr.contains("2 already done, 0 to run"), "\(again.stderr)")
    }

    @Test(arguments: [
        ("halving: {reduction: 1}\n", "reduction"),
        ("halving: {min-epochs: 0}\n", "min-epochs"),
        ("halving: {metric: accuracy}\n", "accuracy"),
        ("halving: {min-epochs: 9}\n", "min-epochs 9"),
        ("halving: {eta: 3}\n", "eta"),
    ])
    func badHalvingSpecsAreOneLine(body: String, key: String) throws {
        let f = SweepFixture()
        let spec = f.spec(HalvingFixture.grid + body, fixed: HalvingFixture.fixed)
        let result = try f.sweep(["--spec", spec, "--status"])
        #expect(result.status == 64)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(key), "\(result.stderr)")
    }

    @Test func halvingNeedsAValidationSetForItsMetricAndRefusesShardsAndLists() throws {
        let f = SweepFixture()
        let noValidation = f.spec(HalvingFixture.grid + HalvingFixture.halving, fixed: "epochs: 9")
        let result = try f.sweep(["--spec", noValidation, "--status"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("validation"), "\(result.stderr)")
        let spec = f.spec(HalvingFixture.grid + HalvingFixture.halving, fixed: HalvingFixture.fixed)
        for mode in [["--list"], ["--shard", "1/2"]] {
            let refused = try f.sweep(["--spec", spec] + mode)
            #expect(refused.status == 64)
            #expect(refused.stderr.contains("--worker"), "\(refused.stderr)")
        }
    }
}
