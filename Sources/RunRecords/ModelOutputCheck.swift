import Foundation
import Support

extension ModelFile {
    /// What is wrong with `path` as a model file to write, checked before any work, or nil:
    /// an empty name, a name ending in `/`, a folder, a missing or unwritable folder, a
    /// device or FIFO, one of the command's `inputs` (compared by device and inode, so another
    /// spelling of the same file is caught), or an existing file that is not a zalando-train
    /// model (only models are ever replaced).
    public static func outputProblem(_ path: String, inputs: [String] = []) -> String? {
        guard !path.isEmpty else { return "empty file name" }
        guard !path.hasSuffix("/") else { return "\(path): names a folder; give a file name" }
        var info = stat()
        if stat(path, &info) == 0 {
            let type = info.st_mode & S_IFMT
            if type == S_IFDIR { return "\(path): is a folder; give a file name" }
            guard type == S_IFREG else { return "\(path): is not a regular file (a device or FIFO); refusing to write to it" }
            for input in inputs {
                var other = stat()
                if stat(input, &other) == 0, other.st_dev == info.st_dev, other.st_ino == info.st_ino {
                    return "\(path): is the input \(input); write the result to another file"
                }
            }
            guard (try? ModelFile.load(path: path, batchCapacity: 1)) != nil else {
                return "\(path): exists and is not a zalando-train model; refusing to replace it"
            }
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var folderInfo = stat()
        guard stat(folder, &folderInfo) == 0, folderInfo.st_mode & S_IFMT == S_IFDIR else {
            return "\(path): folder \(folder) does not exist"
        }
        guard access(folder, W_OK) == 0 else { return "\(path): folder \(folder) is not writable" }
        return nil
    }
}
