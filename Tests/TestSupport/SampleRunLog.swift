import Foundation
import RunRecords

/// A hand-written v1 run log: rows of three runs (one named with a comma), written to a fresh
/// file by `write`. The compare, picture and HTML tests read it.
enum SampleRunLog {
    static func write(_ rows: [String]) throws -> String {
        let path = TestPaths.temporaryDirectory().appendingPathComponent("runs.csv").path
        try ([RunLog.headerV1] + rows).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let rows = [
        "sgd-run,fashion,sgd,constant,0.01,50,20-20-20-20,1,1,1200,0.01,0.60,0.78,0.62,0.77,0.11",
        "sgd-run,fashion,sgd,constant,0.01,50,20-20-20-20,1,2,2400,0.01,0.50,0.82,0.53,0.81,0.11",
        "\"adam, fast\",fashion,adam,constant,0.001,50,20-20-20-20,1,1,1200,0.001,0.45,0.84,0.48,0.83,0.14",
        "\"adam, fast\",fashion,adam,constant,0.001,50,20-20-20-20,1,2,2400,0.001,0.38,0.86,0.43,0.84,0.13",
        "\"adam, fast\",fashion,adam,constant,0.001,50,20-20-20-20,1,3,3600,0.001,0.36,0.87,0.42,0.82,0.15",
    ]
}
