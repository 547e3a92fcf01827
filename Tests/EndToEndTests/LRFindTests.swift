import Foundation
import Optimization
import Testing
@testable import TestSupport

/// `lr-find` through the real binary on the generated pattern data: the printed rates are
/// start·(end/start)^(i/N), the smoothing recomputed from the printed raw losses (debiased EMA,
/// β = 0.98), the stop rule, the suggestions recomputed from the printed points (with the
/// fastai-golden-checked LRSuggestions, and with fastai's own functions when importable), the
/// picture, and refused inputs.
struct LRFindTests {
    struct Row { let optimizer: String; let iteration: Int; let lr: Double; let loss: Double; let smoothed: Double }

    static let base = PatternData.arguments

    /// CSV rows and `suggestion` lines of one run's standard output.
    static func parse(_ stdout: String) throws -> (rows: [Row], suggestions: [String: [String: String]]) {
        let lines = stdout.split(separator: "\n").map(String.init)
        try #require(lines.first == "optimizer,iteration,lr,loss,smoothed_loss")
        var rows: [Row] = [], suggestions: [String: [String: String]] = [:]
        for line in lines.dropFirst() {
            if line.hasPrefix("suggestion ") {
                let parts = line.split(separator: " ").map(String.init)
                suggestions[parts[1]] = Dictionary(uniqueKeysWithValues: parts.dropFirst(2).map {
                    let kv = $0.split(separator: "=", maxSplits: 1).map(String.init); return (kv[0], kv[1])
                })
            } else if !line.hasPrefix("lr-find picture") {
                let f = line.split(separator: ",").map(String.init)
                try #require(f.count == 5, "row \(line)")
                rows.append(Row(optimizer: f[0], iteration: Int(f[1])!, lr: Double(f[2])!, loss: Double(f[3])!, smoothed: Double(f[4])!))
            }
        }
        return (rows, suggestions)
    }

    static func run(_ extra: [String]) throws -> (rows: [Row], suggestions: [String: [String: String]], stderr: String) {
        let result = try runTool(["lr-find"] + base + extra)
        try #require(result.status == 0, "\(result.stderr)")
        let (rows, suggestions) = try parse(result.stdout)
        return (rows, suggestions, result.stderr)
    }

    @Test func ratesSmoothingStopAndSuggestions() throws {
        let (start, end, n) = (1e-5, 10.0, 80)
        let out = try Self.run(["--optimizer", "sgd,momentum,adam", "--start-lr", "1e-5", "--end-lr", "10", "--iterations", "80"])
        for name in ["sgd", "momentum", "adam"] {
            let rows = out.rows.filter { $0.optimizer == name }
            try #require(!rows.isEmpty, "\(name) has rows")
            #expect(rows.map(\.iteration) == Array(0..<rows.count))
            // Rates: start·(end/start)^(i/N), as Python computes it (the same Double).
            for r in rows { #expect(r.lr == start * pow(end / start, Double(r.iteration) / Double(n)), "\(name) i=\(r.iteration)") }
            // Smoothing, recomputed in Double from the printed raw losses (the tool smooths in
            // float32 as fastai does: agreement to float precision).
            var avg = 0.0, best = Double.infinity
            for (i, r) in rows.enumerated() {
                avg = 0.98 * avg + 0.02 * r.loss
                let smoothed = avg / (1 - pow(0.98, Double(i + 1)))
                #expect(abs(smoothed - r.smoothed) <= 1e-5 * abs(smoothed), "\(name) i=\(i): \(r.smoothed) vs \(smoothed)")
                best = min(best, r.smoothed)
                let stops = !r.smoothed.isFinite || r.smoothed > 4 * best
                // The stop rule: only the last row may break it, and the last row breaks it or is update N−1.
                if i < rows.count - 1 { #expect(!stops, "\(name) ran on after the stop at \(i)") } else { #expect(stops || i == n - 1) }
            }
            // Suggestions: the golden-checked functions on the printed points give the printed line.
            var test = LRRangeTest(startRate: start, endRate: end, iterations: n)
            for r in rows { test.record(loss: r.loss) }
            #expect(test.points.map(\.smoothedLoss) == rows.map(\.smoothed), "the printed smoothing is the range test's")
            let s = test.suggestions()
            let printed = try #require(out.suggestions[name])
            #expect(printed["valley"] == s.valley.map { "\($0)" })
            #expect(printed["steep"] == s.steep.map { "\($0)" })
            #expect(printed["minimum"] == s.minimum.map { "\($0)" })
            #expect(s.valley != nil && s.valley! > start && s.valley! < end)
            try Self.checkWithFastai(name: name, rows: rows, range: test.suggestionRange, iterations: n, printed: printed)
        }
        // Same seed, same fresh model: the first loss (before any update) is the same for every optimizer.
        #expect(Set(out.rows.filter { $0.iteration == 0 }.map(\.loss)).count == 1)
    }

    static let fastaiPython = "/tmp/lrnum-venv/bin/python"

    /// fastai's own valley/steep/minimum (fastai/callback/schedule.py) on the printed points, when
    /// fastai can be imported (a venv with fastai installed --no-deps); says so loudly when not.
    static func checkWithFastai(name: String, rows: [Row], range: Range<Int>, iterations: Int, printed: [String: String]) throws {
        guard FileManager.default.isExecutableFile(atPath: fastaiPython) else {
            print("SKIPPED: fastai's own suggestion functions (no \(fastaiPython)); checked with LRSuggestions only")
            return
        }
        let points = rows[range]
        let script = """
        import sys, warnings; warnings.filterwarnings("ignore")
        import torch
        from fastai.callback.schedule import valley, steep, minimum
        lrs = [\(points.map { "\($0.lr)" }.joined(separator: ","))]
        losses = [\(points.map { "\($0.smoothed)" }.joined(separator: ","))]
        lrs_t, losses_t = torch.tensor(lrs), torch.tensor(losses)
        print(valley(lrs_t, losses_t, \(iterations))[0], steep(lrs_t, losses_t, \(iterations))[0], minimum(lrs_t, losses_t, \(iterations))[0])
        """
        let result = try runProcess(fastaiPython, ["-c", script])
        guard result.status == 0 else {
            print("SKIPPED: fastai not importable (\(result.stderr.split(separator: "\n").last ?? "")); checked with LRSuggestions only")
            return
        }
        let values = result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
        try #require(values.count == 3, "fastai printed \(result.stdout)")
        for (key, value) in zip(["valley", "steep", "minimum"], values) {
            let ours = try #require(Double(printed[key] ?? ""))
            #expect(abs(ours - value) <= 1e-12 * abs(value) + 1e-300 || ours == value, "\(name) \(key): ours \(ours), fastai \(value)")
        }
    }

    @Test func stopsWhenTheLossBlowsUp() throws {
        // A huge end rate with plain SGD: the smoothed loss passes 4× its minimum long before N.
        let out = try Self.run(["--optimizer", "sgd", "--start-lr", "1e-3", "--end-lr", "1e6", "--iterations", "200"])
        #expect(out.rows.count < 200)
        let last = try #require(out.rows.last)
        let best = out.rows.dropLast().map(\.smoothed).min()!
        #expect(!last.smoothed.isFinite || last.smoothed > 4 * min(best, last.smoothed))
        #expect(out.stderr.contains("stopped after \(out.rows.count) updates"))
    }

    @Test func csvFileAndPicture() throws {
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("lr.csv").path, svg = dir.appendingPathComponent("lr.svg").path
        let result = try runTool(["lr-find"] + Self.base + ["--optimizer", "momentum,adam", "--iterations", "60", "--csv", csv, "--svg", svg])
        try #require(result.status == 0, "\(result.stderr)")
        // Standard output keeps the suggestion lines; the rows went to the file.
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("suggestion ") }.map { $0.split(separator: " ")[1] } == ["momentum", "adam"])
        let rows = try Self.parse(try String(contentsOfFile: csv, encoding: .utf8)).rows
        #expect(Set(rows.map(\.optimizer)) == ["momentum", "adam"])
        let elements = try PictureTests.svgElements(svg)
        let series = elements.withClass("series")
        #expect(series.map { $0.attributes["data-series"] } == ["momentum", "adam"] || series.map { $0.attributes["data-series"] } == ["adam", "momentum"])
        for s in series {
            #expect(Int(s.attributes["data-points"] ?? "") == rows.filter { $0.optimizer == s.attributes["data-series"] }.count)
        }
        let marks = elements.withClass("mark")
        for name in ["momentum", "adam"] {
            let own = marks.filter { $0.attributes["data-series"] == name }
            #expect(Set(own.map { $0.attributes["data-name"]!.split(separator: " ")[0] }) == ["valley", "steep", "minimum"])
        }
        // The marks' labels are in the picture as text, and the x axis is logarithmic (ticks are powers of ten).
        #expect(elements.filter { $0.name == "text" && $0.text.hasPrefix("valley ") }.count == 2)
        let xTicks = elements.withClass("tick").filter { $0.attributes["data-axis"] == "x" }
        #expect(xTicks.count >= 4 && xTicks.allSatisfy { $0.text.hasPrefix("10") })
    }

    @Test(arguments: [
        (["--start-lr", "10", "--end-lr", "1"], "--start-lr 10: must be below --end-lr 1"),
        (["--start-lr", "0"], "--start-lr 0: must be positive"),
        (["--end-lr", "-1"], "--end-lr -1: must be positive"),
        (["--start-lr", "nan"], "--start-lr nan: must be positive"),
        (["--iterations", "0"], "--iterations 0: must be at least 1"),
        (["--iterations", "1000000000"], "--iterations 1000000000: at most 1000000"),
        (["--batch-size", "0"], "--batch-size 0: must be at least 1"),
    ])
    func refusesBadValues(_ extra: [String], _ message: String) throws {
        let result = try runTool(["lr-find"] + Self.base + extra)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func refusesOutputsBeforeTraining() throws {
        let dir = TestPaths.temporaryDirectory()
        let notCSV = dir.appendingPathComponent("notes.txt").path
        try "precious\n".write(toFile: notCSV, atomically: true, encoding: .utf8)
        let csv = try runTool(["lr-find"] + Self.base + ["--csv", notCSV])
        #expect(csv.status == 64)
        #expect(csv.stderr.contains("--csv \(notCSV): exists and is not a CSV file"), "\(csv.stderr)")
        #expect(try String(contentsOfFile: notCSV, encoding: .utf8) == "precious\n")
        let svg = try runTool(["lr-find"] + Self.base + ["--svg", dir.path])
        #expect(svg.status == 64)
        #expect(svg.stderr.contains("--svg"))
    }

    @Test func helpSaysHowToReadIt() throws {
        let result = try runTool(["lr-find", "--help"])
        #expect(result.status == 0)
        let text = result.stdout.replacingOccurrences(of: "\n", with: " ").split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("The valley is a starting point, not an answer"))
        #expect(text.contains("--schedule one-cycle --lr <steep>") && text.contains("a constant rate near valley"), "the guide's workflow")
    }
}

/// one-cycle's command-line rules: its own warm-up, and flags the cycle would overwrite.
struct OneCycleCommandLineTests {
    @Test(arguments: [
        (["lr", "--schedule", "one-cycle", "--lr", "0.1", "--iterations", "10", "--warmup-steps", "3"],
         "--warmup-steps 3: --schedule one-cycle has its own warm-up"),
        (["path", "--optimizer", "momentum", "--schedule", "one-cycle", "--lr", "0.05", "--momentum", "0.9"],
         "--momentum 0.9: --schedule one-cycle cycles momentum's momentum"),
        (["path", "--optimizer", "adam", "--schedule", "one-cycle", "--beta1", "0.8"],
         "--beta1 0.8: --schedule one-cycle cycles adam's beta1"),
        (["lr", "--schedule", "one-cycle", "--lr", "0.1", "--iterations", "10", "--pct-start", "1.5"],
         "--pct-start 1.5: must be between 0 and 1"),
        (["lr", "--schedule", "one-cycle", "--lr", "0.1", "--iterations", "10", "--no-cycle-momentum", "--base-momentum", "0.8"],
         "--base-momentum has no effect with --no-cycle-momentum"),
    ])
    func refused(_ arguments: [String], _ message: String) throws {
        let result = try runTool(arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    /// With --no-cycle-momentum the user's --momentum is kept, and the path is the one of
    /// torch with cycle_momentum=False (the golden momentum-no-cycle-momentum uses the default 0.9).
    @Test func noCycleMomentumKeepsTheFlag() throws {
        let result = try runTool(["path", "--optimizer", "momentum", "--schedule", "one-cycle", "--lr", "0.05", "--momentum", "0.9",
                                  "--no-cycle-momentum", "--iterations", "5"])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
