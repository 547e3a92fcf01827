import Foundation
import Support

/// What compare and the other readers of run logs are given when it is not a run log: files
/// this tool writes or reads next to its logs (a model, a checkpoint, a picture, a report,
/// compressed data), told by their first bytes, so the message says what the file is instead
/// of where the CSV parser tripped ("stray quote inside a field" for a safetensors header).
/// And folders of run logs that are not sweep folders.
enum RunLogInputs {
    /// What the file at `path` is, when its first bytes say it is not CSV text ("a safetensors
    /// model (evaluate reads it)"); nil for text, an unreadable file, or a kind not known here.
    static func kind(of path: String) -> String? {
        guard let input = try? InputFile.open(path) else { return nil }
        defer { close(input.descriptor) }
        var head = [UInt8](repeating: 0, count: 4096)
        let count = head.withUnsafeMutableBytes { read(input.descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return kind(ofBytes: Array(head.prefix(count)), size: input.size)
    }

    static func kind(ofBytes head: [UInt8], size: Int) -> String? {
        func starts(_ prefix: [UInt8]) -> Bool { head.starts(with: prefix) }
        if head.count >= 9, head[8] == UInt8(ascii: "{") {
            let length = head.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if length >= 2, length <= UInt64(size - 8) {
                let json = String(decoding: head.dropFirst(8), as: UTF8.self)
                if json.contains("\"\(Checkpoint.format)\"") { return "a zalando-train checkpoint (train --resume reads it)" }
                if json.contains("\"format\":\"\(ModelFile.format)\"") || json.contains("\"format\": \"\(ModelFile.format)\"") {
                    return "a safetensors model (evaluate and prune read it)"
                }
                return "a safetensors file"
            }
        }
        if starts([0x1f, 0x8b]) { return "a gzip file (gunzip it first if it holds a run log)" }
        if starts([0x89, 0x50, 0x4e, 0x47]) { return "a PNG picture" }
        if starts(Array("%PDF".utf8)) { return "a PDF document" }
        if head.count >= 4, head[0] == 0, head[1] == 0, head[2] == 8, head[3] == 1 || head[3] == 3 {
            return "an IDX data file (images or labels for train --data-dir)"
        }
        let text = String(decoding: head.prefix(1024), as: UTF8.self).lowercased()
        let start = text.drop { $0 == "\u{feff}" || $0.isWhitespace }
        if start.hasPrefix("<!doctype html") || start.hasPrefix("<html") { return "an HTML page" }
        if start.hasPrefix("<svg") || (start.hasPrefix("<?xml") && text.contains("<svg")) { return "an SVG picture" }
        return head.prefix(512).contains(0) ? "a binary file" : nil
    }

    /// The run logs directly in folder `path` (`*.csv` files whose first line is a run log
    /// header, in name order): a folder of logs kept by hand rather than a sweep folder.
    static func logs(inFolder path: String) -> [String] {
        let base = path.hasSuffix("/") ? path : path + "/"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().filter { $0.lowercased().hasSuffix(".csv") }.map { base + $0 }.filter(startsWithRunLogHeader)
    }

    static func startsWithRunLogHeader(_ path: String) -> Bool {
        guard let input = try? InputFile.open(path) else { return false }
        defer { close(input.descriptor) }
        var head = [UInt8](repeating: 0, count: 1024)
        let count = head.withUnsafeMutableBytes { read(input.descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        let line = String(decoding: head.prefix(count), as: UTF8.self).prefix { $0 != "\n" && $0 != "\r\n" }
        let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
        return [RunLog.header, RunLog.headerV1].contains(String(trimmed))
    }
}
