import Foundation
import Testing
@testable import TestSupport

/// Every case in ../shared/golden (PyTorch optimizers, Keras/torch schedules), run through the
/// real command-line parser, within the tolerances of ../shared/golden/README.md. New case
/// folders are picked up without code changes.
struct GoldenTests {
    static func cases(_ kind: String) -> [String] {
        let folder = TestPaths.golden.appendingPathComponent(kind)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(kind)/\($0)" }
    }

    /// ftrl/path: keras.optimizers.Ftrl cases, laid out and checked like path/.
    static let all = cases("lr") + cases("path") + cases("ftrl/path")
    /// The repository's own goldens (Tests/Goldens): one-cycle from torch's OneCycleLR (lr
    /// tolerance) and cycled paths from torch.optim (path tolerance).
    static let repository = TestPaths.packageRoot.appendingPathComponent("Tests/Goldens")
    static func repositoryCases(_ kind: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent(kind).path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(kind)/\($0)" }
    }
    static let oneCycle = repositoryCases("one-cycle") + repositoryCases("path-one-cycle")

    @Test func goldenCasesExist() {
        #expect(GoldenTests.cases("lr").count >= 30)
        #expect(GoldenTests.cases("path").count >= 32)
        #expect(GoldenTests.cases("ftrl/path").count >= 5)
    }

    @Test func oneCycleCasesExist() {
        #expect(GoldenTests.repositoryCases("one-cycle").count >= 15)
        #expect(GoldenTests.repositoryCases("path-one-cycle").count >= 13)
    }

    @Test(arguments: oneCycle)
    func oneCycleMatchesTorch(_ name: String) throws {
        try Self.check(name, folder: GoldenTests.repository.appendingPathComponent(name), lrTolerance: name.hasPrefix("one-cycle/"))
    }

    @Test(arguments: all)
    func matchesReference(_ name: String) throws {
        try Self.check(name, folder: TestPaths.golden.appendingPathComponent(name), lrTolerance: name.hasPrefix("lr/"))
    }

    static func check(_ name: String, folder: URL, lrTolerance: Bool) throws {
        let args = try String(contentsOf: folder.appendingPathComponent("args"), encoding: .utf8)
            .split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        let expected = csvRows(try String(contentsOf: folder.appendingPathComponent("expected.csv"), encoding: .utf8))
        let (atol, rtol) = lrTolerance ? (1e-9, 1e-6) : (1e-6, 1e-4)

        let result = try runTool(args, in: folder)
        #expect(result.status == 0, "\(name): \(result.stderr)")
        let got = csvRows(result.stdout)
        try #require(got.first == expected.first, "\(name): header \(got.first ?? [])")
        try #require(got.count == expected.count, "\(name): \(got.count) rows, expected \(expected.count)")
        var failures = 0
        for (row, (e, g)) in zip(expected, got).enumerated().dropFirst() {
            for (column, (ev, gv)) in zip(e, g).enumerated() {
                let want = Double(ev)!, have = Double(gv) ?? .nan
                if !(abs(have - want) <= atol + rtol * abs(want)) {
                    failures += 1
                    if failures <= 3 { Issue.record("\(name) row \(row) column \(expected[0][column]): got \(gv), expected \(ev)") }
                }
            }
        }
        #expect(failures == 0)
    }
}
