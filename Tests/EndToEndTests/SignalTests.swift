import Foundation
import Testing
@testable import TestSupport

/// Real processes on the real data, real signals: SIGHUP as SIGTERM, SIGPIPE ignored, a
/// second signal during the save, and a saved model whose metadata describes its weights.
@Suite(.enabled(if: RealData.available("fashion")), .serialized)
struct SignalTests {
    static let data = ["--data-dir", TestPaths.dataDirectory("fashion")]

    /// Starts a long run, waits until `rows` epochs are in its CSV (plus `extra` seconds), sends
    /// `signals` (a few ms apart), and returns its exit status and stderr.
    static func interrupt(after rows: Int, extra: Double = 0, signals: [Int32], csv: String, model: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = TestPaths.binary
        process.arguments = data + ["--epochs", "500", "--csv", csv, "--save", model]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: csv, encoding: .utf8), text.split(separator: "\n").count >= rows + 1 { break }
            usleep(20_000)
        }
        if extra > 0 { usleep(UInt32(extra * 1e6)) }
        for signal in signals {
            kill(process.processIdentifier, signal)
            usleep(2_000)
        }
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stderr)
    }

    static func metadata(_ path: String) throws -> [String: String] {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + length))) as! [String: Any]
        return header["__metadata__"] as! [String: String]
    }

    @Test func sighupStopsLikeSigterm() throws {
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("runs.csv").path, model = dir.appendingPathComponent("m.safetensors").path
        let (status, stderr) = try Self.interrupt(after: 1, signals: [SIGHUP], csv: csv, model: model)
        #expect(status == 129, "\(stderr)")
        #expect(stderr.hasPrefix("interrupted by SIGHUP in epoch "), "\(stderr)")
        #expect(stderr.hasSuffix("; model saved to \(model)\n"))
        let rows = csvRows(try String(contentsOfFile: csv, encoding: .utf8))
        #expect(rows.count >= 2 && rows.dropFirst().allSatisfy { $0.count == rows[0].count })
        let evaluation = try runTool(["evaluate", "--model", model] + Self.data)
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
    }

    /// SIGINT mid-epoch: the weights are some updates past the last logged epoch. The metadata
    /// says how many updates, and its test accuracy is the one evaluate measures on the file.
    @Test func metadataDescribesTheWeightsSavedMidEpoch() throws {
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("runs.csv").path, model = dir.appendingPathComponent("m.safetensors").path
        let (status, stderr) = try Self.interrupt(after: 1, extra: 0.05, signals: [SIGINT], csv: csv, model: model)
        #expect(status == 130, "\(stderr)")
        let meta = try Self.metadata(model)
        let rows = csvRows(try String(contentsOfFile: csv, encoding: .utf8))
        let logged = rows.count - 1
        #expect(meta["epochs_completed"] == String(logged))
        let updates = Int(meta["updates_completed"] ?? "") ?? -1
        // The message says after which iteration the run stopped: the same count.
        #expect(stderr.contains("after iteration \(updates);"), "\(stderr) vs \(meta)")
        #expect(updates >= 1200 * logged)
        let evaluation = try runTool(["evaluate", "--model", model] + Self.data)
        let accuracy = Double(meta["test_accuracy"] ?? "") ?? -1
        let line = "accuracy  " + String(format: "%.2f", accuracy * 100) + "%  (\(Int((accuracy * 10000).rounded()))/10000)"
        #expect(evaluation.stdout.contains(line), "metadata \(meta), evaluate: \(evaluation.stdout)")
        let cost = Double(meta["test_cost"] ?? "") ?? -1
        #expect(evaluation.stdout.contains("cost      " + String(format: "%.4f", cost)))
    }

    /// A second (and third) signal right after the first does not cut the save short: the
    /// first signal's status, a whole model, no temporary file left.
    @Test func moreSignalsDuringTheSave() throws {
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("runs.csv").path, model = dir.appendingPathComponent("m.safetensors").path
        let (status, stderr) = try Self.interrupt(after: 1, signals: [SIGTERM, SIGINT, SIGHUP], csv: csv, model: model)
        #expect(status == 143, "\(stderr)")
        #expect(stderr.contains("model saved to \(model)"))
        let evaluation = try runTool(["evaluate", "--model", model] + Self.data)
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("tmp") }.isEmpty)
    }

    /// `train … | head -1`: the reader goes away after the first line; the run keeps training,
    /// appends every epoch and saves the model, and ends with status 0.
    @Test func aClosedPipeDoesNotStopTheRun() throws {
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("r.csv").path, model = dir.appendingPathComponent("m.safetensors").path
        let command = ([TestPaths.binary.path] + Self.data + ["--epochs", "3", "--csv", csv, "--save", model])
            .map { "'\($0)'" }.joined(separator: " ")
        let result = try runShell("timeout 120 \(command) | head -1; echo \"status ${PIPESTATUS[0]}\" >&2", seconds: 150)
        #expect(result.stdout.hasPrefix("Fashion-MNIST: 60000 training") && result.stdout.split(separator: "\n").count == 1)
        #expect(result.stderr == "status 0\n", "\(result.stderr)")
        let rows = csvRows(try String(contentsOfFile: csv, encoding: .utf8))
        #expect(rows.count == 4, "every epoch logged")
        let evaluation = try runTool(["evaluate", "--model", model] + Self.data)
        #expect(evaluation.status == 0)
        #expect(try Self.metadata(model)["epochs_completed"] == "3")
    }
}
