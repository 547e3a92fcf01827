import Foundation
import Testing
@testable import TestSupport

/// Issue 22 item 11: what a newcomer hit on a first try, each through the binary.
@Suite(.serialized)
struct NewcomerFrictionTests {
    // MARK: - --resume alone

    /// DESIGN "Interruption, checkpoints and resuming": `--resume CKPT` alone (with output flags
    /// and a larger --epochs) takes every other flag from the checkpoint; a flag typed beside it
    /// that differs is named, and a flag not typed never is.
    @Test func resumeAloneContinuesTheRunAndNamesOnlyTypedFlags() throws {
        let dir = TestPaths.temporaryDirectory()
        let ck = dir.appendingPathComponent("ck").path, csv = dir.appendingPathComponent("run.csv").path
        let straight = dir.appendingPathComponent("straight.csv").path
        let flags = PatternData.arguments + ["--optimizer", "sgd", "--lr", "0.05", "--seed", "3"]
        let first = try runTool(flags + ["--epochs", "1", "--checkpoint", ck, "--csv", csv])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try runTool(flags + ["--epochs", "2", "--csv", straight]).status == 0)
        let data = ["--data-dir", PatternData.directory]

        // A typed flag that differs is the one line; the defaults of the flags not typed
        // (adam's --beta1, --hidden 20,20,20,20, …) are not "given".
        let before = try Data(contentsOf: URL(fileURLWithPath: ck))
        let mismatch = try runTool(data + ["--resume", ck, "--lr", "0.01"])
        #expect(mismatch.status == 64, "\(mismatch.stderr)")
        let lines = mismatch.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(mismatch.stderr)")
        #expect(mismatch.stderr.contains("--lr: checkpoint 0.05, given 0.01"), "\(mismatch.stderr)")
        // A flag typed with its default value is typed too.
        let optimizer = try runTool(data + ["--resume", ck, "--optimizer", "adam"])
        #expect(optimizer.status == 64)
        #expect(optimizer.stderr.split(separator: "\n").count == 1, "\(optimizer.stderr)")
        #expect(optimizer.stderr.contains("--optimizer: checkpoint sgd, given adam"), "\(optimizer.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: ck)) == before, "a refused resume leaves the checkpoint alone")

        // Alone, it continues: the rows are those of the run never interrupted.
        let resumed = try runTool(data + ["--resume", ck, "--epochs", "2", "--csv", csv])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming from \(ck): 1 epoch finished"), "\(resumed.stdout)")
        #expect(try runLogRows(csv) == runLogRows(straight))
        #expect(try runLogRows(csv).count == 2)
        // Typed flags equal to the checkpoint's are accepted beside it.
        let same = try runTool(data + ["--resume", ck, "--epochs", "2", "--optimizer", "sgd", "--lr", "0.05", "--hidden", "12"])
        #expect(same.status == 0, "\(same.stderr)")
    }

    // MARK: - Subcommands

    @Test func subcommandTyposGetASuggestionAndNamesTakeAnyCase() throws {
        let typo = try runTool(["compar", "x.csv"])
        #expect(typo.status == 64)
        let first = typo.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.contains("compar: unknown command; did you mean compare?"), "\(typo.stderr)")
        #expect(!typo.stderr.contains("unexpected arguments"), "\(typo.stderr)")
        let unknown = try runTool(["frobnicate"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("frobnicate: unknown command (commands: train, lr,"), "\(unknown.stderr)")
        // Any case: `LR` is `lr`.
        let upper = try runTool(["LR", "--lr", "0.1", "--iterations", "2"])
        #expect(upper.status == 0, "\(upper.stderr)")
        #expect(upper.stdout.hasPrefix("iteration,"), "\(upper.stdout)")
        let compare = try runTool(["Compare", "/nonexistent/x.csv"])
        #expect(compare.status == 1 && compare.stderr.contains("/nonexistent/x.csv"), "compare ran: \(compare.stderr)")
    }

    // MARK: - Sweep axes

    @Test func sweepAxesGetTrainsOwnMessages() throws {
        let f = SweepFixture()
        let result = try f.sweep(["optimizer=adma", "data-dir=\(f.data)"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--optimizer adma: unknown name; did you mean adam?"), "\(result.stderr)")
        #expect(!result.stderr.contains("must be a number"), "\(result.stderr)")
        #expect(f.runFolders().isEmpty)
    }

    // MARK: - A decimal comma

    @Test func aDecimalCommaIsNamed() throws {
        for (arguments, expected) in [(["--lr", "0,01"], "--lr 0,01: use a decimal point: 0.01"),
                                      (["--optimizer", "momentum", "--momentum", "0,9"], "--momentum 0,9: use a decimal point: 0.9"),
                                      (["path", "--lr", "0,05"], "--lr 0,05: use a decimal point: 0.05")] {
            let result = try runTool(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: " + expected), "\(arguments): \(result.stderr)")
        }
        // A comma list stays a list where it can be one (path's start w,b).
        let start = try runTool(["path", "--start", "0,5", "--iterations", "2"])
        #expect(start.status == 0, "\(start.stderr)")
    }

    // MARK: - compare

    @Test func compareSaysWhatAFileIsWhenItIsNoRunLog() throws {
        let dir = TestPaths.temporaryDirectory()
        let ck = dir.appendingPathComponent("run.ckpt").path
        #expect(try runTool(PatternData.arguments + ["--epochs", "1", "--checkpoint", ck]).status == 0)
        let model = Fixtures.write(Fixtures.model(), "m.safetensors", in: dir)
        let svg = Fixtures.write(Array("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>\n".utf8), "c.svg", in: dir)
        let png = Fixtures.write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13], "c.png", in: dir)
        for (path, kind) in [(model, "a zalando-train model (safetensors)"), (ck, "a zalando-train checkpoint (safetensors)"),
                             (svg, "an SVG file"), (png, "a PNG file")] {
            let result = try runTool(["compare", path])
            #expect(result.status == 1, "\(path): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("\(path): is \(kind), not a run log"), "\(result.stderr)")
        }
    }

    @Test func compareTakesAFolderOfRunLogs() throws {
        let dir = TestPaths.temporaryDirectory()
        for (name, lr) in [("a.csv", "0.05"), ("b.csv", "0.1")] {
            let result = try runTool(PatternData.arguments + ["--optimizer", "sgd", "--lr", lr, "--epochs", "1", "--csv", dir.path + "/" + name])
            #expect(result.status == 0, "\(result.stderr)")
        }
        // A CSV file that is not a run log is passed over, not an error.
        try "x,y\n1,2\n".write(toFile: dir.path + "/points.csv", atomically: true, encoding: .utf8)
        let ids = try ["a.csv", "b.csv"].map { try #require(runLogRows(dir.path + "/" + $0).first?["run_id"]) }
        let result = try runTool(["compare", dir.path, "--runs"])
        #expect(result.status == 0, "\(result.stderr)")
        for id in ids { #expect(result.stdout.contains(id), "\(id): \(result.stdout)") }
        let empty = TestPaths.temporaryDirectory()
        try "x,y\n1,2\n".write(toFile: empty.path + "/points.csv", atomically: true, encoding: .utf8)
        let none = try runTool(["compare", empty.path])
        #expect(none.status == 1 && none.stderr.contains("is a folder without run logs"), "\(none.stderr)")
    }

    // MARK: - The sweep's times

    /// A resumed run's report counts the attempts before it: a run continued just after
    /// resuming was said to take "0.0s".
    @Test func aResumedSweepRunReportsItsWholeTime() throws {
        let f = SweepFixture()
        let spec = f.spec("grid:\n  lr: [0.05]\n", fixed: "epochs: 1\noptimizer: sgd")
        let first = try f.sweep(["--spec", spec, "--jobs", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        let id = try #require(f.runFolders().first)
        #expect(FileManager.default.fileExists(atPath: "\(f.dir)/\(id)/checkpoint.safetensors"))
        let state = "\(f.dir)/\(id)/state"
        let recorded = try String(contentsOfFile: state, encoding: .utf8)
        #expect(recorded.contains("seconds="), "the state keeps the run's time: \(recorded)")
        // As if the first attempt had taken 1000 s.
        let edited = recorded.split(separator: "\n").filter { !$0.hasPrefix("seconds=") }.joined(separator: "\n") + "\nseconds=1000\n"
        try edited.write(toFile: state, atomically: true, encoding: .utf8)
        let more = try f.sweep(["epochs=3", "--jobs", "1"])
        #expect(more.status == 0, "\(more.stderr)")
        #expect(more.stderr.contains("\(id) (fixed flags only): finished in 16m4"), "\(more.stderr)")
        #expect(more.stderr.contains("in this attempt)"), "\(more.stderr)")
        #expect(f.csv(id).count == 4, "the run continued to 3 epochs")
    }

    // MARK: - Help and path

    @Test func trainHelpPointsUpToItsTables() throws {
        for command in ["train", "path", "lr"] {
            let help = try runTool([command, "--help"])
            #expect(help.status == 0)
            #expect(!help.stdout.contains("table below"), "\(command)")
            let table = try #require(help.stdout.range(of: "Schedules ("), "\(command)")
            let pointer = try #require(help.stdout.range(of: "table above"), "\(command)")
            #expect(table.lowerBound < pointer.lowerBound, "\(command): the table is above the flag that points to it")
        }
    }

    @Test func pathDataTakesCRLFLineEnds() throws {
        let dir = TestPaths.temporaryDirectory()
        let file = dir.appendingPathComponent("points.csv").path
        try "x,y\r\n0,2\r\n1,2.5\r\n2,3\r\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runTool(["path", "--data", file, "--iterations", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 5, "\(result.stdout)")
        // A bad row still names its line.
        try "x,y\r\n0,2\r\n1,oops\r\n".write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try runTool(["path", "--data", file, "--iterations", "3"])
        #expect(bad.status == 1 && bad.stderr.contains(":3:"), "\(bad.stderr)")
    }

    // MARK: - Where the data is

    /// The built binary from a folder without data: $ZALANDO_TRAIN_DATA finds the set; without
    /// it, the one line names every place looked.
    @Test func dataIsFoundFromAnotherFolderThroughTheEnvironment() throws {
        let elsewhere = TestPaths.temporaryDirectory(), home = TestPaths.temporaryDirectory()
        let root = TestPaths.temporaryDirectory()
        try FileManager.default.moveItem(atPath: Fixtures.dataDirectory().path, toPath: root.path + "/fashion")
        let found = try runTool(["--epochs", "1"], in: elsewhere,
                                environment: ["ZALANDO_TRAIN_DATA": root.path, "XDG_DATA_HOME": "", "HOME": home.path])
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.contains("epoch  1/1"), "\(found.stdout)")
        let lost = try runTool(["--epochs", "1"], in: elsewhere, environment: ["XDG_DATA_HOME": "", "HOME": home.path])
        if !FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") {
            #expect(lost.status == 1)
            #expect(lost.stderr.split(separator: "\n").count == 1, "\(lost.stderr)")
            for place in ["$ZALANDO_TRAIN_DATA/fashion (not set)", "./data/fashion", home.path + "/.local/share/zalando-train/fashion",
                          "/usr/share/datasets/fashion-mnist", "make download-data"] {
                #expect(lost.stderr.contains(place), "lacks \(place): \(lost.stderr)")
            }
        }
    }
}
