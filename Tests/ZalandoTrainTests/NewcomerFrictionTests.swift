import Foundation
import Testing

/// What a newcomer hit (issue 22, items 9 and 11), each through the binary: `--resume` alone,
/// mistyped subcommands, sweep axes with train's own messages, a decimal comma, compare given
/// something that is not a run log or a folder of logs, the help's "above", CRLF path data and
/// sgdr with a shrinking period.
@Suite struct NewcomerFrictionTests {
    static func firstLine(_ text: String) -> String { String(text.prefix { $0 != "\n" }) }

    // MARK: - --resume alone

    @Test func resumeAloneContinuesTheRunWithTheCheckpointsFlags() throws {
        let dir = TestPaths.temporaryDirectory()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let flags = PatternData.arguments + ["--optimizer", "momentum", "--lr", "0.05", "--schedule", "step", "--drop-every", "2e",
                                             "--grad-noise", "0.01"]
        let straight = try runTool(flags + ["--epochs", "4", "--csv", path("straight.csv")])
        #expect(straight.status == 0, "\(straight.stderr)")
        #expect(try runTool(flags + ["--epochs", "2", "--csv", path("split.csv"), "--checkpoint", path("ck")]).status == 0)

        // Before: 8 mismatches, among them --beta1 and --eps, which nobody typed.
        let resumed = try runTool(["--resume", path("ck"), "--data-dir", PatternData.directory, "--epochs", "4", "--csv", path("split.csv")])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming from \(path("ck")): 2 epochs finished"), "\(resumed.stdout)")
        #expect(!resumed.stderr.contains("given"), "\(resumed.stderr)")
        let rows = try runLogRows(path("split.csv"))
        #expect(rows.count == 4)
        #expect(rows == (try runLogRows(path("straight.csv"))), "a run resumed alone is the run never interrupted")

        // Given beside it with the checkpoint's values (as typed, in any form), flags are accepted.
        #expect(try runTool(flags + ["--epochs", "2", "--checkpoint", path("ck2")]).status == 0)
        let same = try runTool(["train", "--resume", path("ck2"), "--data-dir", PatternData.directory, "--optimizer", "Momentum",
                                "--lr", "5e-2", "--drop-every", "38", "--hidden", "12", "--epochs", "3", "--run-name", "again"])
        #expect(same.status == 0, "\(same.stderr)")
    }

    @Test func mismatchesNameOnlyTheFlagsTyped() throws {
        let dir = TestPaths.temporaryDirectory()
        let ck = dir.appendingPathComponent("ck").path
        let flags = PatternData.arguments + ["--optimizer", "momentum", "--schedule", "step", "--drop-every", "10"]
        #expect(try runTool(flags + ["--epochs", "1", "--checkpoint", ck]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: ck))

        let result = try runTool(["--resume", ck, "--data-dir", PatternData.directory, "--lr", "0.1", "--momentum", "0.5"])
        #expect(result.status == 64)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result.stderr)")
        #expect(lines.first { $0.contains("--lr: checkpoint 0.01, given 0.1") } != nil, "\(result.stderr)")
        #expect(lines.first { $0.contains("--momentum: checkpoint 0.9, given 0.5") } != nil, "\(result.stderr)")
        // Another optimizer makes the checkpoint's --momentum meaningless: only --optimizer is named.
        let other = try runTool(["--resume", ck, "--data-dir", PatternData.directory, "--optimizer", "adam"])
        #expect(other.status == 64)
        #expect(other.stderr.split(separator: "\n").count == 1 && other.stderr.contains("--optimizer: checkpoint momentum, given adam"),
                "\(other.stderr)")
        // A flag the checkpoint's run did not set.
        let clip = try runTool(["--resume", ck, "--data-dir", PatternData.directory, "--clip-norm", "1"])
        #expect(clip.status == 64 && clip.stderr.contains("--clip-norm: checkpoint not given, given 1"), "\(clip.stderr)")
        for word in ["beta1", "beta2", "eps", "hidden", "batch-size", "schedule"] {
            #expect(!(result.stderr + other.stderr + clip.stderr).contains("--\(word):"), "--\(word) was not typed")
        }
        // An unknown flag or a missing value is the parser's to name, not a mismatch.
        let unknown = try runTool(["--resume", ck, "--data-dir", PatternData.directory, "--nesterov"])
        #expect(unknown.status == 64 && Self.firstLine(unknown.stderr).contains("unknown option --nesterov"), "\(unknown.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: ck)) == before, "a refused resume leaves the checkpoint alone")
    }

    // MARK: - Subcommands

    @Test func mistypedSubcommandsGetASuggestionAndAnyCaseIsAccepted() throws {
        let typo = try runTool(["compar", "x.csv"])
        #expect(typo.status == 64)
        #expect(Self.firstLine(typo.stderr) == "Error: unknown command 'compar'; did you mean compare?", "\(typo.stderr)")
        let nothingClose = try runTool(["frobnicate"])
        #expect(nothingClose.status == 64)
        #expect(Self.firstLine(nothingClose.stderr).contains("unknown command 'frobnicate'; the commands are train, lr, path, compare"),
                "\(nothingClose.stderr)")

        let lr = ["--schedule", "step", "--drop-every", "2", "--lr", "0.1", "--iterations", "5"]
        let lower = try runTool(["lr"] + lr), upper = try runTool(["LR"] + lr)
        #expect(lower.status == 0 && upper.status == 0, "\(upper.stderr)")
        #expect(upper.stdout == lower.stdout)
        let missing = TestPaths.temporaryDirectory().appendingPathComponent("missing.csv").path
        let compare = try runTool(["Compare", missing])
        #expect(compare.status == 1 && compare.stderr == "zalando-train: \(missing): no such file\n", "\(compare.stderr)")
        #expect(try runTool(["help", "lr"]).status == 0)
    }

    // MARK: - Sweep axes speak train's messages

    @Test func sweepAxesGetTrainsOwnMessages() throws {
        let dir = TestPaths.temporaryDirectory().appendingPathComponent("sweep").path
        for (axis, expected) in [("optimizer=adma", "--optimizer adma: unknown name; did you mean adam?"),
                                 ("schedule=exp", "--schedule exp: unknown name; did you mean exponential?"),
                                 ("activation=tnah", "--activation tnah: unknown name; did you mean tanh?"),
                                 ("decay-steps=5E", "--decay-steps 5E: not a duration: epochs take a lowercase e (5e)")] {
            let result = try runTool(["sweep", dir, axis])
            #expect(result.status == 64, "\(axis): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(axis): \(result.stderr)")
            #expect(!result.stderr.contains("must be a number"), "\(axis): \(result.stderr)")
        }
    }

    // MARK: - A decimal comma

    @Test func aDecimalCommaIsNamed() throws {
        let model = Fixtures.write(Array("not used".utf8), "model")
        for (arguments, expected) in [
            (["--lr", "0,01"], "--lr 0,01: use a decimal point: 0.01"),
            (["--lr=0,01"], "--lr 0,01: use a decimal point: 0.01"),
            (["train", "--optimizer", "momentum", "--momentum", "0,9"], "--momentum 0,9: use a decimal point: 0.9"),
            (["path", "--lr", "0,01"], "--lr 0,01: use a decimal point: 0.01"),
            (["lr", "--schedule", "exponential", "--lr", "0.1", "--decay-rate", "0,5", "--decay-steps", "10", "--iterations", "3"],
             "--decay-rate 0,5: use a decimal point: 0.5"),
            (["prune", "--model", model, "--sparsity", "0,5"], "--sparsity 0,5: use a decimal point: 0.5"),
            (["--early-stop", "2", "--min-delta", "0,001"], "--min-delta 0,001: use a decimal point: 0.001"),
        ] {
            let result = try runTool(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(Self.firstLine(result.stderr) == "Error: " + expected, "\(arguments): \(result.stderr)")
        }
        // Comma lists stay lists, and a list that is wrong as a list keeps its own message.
        let list = try runTool(["lr", "--schedule", "step", "--drop-every", "10,20", "--lr", "0.1", "--iterations", "3"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.hasPrefix("iteration,D=10,D=20\n"), "\(list.stdout)")
        let milestones = try runTool(["lr", "--schedule", "multistep", "--milestones", "20,10", "--lr", "0.1", "--iterations", "3"])
        #expect(milestones.status == 64 && Self.firstLine(milestones.stderr).contains("--milestones 20,10: must be strictly increasing"),
                "\(milestones.stderr)")
    }

    // MARK: - compare given something else

    @Test func compareSaysWhatAFileIsWhenItIsNotARunLog() throws {
        let dir = TestPaths.temporaryDirectory()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let run = try runTool(PatternData.arguments + ["--epochs", "1", "--csv", path("run.csv"), "--save", path("model.safetensors"),
                                                       "--checkpoint", path("run.ckpt")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try runTool(["lr", "--schedule", "step", "--drop-every", "5", "--lr", "0.1", "--iterations", "20",
                             "--svg", path("schedule.svg")]).status == 0)
        #expect(try runTool(["compare", path("run.csv"), "--html", path("report.html")]).status == 0)
        #expect(try runShell("gzip -k '\(path("run.csv"))'").status == 0)
        let png = Fixtures.write([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13] + Array("IHDR".utf8), "picture.png", in: dir)
        let pdf = Fixtures.write(Array("%PDF-1.4\n%\u{e2}\u{e3}\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".utf8), "figure.pdf", in: dir)
        for (file, kind) in [(path("model.safetensors"), "a safetensors model"), (path("run.ckpt"), "a zalando-train checkpoint"),
                             (path("schedule.svg"), "an SVG picture"), (path("report.html"), "an HTML page"),
                             (path("run.csv.gz"), "a gzip file"), (png, "a PNG picture"), (pdf, "a PDF document"),
                             (PatternData.directory + "/train-images-idx3-ubyte", "an IDX data file")] {
            let result = try runTool(["compare", file])
            #expect(result.status == 1, "\(file): \(result.stderr)")
            #expect(result.stderr.hasPrefix("zalando-train: \(file): is \(kind)") && result.stderr.hasSuffix(", not a CSV run log\n")
                    && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!result.stderr.contains("stray quote"))
        }
        // A damaged run log still gets the reader's own message with its line.
        try (try String(contentsOfFile: path("run.csv"), encoding: .utf8) + "x,\"y\"z\n").write(toFile: path("bad.csv"), atomically: true, encoding: .utf8)
        let bad = try runTool(["compare", path("bad.csv")])
        #expect(bad.status == 1 && bad.stderr.contains("bad.csv:3:"), "\(bad.stderr)")
    }

    @Test func compareReadsAFolderOfRunLogs() throws {
        let scratch = TestPaths.temporaryDirectory()
        for (name, lr) in [("first.csv", "0.01"), ("second.csv", "0.002")] {
            let result = try runTool(PatternData.arguments + ["--epochs", "1", "--lr", lr, "--csv", scratch.appendingPathComponent(name).path])
            #expect(result.status == 0, "\(result.stderr)")
        }
        // Not run logs: skipped.
        let schedule = try runTool(["lr", "--schedule", "step", "--drop-every", "5", "--lr", "0.1", "--iterations", "20"])
        try schedule.stdout.write(to: scratch.appendingPathComponent("schedule.csv"), atomically: true, encoding: .utf8)
        try "notes".write(to: scratch.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let result = try runTool(["compare", scratch.path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("adam lr=0.01 ") }.count == 1 && lines.filter { $0.hasPrefix("adam lr=0.002 ") }.count == 1,
                "\(result.stdout)")
        // The same runs as the logs given one by one.
        let direct = try runTool(["compare", scratch.appendingPathComponent("first.csv").path, scratch.appendingPathComponent("second.csv").path])
        #expect(direct.status == 0 && Set(direct.stdout.split(separator: "\n").filter { $0.hasPrefix("adam") }) == Set(lines.filter { $0.hasPrefix("adam") }))
    }

    // MARK: - The remaining messages

    @Test func helpPointsAboveToTheTables() throws {
        for command in ["train", "path", "lr"] {
            let help = try runTool([command, "--help"])
            #expect(help.status == 0)
            #expect(!help.stdout.contains("table below"), "\(command) --help")
            let table = try #require(help.stdout.range(of: "Schedules ("), "\(command)")
            let pointer = try #require(help.stdout.range(of: "table above"), "\(command)")
            #expect(table.lowerBound < pointer.lowerBound, "\(command): the tables come before the options that point to them")
        }
    }

    @Test func pathReadsDataWithCRLFLineEnds() throws {
        let dir = TestPaths.temporaryDirectory()
        let lines = ["x,y", "0,2.1", "1,2.4", "2,3.1", "3,3.4"]
        let lf = Fixtures.write(Array((lines.joined(separator: "\n") + "\n").utf8), "lf.csv", in: dir)
        let crlf = Fixtures.write(Array((lines.joined(separator: "\r\n") + "\r\n").utf8), "crlf.csv", in: dir)
        let arguments = ["path", "--optimizer", "adam", "--lr", "0.1", "--iterations", "20", "--data"]
        let a = try runTool(arguments + [lf]), b = try runTool(arguments + [crlf])
        #expect(a.status == 0 && b.status == 0, "\(b.stderr)")
        #expect(b.stdout == a.stdout && b.stdout.split(separator: "\n").count == 22)
    }

    @Test func sgdrRefusesAShrinkingPeriod() throws {
        let base = ["lr", "--schedule", "sgdr", "--lr", "0.1", "--decay-steps", "4", "--iterations", "40"]
        let shrinking = try runTool(base + ["--t-mul", "0.5"])
        #expect(shrinking.status == 64, "\(shrinking.stdout)")
        #expect(Self.firstLine(shrinking.stderr).hasPrefix("Error: --t-mul 0.5: must be at least 1"), "\(shrinking.stderr)")
        #expect(!shrinking.stdout.lowercased().contains("nan"))
        for tMul in ["1", "1.5", "2"] {
            let result = try runTool(base + ["--t-mul", tMul])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.split(separator: "\n").count == 41 && !result.stdout.lowercased().contains("nan"), "t-mul \(tMul)")
        }
        // train refuses it before any work, as lr does.
        let train = try runTool(PatternData.arguments + ["--schedule", "sgdr", "--decay-steps", "4", "--t-mul", "0.9"])
        #expect(train.status == 64 && train.stderr.contains("--t-mul 0.9: must be at least 1"), "\(train.stderr)")
    }
}
