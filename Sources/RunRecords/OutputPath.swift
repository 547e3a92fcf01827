import Foundation
import Support

/// The check every output path gets before any work starts (--save, --csv, --svg, and later
/// --checkpoint, --png, --pdf, --html): a name that cannot be a file, a folder that is missing or
/// not writable, a device or FIFO, or an input of the same command is refused; an existing file
/// is replaced (or, for a run log, appended to) only if it is of the kind being written.
/// Failures are usage errors: the command exits 64 with one line (DESIGN.md "train").
public enum OutputPath {
    public enum Kind: Sendable, Equatable {
        /// A safetensors file whose `__metadata__` `format` is this value (models: "zalando-train").
        case safetensors(format: String)
        /// A run log with the v2 header (appended to, never replaced).
        case runLog
        case svg, png, pdf, html
        /// A CSV file whose first line is `header` (replaced; an empty file too).
        case csv(header: String)

        public static let model = Kind.safetensors(format: ModelFile.format)

        var description: String {
            switch self {
            case .safetensors(let format): return format == ModelFile.format ? "a zalando-train model" : "a safetensors file of format \(format)"
            case .runLog: return "a zalando-train run log (v2)"
            case .svg: return "an SVG file"
            case .png: return "a PNG file"
            case .pdf: return "a PDF file"
            case .html: return "an HTML file"
            case .csv(let header): return "a CSV file with header \(header)"
            }
        }
    }

    public struct Problem: UsageProblem {
        public let flag: String
        public let path: String
        public let problem: String
        public var description: String { "\(flag) \(path.isEmpty ? "''" : path): \(problem)" }
    }

    /// Throws `Problem` unless `path` may be written as `kind`. `inputs` are the files the same
    /// command reads or also writes (data files, the run log, compare's logs, other outputs);
    /// the output may not be any of them, existing or not.
    public static func check(_ path: String, flag: String, kind: Kind, inputs: [String]) throws {
        func refuse(_ problem: String) -> Problem { Problem(flag: flag, path: path, problem: problem) }
        guard !path.isEmpty else { throw refuse("empty file name") }
        guard !path.hasSuffix("/") else { throw refuse("ends in /, which names a folder; give a file name") }
        guard !path.utf8.contains(0) else { throw refuse("contains a NUL byte") }

        let identity = FileIdentity(path)
        for input in inputs where !input.isEmpty && FileIdentity(input) == identity {
            throw refuse(input == path ? "is also an input or output of this command; choose another file"
                                       : "is the same file as \(input), an input or output of this command; choose another file")
        }

        var info = stat()
        if stat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw refuse("is a folder; give a file name")
            case S_IFIFO: throw refuse("is a FIFO, not a regular file")
            case S_IFCHR, S_IFBLK: throw refuse("is a device, not a regular file")
            default: throw refuse("is not a regular file")
            }
            if let mismatch = kindMismatch(path, kind: kind, size: Int(info.st_size)) {
                throw refuse("exists and is not \(kind.description) (\(mismatch)); refusing to \(kind == .runLog ? "append to" : "replace") it")
            }
            if kind == .runLog && access(path, W_OK) != 0 { throw refuse("is not writable") }
        } else if errno != ENOENT {
            throw refuse(errno == ENOTDIR ? "a part of the path is not a folder" : String(cString: strerror(errno)))
        }
        let folder = folderName(of: path)
        var folderInfo = stat()
        guard stat(folder, &folderInfo) == 0 else { throw refuse("folder \(folder) does not exist") }
        guard (folderInfo.st_mode & S_IFMT) == S_IFDIR else { throw refuse("\(folder) is not a folder") }
        guard access(folder, W_OK) == 0 else { throw refuse("folder \(folder) is not writable") }
    }

    /// Whether two paths name one file or folder, existing or not (`x` and `./x` do).
    public static func isSameFile(_ a: String, _ b: String) -> Bool { FileIdentity(a) == FileIdentity(b) }

    /// The folder a new file at `path` would go in ("." for a bare name).
    static func folderName(of path: String) -> String { Support.folderName(of: path) }

    /// Why the existing regular file at `path` is not of `kind`, or nil when it is.
    static func kindMismatch(_ path: String, kind: Kind, size: Int) -> String? {
        let head: [UInt8]
        do { head = try readPrefix(path, count: 4096) } catch { return "\(error)" }
        switch kind {
        case .runLog:
            if size == 0 { return nil }
            return RunLog.headerProblem(head, fileSize: size).map { _ in
                head.prefix(RunLog.headerV1.utf8.count) == ArraySlice(RunLog.headerV1.utf8) ? "a v1 run log: v2 rows cannot be appended to it" : "its first line is not the v2 header"
            }
        case .safetensors(let format):
            return safetensorsFormat(path, size: size) == format ? nil : "no safetensors header with format \(format)"
        case .svg:
            let text = String(decoding: head.prefix(1024), as: UTF8.self)
            let trimmed = text.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
            return (trimmed.hasPrefix("<?xml") || trimmed.hasPrefix("<svg")) && text.contains("<svg") ? nil : "no <svg> element at its start"
        case .png:
            return head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? nil : "no PNG signature"
        case .pdf:
            return head.starts(with: Array("%PDF-".utf8)) ? nil : "no %PDF- signature"
        case .html:
            let text = String(decoding: head.prefix(1024), as: UTF8.self).drop { $0 == "\u{FEFF}" || $0.isWhitespace }.lowercased()
            return text.hasPrefix("<!doctype html") || text.hasPrefix("<html") ? nil : "no <!DOCTYPE html> or <html> at its start"
        case .csv(let header):
            return size == 0 || head.starts(with: Array((header + "\n").utf8)) ? nil : "its first line is not \(header)"
        }
    }

    /// What the regular file at `path` is, by the same signatures the output checks use ("a
    /// zalando-train model (safetensors)", "an SVG file"), or nil when it is none of them: for
    /// an input given where another kind was expected.
    public static func kind(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0 else { return nil }
        let size = Int(info.st_size)
        let kinds: [(Kind, String)] = [(.model, "a zalando-train model (safetensors)"),
                                       (.safetensors(format: Checkpoint.format), "a zalando-train checkpoint (safetensors)"),
                                       (.svg, Kind.svg.description), (.png, Kind.png.description),
                                       (.pdf, Kind.pdf.description), (.html, Kind.html.description)]
        return kinds.first { kindMismatch(path, kind: $0.0, size: size) == nil }?.1
    }

    /// The `format` in a safetensors file's `__metadata__`, reading only its header.
    /// The `format` in a safetensors file's metadata, read by the one safetensors codec.
    static func safetensorsFormat(_ path: String, size: Int) -> String? {
        SafeTensorsFile.metadata(path: path, size: size, limit: ModelFile.maximumHeaderBytes)?["format"]
    }

    static func readPrefix(_ path: String, count: Int) throws -> [UInt8] { try readBytes(path, at: 0, count: count) }
}

/// What makes two paths the same file: device and inode when it exists, otherwise the real path
/// of its folder and its name (so `--csv x --save ./x` is caught before either exists).
struct FileIdentity: Equatable {
    let device: UInt64
    let inode: UInt64
    let name: String

    init(_ path: String) {
        var info = stat()
        if stat(path, &info) == 0 {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            name = ""
            return
        }
        device = 0
        inode = 0
        let folder = OutputPath.folderName(of: path)
        let base = path.split(separator: "/").last.map(String.init) ?? path
        if let resolved = realpath(folder, nil) {
            name = String(cString: resolved) + "/" + base
            free(resolved)
        } else {
            name = folder + "/" + base
        }
    }
}
