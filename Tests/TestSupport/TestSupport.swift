import Foundation
import Testing

/// Paths and process helpers shared by the tests.
enum TestPaths {
    /// The package root (this file is Tests/TestSupport/TestSupport.swift).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let golden = shared.appendingPathComponent("golden")

    /// The zalando-train binary built beside this test bundle (same configuration).
    static let binary: URL = {
        let testExecutable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testExecutable.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("zalando-train")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        for config in ["release", "debug"] {
            let candidate = packageRoot.appendingPathComponent(".build/\(config)/zalando-train")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return packageRoot.appendingPathComponent(".build/release/zalando-train")
    }()

    /// data/DATASET under the package (or ZT_DATA_DIR).
    static func dataDirectory(_ dataset: String) -> String {
        let base = ProcessInfo.processInfo.environment["ZT_DATA_DIR"] ?? packageRoot.appendingPathComponent("data").path
        return base + "/" + dataset
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zt-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Whether the real data sets are present. Outside CI a missing set skips the real-data tests
/// loudly; with ZT_REQUIRE_DATA=1 (set by .ci/run) it is a failure.
enum RealData {
    static var required: Bool { ProcessInfo.processInfo.environment["ZT_REQUIRE_DATA"] == "1" }

    static func isPresent(_ dataset: String) -> Bool {
        let dir = TestPaths.dataDirectory(dataset)
        return ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
            .allSatisfy { FileManager.default.fileExists(atPath: "\(dir)/\($0).gz") || FileManager.default.fileExists(atPath: "\(dir)/\($0)") }
    }

    /// Use as `.enabled(if: RealData.available("fashion"))`: prints a loud notice when skipping,
    /// and never skips when data is required (the test then fails on the missing files).
    static func available(_ dataset: String) -> Bool {
        if isPresent(dataset) || required { return true }
        print("⚠️  SKIPPING real-data test: \(TestPaths.dataDirectory(dataset)) is missing; run `make download-data`")
        return false
    }
}

struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the zalando-train binary with `arguments`.
func runTool(_ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
    try runProcess(TestPaths.binary.path, arguments, in: directory, environment: environment)
}

func runProcess(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                environment: [String: String]? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    return try collect(process).result
}

/// Runs `process` with standard input from /dev/null and both output pipes read concurrently
/// with it (so large outputs cannot block it); with `seconds`, a watchdog SIGKILLs it after that
/// long, so a hang fails the test instead of stalling the suite.
func collect(_ process: Process, killAfter seconds: Double? = nil) throws -> (result: ProcessResult, timedOut: Bool) {
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let pid = process.processIdentifier
    nonisolated(unsafe) var timedOut = false
    let watchdog = DispatchWorkItem { timedOut = true; kill(pid, SIGKILL) }
    if let seconds { DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog) }
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { errData = readToEnd(err.fileHandleForReading.fileDescriptor); group.leave() }
    let outData = readToEnd(out.fileHandleForReading.fileDescriptor)
    group.wait()
    process.waitUntilExit()
    watchdog.cancel()
    return (ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                          stderr: String(decoding: errData, as: UTF8.self)), timedOut)
}

/// Parses simple CSV (no quoted commas) into rows of fields.
/// Rows of a CSV file: RFC 4180 records (run log v2's `flags` field is quoted: it holds commas).
func csvRows(_ text: String) -> [[String]] { csvRecords(text) }

/// RFC 4180 records (quoted fields may hold commas, quotes and line breaks), written here
/// independently of the program's reader: the truth the run-log tests check rows against.
func csvRecords(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var fields: [String] = []
    var field = ""
    var inQuotes = false
    var quoteJustClosed = false
    for c in text.unicodeScalars {
        if inQuotes {
            if c == "\"" { inQuotes = false; quoteJustClosed = true } else { field.unicodeScalars.append(c) }
            continue
        }
        if c == "\"" {
            if quoteJustClosed { field.append("\"") }  // "" inside a quoted field
            inQuotes = true
            quoteJustClosed = false
            continue
        }
        quoteJustClosed = false
        if c == "," { fields.append(field); field = "" } else if c == "\n" {
            fields.append(field); records.append(fields); fields = []; field = ""
        } else { field.unicodeScalars.append(c) }
    }
    if !field.isEmpty || !fields.isEmpty { fields.append(field); records.append(fields) }
    return records
}

/// Everything until end of file, retrying reads a signal interrupted: Foundation's
/// readDataToEndOfFile traps on EINTR (`try!` inside), which killed the whole test process when
/// a test's signal (a child's SIGCHLD, a SIGINT sent in a test) landed on the reading thread.
func readToEnd(_ fd: Int32) -> Data {
    var data = Data()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &chunk, chunk.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        data.append(contentsOf: chunk[0..<n])
    }
    return data
}
