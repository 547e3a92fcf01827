import Foundation
import Optimization
import Testing

/// A small generated data set (8×8 images, 10 classes, 600 training and 200 test images) in
/// IDX files, so that whole runs take milliseconds: each class lights its own pixels, plus
/// noise from a fixed-seed generator.
enum PatternData {
    static let directory: String = {
        let dir = TestPaths.temporaryDirectory().path
        var state: UInt64 = 12345
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        for (images, labels, count) in [("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 600),
                                         ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 200)] {
            var pixels: [UInt8] = []
            var classes: [UInt8] = []
            for _ in 0..<count {
                let label = Int(next() % 10)
                classes.append(UInt8(label))
                for i in 0..<64 { pixels.append(UInt8(min(255, Int(next() % 120) + (i % 10 == label ? 110 : 0)))) }
            }
            IDXFixture.write(IDXFixture.idxBytes(dimensions: [count, 8, 8], payload: pixels), to: dir + "/" + images, gzip: false)
            IDXFixture.write(IDXFixture.idxBytes(dimensions: [count], payload: classes), to: dir + "/" + labels, gzip: false)
        }
        return dir
    }()

    static let arguments = ["--data-dir", directory, "--hidden", "12", "--batch-size", "32"]
}

/// A run log as header → value rows (RFC 4180 quotes), without the `seconds` column, the one
/// column a resumed run may change, and without the --epochs term of `flags`, which a resumed
/// run may raise (the run_id leaves it out for the same reason).
func runLogRows(_ path: String) throws -> [[String: String]] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var records: [[String]] = [], fields: [String] = [], field = "", quoted = false
    var chars = Array(text)
    var i = 0
    if chars.last != "\n" { chars.append("\n") }
    while i < chars.count {
        let c = chars[i]
        if quoted {
            if c == "\"" { if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false } } else { field.append(c) }
        } else if c == "\"" { quoted = true
        } else if c == "," { fields.append(field); field = ""
        } else if c == "\n" { fields.append(field); records.append(fields); fields = []; field = ""
        } else { field.append(c) }
        i += 1
    }
    guard let header = records.first else { return [] }
    return records.dropFirst().map { row in
        var values: [String: String] = [:]
        for (name, value) in zip(header, row) where name != "seconds" {
            values[name] = name == "flags" ? value.replacing(#/ --epochs \d+/#, with: "") : value
        }
        return values
    }
}

/// The numbers of run log rows: without the columns that name the run (early stopping's
/// flags change the run's name and id, not its numbers).
func numbers(_ rows: [[String: String]]) -> [[String: String]] {
    rows.map { $0.filter { !["run", "run_id", "flags"].contains($0.key) } }
}
