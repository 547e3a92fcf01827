import Foundation
@testable import zalando_train
import Testing
@testable import TestSupport

/// What a spec's values and keys mean (DESIGN.md "sweep"): a list in `fixed:` is one value, an
/// axis that repeats a value or a flag spelled twice is refused, and the spec DIR stores reads
/// back as the same strings. Each test goes through the binary with `--status`/`--list`, or a
/// one-epoch run on the fixture's tiny data set.
@Suite(.serialized)
struct SweepSpecValueTests {
    /// The spec's one-line refusal, with nothing written.
    func refused(_ f: SweepFixture, _ arguments: [String], naming words: [String]) throws {
        let result = try f.sweep(arguments)
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        for word in words { #expect(result.stderr.contains(word), "\(word) in: \(result.stderr)") }
        #expect(!FileManager.default.fileExists(atPath: f.dir), "nothing is written for a refused spec")
    }

    // MARK: - Lists

    /// `grid: {hidden: [64, 64]}` was one run with one hidden layer of 64 (the two values
    /// merged into one run_id): a repeated axis value is refused.
    @Test(arguments: ["grid:\n  hidden: [64, 64]\n", "grid:\n  lr: [0.1, 0.01, 0.1]\n", "grids:\n  - lr: [0.1]\n  - seed: [1, 2, 1]\n"])
    func anAxisRepeatingAValueIsRefused(body: String) throws {
        let f = SweepFixture()
        let spec = f.spec(body)
        let value = body.contains("hidden") ? "64" : body.contains("seed") ? "1" : "0.1"
        let key = body.contains("hidden") ? "hidden" : body.contains("seed") ? "seed" : "lr"
        try refused(f, ["--spec", spec, "--status"], naming: ["\(key): the value \(value) is given twice"])
    }

    @Test func aCommandLineAxisRepeatingAValueIsRefused() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  lr: [0.1]\n")
        try refused(f, ["--spec", spec, "seed=1,2,1", "--status"], naming: ["seed", "the value 1 is given twice"])
    }

    /// In `fixed:` a list is one value: `hidden: [64, 64]` is two hidden layers of 64.
    @Test func aListInFixedIsOneValue() throws {
        let f = SweepFixture()
        let spec = f.spec("", fixed: "epochs: 1\nhidden: [64, 64]")
        let states = try f.states(["--spec", spec])
        #expect(Set(states.keys) == [try runID(["--hidden", "64,64", "--epochs", "1"])])
        #expect(try runID(["--hidden", "64,64", "--epochs", "1"]) != runID(["--hidden", "64", "--epochs", "1"]))
    }

    /// In an axis each value is one string, and the stored spec keeps them apart.
    @Test func anAxisOfListsIsOneRunPerList() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  hidden: [\"20,20,20,20\", \"64,64\", [32, 32]]\n", fixed: "epochs: 1")
        var expected: Set<String> = []
        for hidden in ["20,20,20,20", "64,64", "32,32"] { expected.insert(try runID(["--hidden", hidden, "--epochs", "1"])) }
        #expect(Set(try f.states(["--spec", spec]).keys) == expected)
        #expect(try f.sweep(["--spec", spec, "--list"]).status == 0)
        #expect(Set(try f.states().keys) == expected, "the stored spec names the same runs")
    }

    // MARK: - A flag given twice

    @Test(arguments: [
        // fixed: {lr: 0.1, --lr: 0.2} ran lr 0.2.
        ("", "epochs: 1\nlr: 0.1\n--lr: 0.2", ["fixed", "lr and --lr are the same flag"]),
        // In a grid, runs were labelled with one and trained with the other.
        ("grid:\n  lr: [0.1, 0.01]\n  --lr: [0.2]\n", "epochs: 1", ["grid", "lr and --lr are the same flag"]),
        ("grids:\n  - optimizer: [adam]\n    --seed: [1]\n    seed: [2]\n", "epochs: 1", ["grids[1]", "--seed and seed"]),
        // Within one spec a flag is fixed or an axis, whatever its spelling.
        ("grid:\n  lr: [0.1, 0.01]\n", "epochs: 1\n--lr: 0.2", ["--lr (in fixed:) and lr (in grid:)", "both fixed and a grid axis"]),
        ("grids:\n  - optimizer: [sgd]\n  - lr: [0.1, 0.01]\n", "epochs: 1\nlr: 0.2", ["lr is both fixed and a grid axis"]),
    ])
    func aFlagSpelledTwiceIsRefused(body: String, fixed: String, words: [String]) throws {
        let f = SweepFixture()
        try refused(f, ["--spec", f.spec(body, fixed: fixed), "--status"], naming: words)
    }

    @Test func aCommandLineAxisGivenTwiceIsRefused() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  seed: [1]\n")
        try refused(f, ["--spec", spec, "lr=0.1", "lr=0.2", "--status"], naming: ["'lr=0.1' and 'lr=0.2' both set --lr"])
    }

    /// A command-line axis still replaces the spec's fixed flag (DESIGN: adds or replaces).
    @Test func aCommandLineAxisReplacesAFixedFlag() throws {
        let f = SweepFixture()
        let spec = f.spec("", fixed: "epochs: 1\nlr: 0.1")
        var expected: Set<String> = []
        for lr in ["0.2", "0.3"] { expected.insert(try runID(["--lr", lr, "--epochs", "1"])) }
        #expect(Set(try f.states(["--spec", spec, "lr=0.2,0.3"]).keys) == expected)
    }

    // MARK: - The stored spec reads back as written

    /// Strings that a plain YAML scalar would read as null, a boolean, another number or a
    /// date: `"~"` was stored plain and the folder could no longer be read ("fixed: data-dir has
    /// no value"). Each is a data folder here, so the run trains only if the child gets it intact.
    @Test(arguments: [
        ("~", "'~'"), ("null", "'null'"), ("yes", "'yes'"), ("on", "'on'"), ("0x10", "'0x10'"),
        ("2026-12-02", "'2026-12-02'"), (".inf", "'.inf'"), ("1e3", "1e3"), ("-x", "-x"), ("64,64", "64,64"),
    ])
    func theStoredSpecReadsBackTheSameString(value: String, stored: String) throws {
        let f = SweepFixture()
        try FileManager.default.copyItem(atPath: f.data, toPath: f.root.appendingPathComponent(value).path)
        let spec = f.root.appendingPathComponent("quoted.yaml").path
        let escaped = value.replacingOccurrences(of: "'", with: "''")
        try "fixed:\n  data-dir: '\(escaped)'\n  epochs: 1\n  optimizer: sgd\ngrid:\n  lr: [0.1]\n".write(toFile: spec, atomically: true, encoding: .utf8)
        let id = try runID(["--optimizer", "sgd", "--lr", "0.1", "--epochs", "1"])
        #expect(try f.sweep(["--spec", spec, "--list"]).status == 0)
        let text = try String(contentsOfFile: "\(f.dir)/sweep.yaml", encoding: .utf8)
        #expect(text.contains("data-dir: \(stored)\n"), "\(text)")
        // The stored spec alone: read, listed, and run with the same data folder.
        #expect(Set(try f.states().keys) == [id])
        let listed = try f.sweep(["--list"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("--run \(id)"))
        let run = try f.sweep(["--jobs", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(f.csv(id).count == 2, "\(f.file(id, "train.log"))")
        #expect(try String(contentsOfFile: "\(f.dir)/sweep.yaml", encoding: .utf8) == text, "a rerun keeps the stored spec")
    }

    /// The same through a command-line value (no YAML quoting to keep), and in an axis.
    @Test func aCommandLineValueIsStoredQuotedWhenPlainWouldChangeIt() throws {
        let f = SweepFixture()
        try FileManager.default.copyItem(atPath: f.data, toPath: f.root.appendingPathComponent("~").path)
        let spec = f.spec("grid:\n  lr: [0.1, 1e-2]\n  hidden: [\"20,20\", '10']\n", fixed: "epochs: 1\noptimizer: sgd")
        #expect(try f.sweep(["--spec", spec, "data-dir=~", "--list"]).status == 0)
        let text = try String(contentsOfFile: "\(f.dir)/sweep.yaml", encoding: .utf8)
        #expect(text.contains("data-dir: '~'\n"), "\(text)")
        #expect(text.contains("lr: [0.1, 1e-2]"), "decimal numbers stay plain: \(text)")
        var expected: Set<String> = []
        for lr in ["0.1", "1e-2"] { for hidden in ["20,20", "10"] { expected.insert(try runID(["--optimizer", "sgd", "--lr", lr, "--hidden", hidden, "--epochs", "1"])) } }
        #expect(Set(try f.states().keys) == expected)
        let run = try f.sweep(["--jobs", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        for id in expected { #expect(f.csv(id).count == 2, "\(f.file(id, "train.log"))") }
    }
}
