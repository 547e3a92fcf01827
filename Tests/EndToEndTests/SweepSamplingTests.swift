import Foundation
import Testing
@testable import TestSupport
import Sweeps
@testable import zalando_train

/// Sampled sweeps (DESIGN.md "sweep", sampled search): distributions in a grid, `trials: N`,
/// `sampler-seed: S`, draws from an Owen-scrambled Sobol sequence. Through the binary: what the
/// runs get (every value inside its distribution, 4 significant digits, the run_id train's own
/// parser gives those flags), determinism, growth, stratification and the refusals. The Sobol
/// sequence itself against SciPy's points (Tests/Goldens/sobol, scripts/golden_sobol.py).
@Suite(.serialized)
struct SweepSamplingTests {
    /// The runs `--status` lists, in the sweep's order: run_id and the label's key=value pairs.
    func planned(_ f: SweepFixture, _ arguments: [String]) throws -> [(id: String, values: [String: String])] {
        let result = try f.sweep(arguments + ["--status"])
        #expect(result.status == 0, "\(result.stderr)")
        var runs: [(id: String, values: [String: String])] = []
        for line in result.stdout.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 4, fields[0].count == 12, fields[0].allSatisfy(\.isHexDigit) else { continue }
            var values: [String: String] = [:]
            for field in fields.dropFirst(3) {
                let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { values[parts[0]] = parts[1] }
            }
            runs.append((String(fields[0]), values))
        }
        return runs
    }

    static let sampledGrid = """
        trials: 12
        sampler-seed: 7
        grid:
          optimizer: [adam, nesterov]
          lr: {loguniform: [0.0001, 0.3]}
          weight-decay: {uniform: [0.00001, 0.01]}
          batch-size: {int: [16, 128]}
          hidden: {choice: ["20,20", "32", "64,64"]}

        """

    /// Significant digits of a decimal text (leading zeros and the exponent left out).
    static func significantDigits(_ text: String) -> Int {
        let mantissa = text.split(separator: "e").first.map(String.init) ?? text
        let digits = mantissa.filter(\.isNumber).drop { $0 == "0" }
        return mantissa.contains(".") || digits.isEmpty ? digits.count : String(digits).replacingOccurrences(of: "0+$", with: "", options: .regularExpression).count
    }

    // MARK: - What the runs get

    @Test func everyDrawnValueIsInsideItsDistribution() throws {
        let f = SweepFixture()
        let spec = f.spec(Self.sampledGrid)
        let runs = try planned(f, ["--spec", spec])
        #expect(runs.count == 24, "12 draws crossed with two optimizers: \(runs.map(\.values))")
        for run in runs {
            let v = run.values
            let lr = try #require(v["lr"].flatMap(Double.init), "\(v)")
            #expect(lr >= 0.0001 && lr <= 0.3, "lr \(lr)")
            #expect(Self.significantDigits(v["lr"]!) <= 4, "lr \(v["lr"]!)")
            let decay = try #require(v["weight-decay"].flatMap(Double.init), "\(v)")
            #expect(decay >= 0.00001 && decay <= 0.01, "weight-decay \(decay)")
            #expect(Self.significantDigits(v["weight-decay"]!) <= 4, "weight-decay \(v["weight-decay"]!)")
            let batch = try #require(v["batch-size"].flatMap { Int($0) }, "batch-size is a whole number: \(v)")
            #expect(batch >= 16 && batch <= 128)
            #expect(["20,20", "32", "64,64"].contains(v["hidden"] ?? ""), "\(v)")
            #expect(["adam", "nesterov"].contains(v["optimizer"] ?? ""))
            // The run is the one train's own parser makes of those flags.
            let expected = try runID(["--epochs", "2", "--optimizer", v["optimizer"]!, "--lr", v["lr"]!, "--weight-decay", v["weight-decay"]!,
                                      "--batch-size", v["batch-size"]!, "--hidden", v["hidden"]!])
            #expect(run.id == expected, "\(v)")
        }
        // Lists are crossed with the draws: each optimizer gets the same 12 configurations.
        func draws(_ optimizer: String) -> [[String: String]] {
            runs.filter { $0.values["optimizer"] == optimizer }.map { $0.values.filter { $0.key != "optimizer" } }
        }
        #expect(draws("adam") == draws("nesterov"))
        #expect(Set(draws("adam").map { $0["lr"]! }).count == 12, "distinct rates")
    }

    /// The same spec and seed give the same runs (pinned here, so a change of sequence,
    /// scrambling, rounding or platform shows); another seed gives others.
    @Test func theSameSpecGivesTheSameRunsAndAnotherSeedOthers() throws {
        let f = SweepFixture()
        let first = try planned(f, ["--spec", f.spec(Self.sampledGrid)])
        let again = try planned(f, ["--spec", f.spec(Self.sampledGrid, name: "again.yaml")])
        #expect(first.map(\.id) == again.map(\.id))
        let other = try planned(f, ["--spec", f.spec(Self.sampledGrid.replacingOccurrences(of: "sampler-seed: 7", with: "sampler-seed: 8"), name: "other.yaml")])
        #expect(other.count == first.count)
        #expect(Set(other.map(\.id)).isDisjoint(with: first.map(\.id)), "another seed draws other rates")
        let pinned = try planned(f, ["--spec", f.spec("trials: 4\nsampler-seed: 1\ngrid:\n  lr: {loguniform: [0.0001, 1]}\n  momentum: {uniform: [0.8, 0.99]}\n", fixed: "epochs: 2\noptimizer: momentum", name: "pinned.yaml")])
        #expect(pinned.map { "\($0.values["lr"]!) \($0.values["momentum"]!)" } == Self.pinnedDraws)
    }

    /// The first four draws of seed 1 (the Joe–Kuo sequence, Owen-scrambled from SplitMix64 seeded 1,
    /// mapped to log-rate and momentum, rounded to 4 significant digits), as this code drew them
    /// on 2026-12-02: a change of any step shows here.
    static let pinnedDraws = ["0.5325 0.964", "0.0001945 0.8697", "0.002451 0.9178", "0.07976 0.8209"]

    /// Growing trials extends the sequence: the first 8 configurations of 16 are the 8 of 8.
    @Test func growingTrialsKeepsTheRunsAlreadyDrawn() throws {
        let f = SweepFixture()
        let grid = "grid:\n  optimizer: [adam, sgd]\n  lr: {loguniform: [0.0001, 0.3]}\n  seed: {int: [1, 1000]}\n"
        let eight = try planned(f, ["--spec", f.spec("trials: 8\n" + grid, name: "eight.yaml")])
        let sixteen = try planned(f, ["--spec", f.spec("trials: 16\n" + grid, name: "sixteen.yaml")])
        #expect(eight.count == 16 && sixteen.count == 32)
        #expect(Array(sixteen.prefix(eight.count)).map(\.id) == eight.map(\.id))
        // In a folder, a rerun with trials=16 on the command line keeps the 8 and adds 8.
        #expect(try f.sweep(["--spec", f.spec("trials: 8\n" + grid, fixed: "epochs: 1"), "--list"]).status == 0)
        let stored = try planned(f, [])
        let grown = try planned(f, ["trials=16"])
        #expect(Array(grown.prefix(stored.count)).map(\.id) == stored.map(\.id))
        #expect(grown.count == 2 * stored.count)
    }

    /// Each 1-D projection of 2^k draws is stratified: an int axis over 16 values takes each
    /// value once in 16 trials and twice in 32, on every axis.
    @Test(arguments: [16, 32]) func drawsAreStratifiedOnEveryAxis(trials: Int) throws {
        let f = SweepFixture()
        let spec = f.spec("trials: \(trials)\nsampler-seed: 3\ngrid:\n  seed: {int: [0, 15]}\n  batch-size: {int: [1, 16]}\n  hidden: {int: [5, 20]}\n")
        let runs = try planned(f, ["--spec", spec])
        #expect(runs.count == trials)
        for (key, low) in [("seed", 0), ("batch-size", 1), ("hidden", 5)] {
            var counts: [Int: Int] = [:]
            for run in runs { counts[Int(run.values[key] ?? "") ?? -1, default: 0] += 1 }
            #expect(counts == Dictionary(uniqueKeysWithValues: (low..<low + 16).map { ($0, trials / 16) }), "\(key): \(counts)")
        }
    }

    /// `KEY=loguniform:a,b` on the command line is the YAML axis, and the folder keeps it.
    @Test func aCommandLineDistributionIsTheSpecsAxis() throws {
        let f = SweepFixture()
        let yaml = try planned(f, ["--spec", f.spec("trials: 6\nsampler-seed: 2\ngrid:\n  lr: {loguniform: [0.0001, 1]}\n  optimizer: {choice: [adam, sgd]}\n", name: "yaml.yaml")])
        let spec = f.spec("", name: "plain.yaml")
        let line = ["--spec", spec, "lr=loguniform:1e-4,1", "optimizer=choice:adam,sgd", "trials=6", "sampler-seed=2"]
        #expect(try planned(f, line).map(\.id) == yaml.map(\.id))
        #expect(try f.sweep(line + ["--list"]).status == 0)
        let stored = try String(contentsOfFile: f.dir + "/sweep.yaml", encoding: .utf8)
        #expect(stored.contains("loguniform") && stored.contains("trials: 6") && stored.contains("sampler-seed: 2"), "\(stored)")
        #expect(try planned(f, []).map(\.id) == yaml.map(\.id), "sweep DIR alone draws the same runs")
    }

    // MARK: - With halving and workers

    @Test func aSampledHalvingSweepRunsUnderAWorker() throws {
        let f = SweepFixture()
        let spec = f.spec("trials: 4\ngrid:\n  lr: {loguniform: [0.01, 0.3]}\nhalving: {metric: val_accuracy, min-epochs: 1, reduction: 3}\n",
                          fixed: "epochs: 3\nvalidation: 200\nbatch-size: 10")
        let result = try f.sweep(["--spec", spec, "--worker"])
        #expect(result.status == 0, "\(result.stderr)")
        let runs = try planned(f, [])
        #expect(runs.count == 4)
        let epochs = runs.map { max(0, f.csv($0.id).count - 1) }.sorted()
        // Every run stops at rung 1 first; ASHA's top third (decided as runs arrive) goes on to 3.
        #expect(epochs.allSatisfy { $0 == 1 || $0 == 3 } && epochs.filter { $0 == 3 }.count >= 1 && epochs.filter { $0 == 3 }.count <= 2, "\(epochs)")
    }

    // MARK: - Refusals

    @Test(arguments: [
        ("trials: 4\ngrid:\n  lr: {uniform: [0.1, 0.01]}\n", ["lr", "lower bound must be below"]),
        ("trials: 4\ngrid:\n  lr: {uniform: [0.1, 0.1]}\n", ["lr", "lower bound must be below"]),
        ("trials: 4\ngrid:\n  lr: {loguniform: [0, 1]}\n", ["lr", "loguniform must be above 0"]),
        ("trials: 4\ngrid:\n  lr: {loguniform: [-1, 1]}\n", ["lr", "loguniform must be above 0"]),
        ("trials: 4\ngrid:\n  optimizer: {choice: []}\n", ["optimizer", "at least one item"]),
        ("trials: 4\ngrid:\n  batch-size: {int: [8, 2.5]}\n", ["batch-size", "whole numbers"]),
        ("trials: 4\ngrid:\n  lr: {logunifrom: [0.001, 1]}\n", ["lr", "unknown distribution 'logunifrom'"]),
        ("trials: 4\ngrid:\n  lr: {uniform: [0.001]}\n", ["lr", "two bounds"]),
        ("trials: 4\ngrid:\n  lr: [0.1, 0.01]\n", ["trials: 4", "no axis is a distribution"]),
        ("trials: 0\ngrid:\n  lr: {uniform: [0.001, 1]}\n", ["trials 0", "≥ 1"]),
        ("trials: -2\ngrid:\n  lr: {uniform: [0.001, 1]}\n", ["trials -2", "≥ 1"]),
        ("trials: many\ngrid:\n  lr: {uniform: [0.001, 1]}\n", ["trials many"]),
        ("grid:\n  lr: {uniform: [0.001, 1]}\n", ["lr", "needs trials"]),
        ("trials: 4\nsampler-seed: -1\ngrid:\n  lr: {uniform: [0.001, 1]}\n", ["sampler-seed -1"]),
        ("trials: 200000\ngrid:\n  lr: {uniform: [0.001, 1]}\n", ["200000 combinations"]),
    ])
    func aBadDistributionIsRefusedInOneLine(body: String, words: [String]) throws {
        let f = SweepFixture()
        try refused(f, ["--spec", f.spec(body)], naming: words)
    }

    /// A data folder does not change a run's numbers (its checksums say which set it is), so a
    /// distribution over it is refused; written without the fixture's fixed data-dir, which would
    /// be refused first for naming it twice.
    @Test func aDistributionOverTheDataFolderIsRefused() throws {
        let f = SweepFixture()
        let spec = f.root.appendingPathComponent("data-axis.yaml").path
        try "fixed:\n  epochs: 1\ntrials: 4\ngrid:\n  data-dir: {choice: [\(f.data), \(f.data)x]}\n".write(toFile: spec, atomically: true, encoding: .utf8)
        try refused(f, ["--spec", spec], naming: ["data-dir", "not an axis"])
    }

    @Test func aDistributionInFixedIsRefused() throws {
        let f = SweepFixture()
        try refused(f, ["--spec", f.spec("trials: 4\n", fixed: "epochs: 1\nlr: {uniform: [0.1, 1]}")], naming: ["lr", "put it under grid"])
    }

    @Test(arguments: [
        (["lr=loguniform:0,1", "trials=4"], ["lr=loguniform:0,1", "above 0"]),
        (["lr=uniform:1,0.5", "trials=4"], ["lr=uniform:1,0.5", "below the upper"]),
        (["lr=logunifrom:1e-4,1", "trials=4"], ["lr=logunifrom:1e-4,1", "unknown distribution 'logunifrom'"]),
        (["optimizer=choice:", "trials=4"], ["optimizer", "at least one item"]),
        (["lr=loguniform:1e-4,1", "trials=0"], ["trials 0"]),
        (["lr=loguniform:1e-4,1"], ["lr", "needs trials"]),
        (["lr=0.1,0.01", "trials=3"], ["trials: 3", "no axis is a distribution"]),
    ])
    func aBadCommandLineDistributionIsRefusedInOneLine(axes: [String], words: [String]) throws {
        let f = SweepFixture()
        try refused(f, ["--spec", f.spec("")] + axes, naming: words)
    }

    func refused(_ f: SweepFixture, _ arguments: [String], naming words: [String]) throws {
        let result = try f.sweep(arguments + ["--status"])
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        for word in words { #expect(result.stderr.contains(word), "\(word) in: \(result.stderr)") }
        #expect(!FileManager.default.fileExists(atPath: f.dir), "nothing is written for a refused spec")
    }

    // MARK: - The sequence

    /// Unscrambled, the first 256 points in 64 dimensions equal SciPy's exactly.
    @Test func unscrambledSobolEqualsSciPy() throws {
        let path = TestPaths.packageRoot.appendingPathComponent("Tests/Goldens/sobol/unscrambled-64d-256.csv").path
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == 256)
        let sobol = SobolSequence(dimensions: 64)
        for (index, line) in lines.enumerated() {
            let expected = line.split(separator: ",").map { Double($0)! }
            #expect(sobol.point(at: index) == expected, "point \(index)")
        }
    }

    /// Owen's scrambling keeps the net: each coordinate of the first 2^k points has one point in
    /// each interval of width 1/2^k, and the first two dimensions (t = 0) one point in every
    /// elementary box of area 1/2^k; per seed the points are fixed, and seeds differ.
    @Test(arguments: [UInt64(0), 1, 987_654_321])
    func scrambledPointsAreStratifiedAndSeeded(seed: UInt64) throws {
        let sobol = SobolSequence(dimensions: 64)
        let points = (0..<1024).map { sobol.scrambledPoint(at: $0, seed: seed) }
        for k in [1, 4, 7, 10] {
            let n = 1 << k
            for dimension in 0..<64 {
                let cells = Set(points.prefix(n).map { Int($0[dimension] * Double(n)) })
                #expect(cells.count == n, "dimension \(dimension), \(n) points")
            }
            for xBits in 0...k {
                let boxes = Set(points.prefix(n).map { Int($0[0] * Double(1 << xBits)) << 20 | Int($0[1] * Double(1 << (k - xBits))) })
                #expect(boxes.count == n, "2^\(xBits) × 2^\(k - xBits) boxes")
            }
        }
        #expect(points.allSatisfy { $0.allSatisfy { $0 >= 0 && $0 < 1 } })
        #expect((0..<1024).map { sobol.scrambledPoint(at: $0, seed: seed) } == points, "the same seed, the same points")
        let other = sobol.scrambledPoint(at: 5, seed: seed &+ 1)
        #expect(zip(other, points[5]).filter { $0 != $1 }.count == 64, "another seed moves every coordinate")
        #expect(points[0] != sobol.point(at: 0), "scrambled")
    }
}
