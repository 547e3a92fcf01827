#if canImport(Glibc)
import Glibc
#endif
import Support
import Training

/// The CSV run log (v2): one row per epoch appended to a file that many runs may share at once.
/// The header is fixed (DESIGN.md "train"); a file with another header — a v1 log included — is
/// refused before training and left untouched. Each row is one write(2) under an exclusive lock
/// (`AppendOnlyFile`): rows are never split, interleaved or doubled, the header is written once
/// even when two runs create the file together, a failed write is rolled back to the last whole
/// row, and a last line without its newline is repaired before anything is appended to it.
public final class RunLog {
    public static let header = "run_id,run,dataset,optimizer,schedule,lr0,batch_size,hidden,activation,seed,epoch,iteration,lr,"
        + "train_cost,train_accuracy,val_cost,val_accuracy,test_cost,test_accuracy,seconds,flags"
    /// The first version's header: readers accept it, writers never append to it.
    public static let headerV1 = "run,dataset,optimizer,schedule,lr0,batch_size,hidden,seed,epoch,iteration,lr,"
        + "train_cost,train_accuracy,test_cost,test_accuracy,seconds"
    public static let columns: [String] = header.split(separator: ",").map(String.init)
    public static let columnsV1: [String] = headerV1.split(separator: ",").map(String.init)

    public let path: String
    private let file: AppendOnlyFile

    /// Opens `path` for appending (creating it), writing the header if the file is empty and
    /// refusing a file with any other first line; repairs a last line that lacks its newline.
    public init(path: String) throws {
        self.path = path
        file = try AppendOnlyFile(path: path)
        try file.withLock {
            let size = try file.size()
            if size == 0 {
                try file.appendWhole(Array((RunLog.header + "\n").utf8), sizeBefore: 0)
                return
            }
            let start = try file.read(at: 0, count: RunLog.header.utf8.count + 2)
            if let problem = RunLog.headerProblem(start, fileSize: size) { throw FileProblem(path: path, problem: problem) }
            _ = try repairEnd(size: size)
        }
    }

    /// Why a file starting with `bytes` cannot take v2 rows, or nil when it can.
    static func headerProblem(_ bytes: [UInt8], fileSize: Int) -> String? {
        let header = Array(RunLog.header.utf8)
        let line = Array(bytes.prefix { $0 != 10 && $0 != 13 })
        if line == header && (bytes.count > header.count || fileSize == header.count) { return nil }
        if line == Array(RunLog.headerV1.utf8) {
            return "is a run log of the first version (v1 header, no run_id or flags); v2 rows cannot be appended to it — "
                + "choose a new --csv file (compare reads both)"
        }
        return "has another header (not a zalando-train run log v2); refusing to append — choose another --csv file"
    }

    /// Appends one row: under the lock, repair the end, then one write; rolled back on failure.
    public func append(_ fields: [String]) throws {
        let row = Array((fields.map(RunLog.quote).joined(separator: ",") + "\n").utf8)
        try file.withLock {
            var size = try repairEnd(size: try file.size())
            if size == 0 {  // emptied under us: the header goes first, in the same write
                try file.appendWhole(Array((RunLog.header + "\n").utf8) + row, sizeBefore: 0)
                return
            }
            size = try file.size()
            try file.appendWhole(row, sizeBefore: size)
        }
    }

    /// With the lock held: if the file's last byte is not a newline, end a complete last row (or
    /// the header) with its newline, or cut the remains of a half row back to the last newline
    /// (with a warning), so the next row never fuses onto it. Returns the size afterwards.
    private func repairEnd(size: Int) throws -> Int {
        guard size > 0, try file.read(at: size - 1, count: 1) != [10] else { return size }
        // Find the last newline, reading backwards in blocks.
        var lineStart = 0
        var end = size
        var tail: [UInt8] = []
        search: while end > 0 {
            let start = max(0, end - 65_536)
            let block = try file.read(at: start, count: end - start)
            if let newline = block.lastIndex(of: 10) {
                lineStart = start + newline + 1
                tail = Array(block[(newline + 1)...]) + tail
                break search
            }
            tail = block + tail
            end = start
        }
        if RunLog.isWholeRecord(tail, atStart: lineStart == 0) {
            try file.appendWhole([10], sizeBefore: size)
            return size + 1
        }
        try file.truncate(to: lineStart)
        writeToStandardError("zalando-train: warning: \(path): the last line was the remains of a half-written row "
            + "(\(tail.count) bytes, no newline); cut back to the last whole row\n")
        return lineStart
    }

    /// Whether `line` (without its newline) is a complete v2 row, or the header at the file's start.
    static func isWholeRecord(_ line: [UInt8], atStart: Bool) -> Bool {
        if atStart { return line == Array(header.utf8) }
        var fields = 1
        var inQuotes = false
        for byte in line {
            if byte == 34 { inQuotes.toggle() } else if byte == 44 && !inQuotes { fields += 1 }
        }
        guard !inQuotes, fields == columns.count, let last = line.last else { return false }
        // A row ends with its flags, which always end with a value or a flag name.
        return last != 44
    }

    /// One row for an epoch of a run, in the column order of `header`.
    public static func row(configuration c: TrainingConfiguration, identity: RunIdentity, name: String, result r: EpochResult) -> [String] {
        [identity.runID, name, identity.dataset, c.optimizer.kind.rawValue, c.schedule.kind.rawValue,
         formatCompact(c.learningRate), String(c.batchSize), c.hiddenSizes.map(String.init).joined(separator: "-"),
         c.activation.rawValue, String(c.seed), String(r.epoch), String(r.iteration), "\(r.learningRate)",
         "\(r.train.meanCost)", "\(r.train.accuracy)",
         r.validation.map { "\($0.meanCost)" } ?? "", r.validation.map { "\($0.accuracy)" } ?? "",
         "\(r.test.meanCost)", "\(r.test.accuracy)", formatFixed(r.seconds, digits: 4), identity.flags]
    }

    /// RFC 4180: quote a field holding a comma, quote or line break; double inner quotes.
    static func quote(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }) else { return field }
        return "\"" + field.replacingAll("\"", with: "\"\"") + "\""
    }
}
