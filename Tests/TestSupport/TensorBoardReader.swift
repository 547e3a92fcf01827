import Foundation
import RunRecords
import IDXData
import MLP
import Support
import Testing
import Training

/// Walks an event file's framing: every record whole (length, both CRCs), nothing left over.
/// Returns the records' payloads.
func tfRecords(in path: String) throws -> [[UInt8]] {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var records: [[UInt8]] = []
    var offset = 0
    func word32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
    while offset < bytes.count {
        guard bytes.count - offset >= 12 else { throw FileProblem(path: path, problem: "partial header at \(offset)") }
        let header = Array(bytes[offset..<offset + 8])
        let length = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(header[$1]) << (8 * UInt64($1)) })
        guard word32(offset + 8) == CRC32C.masked(CRC32C.checksum(header)) else { throw FileProblem(path: path, problem: "header CRC at \(offset)") }
        guard bytes.count - offset - 12 >= length + 4 else { throw FileProblem(path: path, problem: "partial record at \(offset)") }
        let data = Array(bytes[offset + 12..<offset + 12 + length])
        guard word32(offset + 12 + length) == CRC32C.masked(CRC32C.checksum(data)) else { throw FileProblem(path: path, problem: "data CRC at \(offset)") }
        records.append(data)
        offset += 16 + length
    }
    return records
}

/// TensorBoard's reader is installed (`python3 -m pip install tensorboard`, as .ci/run does).
/// Outside CI its absence skips the reader tests loudly; with CI=true they run and fail.
enum TensorBoardReader {
    static let script = TestPaths.packageRoot.appendingPathComponent("scripts/tensorboard-read.py").path

    static var available: Bool {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return true }
        if let result = try? runProcess("/usr/bin/env", ["python3", "-c", "import tensorboard"]), result.status == 0 { return true }
        print("⚠️  SKIPPING TensorBoard reader test: python3 cannot import tensorboard; run `python3 -m pip install tensorboard`")
        return false
    }

    struct File: Decodable {
        let name: String
        let events: Int
        let first_file_version: String?
        let first_step: Int?
    }
    struct Run: Decodable {
        let scalars: [String: [[Double]]]
        let plugin_tags: [String]
        let files: [File]
    }
    struct Log: Decodable { let runs: [String: Run] }

    static func read(_ directory: String) throws -> Log {
        let result = try runProcess("/usr/bin/env", ["python3", script, directory])
        guard result.status == 0 else { throw FileProblem(path: script, problem: "failed: \(result.stderr)") }
        return try JSONDecoder().decode(Log.self, from: Data(result.stdout.utf8))
    }
}

extension TensorBoardReader {
    static let fashionData = ["--data-dir", TestPaths.dataDirectory("fashion")]

    /// The one run folder under `logdir`: the run's name, a dash and its 12-digit run_id.
    static func onlyRunFolder(in logdir: String, named name: String) throws -> String {
        let folders = try FileManager.default.contentsOfDirectory(atPath: logdir)
        #expect(folders.count == 1 && folders[0].hasPrefix(name + "-") && folders[0].count == name.count + 13, "\(folders)")
        return logdir + "/" + (folders.first ?? name)
    }
    /// TensorBoard tag → run-log column.
    static let columns = ["cost/train": "train_cost", "cost/val": "val_cost", "cost/test": "test_cost",
                          "accuracy/train": "train_accuracy", "accuracy/val": "val_accuracy",
                          "accuracy/test": "test_accuracy", "lr": "lr"]
}
