import Foundation
import Reports
import RunRecords
import Support
import Testing
import Training

/// A sweep folder with a tiny data set (600 training and 100 test images of 8×8 pixels), so a
/// run takes a fraction of a second, and the helpers to run `zalando-train sweep` on it.
struct SweepFixture {
    let root: URL
    var dir: String { root.appendingPathComponent("sweep").path }
    var data: String { root.appendingPathComponent("tiny").path }

    init() {
        root = TestPaths.temporaryDirectory()
        let data = root.appendingPathComponent("tiny")
        try! FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        var generator = SplitMix64(seed: 2026)
        for (stem, count) in [("train", 600), ("t10k", 100)] {
            let labels = (0..<count).map { _ in UInt8.random(in: 0..<10, using: &generator) }
            // Each class has its own brightness pattern plus noise: learnable, not trivial.
            var pixels: [UInt8] = []
            for label in labels {
                for i in 0..<64 {
                    let noise = Int.random(in: 0..<40, using: &generator)
                    let value: Int = (Int(label) * 25 + (i % 8) * 3 + noise) % 256
                    pixels.append(UInt8(value))
                }
            }
            IDXFixture.write(IDXFixture.idxBytes(dimensions: [count, 8, 8], payload: pixels),
                                 to: data.appendingPathComponent("\(stem)-images-idx3-ubyte.gz").path, gzip: true)
            IDXFixture.write(IDXFixture.idxBytes(type: 0x08, dimensions: [count], payload: labels),
                                 to: data.appendingPathComponent("\(stem)-labels-idx1-ubyte.gz").path, gzip: true)
        }
    }

    /// Writes a spec whose `fixed:` starts with the tiny data set.
    func spec(_ body: String, fixed: String = "epochs: 2", name: String = "spec.yaml") -> String {
        let path = root.appendingPathComponent(name).path
        let text = "fixed:\n  data-dir: \(data)\n" + fixed.split(separator: "\n").map { "  \($0)\n" }.joined() + body
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func sweep(_ arguments: [String]) throws -> ProcessResult {
        try runTool(["sweep", dir] + arguments, in: root)
    }

    func runFolders() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.count == 12 && $0.allSatisfy(\.isHexDigit) }.sorted()
    }

    func csv(_ id: String) -> [[String]] {
        quotedCSVRows((try? String(contentsOfFile: "\(dir)/\(id)/run.csv", encoding: .utf8)) ?? "")
    }

    func file(_ id: String, _ name: String) -> String {
        (try? String(contentsOfFile: "\(dir)/\(id)/\(name)", encoding: .utf8)) ?? ""
    }

    /// Run ids and states from `--status`.
    func states(_ extra: [String] = []) throws -> [String: String] {
        let result = try sweep(["--status"] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        var states: [String: String] = [:]
        for line in result.stdout.split(separator: "\n").dropFirst() where line.first?.isHexDigit == true {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, fields[0].count == 12 { states[String(fields[0])] = String(fields[1]) }
        }
        return states
    }

    /// Path → (size, modification time, bytes) of every file under the sweep folder.
    func snapshot() -> [String: String] {
        var result: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: dir)!
        while let relative = enumerator.nextObject() as? String {
            let path = "\(dir)/\(relative)"
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let bytes = FileManager.default.contents(atPath: path) ?? Data()
            result[relative] = "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(bytes.hashValue)"
        }
        return result
    }
}

/// A seeded generator, so every fixture holds the same images.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// RFC 4180 rows: the `flags` column is quoted (`--hidden 20,20,20,20` holds commas).
func quotedCSVRows(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var characters = Array(text)[...]
    while let c = characters.popFirst() {
        if quoted {
            if c == "\"" {
                if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" { quoted = true
        } else if c == "," { row.append(field); field = ""
        } else if c == "\n" { row.append(field); rows.append(row); row = []; field = ""
        } else if c != "\r" { field.append(c) }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}
