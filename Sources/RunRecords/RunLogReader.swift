import Foundation
#if canImport(Glibc)
import Glibc
#endif
import IDXData
import Support

/// One run as read back from CSV run logs: who it is and one record per epoch.
public struct RunHistory: Sendable {
    /// The name shown: the logged name, made unique among the runs read together ("NAME (2)").
    public var name: String
    /// The `run` column as logged.
    public let loggedName: String
    /// The run's id (v2 logs); nil for rows of a v1 log.
    public let runID: String?
    /// What rows are grouped by: the run_id, or for v1 rows their identifying columns.
    public let key: String
    public let dataset: String
    public let optimizer: String
    public let schedule: String
    public let lr0: String
    public let batchSize: String
    public let hidden: String
    /// Empty for v1 rows (the column did not exist).
    public let activation: String
    public let seed: String
    /// The canonical command line (v2); nil for v1 rows.
    public let flags: String?
    public var epochs: [EpochRecord] = []

    /// Every epoch was measured on a validation set.
    public var hasValidation: Bool { !epochs.isEmpty && epochs.allSatisfy { $0.valAccuracy != nil } }
}

/// The numeric columns of one CSV row; `valCost` and `valAccuracy` are nil without --validation.
public struct EpochRecord: Sendable {
    public let epoch: Int
    public let iteration: Int
    public let lr: Double
    public let trainCost: Double
    public let trainAccuracy: Double
    public let valCost: Double?
    public let valAccuracy: Double?
    public let testCost: Double
    public let testAccuracy: Double
    public let seconds: Double

    /// Whether two runs' rows are the same rows, bit for bit (NaN costs included).
    static func sameRows(_ a: [EpochRecord], _ b: [EpochRecord]) -> Bool {
        func bits(_ r: EpochRecord) -> [UInt64] {
            let counts: [UInt64] = [UInt64(r.epoch), UInt64(r.iteration), r.valCost == nil ? 1 : 0]
            let values: [Double] = [r.lr, r.trainCost, r.trainAccuracy, r.valCost ?? 0, r.valAccuracy ?? 0, r.testCost, r.testAccuracy, r.seconds]
            return counts + values.map(\.bitPattern)
        }
        return a.count == b.count && zip(a, b).allSatisfy { bits($0) == bits($1) }
    }

    /// The metric's value; NaN when the row has no such value (no validation set).
    public func value(of metric: Metric) -> Double {
        switch metric {
        case .trainCost: return trainCost
        case .trainAccuracy: return trainAccuracy
        case .valCost: return valCost ?? .nan
        case .valAccuracy: return valAccuracy ?? .nan
        case .testCost: return testCost
        case .testAccuracy: return testAccuracy
        }
    }
}

/// The columns `compare` can rank runs by.
public enum Metric: String, CaseIterable, Sendable {
    case valAccuracy = "val_accuracy", testAccuracy = "test_accuracy", trainAccuracy = "train_accuracy"
    case valCost = "val_cost", testCost = "test_cost", trainCost = "train_cost"
    /// Costs are better low, accuracies high.
    public var higherIsBetter: Bool { isAccuracy }
    public var isAccuracy: Bool { self == .valAccuracy || self == .testAccuracy || self == .trainAccuracy }
    public var needsValidation: Bool { self == .valAccuracy || self == .valCost }
}


/// Reads run logs written by `train --csv`, v2 or v1 (DESIGN.md "train"), in one streaming pass:
/// time linear in the file, memory linear in the number of epochs kept (a million rows in seconds).
/// RFC 4180: quoted fields may hold commas, quotes and line breaks.
///
/// Rows are grouped by run_id (v1 rows: by run, dataset, optimizer, schedule, lr0, batch_size,
/// hidden and seed), never by name alone. A run's rows continue while its epochs increase; an
/// epoch that does not (the same run appended again) starts a new occurrence of it.
public enum RunLogReader {
    /// The longest record accepted: far beyond any real row (a 4 KB --run-name is a long one).
    public static let maximumRecordBytes = 16 << 20
    /// The largest epoch or iteration a log may hold (2^53: exact as a Double).
    public static let maximumCount = 1 << 53

    /// A run is counted once however it is reached (DESIGN.md "compare"): a log given twice, by
    /// another spelling (`f.csv ./f.csv`, a symlink) or as a folder and a log inside it, is read
    /// once (by its real path), and an occurrence identical to one already read (the same key and
    /// the same rows: a copy of a log) is dropped.
    public static func read(paths: [String]) throws -> [RunHistory] {
        var collector = Collector()
        var seen: Set<String> = []
        for path in try expandingSweepFolders(paths) {
            let real = realpath(path, nil).map { pointer in defer { free(pointer) }; return String(cString: pointer) } ?? path
            guard seen.insert(real).inserted else { continue }
            try collector.read(path: path)
        }
        return collector.finish()
    }

    /// A folder stands for the run logs in it (DESIGN "compare": a sweep folder or any folder
    /// of run logs): a sweep's `DIR/<run_id>/run.csv`, in run_id order, then the folder's own
    /// `*.csv` files that start with a run log header (other CSV files are not run logs and
    /// are passed over); a folder without any is refused with one line.
    public static func expandingSweepFolders(_ paths: [String]) throws -> [String] {
        try paths.flatMap { path -> [String] in
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return [path] }
            let base = path.hasSuffix("/") ? path : path + "/"
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
            let sweepLogs = names.map { base + $0 + "/run.csv" }.filter { FileManager.default.isReadableFile(atPath: $0) }
            let plainLogs = names.filter { $0.lowercased().hasSuffix(".csv") }.map { base + $0 }.filter(startsWithRunLogHeader)
            guard !sweepLogs.isEmpty || !plainLogs.isEmpty else {
                throw FileProblem(path: path, problem: "is a folder without run logs (a sweep folder holds <run_id>/run.csv; "
                                  + "any other folder, run logs named *.csv)")
            }
            return sweepLogs + plainLogs
        }
    }

    /// Whether `path` is a regular file (checked first: a FIFO is never opened) whose first
    /// line is a run log header, v2 or v1.
    static func startsWithRunLogHeader(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
              let head = try? readBytes(path, at: 0, count: RunLog.header.utf8.count + 1) else { return false }
        return RunLog.headerVersion(head) != nil
    }

    public static func read(path: String) throws -> [RunHistory] { try read(paths: [path]) }

    /// The runs (occurrences, in file order) `runID` already has in the log at `path`.
    public static func runs(withID runID: String, in path: String) throws -> [RunHistory] {
        try read(path: path).filter { $0.runID == runID }
    }

    // MARK: - Grouping rows into runs

    /// Where each field is in a row of either version.
    struct Layout {
        let fieldCount: Int
        let runID: Int?, run: Int, dataset: Int, optimizer: Int, schedule: Int, lr0: Int, batchSize: Int, hidden: Int
        let activation: Int?, seed: Int, epoch: Int, iteration: Int, lr: Int, trainCost: Int, trainAccuracy: Int
        let valCost: Int?, valAccuracy: Int?, testCost: Int, testAccuracy: Int, seconds: Int, flags: Int?

        static let v2 = Layout(fieldCount: 21, runID: 0, run: 1, dataset: 2, optimizer: 3, schedule: 4, lr0: 5, batchSize: 6, hidden: 7,
                               activation: 8, seed: 9, epoch: 10, iteration: 11, lr: 12, trainCost: 13, trainAccuracy: 14,
                               valCost: 15, valAccuracy: 16, testCost: 17, testAccuracy: 18, seconds: 19, flags: 20)
        static let v1 = Layout(fieldCount: 16, runID: nil, run: 0, dataset: 1, optimizer: 2, schedule: 3, lr0: 4, batchSize: 5, hidden: 6,
                               activation: nil, seed: 7, epoch: 8, iteration: 9, lr: 10, trainCost: 11, trainAccuracy: 12,
                               valCost: nil, valAccuracy: nil, testCost: 13, testAccuracy: 14, seconds: 15, flags: nil)
    }

    struct Collector {
        var runs: [RunHistory] = []
        /// key → index in `runs` of the key's latest occurrence.
        var current: [String: Int] = [:]

        mutating func read(path: String) throws {
            var layout: Layout?
            var columns: [String] = []
            do {
                try scan(path: path, layout: &layout, columns: &columns)
            } catch where layout == nil {
                // Refused before a header was read: a model, a picture or a checkpoint given for
                // a log says what it is, not what its first bytes looked like as CSV ("stray
                // quote inside a field").
                if let kind = OutputPath.kind(of: path) { throw FileProblem(path: path, problem: "is \(kind), not a run log") }
                throw error
            }
            if layout == nil { throw FileProblem(path: path, problem: "is empty") }
        }

        private mutating func scan(path: String, layout: inout Layout?, columns: inout [String]) throws {
            try CSVScanner.scan(path: path) { record, line, unterminated in
                guard let layout else {
                    let header = (0..<record.count).map { record.string($0) }
                    if header == RunLog.columns { layout = .v2 } else if header == RunLog.columnsV1 { layout = .v1 } else {
                        throw FileProblem(path: path, line: line, problem: "header is not a zalando-train run log header (\(RunLog.header))")
                    }
                    columns = header
                    return
                }
                try self.add(record, layout: layout, columns: columns, path: path, line: line, unterminated: unterminated)
            }
        }

        mutating func add(_ f: CSVScanner.Record, layout l: Layout, columns: [String], path: String, line: Int, unterminated: Bool) throws {
            guard f.count == l.fieldCount else {
                throw FileProblem(path: path, line: line, problem: "\(f.count) fields, expected \(l.fieldCount)" + (unterminated ? " (truncated last line?)" : ""))
            }
            func number(_ column: Int) throws -> Double {
                guard let value = f.double(column) else {
                    throw FileProblem(path: path, line: line, problem: "\(columns[column]) \"\(escapedForTerminal(String(f.string(column).prefix(40))))\" is not a number")
                }
                return value
            }
            func optionalNumber(_ column: Int?) throws -> Double? {
                guard let column, !f.isEmpty(column) else { return nil }
                return try number(column)
            }
            /// Epochs and iterations: whole numbers from 0 to 2^53 (exact as a Double, and far
            /// from overflowing any sum or product a report makes of them).
            func count(_ column: Int) throws -> Int {
                let shown = "\(columns[column]) \"\(escapedForTerminal(String(f.string(column).prefix(40))))\""
                switch f.integer(column) {
                case .value(let value) where (0...RunLogReader.maximumCount).contains(value): return value
                case .notAnInteger: throw FileProblem(path: path, line: line, problem: "\(shown) is not a whole number")
                case .value, .outOfRange:
                    throw FileProblem(path: path, line: line, problem: "\(shown) is out of range (a count from 0 to 2^53)")
                }
            }
            let record = EpochRecord(epoch: try count(l.epoch), iteration: try count(l.iteration), lr: try number(l.lr),
                                     trainCost: try number(l.trainCost), trainAccuracy: try number(l.trainAccuracy),
                                     valCost: try optionalNumber(l.valCost), valAccuracy: try optionalNumber(l.valAccuracy),
                                     testCost: try number(l.testCost), testAccuracy: try number(l.testAccuracy), seconds: try number(l.seconds))
            if (record.valCost == nil) != (record.valAccuracy == nil) {
                throw FileProblem(path: path, line: line, problem: "val_cost and val_accuracy must both be given or both be empty")
            }
            let key: String
            if let column = l.runID {
                guard !f.isEmpty(column) else { throw FileProblem(path: path, line: line, problem: "run_id is empty") }
                key = f.string(column)  // 12 characters: a small string, no allocation
            } else {
                key = "v1\u{1F}" + [l.run, l.dataset, l.optimizer, l.schedule, l.lr0, l.batchSize, l.hidden, l.seed]
                    .map { f.string($0) }.joined(separator: "\u{1F}")
            }
            if let index = current[key], let last = runs[index].epochs.last, record.epoch > last.epoch {
                runs[index].epochs.append(record)
                return
            }
            let name = f.string(l.run)
            runs.append(RunHistory(name: name, loggedName: name, runID: l.runID.map { f.string($0) }, key: key,
                                   dataset: f.string(l.dataset), optimizer: f.string(l.optimizer), schedule: f.string(l.schedule),
                                   lr0: f.string(l.lr0), batchSize: f.string(l.batchSize), hidden: f.string(l.hidden),
                                   activation: l.activation.map { f.string($0) } ?? "", seed: f.string(l.seed),
                                   flags: l.flags.map { f.string($0) }, epochs: [record]))
            current[key] = runs.count - 1
        }

        /// Unique display names: the first run of a name keeps it, later ones get " (2)", " (3)"…
        /// (one counter per name, so this stays linear however often a name repeats).
        mutating func finish() -> [RunHistory] {
            var occurrences: [String: [Int]] = [:]
            var unique: [RunHistory] = []
            for run in runs {
                if occurrences[run.key, default: []].contains(where: { EpochRecord.sameRows(unique[$0].epochs, run.epochs) }) { continue }
                occurrences[run.key, default: []].append(unique.count)
                unique.append(run)
            }
            runs = unique
            var used = Set(runs.map(\.loggedName))
            var seen: Set<String> = []
            var nextCopy: [String: Int] = [:]
            for i in runs.indices {
                let base = runs[i].loggedName
                if seen.insert(base).inserted { continue }
                var copy = nextCopy[base] ?? 2
                var candidate = "\(base) (\(copy))"
                while used.contains(candidate) { copy += 1; candidate = "\(base) (\(copy))" }
                nextCopy[base] = copy + 1
                used.insert(candidate)
                runs[i].name = candidate
            }
            return runs
        }
    }
}

/// A streaming RFC 4180 scanner over a file descriptor: 1 MB reads, one pass, each record handed
/// over as the bytes of its fields (each followed by a NUL, for strtod) — no String per field.
enum CSVScanner {
    struct Record {
        let bytes: UnsafeBufferPointer<UInt8>
        /// ends[i]: the index of field i's terminating NUL in `bytes`.
        let ends: UnsafeBufferPointer<Int>
        var count: Int { ends.count }
        func start(_ i: Int) -> Int { i == 0 ? 0 : ends[i - 1] + 1 }
        func isEmpty(_ i: Int) -> Bool { ends[i] == start(i) }
        func string(_ i: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[start(i)..<ends[i]]), as: UTF8.self) }

        /// A decimal number as Swift and strtod write them (also nan and inf); nil for anything
        /// else, including an empty field or surrounding spaces.
        func double(_ i: Int) -> Double? {
            let s = start(i), e = ends[i]
            guard e > s, bytes[s] > 32, bytes[e - 1] > 32 else { return nil }
            if let exact = CSVScanner.exactDecimal(bytes, s, e) { return exact }
            let base = bytes.baseAddress! + s
            let (value, consumed) = base.withMemoryRebound(to: CChar.self, capacity: e - s + 1) { start -> (Double, Int) in
                var end: UnsafeMutablePointer<CChar>?
                let value = strtod(start, &end)
                return (value, end.map { UnsafePointer($0) - start } ?? -1)
            }
            guard consumed == e - s else { return nil }
            // strtod also reads hexadecimal ("0x1p3"); the log never holds it.
            for k in s..<e where bytes[k] == 120 || bytes[k] == 88 { return nil }
            return value
        }

        /// A decimal integer; nil for anything else, `.outOfRange` beyond Int (checked, never
        /// wrapped: 19 nines are more than Int.max and trapped here).
        func integer(_ i: Int) -> IntegerField {
            let s = start(i), e = ends[i]
            guard e > s else { return .notAnInteger }
            var value = 0
            var k = s
            let negative = bytes[s] == 45
            if negative { k += 1; if k == e { return .notAnInteger } }
            var overflow = false
            while k < e {
                let digit = Int(bytes[k]) - 48
                guard digit >= 0 && digit <= 9 else { return .notAnInteger }
                if !overflow {
                    let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                    let (next, o2) = times10.addingReportingOverflow(digit)
                    overflow = o1 || o2
                    value = next
                }
                k += 1
            }
            return overflow ? .outOfRange : .value(negative ? -value : value)
        }
    }

    enum IntegerField: Equatable {
        case value(Int), notAnInteger, outOfRange
    }

    /// Clinger's fast path: a plain decimal ("-0.8429333333333333") whose digits make an integer
    /// m ≤ 2^53 with k ≤ 22 digits after the point is m / 10^k, both exact in a Double, so one
    /// correctly rounded division gives exactly strtod's result. nil for anything else (exponents,
    /// 17 significant digits, nan, inf), which goes to strtod. Most of a log's numbers qualify.
    static func exactDecimal(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Double? {
        var k = s
        let negative = bytes[k] == 45
        if negative { k += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = -1
        while k < e {
            let c = bytes[k]
            if c == 46 {
                if fraction >= 0 { return nil }
                fraction = 0
            } else {
                let d = UInt64(c &- 48)
                guard d <= 9, digits < 19 else { return nil }
                mantissa = mantissa * 10 + d
                digits += 1
                if fraction >= 0 { fraction += 1 }
            }
            k += 1
        }
        guard digits > 0, fraction != 0, mantissa <= 1 << 53, fraction <= 22 else { return nil }
        let value = fraction > 0 ? Double(mantissa) / powersOfTen[fraction] : Double(mantissa)
        return negative ? -value : value
    }

    static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { x, _ in x * 10 } }

    /// Calls `body(record, line, unterminated)` for every record (blank lines skipped); `line` is
    /// where the record starts, `unterminated` is true for a last record without its line break.
    /// A file ending inside a quoted field is refused.
    static func scan(path: String, _ body: (Record, Int, Bool) throws -> Void) throws {
        let ending = try scan(path: path, from: 0, body)
        if ending.insideQuotes { throw FileProblem(path: path, line: ending.line, problem: "unterminated quoted field (truncated file?)") }
    }

    /// The records from byte `offset` on, which must be a record boundary (line numbers count
    /// from there). The file may end anywhere, even inside quotes; the result says where it did:
    /// `lastBreak`, the offset just past its last record boundary (a line break outside quotes,
    /// or `offset`), `insideQuotes`, and the line the last record starts on. The run log's repair
    /// cuts at `lastBreak` (RunLog), so this is the one place that knows where records end.
    static func scan(path: String, from offset: Int, _ body: (Record, Int, Bool) throws -> Void) throws -> (lastBreak: Int, insideQuotes: Bool, line: Int) {
        // Opened without blocking and checked on the descriptor (InputFile): a FIFO or device is
        // refused with one line naming its kind instead of hanging.
        let input: InputFile
        do {
            input = try InputFile.open(path)
        } catch .missing {
            throw FileProblem(path: path, problem: "no such file")
        } catch .directory {
            throw FileProblem(path: path, problem: "is a directory, not a CSV run log")
        } catch .notRegular(let kind) {
            throw FileProblem(path: path, problem: "is \(kind), not a CSV run log")
        } catch .unreadable(let reason) {
            throw FileProblem(path: path, problem: "cannot be read: \(reason)")
        }
        let fd = input.descriptor
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileProblem(path: path, problem: "cannot be read: \(errorText())") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        guard offset == 0 || lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
            throw FileProblem(path: path, problem: "cannot be read: \(errorText())")
        }
        // Bytes consumed before the current chunk, and the offset past the last line break outside quotes.
        var consumed = offset
        var lastBreak = offset

        // 1 MB reads; less for a small file (the fuzzer reads thousands of tiny ones a second).
        let chunkSize = max(4096, min(1 << 20, Int(info.st_size) + 1))
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }
        // The current record: field bytes, each field followed by a NUL, and where each ends.
        var fields = GrowingBuffer<UInt8>(capacity: 1 << 16)
        var ends = GrowingBuffer<Int>(capacity: 64)
        defer { fields.free(); ends.free() }
        // 0 outside quotes, 1 inside, 2 just after a quote inside quotes (a second one is a literal ").
        var state = 0
        var fieldStart = 0
        var fieldWasQuoted = false
        var skipLineFeed = false
        var line = 1
        var recordLine = 1

        func endField() {
            fields.append(0)
            ends.append(fields.count - 1)
            fieldStart = fields.count
            fieldWasQuoted = false
        }
        func endRecord(unterminated: Bool) throws {
            let blank = ends.count == 0 && fields.count == 0 && !fieldWasQuoted
            endField()
            if !blank { try body(Record(bytes: fields.view, ends: ends.view), recordLine, unterminated) }
            fields.count = 0
            ends.count = 0
            fieldStart = 0
        }

        while true {
            let n = read(fd, chunk, chunkSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileProblem(path: path, line: line, problem: "cannot be read: \(errorText())")
            }
            if n == 0 { break }
            defer { consumed += n }
            var i = 0
            while i < n {
                if skipLineFeed {
                    skipLineFeed = false
                    if chunk[i] == 10 { i += 1; lastBreak = consumed + i; continue }
                }
                if state == 2 {
                    if chunk[i] == 34 { fields.append(34); state = 1; i += 1; continue }
                    state = 0  // the quote closed the field; this byte is read as outside quotes
                }
                if state == 1 {
                    // Copy up to the next quote in one go, counting line breaks on the way.
                    var j = i
                    while j < n && chunk[j] != 34 { if chunk[j] == 10 { line += 1 }; j += 1 }
                    fields.append(chunk + i, count: j - i)
                    if j < n { state = 2; j += 1 }
                    i = j
                } else {
                    // Copy up to the next comma, quote or line break in one go.
                    var j = i
                    while j < n {
                        let c = chunk[j]
                        if c <= 44 && (c == 44 || c == 10 || c == 13 || c == 34) { break }
                        j += 1
                    }
                    fields.append(chunk + i, count: j - i)
                    i = j
                    guard i < n else { break }
                    let c = chunk[i]
                    i += 1
                    if c == 44 {
                        endField()
                    } else if c == 34 {
                        guard fields.count == fieldStart && !fieldWasQuoted else {
                            throw FileProblem(path: path, line: line, problem: "stray quote inside a field")
                        }
                        state = 1
                        fieldWasQuoted = true
                    } else {
                        try endRecord(unterminated: false)
                        lastBreak = consumed + i
                        line += 1
                        recordLine = line
                        skipLineFeed = c == 13
                    }
                }
                if fields.count > RunLogReader.maximumRecordBytes {
                    throw FileProblem(path: path, line: recordLine, problem: "a record longer than \(RunLogReader.maximumRecordBytes >> 20) MB: not a run log")
                }
            }
        }
        if state == 1 { return (lastBreak, true, recordLine) }
        if fields.count > 0 || ends.count > 0 || fieldWasQuoted { try endRecord(unterminated: true) }
        return (lastBreak, false, recordLine)
    }
}

/// A growable buffer of plain values without Array's per-element checks (the scanner's hot loop).
struct GrowingBuffer<Element> {
    private(set) var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    var count = 0

    init(capacity: Int) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        grown.moveInitialize(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    mutating func append(_ value: Element) {
        reserve(1)
        (base + count).initialize(to: value)
        count += 1
    }

    mutating func append(_ source: UnsafePointer<Element>, count extra: Int) {
        guard extra > 0 else { return }
        reserve(extra)
        (base + count).initialize(from: source, count: extra)
        count += extra
    }

    var view: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    func free() { base.deallocate() }
}
