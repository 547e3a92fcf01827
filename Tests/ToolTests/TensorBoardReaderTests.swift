import Foundation
import IDXData
import MLP
@testable import RunRecords
import Testing
import Training
@testable import TestSupport

/// The binary's event files read back by TensorBoard's own EventAccumulator: every epoch's
/// scalars equal (as float32) to the CSV row of the same epoch.
@Suite(.enabled(if: RealData.available("fashion")))
struct TensorBoardReaderTests {
    @Test(.enabled(if: TensorBoardReader.available))
    func tensorBoardReadsEveryEpochOfTwoRunsSideBySide() throws {
        let dir = TestPaths.temporaryDirectory()
        let logdir = dir.appendingPathComponent("tb/logs").path   // missing parents are created
        let csv = dir.appendingPathComponent("runs.csv").path
        let model = dir.appendingPathComponent("m.safetensors").path
        let first = try runTool(TensorBoardReader.fashionData + ["--epochs", "2", "--validation", "10000", "--run-name", "adam/val",
                                             "--csv", csv, "--save", model, "--tensorboard", logdir])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try runTool(TensorBoardReader.fashionData + ["--epochs", "1", "--optimizer", "sgd", "--csv", csv, "--tensorboard", logdir])
        #expect(second.status == 0, "\(second.stderr)")

        let log = try TensorBoardReader.read(logdir)
        // Folders are the safe run name followed by the run_id (12 hex digits).
        func folder(_ prefix: String) -> String? {
            log.runs.keys.first { $0.hasPrefix(prefix + "-") && $0.count == prefix.count + 13 }
        }
        #expect(log.runs.count == 2 && folder("adam_val") != nil && folder("sgd lr=0.01") != nil, "\(log.runs.keys)")
        let rows = csvRows(try String(contentsOfFile: csv, encoding: .utf8))
        let header = rows[0]
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        let allTags: Set = ["cost/train", "cost/val", "cost/test", "accuracy/train", "accuracy/val", "accuracy/test", "lr"]

        for (runName, prefix, epochs, tags) in [("adam/val", "adam_val", 2, allTags),
                                                ("sgd lr=0.01", "sgd lr=0.01", 1, allTags.subtracting(["cost/val", "accuracy/val"]))] {
            guard let folder = folder(prefix), let run = log.runs[folder] else { Issue.record("no run \(prefix)"); continue }
            #expect(Set(run.scalars.keys) == tags, "\(folder)")
            #expect(Set(run.plugin_tags) == tags, "the scalars dashboard sees \(run.plugin_tags)")
            #expect(run.files.count == 1)
            let file = try #require(run.files.first)
            #expect(file.name.hasPrefix("events.out.tfevents."))
            #expect(file.first_file_version == "brain.Event:2" && file.first_step == 0)
            #expect(file.events == 3 + epochs, "the version event, the HParams session start, one per epoch, the session end")
            let runRows = rows.dropFirst().filter { $0[column("run")!] == runName }
            #expect(runRows.count == epochs)
            for tag in tags {
                let points = run.scalars[tag] ?? []
                #expect(points.map { Int($0[0]) } == Array(1...epochs), "\(folder) \(tag): steps are epochs")
                guard let index = TensorBoardReader.columns[tag].flatMap(column) else { continue }
                for (point, row) in zip(points, runRows) {
                    #expect(Float(row[index])! == Float(point[1]), "\(folder) \(tag) epoch \(Int(point[0])): \(row[index]) vs \(point[1])")
                }
            }
        }

        // Without val columns in the run log, the validation scalars are checked against the epoch
        // lines (accuracy) and against the saved model evaluated on the held-out images (last cost).
        let run = try #require(folder("adam_val").flatMap { log.runs[$0] })
        if column("val_accuracy") == nil {
            let printed = first.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.map { line in
                Double(line.split(separator: " ").drop { $0 != "val" }.dropFirst().first!.dropLast())!
            }
            let accuracies = try #require(run.scalars["accuracy/val"]).map { $0[1] }
            #expect(printed.count == 2 && accuracies.count == 2)
            for (shown, logged) in zip(printed, accuracies) { #expect(abs(shown - logged * 100) <= 0.0051, "\(shown)% vs \(logged)") }
        }
        if column("val_cost") == nil {
            let loaded = try ModelFile.load(path: model)
            let dataset = try Dataset.load(.fashion, from: TestPaths.dataDirectory("fashion"))
            let validation = Evaluator(inputSize: 784).evaluate(loaded.network, on: dataset.train.suffix(10000))
            let logged = try #require(run.scalars["cost/val"]?.last?[1])
            #expect(abs(Float(validation.meanCost) - Float(logged)) <= 1e-6 * Float(logged), "\(validation.meanCost) vs \(logged)")
        }
    }
}
