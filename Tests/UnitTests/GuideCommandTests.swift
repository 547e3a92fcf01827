import Foundation
@testable import zalando_train
import ArgumentParser
import Sweeps
import Testing
@testable import TestSupport

/// The commands the docs tell a reader to type parse and validate through the real command
/// tree, so a renamed or tightened flag breaks this test instead of the reader's copy-paste;
/// the sweep specs they name expand into runs whose flags parse too. Covers docs/guide/lr-find.md
/// and the README's lines that run lr-find (the rest of the README is covered by the suites of
/// each command).
struct GuideCommandTests {
    static let root = TestPaths.packageRoot

    /// The `zalando-train …` lines of a Markdown file's fenced code blocks (a `$ ` prompt and a
    /// trailing `# comment` dropped), split into words as the shell would (single and double
    /// quotes; the docs use no escapes, variables or pipes). Paths into a folder the page makes
    /// first (`mkdir -p scratch`) are moved into a fresh temporary folder that has it, since
    /// validation checks that an output's folder exists.
    static func commands(in file: String) throws -> [[String]] {
        let scratch = TestPaths.temporaryDirectory()
        let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
        var inBlock = false, found: [[String]] = [], made: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if raw.hasPrefix("```") { inBlock.toggle(); continue }
            guard inBlock else { continue }
            var line = raw.hasPrefix("$ ") ? String(raw.dropFirst(2)) : raw
            if let hash = line.range(of: "  # ") ?? line.range(of: "   # ") { line = String(line[..<hash.lowerBound]) }
            var words = try shellWords(line)
            if words.count == 3, words[0] == "mkdir", words[1] == "-p" {
                made.append(words[2])
                try FileManager.default.createDirectory(at: scratch.appendingPathComponent(words[2]), withIntermediateDirectories: true)
                continue
            }
            words = words.map { w in made.contains { w.hasPrefix($0 + "/") } ? scratch.appendingPathComponent(w).path : w }
            guard let first = words.first, first == "zalando-train" || first.hasSuffix("/zalando-train") else { continue }
            words.removeFirst()
            found.append(words)
        }
        return found
    }

    static func shellWords(_ line: String) throws -> [String] {
        var words: [String] = [], word = "", quote: Character?, inWord = false
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c; inWord = true
            } else if c == " " {
                if inWord { words.append(word); word = ""; inWord = false }
            } else {
                word.append(c); inWord = true
            }
        }
        try #require(quote == nil, "unbalanced quote in: \(line)")
        if inWord { words.append(word) }
        return words
    }

    /// Parses and validates one command line as the binary does (without running it).
    static func check(_ arguments: [String], from file: String) throws {
        do {
            var command = try ZalandoTrain.parseAsRoot(arguments)
            try command.validate()
        } catch {
            Issue.record("\(file): zalando-train \(arguments.joined(separator: " ")): \(ZalandoTrain.message(for: error))")
            return
        }
        // A sweep's spec: every run it plans must be a valid train command line.
        if arguments.first == "sweep", let i = arguments.firstIndex(of: "--spec"), i + 1 < arguments.count {
            let path = arguments[i + 1]
            let yaml = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            let spec = try SweepSpec.parse(yaml: yaml, source: path)
            let runs = try SweepPlan.runs(of: spec) { runArguments in
                var train = try ZalandoTrain.parseAsRoot(["train"] + runArguments)
                try train.validate()
                return RunDefinition(runID: runArguments.joined(separator: " "), flags: runArguments.joined(separator: " "),
                                     epochs: 1, arguments: runArguments, dataFolder: "")
            }
            #expect(!runs.isEmpty, "\(path) plans no runs")
        }
    }

    @Test func lrFindGuideCommandsParse() throws {
        let commands = try Self.commands(in: "docs/guide/lr-find.md")
        // lr-find, the three trainings and compare of step 2, and the study's two sweeps and compares.
        #expect(commands.count >= 9)
        #expect(commands.contains { $0.first == "lr-find" })
        #expect(commands.filter { $0.first == "sweep" }.count == 2)
        #expect(commands.contains { $0.contains("one-cycle") })
        for c in commands { try Self.check(c, from: "docs/guide/lr-find.md") }
    }

    @Test func readmeLRFindLineParses() throws {
        let commands = try Self.commands(in: "README.md").filter { $0.first == "lr-find" }
        #expect(!commands.isEmpty, "the README's quick start shows lr-find")
        for c in commands { try Self.check(c, from: "README.md") }
    }

    @Test func shellWordsSplitsAsTheShellDoes() throws {
        #expect(try Self.shellWords("compare a.csv --title 'Two Words' --x \"y z\"") == ["compare", "a.csv", "--title", "Two Words", "--x", "y z"])
        #expect(try Self.shellWords("--title ''") == ["--title", ""])
    }
}
