#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Support
import Training

/// `train --tensorboard DIR`: one event file per run, DIR/<run>/events.out.tfevents.<seconds>.
/// <host>.<pid>.<n> (the name TensorBoard's own and PyTorch's SummaryWriter give their files),
/// so several runs written under one DIR show side by side in `tensorboard --logdir DIR`. The
/// first record is the file_version event; then one event per epoch, step = the epoch number,
/// holding every scalar of that epoch, so an epoch is in the file whole or not at all.
public final class TensorBoardLog {
    public static let fileVersion = "brain.Event:2"
    private let writer: TFRecordWriter
    /// The event file.
    public var path: String { writer.path }

    /// Creates DIR (and its missing parents, as TensorBoard's writers do), DIR/runFolder and a new
    /// event file in it, and writes the file_version event.
    public init(directory: String, runFolder: String) throws {
        try TensorBoardLog.checkDirectory(directory)
        try TensorBoardLog.makeDirectories(directory)
        let folder = (directory.hasSuffix("/") ? directory : directory + "/") + runFolder
        try TensorBoardLog.makeDirectories(folder)
        let stem = folder + "/events.out.tfevents." + String(format: "%010ld", time(nil)) + ".\(TensorBoardLog.hostName).\(getpid())."
        var n = 0
        while access(stem + String(n), F_OK) == 0 { n += 1 }
        let writer = try TFRecordWriter(creating: stem + String(n))
        self.writer = writer
        try writer.write(record: EventProtobuf.fileVersionEvent(wallTime: Date().timeIntervalSince1970, version: TensorBoardLog.fileVersion))
    }

    /// One event at `step` holding the scalars (stored as float32, TensorBoard's simple_value).
    public func append(step: Int, scalars: [(tag: String, value: Double)]) throws {
        let event = EventProtobuf.scalarsEvent(wallTime: Date().timeIntervalSince1970, step: Int64(step),
                                               scalars: scalars.map { ($0.tag, Float($0.value)) })
        try writer.write(record: event)
    }

    public func append(_ result: EpochResult) throws {
        try append(step: result.epoch, scalars: TensorBoardLog.scalars(of: result))
    }

    /// One encoded event, as it is (the HParams plugin's records: HParamsSummary.swift).
    public func write(event: [UInt8]) throws {
        try writer.write(record: event)
    }

    /// An epoch's scalars: costs, accuracies (fractions, as in the CSV), and the rate of its last update.
    public static func scalars(of r: EpochResult) -> [(tag: String, value: Double)] {
        var scalars: [(tag: String, value: Double)] = [("cost/train", r.train.meanCost)]
        if let validation = r.validation { scalars.append(("cost/val", validation.meanCost)) }
        scalars.append(("cost/test", r.test.meanCost))
        scalars.append(("accuracy/train", r.train.accuracy))
        if let validation = r.validation { scalars.append(("accuracy/val", validation.accuracy)) }
        scalars.append(("accuracy/test", r.test.accuracy))
        scalars.append(("lr", r.learningRate))
        return scalars
    }

    /// A run's folder under DIR: the run name made a safe single file name — '/', '\', control
    /// and other invisible characters become '_', a leading '.' too (no hidden folder, no "..");
    /// at most 200 bytes — and, when given, "-" and the run's id, which keeps two configurations
    /// that share a name apart.
    public static func runFolderName(run: String, runID: String? = nil) -> String {
        var name = ""
        var bytes = 0
        for scalar in run.unicodeScalars {
            let safe: Unicode.Scalar
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse: safe = "_"
            default: safe = scalar == "/" || scalar == "\\" ? "_" : scalar
            }
            let size = UTF8.width(safe)
            if bytes + size > 200 { break }
            name.unicodeScalars.append(safe)
            bytes += size
        }
        if name.isEmpty { name = "run" }
        if name.hasPrefix(".") { name = "_" + name.dropFirst() }
        if let runID { name += "-" + runID }
        return name
    }

    /// Refuses, before any training, a DIR that cannot hold runs: an empty name, a file in its
    /// place (or in place of one of its parents), a folder that is not writable.
    public static func checkDirectory(_ path: String) throws {
        guard !path.isEmpty else { throw FileProblem(path: path, problem: "needs a folder name") }
        var candidate = path
        while true {
            var info = stat()
            if stat(candidate, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw FileProblem(path: path, problem: candidate == path ? "is a file, not a folder" : "\(candidate) is a file, not a folder")
                }
                guard access(candidate, W_OK | X_OK) == 0 else {
                    throw FileProblem(path: path, problem: candidate == path ? "folder is not writable" : "\(candidate) is not writable")
                }
                return
            }
            guard errno == ENOENT || errno == ENOTDIR else {
                throw FileProblem(path: path, problem: String(cString: strerror(errno)))
            }
            let parent = (candidate as NSString).deletingLastPathComponent
            candidate = parent.isEmpty ? "." : parent
        }
    }

    /// mkdir -p: every missing folder of `path`; an existing folder is fine, anything else in its place is not.
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST {
                throw FileProblem(path: prefix, problem: "cannot create folder: \(String(cString: strerror(errno)))")
            }
            var info = stat()
            guard stat(prefix, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw FileProblem(path: prefix, problem: "is a file, not a folder")
            }
            prefix += "/"
        }
    }

    static var hostName: String {
        var buffer = [UInt8](repeating: 0, count: 256)
        guard buffer.withUnsafeMutableBufferPointer({ gethostname($0.baseAddress!, 255) }) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        return name.isEmpty ? "localhost" : runFolderName(run: name)
    }
}
