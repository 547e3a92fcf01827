import Foundation

/// One run as read back from CSV run logs: its identifying fields and one row per epoch.
public struct RunHistory: Sendable {
    public var name: String
    public let dataset: String
    public let optimizer: String
    public let schedule: String
    public let lr0: String
    public let batchSize: String
    public let hidden: String
    public let seed: String
    public var epochs: [EpochRecord] = []
}

/// The numeric columns of one CSV row.
public struct EpochRecord: Sendable {
    public let epoch: Int
    public let iteration: Int
    public let lr: Double
    public let trainCost: Double
    public let trainAccuracy: Double
    public let testCost: Double
    public let testAccuracy: Double
    public let seconds: Double

    public func value(of metric: Metric) -> Double {
        switch metric {
        case .trainCost: return trainCost
        case .trainAccuracy: return trainAccuracy
        case .testCost: return testCost
        case .testAccuracy: return testAccuracy
        }
    }
}

/// The columns `compare` can rank runs by.
public enum Metric: String, CaseIterable, Sendable {
    case testAccuracy = "test_accuracy", trainAccuracy = "train_accuracy", testCost = "test_cost", trainCost = "train_cost"
    /// Costs are better low, accuracies high.
    public var higherIsBetter: Bool { self == .testAccuracy || self == .trainAccuracy }
    public var isAccuracy: Bool { higherIsBetter }
}

public struct RunLogReadError: Error, CustomStringConvertible {
    public let path: String
    public let line: Int
    public let problem: String
    public var description: String { line > 0 ? "\(path):\(line): \(problem)" : "\(path): \(problem)" }
}

/// Reads run logs written by `train --csv` (RFC 4180: quoted fields may hold commas, quotes and
/// line breaks). Rows of one run name are one run while their epochs increase; an epoch that
/// does not (the same run appended again) starts a new run, named "NAME (2)", "NAME (3)", ….
public enum RunLogReader {
    /// The largest file accepted (a 100-epoch run is about 20 kB).
    public static let maximumFileBytes = 256 << 20

    public static func read(paths: [String]) throws -> [RunHistory] {
        var runs: [RunHistory] = []
        for path in paths { runs += try read(path: path, existingNames: Set(runs.map(\.name))) }
        return runs
    }

    static func read(path: String, existingNames: Set<String>) throws -> [RunHistory] {
        let bytes: [UInt8]
        do {
            bytes = try readFileContents(path, limit: maximumFileBytes, what: "a CSV run log")
        } catch let error as FileError {
            throw RunLogReadError(path: path, line: 0, problem: error.problem)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw RunLogReadError(path: path, line: 0, problem: "is not UTF-8 text") }
        let records = try parse(text, path: path)
        guard let header = records.first else { throw RunLogReadError(path: path, line: 0, problem: "is empty") }
        guard header.fields == RunLog.columns else {
            throw RunLogReadError(path: path, line: 1, problem: "header is not a zalando-train run log header (\(RunLog.header))")
        }
        var runs: [RunHistory] = []
        var current: [String: Int] = [:]  // run name → index in runs
        var used = existingNames
        for record in records.dropFirst() {
            let f = record.fields
            guard f.count == RunLog.columns.count else {
                throw RunLogReadError(path: path, line: record.line, problem: "\(f.count) fields, expected \(RunLog.columns.count)" + (record.isLast && !text.hasSuffix("\n") ? " (truncated last line?)" : ""))
            }
            func number(_ column: Int) throws -> Double {
                guard let value = Double(f[column]), !f[column].isEmpty else {
                    throw RunLogReadError(path: path, line: record.line, problem: "\(RunLog.columns[column]) \"\(f[column].prefix(40))\" is not a number")
                }
                return value
            }
            func integer(_ column: Int) throws -> Int {
                guard let value = Int(f[column]) else {
                    throw RunLogReadError(path: path, line: record.line, problem: "\(RunLog.columns[column]) \"\(f[column].prefix(40))\" is not a whole number")
                }
                return value
            }
            let epoch = EpochRecord(epoch: try integer(8), iteration: try integer(9), lr: try number(10), trainCost: try number(11),
                                    trainAccuracy: try number(12), testCost: try number(13), testAccuracy: try number(14), seconds: try number(15))
            if let index = current[f[0]], let last = runs[index].epochs.last, epoch.epoch > last.epoch {
                runs[index].epochs.append(epoch)
                continue
            }
            var name = f[0]
            var copy = 2
            while used.contains(name) { name = "\(f[0]) (\(copy))"; copy += 1 }
            used.insert(name)
            runs.append(RunHistory(name: name, dataset: f[1], optimizer: f[2], schedule: f[3], lr0: f[4], batchSize: f[5],
                                   hidden: f[6], seed: f[7], epochs: [epoch]))
            current[f[0]] = runs.count - 1
        }
        return runs
    }

    struct Record { let line: Int; let fields: [String]; let isLast: Bool }

    /// RFC 4180 records with the line each starts on.
    static func parse(_ text: String, path: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var fieldWasQuoted = false
        var scalars = Array(text.unicodeScalars)
        if scalars.last != "\n" { scalars.append("\n") }  // a missing final newline ends the last record
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < scalars.count && scalars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 1 } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                guard field.isEmpty && !fieldWasQuoted else {
                    throw RunLogReadError(path: path, line: line, problem: "stray quote inside a field")
                }
                inQuotes = true
                fieldWasQuoted = true
            } else if c == "," {
                fields.append(field); field = ""; fieldWasQuoted = false
            } else if c == "\n" || c == "\r" {
                if c == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n" { i += 1 }
                fields.append(field); field = ""; fieldWasQuoted = false
                if !(fields.count == 1 && fields[0].isEmpty) {
                    records.append(Record(line: recordLine, fields: fields, isLast: false))
                }
                fields = []
                line += 1
                recordLine = line
            } else {
                field.unicodeScalars.append(c)
            }
            i += 1
        }
        if inQuotes { throw RunLogReadError(path: path, line: recordLine, problem: "unterminated quoted field (truncated file?)") }
        if let last = records.popLast() { records.append(Record(line: last.line, fields: last.fields, isLast: true)) }
        return records
    }
}
