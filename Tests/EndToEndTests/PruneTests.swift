import Foundation
import Testing
@testable import TestSupport

/// `prune` against an independent computation on a tiny model trained by the binary on a tiny
/// data set written here: the kept weights and every bias byte-identical, the zeroed weights
/// exactly the smallest (ties by position), the table's accuracy equal to evaluating the
/// written file, `--scope layer`, sparsity 0 and 1, and bad values refused with exit 64.
struct PruneTests {
    /// A tiny learnable set: class c has a bright band on rows 2c…2c+1 over random background.
    static func writeTinyData(to dir: URL, train: Int = 400, test: Int = 200) {
        var rng = SystemRandomNumberGenerator()
        func images(_ count: Int, seed: UInt8) -> (pixels: [UInt8], labels: [UInt8]) {
            var pixels: [UInt8] = [], labels: [UInt8] = []
            for k in 0..<count {
                let label = UInt8((k * 7 + Int(seed)) % 10)
                labels.append(label)
                for row in 0..<28 {
                    for _ in 0..<28 {
                        pixels.append(row / 2 == Int(label) ? 200 + UInt8.random(in: 0...55, using: &rng) : UInt8.random(in: 0...90, using: &rng))
                    }
                }
            }
            return (pixels, labels)
        }
        for (stem, count, seed) in [("train", train, UInt8(0)), ("t10k", test, UInt8(3))] {
            let set = images(count, seed: seed)
            IDXFixture.write(IDXFixture.idxBytes(dimensions: [count, 28, 28], payload: set.pixels),
                                 to: dir.appendingPathComponent("\(stem)-images-idx3-ubyte.gz").path, gzip: true)
            IDXFixture.write(IDXFixture.idxBytes(dimensions: [count], payload: set.labels),
                                 to: dir.appendingPathComponent("\(stem)-labels-idx1-ubyte.gz").path, gzip: true)
        }
    }

    /// The folder with the tiny data and a model trained on it (2 epochs, 784-16-8-10).
    static let fixture: (dir: URL, data: String, model: String)? = {
        let dir = TestPaths.temporaryDirectory()
        let data = dir.appendingPathComponent("tiny")
        try? FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        writeTinyData(to: data)
        let model = dir.appendingPathComponent("model.safetensors").path
        guard let result = try? runTool(["--data-dir", data.path, "--hidden", "16,8", "--epochs", "2", "--batch-size", "20",
                                         "--save", model]), result.status == 0 else { return nil }
        return (dir, data.path, model)
    }()

    /// Expected zeroed weights: (tensor, index) of the round(s·N) smallest |w| in each group,
    /// ties by position in the file, computed from the original file.
    static func expectedPruned(_ original: SafetensorsFile, sparsity s: Double, layer: Bool) -> Set<String> {
        let weightNames = original.names.filter { $0.hasSuffix(".weight") }
        let groups: [[(name: String, index: Int, magnitude: Float)]] = {
            let all = weightNames.map { name in original.values(name).enumerated().map { (name, $0.offset, abs($0.element)) } }
            return layer ? all : [all.flatMap { $0 }]
        }()
        var pruned = Set<String>()
        for group in groups {
            let k = Int((s * Double(group.count)).rounded(.toNearestOrAwayFromZero))
            // Stable sort by magnitude keeps file order among equal magnitudes.
            let ranked = group.enumerated().sorted { $0.element.magnitude != $1.element.magnitude ? $0.element.magnitude < $1.element.magnitude : $0.offset < $1.offset }
            for entry in ranked.prefix(k) { pruned.insert("\(entry.element.name)#\(entry.element.index)") }
        }
        return pruned
    }

    /// "accuracy  84.32%" / "cost  0.4417" of evaluate's report.
    static func field(_ name: String, in report: String) -> String? {
        report.split(separator: "\n").first { $0.hasPrefix(name + " ") }?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
    }

    @Test(arguments: [(0.0, false), (0.3, false), (0.77, false), (1.0, false), (0.0, true), (0.5, true), (0.9, true), (1.0, true)])
    func prunesExactlyTheSmallestWeights(_ s: Double, _ layer: Bool) throws {
        let fixture = try #require(Self.fixture, "could not train the tiny model")
        let output = fixture.dir.appendingPathComponent("pruned-\(s)-\(layer).safetensors").path
        let scope = layer ? "layer" : "global"
        let result = try runTool(["prune", "--model", fixture.model, "--sparsity", "\(s)", "--scope", scope,
                                  "--data-dir", fixture.data, "--output", output])
        try #require(result.status == 0, "\(result.stderr)")

        let original = try SafetensorsFile(path: fixture.model), pruned = try SafetensorsFile(path: output)
        #expect(pruned.names == original.names)
        let expected = Self.expectedPruned(original, sparsity: s, layer: layer)
        var zeroed = 0, weights = 0
        for name in original.names {
            let before = original.bits(name), after = pruned.bits(name)
            #expect(pruned.shape(name) == original.shape(name))
            for i in before.indices {
                if name.hasSuffix(".weight") && expected.contains("\(name)#\(i)") {
                    #expect(after[i] == 0, "\(name)[\(i)] should be zeroed")
                    zeroed += 1
                } else {
                    #expect(after[i] == before[i], "\(name)[\(i)] changed: kept weights and biases must be byte-identical")
                }
            }
            if name.hasSuffix(".weight") { weights += before.count }
        }
        #expect(zeroed == expected.count)
        if s == 0 { #expect(zeroed == 0) }
        if s == 1 { #expect(zeroed == weights) }
        #expect(pruned.metadata["pruned_sparsity"] == formatForMetadata(s))
        #expect(pruned.metadata["pruned_scope"] == scope)
        #expect(pruned.metadata["hidden"] == "16,8" && pruned.metadata["dataset"] == "fashion")

        // The table's numbers are those of evaluating the written file.
        let evaluated = try runTool(["evaluate", "--model", output, "--data-dir", fixture.data])
        try #require(evaluated.status == 0, "\(evaluated.stderr)")
        let row = try #require(result.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(String(format: "%.1f%%", s * 100)) })
        let cells = row.split(separator: " ").map(String.init)
        #expect(cells.last == Self.field("accuracy", in: evaluated.stdout), "\(row) vs \(evaluated.stdout)")
        #expect(cells[cells.count - 2] == Self.field("cost", in: evaluated.stdout))
        // Overall zero share: the table, evaluate's report and the file agree.
        let share = String(format: "%.2f%%", Double(zeroed) / Double(weights) * 100)
        #expect(cells[1] == share, "\(row)")
        #expect(evaluated.stdout.split(separator: "\n").contains { $0.hasPrefix("  overall") && $0.contains(share) && $0.contains("(\(zeroed)/\(weights))") })
        if let accuracy = Double(pruned.metadata["test_accuracy"] ?? ""), let text = Self.field("accuracy", in: evaluated.stdout) {
            #expect(String(format: "%.2f%%", accuracy * 100) == text)
        } else {
            Issue.record("pruned model lacks test_accuracy")
        }
    }

    func formatForMetadata(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : "\(s)" }

    /// Several sparsities: one row each, each pruned from the original weights (so the rows
    /// equal single runs), and zero shares rising with s.
    /// A model of one data set pruned on another is a usage error (64), as in `evaluate`.
    @Test func aModelOfAnotherDataSetIsAUsageError() throws {
        let fixture = try #require(Self.fixture)
        let result = try runTool(["prune", "--model", fixture.model, "--sparsity", "0.5", "--dataset", "mnist", "--data-dir", fixture.data])
        #expect(result.status == 64)
        #expect(result.stderr == "zalando-train: \(fixture.model): was trained on fashion, not mnist; omit --dataset to use fashion\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func aListGivesOneRowPerSparsity() throws {
        let fixture = try #require(Self.fixture, "could not train the tiny model")
        let list = try runTool(["prune", "--model", fixture.model, "--sparsity", "0.9,0,0.5", "--data-dir", fixture.data])
        try #require(list.status == 0, "\(list.stderr)")
        let rows = list.stdout.split(separator: "\n").filter { $0.contains("%") && !$0.hasPrefix("model") }
        #expect(rows.count == 3)
        let single = try runTool(["prune", "--model", fixture.model, "--sparsity", "0.5", "--data-dir", fixture.data])
        let singleRow = single.stdout.split(separator: "\n").last { $0.contains("%") }
        #expect(rows.last == singleRow)
        #expect(rows[0].contains(" 90.00% ") && rows[1].contains("   0.00% "))
        // evaluate on the unpruned model: trained weights are not exactly zero.
        let evaluated = try runTool(["evaluate", "--model", fixture.model, "--data-dir", fixture.data])
        #expect(evaluated.stdout.contains("zero weights (biases excluded)"))
    }

    static let badCases: [(arguments: [String], names: String)] = [
        (["--sparsity", "1.5"], "--sparsity 1.5: must be a fraction in [0, 1]"),
        (["--sparsity", "-0.1"], "--sparsity -0.1: must be a fraction in [0, 1]"),
        (["--sparsity", "nan"], "--sparsity nan"),
        (["--sparsity", "0.5,2"], "--sparsity 2.0"),
        (["--sparsity", "abc"], "--sparsity"),
        (["--sparsity", "0.5", "--scope", "neuron"], "--scope"),
        (["--sparsity", "0.5,0.9", "--output", "OUT/p.safetensors"], "--output takes one sparsity"),
        (["--sparsity", "0.5", "--output", "OUT/missing/p.safetensors"], "does not exist"),
        (["--sparsity", "0.5", "--output", "OUT"], "is a folder"),
        (["--sparsity", "0.5", "--output", "OUT/"], "names a folder"),
        (["--sparsity", "0.5", "--output", ""], "empty file name"),
        (["--sparsity", "0.5", "--output", "MODEL"], "is also an input or output of this command"),
        (["--sparsity", "0.5", "--output", "OUT/notes.txt"], "not a zalando-train model"),
        (["--sparsity", "0.5", "--output", "/dev/null"], "not a regular file"),
        (["--model", "MISSING", "--sparsity", "0.5"], "MISSING"),
    ]

    @Test(arguments: badCases.indices)
    func badValuesAreRefused(_ index: Int) throws {
        let fixture = try #require(Self.fixture, "could not train the tiny model")
        let out = fixture.dir.appendingPathComponent("bad-\(index)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let notes = out.appendingPathComponent("notes.txt")
        try "keep me\n".write(to: notes, atomically: true, encoding: .utf8)
        let missing = fixture.dir.appendingPathComponent("missing.safetensors").path
        let modelBefore = try Data(contentsOf: URL(fileURLWithPath: fixture.model))
        let (arguments, names) = Self.badCases[index]
        let substituted = arguments.map {
            $0.replacingOccurrences(of: "OUT", with: out.path).replacingOccurrences(of: "MODEL", with: fixture.model)
                .replacingOccurrences(of: "MISSING", with: missing)
        }
        let base = substituted.contains("--model") ? ["prune"] : ["prune", "--model", fixture.model]
        let result = try runTool(base + substituted + ["--data-dir", fixture.data])
        let expectedStatus: Int32 = arguments.contains("MISSING") ? 1 : 64
        #expect(result.status == expectedStatus, "\(arguments): \(result.stderr)")
        let first = String(result.stderr.split(separator: "\n").first ?? "")
        #expect(first.contains(names.replacingOccurrences(of: "MISSING", with: missing)), "\(arguments): \(first)")
        #expect(result.stdout.isEmpty)
        #expect(try String(contentsOf: notes, encoding: .utf8) == "keep me\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.model)) == modelBefore)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["notes.txt"])
    }
}
