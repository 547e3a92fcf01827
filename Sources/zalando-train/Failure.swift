import ArgumentParser
import IDXData
import Training
import Reports
import RunRecords
import Support

/// Runtime failures (missing files, unwritable outputs): one line on stderr naming the problem,
/// then `status` (`.failure`, 1, unless stated). Usage errors found while parsing go through
/// `ValidationError` (64); those the library finds are `UsageProblem`s (64 too).
func fail(_ message: String, status: ExitStatus = .failure) -> ExitCode {
    writeToStandardError("zalando-train: \(message)\n")
    return ExitCode(status)
}

extension ExitCode {
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}

/// Runs `body`, turning any library error into `fail`.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let usage as any UsageProblem {
        throw fail(usage.description, status: .usage)  // e.g. a bad output path, found before any work
    } catch {
        throw fail("\(error)")
    }
}
