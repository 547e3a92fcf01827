import Foundation
import IDXData
import Optimization
import Reports
import RunRecords
import Support
import Testing
import Training
@testable import TestSupport

/// Every fuzzing seed (Fuzz/corpus/TARGET) and every saved crashing input
/// (Fuzz/regressions/TARGET-NAME) goes through its reader again: a value, or the reader's own
/// typed error (DataError for IDX files, FileProblem for the others); never another error or a trap.
struct FuzzRegressionTests {
    static let fuzz = TestPaths.packageRoot.appendingPathComponent("Fuzz")

    static func inputs() -> [String] {
        var found: [String] = []
        for target in ["idx", "runlog", "pathdata", "model"] {
            let folder = fuzz.appendingPathComponent("corpus/\(target)")
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] { found.append("\(target)/corpus/\(name)") }
        }
        let regressions = fuzz.appendingPathComponent("regressions")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: regressions.path)) ?? [] where name.contains("-") {
            found.append("\(name.split(separator: "-")[0])/regressions/\(name)")
        }
        return found.sorted()
    }

    @Test func seedsExist() { #expect(Self.inputs().count >= 8) }

    @Test(arguments: inputs())
    func readerSurvives(_ input: String) throws {
        let parts = input.split(separator: "/", maxSplits: 2).map(String.init)
        let path = parts[1] == "corpus" ? Self.fuzz.appendingPathComponent("corpus/\(parts[0])/\(parts[2])").path
                                        : Self.fuzz.appendingPathComponent("regressions/\(parts[2])").path
        switch parts[0] {
        case "idx":
            do { _ = try IDXFile.read(path: path) } catch { #expect(error is DataError, "\(error)") }
        case "runlog":
            // A log that reads is summarised (the code compare runs); one that does not names
            // the file and the problem: a FileProblem, never another error or a trap.
            do {
                let runs = try RunLogReader.read(paths: [path])
                if !runs.isEmpty {
                    _ = RunComparison.table(runs, metric: .testCost)
                    _ = RunComparison.chart(runs, metric: .testAccuracy, logCost: true)
                }
            } catch { #expect(error is FileProblem, "\(error)") }
        case "pathdata":
            do { _ = PathPicture.minimum(of: try PathProblem.read(csv: path)) } catch { #expect(error is FileProblem, "\(error)") }
        case "model":
            do { _ = try ModelFile.load(path: path, batchCapacity: 4) } catch { #expect(error is FileProblem, "\(error)") }
        default:
            Issue.record("unknown fuzz target in \(input)")
        }
    }
}
