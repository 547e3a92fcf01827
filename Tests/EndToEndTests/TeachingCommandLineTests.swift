import Foundation
@testable import zalando_train
import Reports
import RunRecords
import Support
import Testing
import Training
@testable import TestSupport

/// Issue 17's cases through the built binary: exit status 64 and a first line on stderr that
/// says what is wrong with the value as typed and what would be right, followed by
/// ArgumentParser's Help or Usage line.
struct TeachingMessageTests {
    struct Case: Sendable, CustomStringConvertible {
        let arguments: [String]
        /// The first line of stderr starts with this.
        let starts: String
        /// ... and contains each of these.
        var contains: [String] = []
        var lacks: [String] = []
        var description: String { arguments.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(arguments: ["--lr", "-1"], starts: "Error: --lr -1: must be positive"),
        Case(arguments: ["--seed", "-1"], starts: "Error: --seed -1: must be zero or positive"),
        Case(arguments: ["path", "--iterations", "-5"], starts: "Error: --iterations -5: must be zero or positive"),
        Case(arguments: ["--epochs", "5.5"], starts: "Error: --epochs 5.5: must be a whole number"),
        Case(arguments: ["--schedule", "exponential", "--decay-rate", "0.5", "--decay-steps", "5E"],
             starts: "Error: --decay-steps 5E: ", contains: ["lowercase e (5e)", "(1000)", "whole epochs (5e)"]),
        Case(arguments: ["--decay-steps", "0.5e"], starts: "Error: --decay-steps 0.5e: ", contains: ["whole", "(1000)", "(5e)"]),
        Case(arguments: ["--decay-steps", "5epochs"], starts: "Error: --decay-steps 5epochs: not a duration", contains: ["(1000)", "(5e)"]),
        Case(arguments: ["--milestones", "2e,3x"], starts: "Error: --milestones 2e,3x: '3x' is not a duration", contains: ["(1000)", "(5e)"]),
        Case(arguments: ["--schedule", "exp"], starts: "Error: --schedule exp: unknown name; did you mean exponential?",
             contains: ["constant", "plateau"]),
        Case(arguments: ["lr", "--schedule", "Cosin", "--lr", "0.1", "--iterations", "3"],
             starts: "Error: --schedule Cosin: unknown name; did you mean cosine?"),
        Case(arguments: ["path", "--optimizer", "sgd,adm"], starts: "Error: --optimizer sgd,adm: 'adm' is an unknown name; did you mean adam?"),
        Case(arguments: ["compare", "--metric", "test-accuracy", "runs.csv"],
             starts: "Error: --metric test-accuracy: unknown name; did you mean test_accuracy?"),
        Case(arguments: ["--quiet"], starts: "Error: unknown option --quiet", lacks: ["did you mean", "--init"]),
        Case(arguments: ["--sched", "step"], starts: "Error: unknown option --sched; did you mean --schedule?"),
        Case(arguments: ["--optimiser", "sgd"], starts: "Error: unknown option --optimiser; did you mean --optimizer?"),
        Case(arguments: ["--schedule", "step", "--drop-every", "1000", "--factor", "0.5"],
             starts: "Error: --factor is not used by --schedule step, the book's γ0/(⌊j/D⌋+1); torch's StepLR",
             contains: ["--schedule exponential --decay-rate 0.5 --decay-steps 1000 --staircase",
                        "--schedule multistep --milestones 1000,2000,… --factor 0.5"]),
        Case(arguments: ["evaluate"], starts: "Error: evaluate needs a model file: zalando-train evaluate MODEL"),
        Case(arguments: ["--schedule", "exponential"], starts: "Error: --schedule exponential needs --decay-rate and --decay-steps",
             contains: ["--schedule exponential --decay-rate 0.1 --decay-steps 1000"]),
        Case(arguments: ["lr", "--schedule", "cyclic", "--max-lr", "1", "--lr", "0.1", "--iterations", "3"],
             starts: "Error: --schedule cyclic needs --step-size,", lacks: ["--max-lr and"]),
        Case(arguments: ["--optimizer", "sgd", "--momentum", "0.9"], starts: "Error: --momentum is not used by --optimizer sgd",
             contains: ["belongs to --optimizer momentum, nesterov, rmsprop"]),
        Case(arguments: ["--nesterov"], starts: "Error: unknown option --nesterov; did you mean --optimizer nesterov?"),
        Case(arguments: ["--learning-rate", "0.1"], starts: "Error: unknown option --learning-rate; did you mean --lr?"),
    ]

    @Test(arguments: cases)
    func firstLineSaysWhatIsWrongAndWhatIsRight(_ c: Case) throws {
        let result = try runTool(c.arguments)
        #expect(result.status == 64, "\(c): exit \(result.status)")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first = lines.first ?? ""
        #expect(first.hasPrefix(c.starts), "\(c): \(first)")
        for part in c.contains { #expect(first.contains(part), "\(c): \(first) lacks \(part)") }
        for part in c.lacks { #expect(!first.lowercased().contains(part.lowercased()), "\(c): \(first) has \(part)") }
        // ArgumentParser's conventions stay: Help or Usage on the next line.
        #expect(lines.count > 1 && (lines[1].hasPrefix("Help: ") || lines[1].hasPrefix("Usage: ")), "\(c): \(result.stderr)")
    }

    /// Names in any case reach the run: the command succeeds (exit 0) with what it prints.
    @Test func namesAreAcceptedInAnyCase() throws {
        let path = try runTool(["path", "--optimizer", "Adam", "--schedule", "Constant", "--iterations", "2"])
        #expect(path.status == 0, "\(path.stderr)")
        #expect(csvRows(path.stdout).count == 4)  // header, j = 0, 1, 2
        let lr = try runTool(["lr", "--schedule", "EXPONENTIAL", "--lr", "0.1", "--decay-rate", "0.5", "--decay-steps", "1", "--iterations", "2"])
        #expect(lr.status == 0, "\(lr.stderr)")
        #expect(csvRows(lr.stdout).last == ["1", "0.05"])
        let train = try #require(try ZalandoTrain.parseAsRoot(["--dataset", "MNIST", "--activation", "TanH", "--optimizer", "SGD"]) as? Train)
        #expect(train.data.dataset == .mnist && train.model.activation == .tanh && train.optimizer.optimizer == .sgd)
    }

    /// `evaluate MODEL` reads the model given positionally (a missing one is a file error,
    /// exit 1, naming it), and `--model` still works.
    @Test func evaluateTakesTheModelPositionally() throws {
        for arguments in [["evaluate", "no-such-model.safetensors"], ["evaluate", "--model", "no-such-model.safetensors"]] {
            let result = try runTool(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix("zalando-train: no-such-model.safetensors"), "\(arguments): \(result.stderr)")
        }
    }

    @Test func nearMissesAreSuggestedOnlyWhenClose() {
        #expect(Suggestions.nearMisses(of: "exp", in: ["exponential", "natural-exp", "step"]) == ["exponential"])
        #expect(Suggestions.nearMisses(of: "tnah", in: ["relu", "sigmoid", "tanh"]) == ["tanh"])
        #expect(Suggestions.nearMisses(of: "quiet", in: ["init", "seed", "epochs", "save"]).isEmpty)
    }
}

/// --help of every command (found in the command tree, so new ones are covered): 80 columns,
/// a default or "required" for every option, the tables that apply and only its behaviour.
struct HelpTextTests {
    static func commandTree() throws -> [String: Any] {
        let dump = try runTool(["--experimental-dump-help"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        return try #require(json["command"] as? [String: Any])
    }

    static func help(_ command: String) throws -> String {
        let result = try runTool(command.isEmpty ? ["--help"] : [command, "--help"])
        #expect(result.status == 0)
        return result.stdout
    }

    @Test func everyHelpFitsEightyColumns() throws {
        let root = try Self.commandTree()
        let names = [""] + (root["subcommands"] as? [[String: Any]] ?? []).compactMap { $0["commandName"] as? String }
        #expect(names.count >= 6)
        for name in names {
            for line in try Self.help(name).split(separator: "\n") {
                #expect(line.count <= 80, "\(name) --help: \(line.count) columns: \(line)")
            }
        }
    }

    @Test func everyOptionStatesItsDefault() throws {
        let root = try Self.commandTree()
        for command in root["subcommands"] as? [[String: Any]] ?? [] {
            for argument in command["arguments"] as? [[String: Any]] ?? [] where argument["kind"] as? String == "option" {
                let abstract = argument["abstract"] as? String ?? ""
                let valueName = argument["valueName"] as? String ?? ""
                let stated = argument["defaultValue"] != nil || abstract.contains("default") || abstract.contains("required")
                    || ["file", "dir"].contains(valueName)
                #expect(stated, "\(command["commandName"] ?? "") --\(valueName): \(abstract)")
            }
        }
        // --help wraps at 80 columns: compare with runs of white space folded.
        func folded(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let train = folded(try Self.help("train"))
        for expected in ["default: adam", "default: fashion", "default: relu", "default: constant"] {
            #expect(train.contains(expected), "train --help lacks \(expected)")
        }
        #expect(folded(try Self.help("compare")).contains("default: val_accuracy when every run has validation, else test_accuracy"))
    }

    @Test func eachCommandShowsItsOwnTablesAndBehaviour() throws {
        let train = try Self.help("train"), lr = try Self.help("lr"), path = try Self.help("path")
        #expect(train.contains("Optimizers (") && train.contains("Schedules ("))
        #expect(train.contains("  plateau "))
        #expect(!train.contains("comma list"), "train --help describes path/lr's comma lists")
        #expect(lr.contains("Schedules (") && !lr.contains("Optimizers ("))
        #expect(!lr.contains("default: the optimizer's"), "lr --help says --lr defaults to the optimizer's")
        #expect(lr.contains("required"))
        #expect(path.contains("Optimizers (") && path.contains("Schedules ("))
        for text in [lr, path] { #expect(!text.contains("\n  plateau "), "plateau in the table of a command that refuses it") }
    }

    @Test func durationFlagsShowBothForms() throws {
        let train = try Self.help("train").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "  +", with: " ", options: .regularExpression)
        for flag in ["--boundaries", "--drop-every", "--milestones", "--decay-steps", "--step-size", "--warmup-steps"] {
            let start = try #require(train.range(of: "\(flag) <"))
            let rest = train[start.upperBound...]
            let next = rest.range(of: " --")?.lowerBound ?? rest.endIndex
            let text = String(rest[..<next])
            #expect(text.contains("iterations (1000) or epochs (5e)"), "\(flag): \(text)")
        }
    }
}

/// `make install` into a temporary PREFIX (and DESTDIR): the files, bash completion through
/// the installed script's function, and the man page through `man -l`.
struct InstallTests {
    static let generateManual = TestPaths.binary.deletingLastPathComponent().appendingPathComponent("generate-manual")

    static var available: Bool {
        if FileManager.default.isExecutableFile(atPath: generateManual.path) { return true }
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        print("⚠️  SKIPPING install tests: \(generateManual.path) is missing; `make test` builds it")
        return false
    }

    static func install(prefix: String, destdir: String = "") throws -> ProcessResult {
        try runProcess("/usr/bin/env", ["make", "-s", "install", "SWIFT=:", "PREFIX=\(prefix)", "DESTDIR=\(destdir)",
                                        "BIN=\(TestPaths.binary.path)", "GENERATE_MANUAL=\(generateManual.path)"],
                       in: TestPaths.packageRoot)
    }

    static let installed: (prefix: URL, result: ProcessResult)? = {
        guard available else { return nil }
        let prefix = TestPaths.temporaryDirectory()
        return try? (prefix, install(prefix: prefix.path))
    }()

    @Test(.enabled(if: available)) func installsBinaryManPageAndCompletions() throws {
        let (prefix, result) = try #require(Self.installed)
        #expect(result.status == 0, "\(result.stderr)")
        for file in ["bin/zalando-train", "share/man/man1/zalando-train.1", "share/bash-completion/completions/zalando-train",
                     "share/zsh/site-functions/_zalando-train", "share/fish/vendor_completions.d/zalando-train.fish"] {
            #expect(FileManager.default.fileExists(atPath: prefix.appendingPathComponent(file).path), "\(file) missing")
        }
        #expect(FileManager.default.isExecutableFile(atPath: prefix.appendingPathComponent("bin/zalando-train").path))
        // DESTDIR stages the same tree under another root.
        let stage = TestPaths.temporaryDirectory()
        let staged = try Self.install(prefix: "/opt/zt", destdir: stage.path)
        #expect(staged.status == 0, "\(staged.stderr)")
        #expect(FileManager.default.fileExists(atPath: stage.path + "/opt/zt/share/man/man1/zalando-train.1"))
    }

    /// Sources the installed script in bash and calls its completion function as bash would.
    static func complete(_ words: [String], in folder: URL) throws -> [String] {
        let (prefix, _) = try #require(installed)
        let quoted = words.map { "'\($0)'" }.joined(separator: " ")
        let script = """
            source '\(prefix.path)/share/bash-completion/completions/zalando-train'
            COMP_WORDS=(\(quoted)); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
            fn=$(complete -p zalando-train | sed -E 's/.* -F ([^ ]+) .*/\\1/')
            "$fn" zalando-train "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let result = try runProcess("/bin/bash", ["-c", script], in: folder,
                                    environment: ["PATH": prefix.path + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "")])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test(.enabled(if: available)) func bashCompletesTrainFlagsValuesAndFiles() throws {
        let folder = TestPaths.temporaryDirectory()
        for name in ["dogs.csv", "data2.csv", "other.txt"] {
            _ = FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: Data())
        }
        #expect(try Self.complete(["zalando-train", "--sched"], in: folder) == ["--schedule"])
        #expect(try Self.complete(["zalando-train", "--epochs", "3", "--warm"], in: folder) == ["--warmup-steps"])
        #expect(try Self.complete(["zalando-train", "train", "--sched"], in: folder) == ["--schedule"])
        #expect(Set(try Self.complete(["zalando-train", "--optimizer", "a"], in: folder))
                == Set(OptimizerKind.allCases.map(\.rawValue).filter { $0.hasPrefix("a") }))
        #expect(Set(try Self.complete(["zalando-train", "compare", "d"], in: folder)) == ["dogs.csv", "data2.csv"])
        #expect(try Self.complete(["zalando-train", "ev"], in: folder) == ["evaluate"])
        #expect(try Self.complete(["zalando-train", "lr", "--schedule", "cos"], in: folder) == ["cosine"])
    }

    /// fish's own completion engine (`complete -C`) on the installed script.
    @Test(.enabled(if: available && shellPresent("fish"))) func fishCompletesTrainFlagsValuesAndFiles() throws {
        let (prefix, _) = try #require(Self.installed)
        let folder = TestPaths.temporaryDirectory()
        _ = FileManager.default.createFile(atPath: folder.appendingPathComponent("dogs.csv").path, contents: Data())
        func complete(_ line: String) throws -> [String] {
            let script = "source '\(prefix.path)/share/fish/vendor_completions.d/zalando-train.fish'; complete -C '\(line)'"
            let result = try runProcess("/usr/bin/env", ["fish", "-c", script], in: folder)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.split(separator: "\n").map { String($0.prefix { $0 != "\t" }) }
        }
        #expect(try complete("zalando-train --sched") == ["--schedule"])
        #expect(Set(try complete("zalando-train --optimizer a")) == Set(OptimizerKind.allCases.map(\.rawValue).filter { $0.hasPrefix("a") }))
        #expect(try complete("zalando-train compare d") == ["dogs.csv"])
        #expect(try complete("zalando-train lr --sched") == ["--schedule"])
    }

    /// zsh reads the installed script without a syntax error (its completion system needs a
    /// terminal to run).
    @Test(.enabled(if: available && shellPresent("zsh"))) func zshScriptParses() throws {
        let (prefix, _) = try #require(Self.installed)
        let result = try runProcess("/usr/bin/env", ["zsh", "-n", prefix.path + "/share/zsh/site-functions/_zalando-train"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// Outside CI a missing shell skips loudly; CI installs fish and zsh.
    static func shellPresent(_ name: String) -> Bool {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        let found = ["/usr/bin/", "/bin/", "/usr/local/bin/"].contains { FileManager.default.isExecutableFile(atPath: $0 + name) }
        if !found { print("⚠️  SKIPPING \(name) completion test: \(name) is not installed (apt-get install \(name))") }
        return found
    }

    @Test(.enabled(if: available)) func manPageRendersWithMan() throws {
        let (prefix, _) = try #require(Self.installed)
        let page = prefix.appendingPathComponent("share/man/man1/zalando-train.1").path
        let result = try runProcess("/usr/bin/env", ["man", "-l", page], environment: ["MANWIDTH": "80", "LC_ALL": "C.UTF-8", "MANPAGER": "cat", "PAGER": "cat"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "man warns: \(result.stderr)")
        let text = result.stdout.replacingOccurrences(of: "\u{8}.", with: "", options: .regularExpression)
        #expect(text.contains("zalando-train"))
        for expected in ["784→20→20→20→20→10", "--optimizer", "--decay-steps", "γ0 / (⌊j/D⌋ + 1)", "evaluate"] {
            #expect(text.contains(expected), "man page lacks \(expected)")
        }
    }
}

import Optimization

/// The progress bar on a real terminal (`script` gives the run a pty): it appears, with the
/// updates, the running cost and a time-left figure; with TERM=dumb or a pipe, plain lines.
@Suite(.enabled(if: RealData.available("fashion")))
struct ProgressBarTerminalTests {
    static func underTerminal(term: String) throws -> String {
        let command = "'\(TestPaths.binary.path)' --epochs 2 --data-dir '\(TestPaths.dataDirectory("fashion"))'"
        let result = try runProcess("/usr/bin/env", ["script", "-qec", command, "/dev/null"], environment: ["TERM": term])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    @Test func barShowsUpdatesCostAndTimeLeft() throws {
        let out = try Self.underTerminal(term: "xterm")
        let frames = out.split(separator: "\r").map(String.init).filter { $0.hasPrefix("epoch 1/2 ") }
        #expect(!frames.isEmpty, "no bar in \(out.prefix(400))")
        let last = try #require(frames.last { $0.contains("1200/1200") })
        #expect(last.range(of: #"cost \d\.\d{4}"#, options: .regularExpression) != nil, "\(last)")
        #expect(last.range(of: #"\d+(\.\d)?s left, run "#, options: .regularExpression) != nil, "\(last)")
        #expect(out.contains("\u{1B}["))
    }

    @Test func dumbTerminalGetsPlainLines() throws {
        let out = try Self.underTerminal(term: "dumb")
        #expect(!out.contains("\u{1B}"), "escape codes for TERM=dumb")
        #expect(!out.contains("█"))
        #expect(out.contains("epoch  2/2"))
    }

    @Test func pipesGetPlainLines() throws {
        let result = try runTool(["--epochs", "1", "--data-dir", TestPaths.dataDirectory("fashion")])
        #expect(result.status == 0)
        #expect(!result.stderr.contains("\u{1B}") && !result.stderr.contains("\r"), "\(result.stderr)")
    }

    /// A run name with CR, newline and ESC is written to the CSV and shown escaped by compare.
    @Test func compareEscapesControlCharacters() throws {
        let folder = TestPaths.temporaryDirectory()
        let csv = folder.appendingPathComponent("runs.csv").path
        let name = "evil\rname\nx\u{1B}[2J"
        let train = try runTool(["--epochs", "1", "--data-dir", TestPaths.dataDirectory("fashion"), "--csv", csv, "--run-name", name])
        #expect(train.status == 0, "\(train.stderr)")
        let compare = try runTool(["compare", csv])
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(compare.stdout.contains(#"evil\rname\nx\u{1B}[2J"#), "\(compare.stdout)")
        #expect(!compare.stdout.contains("\r") && !compare.stdout.contains("\u{1B}"))
        // The header and one run (then, for a log without validation, the note on test accuracy).
        #expect(compare.stdout.split(separator: "\n").filter { !$0.hasPrefix("note: ") }.count == 2)
    }
}
