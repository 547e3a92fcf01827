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
                let bytes = Array((RunLog.header + "\n").utf8)
                try file.appendWhole(bytes, sizeBefore: 0)
                knownEnd = bytes.count
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
        let version = headerVersion(bytes)
        if version == 2 && (bytes.count > header.count || fileSize == header.count) { return nil }
        if version == 1 {
            return "is a run log of the first version (v1 header, no run_id or flags); v2 rows cannot be appended to it — "
                + "choose a new --csv file (compare reads both)"
        }
        return "has another header (not a zalando-train run log v2); refusing to append — choose another --csv file"
    }

    /// Claims the run `runID` in this log for this process's lifetime: two processes training
    /// the same run into one log at once (two resumes of one checkpoint, the same command twice)
    /// would each append every epoch. False when another process holds it.
    public func claimRun(_ runID: String) throws -> Bool {
        // A run_id is 12 hex digits; anything else is keyed by its SHA-256, the same in every
        // process (Swift's hashValue is seeded per process, so two copies would never meet).
        let key = UInt64(runID, radix: 16) ?? SHA256.digest(Array(runID.utf8)).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return try file.claim(key: key)
    }

    /// The run log version whose header is the first line of `bytes` (2 or 1), or nil.
    static func headerVersion(_ bytes: [UInt8]) -> Int? {
        let line = Array(bytes.prefix { $0 != 10 && $0 != 13 })
        return line == Array(RunLog.header.utf8) ? 2 : line == Array(RunLog.headerV1.utf8) ? 1 : nil
    }

    /// Appends one row: under the lock, repair the end, then one write; rolled back on failure.
    public func append(_ fields: [String]) throws {
        let row = Array((fields.map(RunLog.quote).joined(separator: ",") + "\n").utf8)
        try file.withLock {
            var size = try repairEnd(size: try file.size())
            if size == 0 {  // emptied under us: the header goes first, in the same write
                let bytes = Array((RunLog.header + "\n").utf8) + row
                try file.appendWhole(bytes, sizeBefore: 0)
                knownEnd = bytes.count
                return
            }
            size = try file.size()
            try file.appendWhole(row, sizeBefore: size)
            knownEnd = size + row.count
        }
    }

    /// The offset up to which the file is known to be whole records (a record boundary), as this
    /// writer last saw it under the lock: rows other runs append after it are scanned once.
    private var knownEnd = 0

    /// With the lock held: make the file end at a record boundary. The records after the last
    /// known boundary are scanned with the log's own CSV scanner, so a line break inside a quoted
    /// field (a --run-name holding a newline) is never taken for the end of a row. A last record
    /// that lacks only its newline gets it; the remains of a half row (cut anywhere, inside
    /// quotes too) are cut back to the last real boundary, with a warning. Returns the size after.
    private func repairEnd(size: Int) throws -> Int {
        if size == knownEnd { return size }
        let from = size > knownEnd ? knownEnd : 0  // emptied or cut under us: scan it all again
        var tailIsRow = false, tailIsHeader = false
        let ending: (lastBreak: Int, insideQuotes: Bool, line: Int)
        do {
            ending = try CSVScanner.scan(path: path, from: from) { record, _, unterminated in
                guard unterminated else { return }
                tailIsHeader = (0..<record.count).map { record.string($0) } == RunLog.columns
                tailIsRow = RunLog.isWholeRow(record)
            }
        } catch is FileProblem where from > 0 {
            // Line numbers counted from the known end: scan from the start for the file's own.
            knownEnd = 0
            return try repairEnd(size: size)
        } catch let problem as FileProblem {
            throw FileProblem(path: path, problem: "is damaged (\(problem.problem)\(problem.line > 0 ? " on line \(problem.line)" : "")); "
                + "refusing to append to it — choose another --csv file")
        }
        let tailBytes = size - ending.lastBreak
        if tailBytes == 0 {
            knownEnd = size
            return size
        }
        if !ending.insideQuotes && (ending.lastBreak == 0 ? tailIsHeader : tailIsRow) {
            try file.appendWhole([10], sizeBefore: size)
            knownEnd = size + 1
            return size + 1
        }
        try file.truncate(to: ending.lastBreak)
        writeToStandardError("zalando-train: warning: \(path): the last line was the remains of a half-written row "
            + "(\(tailBytes) bytes, not a whole row); cut back to the last whole row\n")
        knownEnd = ending.lastBreak
        return ending.lastBreak
    }

    /// Whether `record` is a complete v2 row: 21 fields, and a run_id that is the id of its flags
    /// (a row cut inside unquoted flags still has 21 fields; its shortened flags give another id).
    static func isWholeRow(_ record: CSVScanner.Record) -> Bool {
        guard record.count == columns.count else { return false }
        return record.string(0) == RunIdentity.runID(ofFlags: record.string(columns.count - 1))
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
