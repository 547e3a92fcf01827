/// Which epochs of a run a CSV run log already holds, so a resumed run appends each epoch
/// exactly once. Columns are found by name in the file's header: `run_id` when the log has it
/// (run log v2), otherwise the run's name in `run` (v1).
enum RunLogEpochs {
    static func epochs(in path: String, runID: String, runName: String) throws -> [Int] {
        let bytes: [UInt8]
        do {
            bytes = try readFileContents(path, limit: RunLogReader.maximumFileBytes, what: "a CSV run log")
        } catch let error as FileError where error.problem == "no such file" {
            return []
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw RunLogError(path: path, problem: "is not UTF-8 text") }
        let records = try RunLogReader.parse(text, path: path)
        guard let header = records.first?.fields else { return [] }
        let key: (column: Int, value: String)
        if let column = header.firstIndex(of: "run_id") {
            key = (column, runID)
        } else if let column = header.firstIndex(of: "run") {
            key = (column, runName)
        } else {
            throw RunLogError(path: path, problem: "has neither a run_id nor a run column")
        }
        guard let epochColumn = header.firstIndex(of: "epoch") else { throw RunLogError(path: path, problem: "has no epoch column") }
        return records.dropFirst().compactMap { record in
            guard record.fields.count > max(key.column, epochColumn), record.fields[key.column] == key.value else { return nil }
            return Int(record.fields[epochColumn])
        }
    }
}
