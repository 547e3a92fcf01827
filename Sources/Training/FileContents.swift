#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole (small) file for the model, run-log and `path --data` readers: refuses a
/// missing file, a directory or one larger than `limit` before allocating, then reads it with
/// fread. (FileManager.contents(atPath:) was avoided: it leaks 4 KB on every empty file, found by
/// `make fuzz` under LeakSanitizer, and offers no size limit before reading.)
/// A problem with a file this tool reads or writes, printed as "PATH: problem".
public struct FileError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}

func readFileContents(_ path: String, limit: Int, what: String) throws -> [UInt8] {
    var info = stat()
    guard stat(path, &info) == 0 else {
        throw FileError(path: path, problem: errno == ENOENT || errno == ENOTDIR ? "no such file" : String(cString: strerror(errno)))
    }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw FileError(path: path, problem: "is a directory, not \(what)") }
    let size = Int(info.st_size)
    guard size <= limit else { throw FileError(path: path, problem: "is \(size) bytes, larger than any \(what) (\(limit >> 20) MB)") }
    guard let file = fopen(path, "rbe") else { throw FileError(path: path, problem: "cannot be read: \(String(cString: strerror(errno)))") }
    defer { fclose(file) }
    var bytes = [UInt8](repeating: 0, count: size)
    let got = size == 0 ? 0 : bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, size, file) }
    guard got == size else { throw FileError(path: path, problem: "cannot be read completely (\(got) of \(size) bytes)") }
    return bytes
}
