import Foundation
import Testing
@testable import TestSupport
import Reports

/// compare's answers (DESIGN.md "compare"): configurations over seeds with their 95% Student-t
/// intervals and `≈ best`, time to a target, the exports, --where and --top — all through the
/// binary, checked against numbers this file computes from the log it wrote (the t quantiles
/// from scipy's golden file, StudentTGolden), never by calling the code under test. (StudentT's
/// own quantiles against the golden are UnitTests/StudentTTests.)
struct CompareStatisticsTests {
    // MARK: - A log with known numbers

    struct Run {
        let id: String, name: String, optimizer: String, lr: String, seed: Int
        /// Per epoch: (val_accuracy, test_accuracy, seconds).
        let epochs: [(val: Double, test: Double, seconds: Double)]
        var flags: String {
            "--dataset fashion --hidden 20,20,20,20 --activation relu --init he --batch-size 50 --epochs \(epochs.count) --seed \(seed) "
                + "--validation 100 --optimizer \(optimizer) --lr \(lr) --weight-decay 0 --l1 0 --grad-noise 0 --schedule constant"
        }
        /// The flags of the configuration: without --seed and --epochs terms.
        var configurationFlags: String {
            flags.replacingOccurrences(of: "--epochs \(epochs.count) ", with: "").replacingOccurrences(of: "--seed \(seed) ", with: "")
        }
    }

    static let updatesPerEpoch = 1200

    /// A: three seeds, best; B: three seeds, close to A (overlapping); C: two seeds, far below
    /// with a tiny spread; D: one seed. A's seed 3 has a tie at its best (the earlier epoch
    /// counts); B's seed 2 never reaches 0.85.
    static let runs: [Run] = [
        Run(id: "a00000000001", name: "adam, \"quoted\" & 50% seed=1", optimizer: "adam", lr: "0.001", seed: 1,
            epochs: [(0.80, 0.79, 0.5), (0.86, 0.84, 0.25), (0.85, 0.86, 0.75)]),
        Run(id: "a00000000002", name: "adam, \"quoted\" & 50% seed=2", optimizer: "adam", lr: "0.001", seed: 2,
            epochs: [(0.83, 0.80, 0.5), (0.84, 0.83, 0.5), (0.87, 0.85, 0.5)]),
        Run(id: "a00000000003", name: "adam, \"quoted\" & 50% seed=3", optimizer: "adam", lr: "0.001", seed: 3,
            epochs: [(0.88, 0.81, 0.125), (0.88, 0.87, 0.125), (0.82, 0.80, 0.125)]),
        Run(id: "b00000000001", name: "sgd_fast seed=1", optimizer: "sgd", lr: "0.1", seed: 1,
            epochs: [(0.84, 0.83, 0.25), (0.86, 0.85, 0.25), (0.85, 0.84, 0.25)]),
        Run(id: "b00000000002", name: "sgd_fast seed=2", optimizer: "sgd", lr: "0.1", seed: 2,
            epochs: [(0.82, 0.80, 0.25), (0.83, 0.82, 0.25), (0.84, 0.83, 0.25)]),
        Run(id: "b00000000003", name: "sgd_fast seed=3", optimizer: "sgd", lr: "0.1", seed: 3,
            epochs: [(0.85, 0.84, 1), (0.87, 0.86, 1), (0.86, 0.85, 1)]),
        Run(id: "c00000000001", name: "sgd slow seed=1", optimizer: "sgd", lr: "0.01", seed: 1,
            epochs: [(0.60, 0.59, 2), (0.70, 0.69, 2), (0.71, 0.70, 2)]),
        Run(id: "c00000000002", name: "sgd slow seed=2", optimizer: "sgd", lr: "0.01", seed: 2,
            epochs: [(0.61, 0.60, 2), (0.69, 0.68, 2), (0.715, 0.71, 2)]),
        Run(id: "d00000000001", name: "momentum seed=1", optimizer: "momentum", lr: "0.01", seed: 1,
            epochs: [(0.75, 0.74, 1), (0.76, 0.75, 1), (0.77, 0.76, 1)]),
    ]

    /// The log, rows interleaved by epoch as parallel runs write them.
    static func log(_ runs: [Run] = runs) throws -> String {
        var rows: [String] = []
        for epoch in 0..<3 {
            for run in runs {
                let e = run.epochs[epoch]
                rows.append("\(run.id),\"\(run.name.replacingOccurrences(of: "\"", with: "\"\""))\",fashion,\(run.optimizer),constant,\(run.lr),50,20-20-20-20,relu,"
                    + "\(run.seed),\(epoch + 1),\((epoch + 1) * updatesPerEpoch),\(run.lr),\(1 - e.val),\(e.val),\(1 - e.val),\(e.val),\(1 - e.test),\(e.test),\(e.seconds),\"\(run.flags)\"")
            }
        }
        let path = TestPaths.temporaryDirectory().appendingPathComponent("runs.csv").path
        try ([v2Header] + rows).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The configuration id as DESIGN defines it, by sha256sum: the first 12 hex digits of the
    /// SHA-256 of flags without --seed and --epochs.
    static func configurationID(_ run: Run) throws -> String {
        let result = try runProcess("/bin/sh", ["-c", "printf '%s' \"$0\" | sha256sum", run.configurationFlags])
        return String(result.stdout.prefix(12))
    }

    struct Expected {
        let id: String, runs: [Run], mean: Double, sd: Double?, low: Double?, high: Double?
        let testMean: Double, testSD: Double?, bestEpochs: [Int]
        /// The runs best val_accuracy first (compare's run_ids and seeds are in that order).
        let runsBestFirst: [Run]
        /// All the configuration's seconds over all its epochs.
        let secondsPerEpoch: Double
        var medianBestEpoch: Double { CompareStatisticsTests.median(bestEpochs.map(Double.init)) }
    }

    /// The middle value, the mean of the two middle ones for an even count.
    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Mean and sample sd (nil for one value).
    static func meanSD(_ xs: [Double]) -> (mean: Double, sd: Double?) {
        let n = Double(xs.count), mean = xs.reduce(0, +) / n
        guard xs.count > 1 else { return (mean, nil) }
        return (mean, (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot())
    }

    /// A run's best epoch: the first epoch of its maximum val_accuracy.
    static func best(_ run: Run) -> (val: Double, test: Double, epoch: Int) {
        var best = 0
        for (i, e) in run.epochs.enumerated() where e.val > run.epochs[best].val { best = i }
        return (run.epochs[best].val, run.epochs[best].test, best + 1)
    }

    /// When a run first reaches val_accuracy ≥ target: its epoch, updates and the seconds summed
    /// up to and including that epoch; nil when it never does.
    static func time(_ run: Run, toTarget target: Double) -> (epoch: Int, updates: Int, seconds: Double)? {
        var seconds = 0.0
        for (i, e) in run.epochs.enumerated() {
            seconds += e.seconds
            if e.val >= target { return (i + 1, (i + 1) * updatesPerEpoch, seconds) }
        }
        return nil
    }

    /// Per configuration, from the rows above: each run's best val_accuracy, the test accuracy
    /// there, mean, sample sd, mean ± t(0.975, n−1)·sd/√n with scipy's t.
    static func expected() throws -> [Expected] {
        var groups: [(String, [Run])] = []
        for run in runs {
            let id = try configurationID(run)
            if let at = groups.firstIndex(where: { $0.0 == id }) { groups[at].1.append(run) } else { groups.append((id, [run])) }
        }
        return try groups.map { id, members in
            let bests = members.map(best)
            let (mean, sd) = meanSD(bests.map(\.val))
            let test = meanSD(bests.map(\.test))
            let half = try sd.map { try StudentTGolden.t975(members.count - 1) * $0 / Double(members.count).squareRoot() }
            let bestFirst = members.enumerated().sorted { a, b in
                let x = best(a.1).val, y = best(b.1).val
                return x != y ? x > y : a.0 < b.0
            }.map(\.1)
            let seconds = members.flatMap { $0.epochs.map(\.seconds) }
            return Expected(id: id, runs: members, mean: mean, sd: sd, low: half.map { mean - $0 }, high: half.map { mean + $0 },
                            testMean: test.mean, testSD: test.sd, bestEpochs: bests.map(\.epoch), runsBestFirst: bestFirst,
                            secondsPerEpoch: seconds.reduce(0, +) / Double(seconds.count))
        }.sorted { $0.mean > $1.mean }
    }

    /// The text as compare prints it: accuracies as percentages with two decimals (printf's rounding).
    static func percent(_ x: Double) -> String { String(format: "%.2f%%", x * 100) }

    /// `line` has every one of `parts`, in this order, each after the one before.
    static func containsInOrder(_ line: String, _ parts: [String]) -> Bool {
        var rest = Substring(line)
        for part in parts {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }

    static func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try runTool(["compare"] + arguments + ["--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
    }

    static func close(_ a: Any?, _ b: Double?, _ tolerance: Double = 1e-12) -> Bool {
        guard let b else { return a is NSNull }
        guard let a = (a as? NSNumber)?.doubleValue else { return false }
        return abs(a - b) <= tolerance
    }

    // MARK: - Intervals

    @Test func configurationsCarryMeanSDIntervalAndTestThere() throws {
        let log = try Self.log()
        let expected = try Self.expected()
        #expect(expected.map(\.runs.count) == [3, 3, 1, 2])  // A, B, D (0.77), C
        let answer = try Self.json([log])
        #expect(answer["metric"] as? String == "val_accuracy")
        let rows = try #require(answer["configurations"] as? [[String: Any]])
        #expect(rows.count == 4)
        #expect(rows.map { $0["config_id"] as? String } == expected.map(\.id))
        for (row, e) in zip(rows, expected) {
            #expect(row["n"] as? Int == e.runs.count)
            #expect(Self.close(row["val_accuracy_mean"], e.mean), "\(row)")
            #expect(Self.close(row["val_accuracy_sd"], e.sd), "\(row)")
            #expect(Self.close(row["val_accuracy_ci95_low"], e.low), "\(row)")
            #expect(Self.close(row["val_accuracy_ci95_high"], e.high), "\(row)")
            #expect(Self.close(row["test_accuracy_there_mean"], e.testMean), "\(row)")
            #expect(Self.close(row["test_accuracy_there_sd"], e.testSD), "\(row)")
            #expect(Self.close(row["best_epoch_median"], e.medianBestEpoch), "\(row)")
            #expect(Self.close(row["seconds_per_epoch"], e.secondsPerEpoch), "\(row)")
            // Members best first: run_ids and seeds in the same order.
            #expect(row["run_ids"] as? String == e.runsBestFirst.map(\.id).joined(separator: " "), "\(row)")
            #expect(row["seeds"] as? String == e.runsBestFirst.map { String($0.seed) }.joined(separator: " "), "\(row)")
        }
        // ≈ best: B's interval overlaps A's; C's is far below; D has none (one seed).
        let a = expected[0]
        func overlaps(_ e: Expected) -> Bool { e.low.map { $0 <= a.high! && a.low! <= e.high! } ?? false }
        #expect(overlaps(expected[1]) && !overlaps(expected[3]))
        #expect(rows.map { $0["near_best"] as? Bool } == [false, true, false, false])
        // Seeds that would part A and B: the fewest m with t(0.975, m−1)·(sd_A + sd_B)/√m < |Δmean|.
        let b = expected[1]
        let gap = a.mean - b.mean, spread = a.sd! + b.sd!
        let m = try #require(try (3...30).first { try StudentTGolden.t975($0 - 1) * spread / Double($0).squareRoot() < gap })
        #expect(rows[1]["seeds_to_separate"] as? Int == m, "\(rows[1])")
        #expect(rows[0]["seeds_to_separate"] is NSNull && rows[3]["seeds_to_separate"] is NSNull)

        // The text table: one row per configuration in that order, and every number it prints.
        let text = try runTool(["compare", log])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("configurations"))
        #expect(Self.containsInOrder(lines[1], ["configuration", "config_id", "differs", "n", "best val_accuracy (mean ± sd)", "95% interval",
                                                "test_accuracy there", "best epoch (median)", "s/epoch", "vs best"]), "\(lines[1])")
        func compact(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : "\(x)" }
        for (i, e) in expected.enumerated() {
            let line = lines[2 + i]
            let pct = Self.percent
            let mark = i == 0 ? "best" : i == 1 ? "≈ best (\(m) seeds to tell)" : nil
            var cells = [e.id, " \(e.runs.count) ", pct(e.mean) + (e.sd.map { " ± " + pct($0) } ?? ""),
                         e.low.map { "[\(pct($0)), \(pct(e.high!))]" } ?? " - ",
                         pct(e.testMean) + (e.testSD.map { " ± " + pct($0) } ?? ""),
                         " \(compact(e.medianBestEpoch)) ", String(format: " %.3f", e.secondsPerEpoch)]
            if let mark { cells.append(mark) }
            #expect(Self.containsInOrder(line, cells), "row \(i): expected \(cells) in order in\n\(line)")
            if let mark { #expect(line.hasSuffix(mark), "\(line)") } else { #expect(!line.contains("best"), "\(line)") }
        }
        // The names are the configurations' (no seed=), and the runs table is not printed.
        #expect(lines[2].hasPrefix("adam, \"quoted\" & 50% ") && !text.stdout.contains("seed=1"))
        #expect(!text.stdout.contains("runs, best"))
        #expect(text.stdout.contains("≈ best: its interval overlaps"))

        // --runs adds one row per run: its best with the epoch, and the test accuracy there.
        let withRuns = try runTool(["compare", log, "--runs"])
        let runLines = withRuns.stdout.split(separator: "\n").map(String.init)
        let at = try #require(runLines.firstIndex { $0.hasPrefix("runs, best val_accuracy first") }, "\(withRuns.stdout)")
        let runRows = Array(runLines[(at + 2)...].prefix(Self.runs.count))
        for run in Self.runs {
            let line = try #require(runRows.first { $0.contains(run.id) }, "\(run.id) in\n\(withRuns.stdout)")
            let best = Self.best(run)
            #expect(Self.containsInOrder(line, [run.id, "\(Self.percent(best.val)) (\(best.epoch))", Self.percent(best.test),
                                                Self.percent(run.epochs[2].val), String(format: "%.4f", 1 - run.epochs[2].val)]), "\(line)")
        }
    }

    /// The same log given twice (and a run continued in a second log) counts once.
    @Test func aRunCountsOnce() throws {
        let log = try Self.log()
        let once = try Self.json([log])
        let twice = try Self.json([log, log])
        let first = try #require(once["configurations"] as? [[String: Any]]), second = try #require(twice["configurations"] as? [[String: Any]])
        #expect(first.map { $0["n"] as? Int } == second.map { $0["n"] as? Int })
        #expect(first.map { $0["val_accuracy_mean"] as? Double } == second.map { $0["val_accuracy_mean"] as? Double })
    }

    // MARK: - Time to a target

    @Test func timeToATargetPerRunAndPerConfiguration() throws {
        let log = try Self.log()
        let target = 0.85
        let answer = try Self.json([log, "--target", "val_accuracy=\(target)", "--runs"])
        let runRows = try #require(answer["runs"] as? [[String: Any]])
        #expect(runRows.count == Self.runs.count)
        for run in Self.runs {
            let row = try #require(runRows.first { $0["run_id"] as? String == run.id })
            if let found = Self.time(run, toTarget: target) {
                #expect(row["target_epoch"] as? Int == found.epoch && row["target_updates"] as? Int == found.updates, "\(run.id): \(row)")
                #expect(Self.close(row["target_seconds"], found.seconds), "\(run.id): \(row)")
            } else {
                #expect(row["target_epoch"] is NSNull && row["target_updates"] is NSNull && row["target_seconds"] is NSNull,
                        "\(run.id) never reaches it: \(row)")
            }
        }
        // The fixture has what the test is about: a run that never gets there, one there at epoch 1.
        let b2 = try #require(Self.runs.first { $0.id == "b00000000002" }), a3 = try #require(Self.runs.first { $0.id == "a00000000003" })
        #expect(Self.time(b2, toTarget: target) == nil && Self.time(a3, toTarget: target)?.epoch == 1)

        // Per configuration: the medians with never as infinity (JSON null when the median is).
        struct Medians { let reached: Int, epoch: Double, updates: Double, seconds: Double }
        func medians(_ e: Expected) -> Medians {
            let ts = e.runs.map { Self.time($0, toTarget: target) }
            return Medians(reached: ts.filter { $0 != nil }.count,
                           epoch: Self.median(ts.map { $0.map { Double($0.epoch) } ?? .infinity }),
                           updates: Self.median(ts.map { $0.map { Double($0.updates) } ?? .infinity }),
                           seconds: Self.median(ts.map { $0?.seconds ?? .infinity }))
        }
        let expected = try Self.expected()
        let rows = try #require(answer["configurations"] as? [[String: Any]])
        for e in expected {
            let row = try #require(rows.first { $0["config_id"] as? String == e.id })
            let m = medians(e)
            #expect(row["target_reached"] as? Int == m.reached, "\(row)")
            #expect(Self.close(row["target_epoch_median"], m.epoch.isFinite ? m.epoch : nil), "\(row)")
            #expect(Self.close(row["target_updates_median"], m.updates.isFinite ? m.updates : nil), "\(row)")
            #expect(Self.close(row["target_seconds_median"], m.seconds.isFinite ? m.seconds : nil), "\(row)")
        }
        #expect(expected.map { medians($0).reached } == [3, 2, 0, 0])

        // The text: per configuration "reached k/n", the medians (never when infinite), per run never.
        let text = try runTool(["compare", log, "--target", "val_accuracy=0.85", "--runs"])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(Self.containsInOrder(lines[1], ["reached val_accuracy=0.85", "epochs to it (median)", "updates", "seconds", "vs best"]), "\(lines[1])")
        func count(_ x: Double) -> String { x.isInfinite ? "never" : x == x.rounded() ? String(Int(x)) : "\(x)" }
        for e in expected {
            let line = try #require(lines.first { $0.contains(e.id) }, "\(e.id) in\n\(text.stdout)")
            let m = medians(e)
            let cells = ["\(m.reached)/\(e.runs.count)", " \(count(m.epoch)) ", " \(count(m.updates)) ",
                         m.seconds.isInfinite ? " never" : String(format: " %.1f", m.seconds)]
            #expect(Self.containsInOrder(line, [e.id] + cells), "expected \(cells) in\n\(line)")
        }
        for run in Self.runs {
            let line = try #require(lines.last { $0.contains(run.id) }, "\(run.id) in\n\(text.stdout)")
            let cells = Self.time(run, toTarget: target).map { [" \($0.epoch) ", " \($0.updates) ", String(format: " %.1f", $0.seconds)] }
                ?? [" never", " never", " never"]
            #expect(Self.containsInOrder(line, [run.id] + cells) && line.hasSuffix(cells[2]), "expected \(cells) in\n\(line)")
        }

        // Ranked by the target: fewest median updates first (A: epochs 2,3,1 → 2; B: 2,never,1 → 2,
        // then by seeds reached, A's 3 before B's 2), the ones that never reach it last, in the
        // metric's order (C and D never: D's 0.77 before C's 0.7125).
        let ranked = try Self.json([log, "--target", "val_accuracy=\(target)", "--rank-by", "target"])
        let order = try #require(ranked["configurations"] as? [[String: Any]]).map { $0["config_id"] as? String ?? "" }
        #expect(order == expected.map(\.id), "\(order)")
        // A cost is reached from above: train_cost = 1 − val here, so ≤ 0.15 is val ≥ 0.85.
        let cost = try Self.json([log, "--target", "train_cost=0.15"])
        let costRows = try #require(cost["configurations"] as? [[String: Any]])
        #expect(costRows.map { $0["target_reached"] as? Int } == rows.map { $0["target_reached"] as? Int })
    }

    // MARK: - Exports

    @Test func csvAndJSONCarryTheSameNumbers() throws {
        let log = try Self.log()
        let result = try runTool(["compare", log, "--runs", "--format", "csv", "--target", "val_accuracy=0.85"])
        #expect(result.status == 0, "\(result.stderr)")
        // Notes go to standard error, so the output is only the tables: two blocks.
        #expect(result.stderr.contains("≈ best"))
        let blocks = result.stdout.components(separatedBy: "\n\n")
        #expect(blocks.count == 2, "\(result.stdout)")
        let configurations = csvRecords(blocks[0]), runs = csvRecords(blocks[1])
        #expect(configurations.count == 1 + 4 && runs.count == 1 + Self.runs.count)
        #expect(configurations.allSatisfy { $0.count == configurations[0].count } && runs.allSatisfy { $0.count == runs[0].count })
        let answer = try Self.json([log, "--runs", "--target", "val_accuracy=0.85"])
        let jsonText = try runTool(["compare", log, "--runs", "--target", "val_accuracy=0.85", "--format", "json"]).stdout
        // Both tables, record by record: the JSON record's line is the one with its key.
        let jsonLines = jsonText.split(separator: "\n").map(String.init)
        for (name, csv, key) in [("configurations", configurations, "config_id"), ("runs", runs, "run_id")] {
            let json = try #require(answer[name] as? [[String: Any]])
            #expect(json.count == csv.count - 1, "\(name)")
            let header = csv[0]
            for (record, row) in zip(csv.dropFirst(), json) {
                let keyValue = try #require(row[key] as? String)
                #expect(record[try #require(header.firstIndex(of: key))] == keyValue)
                let line = try #require(jsonLines.first { $0.contains("\"\(key)\": \"\(keyValue)\"") && $0.contains(name == "runs" ? "\"run\":" : "\"configuration\":") })
                for (field, text) in zip(header, record) {
                    let value = row[field]
                    if let string = value as? String {
                        #expect(text == string, "\(name).\(field)")
                    } else if value is NSNull {
                        #expect(text.isEmpty, "\(name).\(field)")
                    } else if field == "near_best" {
                        #expect(text == ((value as? Bool) == true ? "true" : "false"), "\(field)")
                    } else if let number = value as? NSNumber {
                        // Foundation's JSON parser on Linux can miss a Double by an ulp or two, so
                        // the number is compared closely and the JSON text digit for digit.
                        let x = try #require(Double(text), "\(name).\(field): \(text)")
                        #expect(abs(x - number.doubleValue) <= 4 * x.ulp, "\(name).\(field): \(text) vs \(number)")
                        #expect(line.contains("\"\(field)\": \(text),") || line.contains("\"\(field)\": \(text)}"), "\(name).\(field): \(text) in \(line)")
                    } else {
                        Issue.record("\(name).\(field) missing from JSON")
                    }
                }
            }
        }
        let header = configurations[0]
        // The quoted name survives CSV quoting.
        #expect(configurations[1][header.firstIndex(of: "configuration")!] == "adam, \"quoted\" & 50%")
        #expect(runs[0].contains("run_id") && runs[0].contains("target_seconds"))
    }

    @Test func markdownHasOneRowPerConfiguration() throws {
        let result = try runTool(["compare", try Self.log(), "--format", "markdown"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("|") }
        #expect(lines.count == 2 + 4)
        // Cells split on unescaped pipes: every row has the header's count.
        func cells(_ line: Substring) -> Int { line.replacingOccurrences(of: "\\|", with: "").split(separator: "|", omittingEmptySubsequences: false).count }
        #expect(lines.allSatisfy { cells($0) == cells(lines[0]) })
        #expect(lines[1].contains("---:"))
    }

    static var latexParser: Bool {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return true }
        if let result = try? runProcess("/usr/bin/env", ["python3", "-c", "import pylatexenc"]), result.status == 0 { return true }
        print("⚠️  SKIPPING LaTeX export test: python3 cannot import pylatexenc; run `python3 -m pip install pylatexenc==2.11`")
        return false
    }

    /// pylatexenc's LatexWalker parses the tabular; its cells, turned back to text, are the table's.
    @Test(.enabled(if: latexParser)) func latexParsesWithItsCells() throws {
        let log = try Self.log()
        let result = try runTool(["compare", log, "--format", "latex", "--runs"])
        #expect(result.status == 0, "\(result.stderr)")
        let tex = TestPaths.temporaryDirectory().appendingPathComponent("table.tex").path
        try result.stdout.write(toFile: tex, atomically: true, encoding: .utf8)
        let script = """
            import json, sys
            from pylatexenc.latexwalker import LatexWalker, LatexEnvironmentNode, LatexMacroNode, LatexSpecialsNode, LatexCharsNode
            from pylatexenc.latex2text import LatexNodes2Text
            text = open(sys.argv[1]).read()
            nodes, _, _ = LatexWalker(text, tolerant_parsing=False).get_latex_nodes()
            tables = []
            for node in nodes:
                if isinstance(node, LatexEnvironmentNode) and node.environmentname == 'tabular':
                    rows, row, cell = [], [], []
                    for n in node.nodelist:
                        if isinstance(n, LatexMacroNode) and n.macroname == '\\\\':
                            row.append(cell); rows.append(row); row, cell = [], []
                        elif isinstance(n, LatexSpecialsNode) and n.specials_chars == '&':
                            row.append(cell); cell = []
                        elif isinstance(n, LatexMacroNode) and n.macroname == 'hline':
                            pass
                        else:
                            cell.append(n)
                    conv = LatexNodes2Text(math_mode='text')
                    tables.append([[conv.nodelist_to_text(c).strip() for c in r] for r in rows])
            print(json.dumps(tables))
            """
        let parsed = try runProcess("/usr/bin/env", ["python3", "-c", script, tex])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let tables = try #require(try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [[[String]]], "\(parsed.stdout)")
        #expect(tables.count == 2)
        let configurations = tables[0]
        #expect(configurations.count == 1 + 4 && configurations.allSatisfy { $0.count == configurations[0].count })
        #expect(configurations[0][0] == "configuration" && configurations[0].contains("95% interval"))
        // The special characters of the name come back as they were.
        #expect(configurations[1][0] == "adam, \"quoted\" & 50%", "\(configurations[1])")
        #expect(configurations[1][1] == (try Self.expected()[0].id))
        #expect(tables[1].count == 1 + Self.runs.count)
        #expect(tables[1].dropFirst().contains { $0[0] == "sgd_fast seed=2" })
    }

    // MARK: - Sensitivity

    /// --by lr: per optimizer and schedule (groups in ranking order), each configuration's mean
    /// best metric and 95% interval at its rate, in the table, the JSON and the chart's error bars.
    @Test func byFlagTabulatesAndDrawsTheIntervalsPerOptimizer() throws {
        let log = try Self.log()
        let expected = try Self.expected()
        // adam (A at 0.001), sgd (C at 0.01, B at 0.1), momentum (D at 0.01): groups in the
        // ranking's order (A, B, D, C), rates ascending within a group.
        let order = [expected[0], expected[3], expected[1], expected[2]]
        let answer = try Self.json([log, "--by", "lr"])
        let rows = try #require(answer["sensitivity"] as? [[String: Any]], "\(answer)")
        #expect(rows.map { $0["optimizer"] as? String } == ["adam", "sgd", "sgd", "momentum"])
        #expect(rows.count == order.count)
        for (row, e) in zip(rows, order) {
            #expect(row["config_id"] as? String == e.id && row["n"] as? Int == e.runs.count, "\(row)")
            #expect(Self.close(row["lr"], Double(e.runs[0].lr)), "\(row)")
            #expect(Self.close(row["val_accuracy_mean"], e.mean) && Self.close(row["val_accuracy_sd"], e.sd), "\(row)")
            #expect(Self.close(row["val_accuracy_ci95_low"], e.low) && Self.close(row["val_accuracy_ci95_high"], e.high), "\(row)")
        }

        // The text table says the same, rounded.
        let text = try runTool(["compare", log, "--by", "lr"])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let at = try #require(lines.firstIndex { $0.hasPrefix("sensitivity: best val_accuracy against lr") }, "\(text.stdout)")
        for (i, e) in order.enumerated() {
            let optimizer = e.runs[0].optimizer
            let interval = e.low.map { "[\(Self.percent($0)), \(Self.percent(e.high!))]" } ?? " - "
            #expect(Self.containsInOrder(lines[at + 2 + i], ["\(optimizer) · constant", " \(e.runs[0].lr) ", " \(e.runs.count) ",
                                                             Self.percent(e.mean) + (e.sd.map { " ± " + Self.percent($0) } ?? ""), interval, e.id]),
                    "\(lines[at + 2 + i])")
        }

        // The chart: one line per optimizer through its means, an error bar per interval
        // (none for one seed) in the line's colour, at the interval's bounds.
        let svgPath = TestPaths.temporaryDirectory().appendingPathComponent("by-lr.svg").path
        let drawn = try runTool(["compare", log, "--by", "lr", "--svg", svgPath])
        #expect(drawn.status == 0, "\(drawn.stderr)")
        let elements = try SVGElements.parse(try String(contentsOfFile: svgPath, encoding: .utf8))
        let curves = elements.withClass("series")
        #expect(Set(curves.compactMap { $0.attributes["data-series"] }) == ["adam · constant", "sgd · constant", "momentum · constant"] && curves.count == 3)
        #expect(curves.first { $0.attributes["data-series"] == "sgd · constant" }?.attributes["data-points"] == "2")
        let bars = elements.withClass("error-bar")
        #expect(bars.count == 3, "A, B and C have intervals; D has one seed")
        for e in [expected[0], expected[1], expected[3]] {
            let series = "\(e.runs[0].optimizer) · constant"
            let bar = try #require(bars.first { $0.attributes["data-series"] == series && Double($0.attributes["data-x"] ?? "") == Double(e.runs[0].lr) })
            #expect(Double(bar.attributes["data-low"] ?? "").map { abs($0 - e.low!) <= 1e-12 } == true, "\(bar.attributes)")
            #expect(Double(bar.attributes["data-high"] ?? "").map { abs($0 - e.high!) <= 1e-12 } == true, "\(bar.attributes)")
            #expect(bar.attributes["stroke"] == curves.first { $0.attributes["data-series"] == series }?.attributes["stroke"])
        }
    }

    // MARK: - Filters

    @Test func whereAndTopKeepWhatTheySay() throws {
        let log = try Self.log()
        let ids = try Self.expected().map(\.id)
        let sgd = try #require(try Self.json([log, "--where", "optimizer=sgd", "--runs"])["configurations"] as? [[String: Any]])
        #expect(sgd.map { $0["optimizer"] as? String } == ["sgd", "sgd"])
        // Numbers by value; several values; two --where both hold.
        let rate = try #require(try Self.json([log, "--where", "lr=0.10"])["configurations"] as? [[String: Any]])
        #expect(rate.map { $0["config_id"] as? String } == [ids[1]])
        let two = try #require(try Self.json([log, "--where", "optimizer=sgd,momentum", "--where", "lr=0.01"])["configurations"] as? [[String: Any]])
        #expect(Set(two.compactMap { $0["config_id"] as? String }) == [ids[2], ids[3]])
        let byID = try #require(try Self.json([log, "--where", "config=\(ids[3])"])["configurations"] as? [[String: Any]])
        #expect(byID.count == 1 && byID[0]["n"] as? Int == 2)
        // --top 2: the two best configurations and only their runs.
        let top = try Self.json([log, "--top", "2", "--runs"])
        #expect((top["configurations"] as? [[String: Any]])?.map { $0["config_id"] as? String } == [ids[0], ids[1]])
        #expect((top["runs"] as? [[String: Any]])?.count == 6)
    }

    @Test(arguments: [
        (["--where", "nope"], 64, "--where nope: expected KEY=VALUE"),
        (["--where", "foo=1"], 64, "--where foo=1: no run has foo"),
        (["--where", "optimizer=ftrl"], 1, "--where optimizer=ftrl: no run matches"),
        (["--top", "0"], 64, "--top 0"),
        (["--top=-2"], 64, "--top -2"),
        (["--top", "-1"], 64, "--top"),
        (["--top", "two"], 64, "two"),
        (["--target", "val_accuracy"], 64, "--target val_accuracy: expected METRIC=VALUE"),
        (["--target", "val_accuracy=87"], 64, "fractions from 0 to 1"),
        (["--target", "speed=1"], 64, "\"speed\" is not a metric"),
        (["--target", "val_accuracy=x"], 64, "\"x\" is not a number"),
        (["--target", "val_accuracy=nan"], 64, "--target val_accuracy=nan: \"nan\" is not a number"),
        (["--target", "train_cost=-1"], 64, "--target train_cost=-1: a cost is never negative"),
        (["--rank-by", "target"], 64, "--rank-by target needs --target"),
        (["--format", "xml"], 64, "xml"),
        (["--by", "foo"], 64, "--by foo: no run has foo"),
        (["--by", "activation"], 64, "--by activation: \"relu\""),
        (["--rank-by", "speed", "--target", "val_accuracy=0.8"], 64, "speed"),
    ] as [([String], Int32, String)])
    func badAnswersAreOneLine(arguments: [String], status: Int32, words: String) throws {
        let result = try runTool(["compare", try Self.log()] + arguments)
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(words), "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        // One line says it (flag and value); only ArgumentParser's Help/Usage lines may follow.
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first.map { ($0.hasPrefix("Error: ") || $0.hasPrefix("zalando-train: ")) && $0.contains(words) } == true, "\(result.stderr)")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("Help: ") || $0.hasPrefix("Usage: ") || $0.hasPrefix("  See ") }, "\(result.stderr)")
    }
}
