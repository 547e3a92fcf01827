import ArgumentParser
import IDXData
import Training

/// Runtime failures (missing files, unwritable outputs): one line on stderr naming the problem,
/// then exit status `code` (1 unless stated). Usage errors go through `ValidationError` (64).
func fail(_ message: String, code: Int32 = 1) -> ExitCode {
    writeToStandardError("zalando-train: \(message)\n")
    return ExitCode(code)
}

/// Runs `body`, turning any library error into `fail`.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let output as OutputPath.Problem {
        throw fail("\(output)", code: 64)  // a bad output path is a usage error, found before any work
    } catch let mismatch as DatasetRecognition.Mismatch {
        throw fail("\(mismatch)", code: 64)  // MNIST given as fashion (or the reverse), refused before training
    } catch {
        throw fail("\(error)")
    }
}
