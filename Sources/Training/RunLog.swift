#if canImport(Glibc)
import Glibc
#endif

/// The CSV run log: one row per epoch appended to a file that many runs share. The header is
/// fixed (DESIGN.md "train"); a file with another header is refused and left untouched; every
/// row is flushed as it is written, so an interrupted run keeps each finished epoch.
public final class RunLog {
    public static let header = "run,dataset,optimizer,schedule,lr0,batch_size,hidden,seed,epoch,iteration,lr,"
        + "train_cost,train_accuracy,test_cost,test_accuracy,seconds"
    public static var columns: [String] { header.split(separator: ",").map(String.init) }

    public let path: String
    private let file: UnsafeMutablePointer<FILE>

    /// Opens `path` for appending, writing the header if the file is new or empty.
    public init(path: String) throws {
        self.path = path
        var info = stat()
        if stat(path, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR { throw RunLogError(path: path, problem: "is a directory, not a CSV file") }
            if info.st_size > 0 {
                let existing = try RunLog.firstLine(of: path)
                guard existing == RunLog.header else {
                    throw RunLogError(path: path, problem: "has another header (not a zalando-train run log); refusing to append — choose another --csv file")
                }
            }
        }
        guard let handle = fopen(path, "a") else {
            throw RunLogError(path: path, problem: "cannot be opened for writing: \(String(cString: strerror(errno)))")
        }
        file = handle
        if ftell(handle) == 0 { try write(RunLog.header + "\n") }
    }

    deinit { fclose(file) }

    public func append(_ fields: [String]) throws {
        try write(fields.map(RunLog.quote).joined(separator: ",") + "\n")
    }

    /// One row for an epoch of a run.
    public static func row(configuration c: TrainingConfiguration, name: String, result r: EpochResult) -> [String] {
        [name, c.dataset.rawValue, c.optimizer.kind.rawValue, c.schedule.kind.rawValue,
         formatCompact(c.learningRate), String(c.batchSize), c.hiddenSizes.map(String.init).joined(separator: "-"),
         String(c.seed), String(r.epoch), String(r.iteration), "\(r.learningRate)",
         "\(r.train.meanCost)", "\(r.train.accuracy)", "\(r.test.meanCost)", "\(r.test.accuracy)",
         formatFixed(r.seconds, digits: 4)]
    }

    private func write(_ text: String) throws {
        let ok = text.withCString { fputs($0, file) } >= 0 && fflush(file) == 0
        if !ok { throw RunLogError(path: path, problem: "write failed: \(String(cString: strerror(errno)))") }
    }

    /// RFC 4180: quote a field holding a comma, quote or line break; double inner quotes.
    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingAll("\"", with: "\"\"") + "\""
    }

    static func firstLine(of path: String) throws -> String {
        guard let handle = fopen(path, "r") else {
            throw RunLogError(path: path, problem: "cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        while bytes.count < 4096 {
            let c = fgetc(handle)
            if c == EOF || c == 10 { break }
            bytes.append(UInt8(c))
        }
        if bytes.last == 13 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}

public struct RunLogError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
