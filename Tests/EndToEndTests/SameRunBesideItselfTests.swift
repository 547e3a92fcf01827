import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import TestSupport

/// The hostile pass of 2026-12-03 through the binary: one run started twice at once into one log
/// (the same command twice, or two resumes of one checkpoint) logged every epoch twice
/// (`1 1 2 2 3 3`), and compare then showed half the epochs; the second copy is now refused
/// while the first holds the run. Also: the largest --epochs trapped on `epochs + 1`; a control
/// character in a --run-name made the SVG unreadable XML.
@Suite(.enabled(if: RealData.available("fashion")), .serialized)
struct SameRunBesideItselfTests {
    static let base = ["--data-dir", TestPaths.dataDirectory("fashion"), "--hidden", "16", "--seed", "9"]

    /// Starts the binary, waits until `log` holds `lines` lines (the header and the rows), and
    /// returns the process.
    static func startAndWaitForARow(_ arguments: [String], log: String, lines: Int) throws -> Process {
        let process = try KillAndResumeTests.start(arguments)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), text.split(separator: "\n").count >= lines { break }
            usleep(20_000)
        }
        return process
    }

    @Test(arguments: ["fresh", "resume"])
    func aSecondCopyOfARunningRunIsRefusedAndEachEpochIsLoggedOnce(start: String) throws {
        let dir = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("runs.csv").path, ck = dir.appendingPathComponent("run.ckpt").path
        var arguments = Self.base + ["--epochs", "25", "--csv", csv]
        if start == "resume" {
            let first = try runTool(Self.base + ["--epochs", "1", "--csv", csv, "--checkpoint", ck])
            try #require(first.status == 0, "\(first.stderr)")
            arguments = Self.base + ["--epochs", "25", "--csv", csv, "--resume", ck]
        }
        // A row of its own: a resume's log already holds epoch 1 from the first run.
        let running = try Self.startAndWaitForARow(arguments, log: csv, lines: start == "resume" ? 3 : 2)
        let second = try runTool(arguments)
        let stillRunning = running.isRunning
        running.waitUntilExit()
        #expect(running.terminationStatus == 0)
        if stillRunning {
            #expect(second.status == 64, "\(second.stderr)")
            #expect(second.stderr.contains("another process is training this run") && second.stderr.contains(csv), "\(second.stderr)")
        } else {
            // The first copy ended before the second looked: then the second is the run already logged.
            #expect(second.status == 64, "\(second.stderr)")
        }
        let epochs = try expectWholeLog(csv).map { $0[10] }
        #expect(epochs == (1...25).map(String.init), "each epoch once: \(epochs)")
    }

    @Test func theLargestEpochCountIsRefusedNotTrapped() throws {
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("big.csv").path
        let result = try runTool(Self.base + ["--epochs", "9223372036854775807", "--csv", csv])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--epochs 9223372036854775807: must be at most"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: csv), "nothing written for a refused run")
    }

    @Test func aControlCharacterInARunNameKeepsTheSVGWellFormed() throws {
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("x.csv").path, svg = dir.appendingPathComponent("x.svg").path
        let trained = try runTool(Self.base + ["--epochs", "1", "--csv", csv, "--run-name", "a\u{1}c"])
        try #require(trained.status == 0, "\(trained.stderr)")
        let drawn = try runTool(["compare", csv, "--svg", svg])
        #expect(drawn.status == 0, "\(drawn.stderr)")
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" })
        // Foundation's XML parser (libxml2) reads the whole document.
        let parser = XMLParser(data: Data(text.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    }
}
