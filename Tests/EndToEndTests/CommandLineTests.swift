import Foundation
@testable import zalando_train
import ArgumentParser
import Testing
@testable import TestSupport

/// The binary end to end on the real data: output format, CSV, determinism, divergence, save
/// and evaluate.
@Suite(.enabled(if: RealData.available("fashion")))
struct TrainCommandTests {
    static let data = ["--data-dir", TestPaths.dataDirectory("fashion")]

    @Test func csvRowsAreDeterministicAndEvaluateReproducesTheLastEpoch() throws {
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("runs.csv").path
        let model = dir.appendingPathComponent("m.safetensors").path
        let first = try runTool(Self.data + ["--epochs", "2", "--csv", csv, "--save", model, "--run-name", "a"])
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n")
        let epochLines = lines.filter { $0.hasPrefix("epoch ") }
        #expect(epochLines.count == 2)
        let pattern = #/^epoch +\d+/\d+  cost \d+\.\d{4}  train \d+\.\d{2}%  test \d+\.\d{2}%  lr \d\.\d{2}e[-+]\d{2}  \d+\.\d{2}s$/#
        #expect(epochLines.allSatisfy { (try? pattern.wholeMatch(in: String($0))) != nil }, "\(epochLines)")

        // The same run again into the same log is refused (one run, one record) and leaves it as it
        // was; into a second log it gives the same rows.
        let logged = try String(contentsOfFile: csv, encoding: .utf8)
        let again = try runTool(Self.data + ["--epochs", "2", "--csv", csv, "--run-name", "a"])
        #expect(again.status == 64, "\(again.stderr)")
        #expect(try String(contentsOfFile: csv, encoding: .utf8) == logged)
        let secondCSV = dir.appendingPathComponent("again.csv").path
        let second = try runTool(Self.data + ["--epochs", "2", "--csv", secondCSV, "--run-name", "a"])
        #expect(second.status == 0, "\(second.stderr)")
        let rows = csvRecords(logged) + csvRecords(try String(contentsOfFile: secondCSV, encoding: .utf8)).dropFirst()
        try #require(rows.count == 5)
        #expect(rows[0].joined(separator: ",") == "run_id,run,dataset,optimizer,schedule,lr0,batch_size,hidden,activation,seed,epoch,iteration,lr,"
            + "train_cost,train_accuracy,val_cost,val_accuracy,test_cost,test_accuracy,seconds,flags")
        let seconds = 19
        func withoutSeconds(_ row: [String]) -> [String] { var r = row; r.remove(at: seconds); return r }
        #expect(withoutSeconds(rows[1]) == withoutSeconds(rows[3]), "same seed and flags give the same row")
        #expect(withoutSeconds(rows[2]) == withoutSeconds(rows[4]))
        #expect(rows[2][11] == "2400" && rows[2][5] == "0.001" && rows[2][7] == "20-20-20-20" && rows[2][8] == "relu")
        #expect(rows[2][15] == "" && rows[2][16] == "", "no validation columns without --validation")
        #expect(rows[2][20].hasPrefix("--dataset fashion --hidden 20,20,20,20 ") && rows[2][20].contains("--epochs 2"))

        let evaluation = try runTool(["evaluate", "--model", model, "--data-dir", TestPaths.dataDirectory("fashion")])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        let lastAccuracy = Double(rows[2][18])!
        let expectedLine = "accuracy  " + String(format: "%.2f", lastAccuracy * 100) + "%  (\(Int((lastAccuracy * 10000).rounded()))/10000)"
        #expect(evaluation.stdout.contains(expectedLine), "\(evaluation.stdout)")
        for name in ["T-shirt/top", "Trouser", "Ankle boot", "confusion matrix"] { #expect(evaluation.stdout.contains(name)) }
    }

    @Test func csvWithAnotherHeaderIsRefusedAndUntouched() throws {
        let csv = TestPaths.temporaryDirectory().appendingPathComponent("other.csv").path
        let original = "a,b,c\n1,2,3\n"
        try original.write(toFile: csv, atomically: true, encoding: .utf8)
        let result = try runTool(Self.data + ["--epochs", "1", "--csv", csv])
        #expect(result.status == 64)
        #expect(result.stderr.contains(csv) && result.stderr.contains("header"))
        #expect(try String(contentsOfFile: csv, encoding: .utf8) == original)
    }

    @Test func divergenceStopsWithStatus3AndKeepsFinishedEpochs() throws {
        let csv = TestPaths.temporaryDirectory().appendingPathComponent("d.csv").path
        let result = try runTool(Self.data + ["--optimizer", "sgd", "--schedule", "piecewise", "--boundaries", "1200",
                                              "--values", "0.01,1e6", "--epochs", "3", "--csv", csv])
        #expect(result.status == 3)
        #expect(result.stderr.contains("epoch 2") && result.stderr.contains("--lr") && result.stderr.contains("--clip-norm"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(csvRows(try String(contentsOfFile: csv, encoding: .utf8)).count == 2)
    }

    @Test func collapseIsReportedWithTheDeadLayers() throws {
        let result = try runTool(Self.data + ["--optimizer", "adam", "--lr", "0.1", "--epochs", "3"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("dead units") && result.stderr.contains("smaller --lr"))
        // Said once while the same layers stay dead, not every epoch.
        let warnings = result.stderr.components(separatedBy: "dead units").count - 1
        #expect(warnings >= 1 && warnings < 3, "\(result.stderr)")
    }

    /// FTRL with Keras's default accumulator collapses at any rate (docs/guide/evaluating-and-pruning.md "Sparse models"):
    /// the warning names the accumulator, not a smaller --lr.
    @Test func ftrlCollapseNamesTheAccumulator() throws {
        let result = try runTool(Self.data + ["--optimizer", "ftrl", "--epochs", "1"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("dead units") && result.stderr.contains("--initial-accumulator 1e-4"), "\(result.stderr)")
        #expect(!result.stderr.contains("smaller --lr"))
    }

    @Test func unwritableOutputsFailBeforeTraining() throws {
        let csv = try runTool(Self.data + ["--csv", "/nonexistent/dir/runs.csv"])
        #expect(csv.status == 64 && csv.stderr.contains("/nonexistent/dir/runs.csv"))
        let save = try runTool(Self.data + ["--save", "/nonexistent/dir/m.safetensors"])
        #expect(save.status == 64 && save.stderr.contains("/nonexistent/dir/m.safetensors"))
        let directory = try runTool(Self.data + ["--save", TestPaths.temporaryDirectory().path])
        #expect(directory.status == 64 && directory.stderr.contains("folder"))
    }

    @Test func invalidModelFilesGetOneLine() throws {
        let dir = TestPaths.temporaryDirectory()
        let garbage = dir.appendingPathComponent("g.safetensors").path
        try Data("not a model at all".utf8).write(to: URL(fileURLWithPath: garbage))
        for path in [garbage, dir.appendingPathComponent("missing").path, dir.path] {
            let result = try runTool(["evaluate", "--model", path])
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("zalando-train: \(path)"))
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }
}

/// SIGINT/SIGTERM during training: the current update finishes, finished epochs stay in the
/// CSV, the model is saved atomically if asked, where it stopped is printed, exit 130/143.
@Suite(.enabled(if: RealData.available("fashion")), .serialized)
struct InterruptionTests {
    @Test(arguments: [(SIGINT, Int32(130), "SIGINT"), (SIGTERM, Int32(143), "SIGTERM")])
    func signalStopsCleanly(signal: Int32, status: Int32, name: String) throws {
        let dir = TestPaths.temporaryDirectory()
        let csv = dir.appendingPathComponent("runs.csv").path
        let model = dir.appendingPathComponent("m.safetensors").path
        let process = Process()
        process.executableURL = TestPaths.binary
        process.arguments = TrainCommandTests.data + ["--epochs", "500", "--csv", csv, "--save", model]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait (bounded) until two epochs are in the CSV, then interrupt.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: csv, encoding: .utf8), text.split(separator: "\n").count >= 3 { break }
            usleep(20_000)
        }
        kill(process.processIdentifier, signal)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == status, "\(stderr)")
        #expect(stderr.contains("interrupted by \(name)") && stderr.contains("model saved to \(model)"), "\(stderr)")
        let rows = csvRecords(try String(contentsOfFile: csv, encoding: .utf8))
        #expect(rows.count >= 3 && rows.count < 500)
        #expect(rows.dropFirst().allSatisfy { $0.count == 21 }, "every row complete")
        let evaluation = try runTool(["evaluate", "--model", model, "--data-dir", TestPaths.dataDirectory("fashion")])
        #expect(evaluation.status == 0, "the saved model is whole: \(evaluation.stderr)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("tmp") }
        #expect(leftovers.isEmpty)
    }
}
