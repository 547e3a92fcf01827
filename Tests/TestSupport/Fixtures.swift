import Foundation
import Testing

/// Tiny data sets and model files written by the tests, and a bounded way to run the binary
/// (a test of "never hangs" must not hang itself).
enum Fixtures {
    /// A folder with the four IDX files (plain, not gzipped): `train` and `test` images of
    /// `rows`×`columns` pixels, labels cycling through 0…9.
    static func dataDirectory(train: Int = 20, test: Int = 10, rows: Int = 4, columns: Int = 4,
                              testRows: Int? = nil) -> URL {
        let dir = TestPaths.temporaryDirectory()
        func write(_ name: String, _ dimensions: [Int], _ payload: [UInt8]) {
            IDXFixture.write(IDXFixture.idxBytes(dimensions: dimensions, payload: payload),
                                 to: dir.appendingPathComponent(name).path, gzip: false)
        }
        func pixels(_ count: Int, _ r: Int) -> [UInt8] {
            let n: Int = count * r * columns
            return (0..<n).map { (i: Int) -> UInt8 in UInt8((i * 31 + i / 7) % 256) }
        }
        write("train-images-idx3-ubyte", [train, rows, columns], pixels(train, rows))
        write("train-labels-idx1-ubyte", [train], (0..<train).map { (i: Int) -> UInt8 in UInt8(i % 10) })
        let tr = testRows ?? rows
        write("t10k-images-idx3-ubyte", [test, tr, columns], pixels(test, tr))
        write("t10k-labels-idx1-ubyte", [test], (0..<test).map { (i: Int) -> UInt8 in UInt8(i % 10) })
        return dir
    }

    /// A tensor entry of a safetensors header: shape and byte offsets, as JSON text.
    struct Tensor {
        var name: String
        var shape: [Int]
        var offsets: (Int, Int)
        var offsetsJSON: String?
        var shapeJSON: String { "[" + shape.map(String.init).joined(separator: ",") + "]" }
    }

    /// The tensors of a `widths` network laid out as train --save does (W then b, layer by layer).
    static func tensors(widths: [Int]) -> [Tensor] {
        var offset = 0
        var result: [Tensor] = []
        for l in 0..<(widths.count - 1) {
            let w = 4 * widths[l] * widths[l + 1], b = 4 * widths[l + 1]
            result.append(Tensor(name: "\(2 * l).weight", shape: [widths[l + 1], widths[l]], offsets: (offset, offset + w)))
            offset += w
            result.append(Tensor(name: "\(2 * l).bias", shape: [widths[l + 1]], offsets: (offset, offset + b)))
            offset += b
        }
        return result
    }

    /// A safetensors file: 8-byte length, JSON header (metadata + tensors), `values` as F32.
    static func model(widths: [Int] = [16, 3, 10], metadata extra: [String: String] = [:], tensors: [Tensor]? = nil,
                      values: [Float]? = nil, trailing: [UInt8] = []) -> [UInt8] {
        var metadata = ["format": "zalando-train", "inputs": String(widths[0]), "classes": String(widths.last!),
                        "hidden": widths.dropFirst().dropLast().map(String.init).joined(separator: ","),
                        "activation": "relu", "dataset": "fashion"]
        metadata.merge(extra) { $1 }
        let tensors = tensors ?? Self.tensors(widths: widths)
        var entries = ["\"__metadata__\":{" + metadata.keys.sorted().map { "\"\($0)\":\"\(metadata[$0]!)\"" }.joined(separator: ",") + "}"]
        for t in tensors {
            let offsets = t.offsetsJSON ?? "[\(t.offsets.0),\(t.offsets.1)]"
            entries.append("\"\(t.name)\":{\"dtype\":\"F32\",\"shape\":\(t.shapeJSON),\"data_offsets\":\(offsets)}")
        }
        let header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
        var count = 0
        for l in 0..<(widths.count - 1) { count += widths[l] * widths[l + 1] + widths[l + 1] }
        let data: [Float] = values ?? (0..<count).map { (i: Int) -> Float in Float((i * 7) % 13) / 13 - 0.5 }
        for v in data { bytes += withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        return bytes + trailing
    }

    static func write(_ bytes: [UInt8], _ name: String, in dir: URL = TestPaths.temporaryDirectory()) -> String {
        let path = dir.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    static func fifo(in dir: URL = TestPaths.temporaryDirectory(), name: String = "fifo") -> String {
        let path = dir.appendingPathComponent(name).path
        #expect(mkfifo(path, 0o600) == 0)
        return path
    }

    /// The SHA-256-free fingerprint of a file for "untouched" checks: its bytes.
    static func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
}

/// Runs the binary; kills it and records an issue if it has not finished in `seconds`.
func runToolBounded(_ arguments: [String], seconds: Double = 30, in directory: URL? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = TestPaths.binary
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let (result, timedOut) = try collect(process, killAfter: seconds)
    #expect(!timedOut, "\(arguments) did not finish within \(seconds) s")
    return result
}

/// Runs a shell command line (for pipes: `… | head -2`), bounded like runToolBounded.
func runShell(_ script: String, seconds: Double = 30, in directory: URL? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    if let directory { process.currentDirectoryURL = directory }
    let (result, timedOut) = try collect(process, killAfter: seconds)
    #expect(!timedOut, "\(script) did not finish within \(seconds) s")
    return result
}

extension ProcessResult {
    var firstErrorLine: String { stderr.split(separator: "\n").first.map(String.init) ?? "" }

    /// No trap, no crash report, no backtrace.
    var isClean: Bool {
        status != 132 && status != 134 && status != 139
            && !["Fatal error", "Backtrac", "Program crashed", "Illegal instruction"].contains { stderr.contains($0) }
    }
}
