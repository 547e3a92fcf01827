import Dispatch
import IDXData
import Support
#if canImport(Glibc)
import Glibc
#endif

/// Where a sweep keeps its data uncompressed: `DIR/.data/<name>-<hash of the source folder>/`,
/// the four IDX files as plain bytes and a `source` file describing what they were made from.
///
/// Every child of a sweep reads the same data set; as downloaded it is gzip, and decompressing
/// Fashion-MNIST costs a child 0.2 s, most of a run's fixed cost. The sweep makes one plain copy
/// (once per sweep folder; 55 MB per data set) and points each child's --data-dir at it.
/// --data-dir is not part of a run's identity, so run_ids, flags and numbers do not change.
///
/// A copy is used only while it matches its source: the `source` file records each source
/// file's path, size, modification time and inode, and the plain sizes; any difference makes a
/// new copy. A source that cannot be read is not copied: the child gets the source folder and
/// reports the problem naming the user's own file. Copies are made under a lock, so sweeps and
/// `--run` processes sharing the folder make each copy once.
struct DataCopies {
    let root: String

    init(folder: SweepFolder) { root = folder.path + "/.data" }

    /// For each source folder (as the runs name it), the folder the children should read.
    /// Folders holding no gzip file, and any that cannot be copied, map to themselves.
    func prepare(_ sources: Set<String>) -> [String: String] {
        var mapping: [String: String] = [:]
        for source in sources.sorted() {
            mapping[source] = PlainCopy.isCompressed(source) ? (copy(of: source) ?? source) : source
        }
        return mapping
    }

    /// The plain copy of `source`, made if missing or stale; nil (after one line on standard
    /// error when it is our failure, not the data's) when it cannot be made.
    func copy(of source: String) -> String? {
        let absolute = absolutePath(source)
        let name = lastComponent(absolute) + "-" + SHA256.digest(Array(absolute.utf8)).prefix(4).map { hex($0) }.joined()
        let target = root + "/" + name
        guard let description = describe(absolute) else { return nil }
        if isCurrent(target, description: description) { return target }
        do {
            try makeDirectories(root)
        } catch {
            writeError("sweep: \(error); the runs decompress \(source) themselves")
            return nil
        }
        guard let lock = DataLock(root + "/lock") else { return nil }
        defer { lock.release() }
        // Another process may have made it while this one waited for the lock.
        if isCurrent(target, description: description) { return target }
        removeLeftovers()
        let building = root + "/." + name + ".tmp." + String(getpid())
        guard mkdir(building, 0o755) == 0 else {
            writeError("sweep: \(building): cannot create the folder: \(errorText()); the runs decompress \(source) themselves")
            return nil
        }
        var sizes: [Int] = []
        do {
            for (file, fileName) in zip(PlainCopy.sourceFiles(in: absolute), PlainCopy.fileNames) {
                sizes.append(try PlainCopy.write(file, to: building + "/" + fileName))
            }
            try writeFileAtomically(building + "/source", description + sizes.map { "plain-size \($0)\n" }.joined())
        } catch let error as PlainCopy.WriteError {
            removeTree(building)
            writeError("sweep: \(error); the runs decompress \(source) themselves")
            return nil
        } catch {
            // The data itself is bad: the children say so, naming the user's file.
            removeTree(building)
            return nil
        }
        fsyncPath(building)
        let stale = root + "/." + name + ".old." + String(getpid())
        if access(target, F_OK) == 0 { rename(target, stale) }
        guard rename(building, target) == 0 else {
            writeError("sweep: \(target): cannot rename the copy into place: \(errorText()); the runs decompress \(source) themselves")
            removeTree(building)
            return nil
        }
        fsyncPath(root)
        removeTree(stale)
        return target
    }

    /// What the copy must match: one line per source file (name, path, size, mtime, inode).
    private func describe(_ directory: String) -> String? {
        var text = "source-folder \(directory)\n"
        for path in PlainCopy.sourceFiles(in: directory) {
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            text += "file \(path) size \(info.st_size) mtime \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) inode \(info.st_dev):\(info.st_ino)\n"
        }
        return text
    }

    /// Whether `target` holds a complete copy made from exactly this source.
    private func isCurrent(_ target: String, description: String) -> Bool {
        guard let recorded = try? readFileIfPresent(target + "/source"), recorded.hasPrefix(description) else { return false }
        let sizes = recorded.dropFirst(description.count).split(separator: "\n").compactMap { line -> Int? in
            line.hasPrefix("plain-size ") ? Int(line.dropFirst("plain-size ".count)) : nil
        }
        guard sizes.count == PlainCopy.fileNames.count else { return false }
        for (fileName, size) in zip(PlainCopy.fileNames, sizes) {
            var info = stat()
            guard stat(target + "/" + fileName, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) == size else { return false }
        }
        return true
    }

    /// Half-made and replaced copies of processes that were killed (we hold the lock, so no
    /// live process is making one).
    private func removeLeftovers() {
        for entry in listFolder(root) where entry.hasPrefix(".") && (entry.contains(".tmp.") || entry.contains(".old.")) {
            removeTree(root + "/" + entry)
        }
    }
}

/// Copies made while the first run starts: a run started before its copy is ready reads the
/// source folder (decompressing it itself), every later run reads the copy. Waiting for the
/// copy first would put its 0.3 s in front of every run of the sweep; with `--jobs 2` or more
/// the copy takes one slot while it lasts (LocalRunner), so it does not compete with a second
/// run decompressing the same files.
final class DataCopiesInBackground: @unchecked Sendable {
    private let group = DispatchGroup()
    /// Written on the background queue; read only once `group` has been left.
    private var made: [String: String] = [:]

    init(_ copies: DataCopies, sources: Set<String>) {
        group.enter()
        DispatchQueue.global().async { [self] in
            made = copies.prepare(sources)
            group.leave()
            // The sweep's loop may wait for a free slot: wake it.
            SignalRelay.wake()
        }
    }

    /// Whether the copies are still being made.
    var isMaking: Bool { group.wait(timeout: .now()) != .success }

    /// Waits for the copies (a sweep shorter than its copy leaves no half-made one behind).
    func wait() { group.wait() }

    /// The folder to read for `source`: its copy once made, nil (the source) until then.
    func folder(for source: String) -> String? {
        guard group.wait(timeout: .now()) == .success else { return nil }
        return made[source]
    }
}

/// An exclusive flock on DIR/.data/lock, waited for at most a minute (a copy takes about a
/// second; a stopped process holding it must not hang the sweep).
private struct DataLock {
    let descriptor: Int32
    init?(_ path: String) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            writeError("sweep: \(path): cannot open: \(errorText()); the runs decompress the data themselves")
            return nil
        }
        let deadline = monotonicSeconds() + 60
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, monotonicSeconds() < deadline else {
                writeError("sweep: \(path): still locked after a minute; the runs decompress the data themselves")
                close(fd)
                return nil
            }
            usleep(50_000)
        }
        descriptor = fd
    }
    func release() { close(descriptor) }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}

private func lastComponent(_ path: String) -> String {
    let name = path.split(separator: "/").last.map(String.init) ?? "data"
    // Only the letters, digits, - and _ of it: the hash keeps copies of different folders apart.
    let safe = String(String.UnicodeScalarView(name.unicodeScalars.filter {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
    }).prefix(40))
    return safe.isEmpty ? "data" : safe
}

/// The names in a folder (without `.` and `..`); empty if it cannot be read.
func listFolder(_ path: String) -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
            pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// Removes a folder of plain files (what DataCopies makes), or a file.
func removeTree(_ path: String) {
    for name in listFolder(path) { unlink(path + "/" + name) }
    if rmdir(path) != 0 { unlink(path) }
}

/// fsync on a folder, so a rename in it survives a crash.
func fsyncPath(_ path: String) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
}
