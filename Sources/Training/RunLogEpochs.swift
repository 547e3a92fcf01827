#if canImport(Glibc)
import Glibc
#endif
/// Which epochs of a run a CSV run log already holds, so a resumed run appends each epoch
/// exactly once. Columns are found by name in the file's header: `run_id` when the log has it
/// (run log v2), otherwise the run's name in `run` (v1).
enum RunLogEpochs {
    static func epochs(in path: String, runID: String, runName: String) throws -> [Int] {
        guard access(path, F_OK) == 0 else { return [] }
        // The records branch's reader groups rows by run_id (v2) or, for v1 rows, by their columns.
        return try RunLogReader.read(path: path)
            .filter { $0.runID == runID || ($0.runID == nil && $0.loggedName == runName) }
            .flatMap { $0.epochs.map(\.epoch) }
    }
}
