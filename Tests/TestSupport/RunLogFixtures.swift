import Foundation
import Reports
import RunRecords
import Support
import Testing
import Training

/// Run records you can trust (issue 12): the v2 run log written whole under faults and
/// concurrency, outputs checked before any training, and compare reading it all back — every case
/// through the built binary, on a tiny generated data set so each run takes milliseconds.
enum TinyData {
    /// Four plain IDX files (28×28 images of random pixels, labels 0–9) in a new folder.
    static func make(train: Int = 200, test: Int = 50) -> String {
        let dir = TestPaths.temporaryDirectory().appendingPathComponent("tiny")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        func be(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        func images(_ n: Int) -> Data { Data([0, 0, 8, 3] + be(n) + be(28) + be(28) + (0..<(n * 784)).map { _ in UInt8.random(in: 0...255, using: &generator) }) }
        func labels(_ n: Int) -> Data { Data([0, 0, 8, 1] + be(n) + (0..<n).map { _ in UInt8.random(in: 0...9, using: &generator) }) }
        for (name, data) in [("train-images-idx3-ubyte", images(train)), ("train-labels-idx1-ubyte", labels(train)),
                             ("t10k-images-idx3-ubyte", images(test)), ("t10k-labels-idx1-ubyte", labels(test))] {
            _ = FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: data)
        }
        return dir.path
    }
}

/// Runs `command` with /bin/sh (for closing descriptors and setting limits), killing it after
/// `timeout` seconds so a hang fails the test instead of stalling the suite.
func runShell(_ script: String, _ arguments: [String], timeout: Double = 60) throws -> (result: ProcessResult, timedOut: Bool) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script, "sh"] + arguments
    return try collect(process, killAfter: timeout)
}

/// The v2 log's header, written out here (not taken from the program) as the independent truth.
let v2Header = "run_id,run,dataset,optimizer,schedule,lr0,batch_size,hidden,activation,seed,epoch,iteration,lr,"
    + "train_cost,train_accuracy,val_cost,val_accuracy,test_cost,test_accuracy,seconds,flags"

let v1Header = "run,dataset,optimizer,schedule,lr0,batch_size,hidden,seed,epoch,iteration,lr,train_cost,train_accuracy,test_cost,test_accuracy,seconds"

/// Checks a v2 log: the header once, as the first line; every row whole (21 fields, numbers where
/// numbers go, a 12-hex-digit run_id, flags ending the row); the file ends with a newline.
func expectWholeLog(_ path: String, rows expected: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String]] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.hasSuffix("\n"), "log ends with a newline", sourceLocation: sourceLocation)
    let records = csvRecords(text)
    #expect(records.first?.joined(separator: ",") == v2Header, sourceLocation: sourceLocation)
    #expect(records.filter { $0.first == "run_id" }.count == 1, "header exactly once", sourceLocation: sourceLocation)
    let rows = Array(records.dropFirst())
    for row in rows {
        #expect(row.count == 21, "a whole row: \(row.count) fields", sourceLocation: sourceLocation)
        guard row.count == 21 else { continue }
        #expect(row[0].count == 12 && row[0].allSatisfy { "0123456789abcdef".contains($0) }, sourceLocation: sourceLocation)
        for column in [11, 12, 13, 14, 17, 18, 19] { #expect(Double(row[column]) != nil, "column \(column) \(row[column].prefix(30))", sourceLocation: sourceLocation) }
        #expect(row[20].hasPrefix("--dataset ") && row[20].contains("--schedule "), sourceLocation: sourceLocation)
    }
    if let expected { #expect(rows.count == expected, sourceLocation: sourceLocation) }
    return rows
}
