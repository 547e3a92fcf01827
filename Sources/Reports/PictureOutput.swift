import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Support
import RunRecords

/// The picture and page files a command may write (`--svg`, `--png`, `--pdf`, `--html`), each
/// checked before any work: a missing folder, a folder, an empty name or one ending in `/`, a
/// device or FIFO, a name whose extension says another kind (`--svg chart.png`), an input of
/// the same command, and an existing file of another kind are refused.
public enum PictureFormat: String, CaseIterable, Sendable {
    case svg, png, pdf, html

    public var flag: String { "--" + rawValue }
    var extensions: [String] { self == .html ? ["html", "htm"] : [rawValue] }

    /// Whether the first bytes of a file are this kind's signature.
    public func matches(_ head: [UInt8]) -> Bool {
        switch self {
        case .png: return head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        case .pdf: return head.starts(with: Array("%PDF-".utf8))
        case .svg, .html:
            var text = String(decoding: head, as: UTF8.self)
            if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
            let lower = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            if self == .svg { return (lower.hasPrefix("<?xml") || lower.hasPrefix("<svg") || lower.hasPrefix("<!--")) && lower.contains("<svg") }
            return lower.hasPrefix("<!doctype html") || lower.hasPrefix("<html")
        }
    }
}

public struct PictureOutput: Sendable {
    public let format: PictureFormat
    public let path: String
    public init(_ format: PictureFormat, _ path: String) { self.format = format; self.path = path }

    /// The problem with writing `outputs` (one line naming the flag and file), or nil when all
    /// can be written. `inputs` are files the command reads.
    public static func problem(with outputs: [PictureOutput], inputs: [String] = []) -> String? {
        var seen: [String: PictureFormat] = [:]
        let inputPaths = Set(inputs.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        for output in outputs {
            let flag = "\(output.format.flag) \(output.path)"
            let path = output.path
            guard !path.isEmpty else { return "\(output.format.flag) \"\": the file name is empty" }
            guard !path.hasSuffix("/") else { return "\(flag): names a folder (ends in /); give a file name" }
            let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
            if let other = PictureFormat.allCases.first(where: { $0 != output.format && $0.extensions.contains(ext) }) {
                return "\(flag): the name says \(other.rawValue.uppercased()) but \(output.format.flag) writes \(output.format.rawValue.uppercased()); use \(other.flag) \(path) or a .\(output.format.rawValue) name"
            }
            let standard = URL(fileURLWithPath: path).standardizedFileURL.path
            if let earlier = seen[standard] { return "\(flag): the same file as \(earlier.flag)" }
            seen[standard] = output.format
            if inputPaths.contains(standard) { return "\(flag): is an input of this command; choose another name" }
            var info = stat()
            if stat(path, &info) == 0 {
                switch info.st_mode & S_IFMT {
                case S_IFDIR: return "\(flag): is a folder; give a file name"
                case S_IFREG:
                    let head = firstBytes(path, count: 512)
                    guard let head else { return "\(flag): exists and cannot be read, so it is not replaced" }
                    if !head.isEmpty && !output.format.matches(head) {
                        return "\(flag): exists and is not \(output.format == .html || output.format == .svg ? "an" : "a") \(output.format.rawValue.uppercased()) file; not replacing it"
                    }
                    guard access(path, W_OK) == 0 else { return "\(flag): exists and is not writable" }
                default: return "\(flag): is not a regular file (a device, FIFO or socket)"
                }
            }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var folderInfo = stat()
            guard stat(folder, &folderInfo) == 0, folderInfo.st_mode & S_IFMT == S_IFDIR else {
                return "\(flag): folder \(folder) does not exist"
            }
            guard access(folder, W_OK) == 0 else { return "\(flag): folder \(folder) is not writable" }
        }
        return nil
    }

    static func firstBytes(_ path: String, count: Int) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: count)
        let n = fread(&buffer, 1, count, file)
        return Array(buffer.prefix(n))
    }

    /// Writes `svg` in this output's format: the SVG itself, or PNG/PDF rendered from it.
    public func write(svg: String) throws {
        switch format {
        case .svg, .html: try SVGChart.write(svg, to: path)
        case .png: try RasterOutput.render(svg: svg, to: path, format: .png)
        case .pdf: try RasterOutput.render(svg: svg, to: path, format: .pdf)
        }
    }

    /// "a.svg, a.png and a.pdf".
    public static func describe(_ outputs: [PictureOutput]) -> String {
        let names = outputs.map(\.path)
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
}
