import Foundation
import IDXData
import Testing
@testable import TestSupport

/// The real files, checked against the data sets' published statistics.
struct RealDataTests {
    @Test(.enabled(if: RealData.available("mnist")))
    func mnistStatistics() throws {
        let data = try Dataset.load(.mnist, from: TestPaths.dataDirectory("mnist"))
        #expect(data.train.count == 60000 && data.test.count == 10000)
        #expect(data.train.rows == 28 && data.train.columns == 28 && data.test.rows == 28)
        #expect(data.train.labelHistogram() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        #expect(data.test.labelHistogram() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        let mean = Double(data.train.pixels.reduce(0) { $0 + Int($1) }) / Double(data.train.pixels.count) / 255
        #expect(abs(mean - 0.1307) < 0.00005, "pixel mean \(mean)")
    }

    @Test(.enabled(if: RealData.available("fashion")))
    func fashionStatistics() throws {
        let data = try Dataset.load(.fashion, from: TestPaths.dataDirectory("fashion"))
        #expect(data.train.count == 60000 && data.test.count == 10000)
        #expect(data.train.rows == 28 && data.train.columns == 28)
        #expect(data.train.labelHistogram() == Array(repeating: 6000, count: 10))
        #expect(data.test.labelHistogram() == Array(repeating: 1000, count: 10))
    }

    @Test func missingDataDirectoryNamesFileAndRemedy() throws {
        let result = try runTool(["--data-dir", "/nonexistent"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.stderr.contains("/nonexistent/train-images-idx3-ubyte.gz"))
        #expect(result.stderr.contains("make download-data"))
    }
}
