import Dispatch
import Synchronization
import IDXData
import Support
#if canImport(Glibc)
import Glibc
#endif

/// Where a sweep keeps its data uncompressed: `DIR/.data/<name>-<hash of the source folder>/`,
/// the four IDX files as plain, read-only bytes and a `source` file saying what they were made
/// from.
///
/// Every child of a sweep reads the same data set; as downloaded it is gzip, and decompressing
/// Fashion-MNIST costs a child 0.2 s, most of a run's fixed cost. The sweep makes one plain copy
/// (once per sweep folder; 55 MB per data set) and points each child's --data-dir at it.
/// --data-dir is not part of a run's identity, so run_ids, flags and numbers do not change.
///
/// A copy is used only while it matches its source and itself. The `source` file records each
/// source file's path, size, modification and change times and inode, and each plain file's
/// size and CRC-32. Before a sweep uses a copy it checks all of that (the CRC-32s take 30 ms);
/// before each run starts it checks the stat fields again (8 stats), so a source replaced or a
/// copy removed mid-sweep sends the run to the source. A source that fails `Dataset.load`'s
/// checks is not copied: the child reads the source and names the user's own file. Copies are
/// made under a lock, so sweeps and `--run` processes sharing the folder make each copy once.
/// Only names of the forms this file writes are ever removed, and never through a symlink.
struct DataCopies {
    let root: String

    init(folder: SweepFolder) { root = folder.path + "/.data" }

    /// A copy checked for use: where it is, and the stat identities of its source and plain
    /// files at the check (compared again before each run).
    struct Checked: Sendable {
        let folder: String
        let source: String
        let identities: [String]
    }

    /// For each source folder (as the runs name it), the checked copy; folders holding no gzip
    /// file, and any that cannot be copied, are left out (their runs read them directly).
    /// `patience`: seconds to wait for another process making a copy (0: use the source now).
    func prepare(_ sources: Set<String>, patience: Double, building: (Bool) -> Void = { _ in }) -> [String: Checked] {
        var copies: [String: Checked] = [:]
        for source in sources.sorted() where PlainCopy.isCompressed(source) {
            copies[source] = copy(of: source, patience: patience, building: building)
        }
        return copies
    }

    /// Whether a checked copy still matches what was checked (its source and its files were
    /// not replaced, touched or removed since).
    func isUnchanged(_ copy: Checked) -> Bool {
        identities(source: copy.source, folder: copy.folder) == copy.identities
    }

    /// The plain copy of `source`, made if missing or stale; nil (after one line on standard
    /// error when it is our failure, not the data's) when it cannot be made. `building` is told
    /// when this process starts and stops decompressing (the sweep then frees a job slot).
    func copy(of source: String, patience: Double, building: (Bool) -> Void = { _ in }) -> Checked? {
        defer { building(false) }
        let absolute = absolutePath(source)
        let name = lastComponent(absolute) + "-" + SHA256.digest(Array(absolute.utf8)).prefix(4).map { hex($0) }.joined()
        let target = root + "/" + name
        guard describe(absolute) != nil else { return nil }
        do {
            try makeDirectories(root)
        } catch {
            writeError("sweep: \(error); the runs decompress \(source) themselves")
            return nil
        }
        // Only a real folder: through a symlink the copies would land in someone else's folder.
        guard isRealFolder(root) else {
            writeError("sweep: \(root): not a folder (a symlink or a file); the runs decompress \(source) themselves")
            return nil
        }
        // Checking a copy takes the lock shared (many --run processes check at once); making
        // one takes it exclusive. Everything is described under the lock, so what is checked is
        // the source as it is, not as it was before a wait.
        do {
            guard let shared = DataLock(root + "/lock", exclusive: false, patience: patience, waiting: { building(false) }) else { return nil }
            defer { shared.release() }
            if let found = verified(target, absolute) { return found }
        }
        guard let lock = DataLock(root + "/lock", exclusive: true, patience: patience, waiting: { building(false) }) else { return nil }
        defer { lock.release() }
        if let found = verified(target, absolute) { return found }
        guard let description = describe(absolute) else { return nil }
        removeLeftovers()
        let folder = root + "/." + name + ".tmp." + String(getpid())
        guard mkdir(folder, 0o755) == 0 else {
            writeError("sweep: \(folder): cannot create the folder: \(errorText()); the runs decompress \(source) themselves")
            return nil
        }
        building(true)
        do {
            let written = try PlainCopy.make(from: absolute, into: folder)
            try writeFileAtomically(folder + "/source", description + written.map { "plain \($0.size) \($0.crc32)\n" }.joined(), mode: 0o444)
        } catch is DataError {
            // The data itself is bad: the children say so, naming the user's file.
            removeCopy(folder)
            return nil
        } catch {
            removeCopy(folder)
            writeError("sweep: \(error); the runs decompress \(source) themselves")
            return nil
        }
        syncFolder(folder)
        let stale = root + "/." + name + ".old." + String(getpid())
        var info = stat()
        if lstat(target, &info) == 0 { rename(target, stale) }
        guard rename(folder, target) == 0 else {
            writeError("sweep: \(target): cannot rename the copy into place: \(errorText()); the runs decompress \(source) themselves")
            removeCopy(folder)
            return nil
        }
        syncFolder(root)
        removeCopy(stale)
        // A source replaced while it was read may have mixed old and new files: the copy stays
        // (the next check finds it stale) but is not used.
        let identities = identities(source: absolute, folder: target)
        guard describe(absolute) == description else { return nil }
        return Checked(folder: target, source: absolute, identities: identities)
    }

    /// The copy in `target` if it is a complete, byte-exact copy of the source as it is now,
    /// with the identities it was checked at (unchanged from before the check to after it).
    private func verified(_ target: String, _ source: String) -> Checked? {
        guard let description = describe(source) else { return nil }
        let before = identities(source: source, folder: target)
        guard isCurrent(target, description: description),
              identities(source: source, folder: target) == before, describe(source) == description else { return nil }
        return Checked(folder: target, source: source, identities: before)
    }

    /// What the copy must match: one line per source file.
    private func describe(_ directory: String) -> String? {
        var text = "source-folder \(directory)\n"
        for path in PlainCopy.sourceFiles(in: directory) {
            guard let identity = identity(path) else { return nil }
            text += "file \(path) \(identity)\n"
        }
        return text
    }

    /// Size, modification and change times and inode of a regular file (following symlinks:
    /// a data folder may be a link), or nil. The change time cannot be set back by `touch`.
    /// No device number: nodes mounting one NFS export see different ones.
    private func identity(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return "size \(info.st_size) mtime \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) ctime \(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec) inode \(info.st_ino)"
    }

    private func identities(source: String, folder: String) -> [String] {
        (PlainCopy.sourceFiles(in: source) + PlainCopy.fileNames.map { folder + "/" + $0 }).map { identity($0) ?? "missing" }
    }

    /// Whether `target` holds a complete copy made from exactly this source, byte for byte as
    /// it was written, and nothing else (a planted `NAME.gz` would be read instead).
    private func isCurrent(_ target: String, description: String) -> Bool {
        guard isRealFolder(target), Set(listFolder(target)) == Set(PlainCopy.fileNames + ["source"]),
              let recorded = try? readFileIfPresent(target + "/source"), recorded.hasPrefix(description) else { return false }
        let expected = recorded.dropFirst(description.count).split(separator: "\n").compactMap { line -> PlainCopy.Written? in
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[0] == "plain", let size = Int(fields[1]), let crc = UInt32(fields[2]) else { return nil }
            return PlainCopy.Written(size: size, crc32: crc)
        }
        guard expected.count == PlainCopy.fileNames.count else { return false }
        for (fileName, written) in zip(PlainCopy.fileNames, expected) {
            var info = stat()
            guard lstat(target + "/" + fileName, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
                  PlainCopy.measure(target + "/" + fileName) == written else { return false }
        }
        return true
    }

    /// Half-made and replaced copies of processes that were killed (we hold the lock, so no
    /// live process is making one): only names of the forms `copy(of:)` writes.
    private func removeLeftovers() {
        for entry in listFolder(root) where isLeftoverName(entry) {
            removeCopy(root + "/" + entry)
        }
    }

    /// `.NAME-xxxxxxxx.tmp.PID` or `.NAME-xxxxxxxx.old.PID`.
    func isLeftoverName(_ entry: String) -> Bool {
        let parts = entry.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, ["tmp", "old"].contains(parts[2]),
              !parts[3].isEmpty, parts[3].allSatisfy(\.isNumber) else { return false }
        let hash = parts[1].suffix(9)
        return hash.count == 9 && hash.first == "-" && hash.dropFirst().allSatisfy(\.isHexDigit)
    }

    /// Removes a copy folder (a name of ours in DIR/.data) and the files in it, never through
    /// a symlink: a symlink is removed itself, a folder inside is left (and so the copy folder).
    func removeCopy(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            if (info.st_mode & S_IFMT) == S_IFLNK { unlink(path) }
            return
        }
        // A copy folder someone made unreadable is still ours to remove.
        if (info.st_mode & 0o700) != 0o700 { chmod(path, 0o755) }
        for name in listFolder(path) {
            var entry = stat()
            if lstat(path + "/" + name, &entry) == 0, (entry.st_mode & S_IFMT) != S_IFDIR { unlink(path + "/" + name) }
        }
        if rmdir(path) != 0 && errno != ENOENT {
            writeError("sweep: \(path): cannot remove it (\(errorText())); it is an old data copy, safe to delete")
        }
    }
}

/// Copies made while the first run starts: a run started before its copy is ready reads the
/// source folder (decompressing it itself), every later run reads the copy, while it is
/// unchanged. Waiting for the copy first would put its 0.3 s in front of every run of the
/// sweep; with `--jobs 2` or more the copy takes one slot while it lasts (LocalRunner), so it
/// does not compete with a second run decompressing the same files.
final class DataCopiesInBackground: @unchecked Sendable {
    private let group = DispatchGroup()
    private let copies: DataCopies
    /// Written on the background queue; read only once `group` has been left.
    private var made: [String: DataCopies.Checked] = [:]
    /// Whether this process is checking or decompressing a copy now (from the start, so the
    /// sweep's first runs leave it a slot; not while it waits for another process's lock).
    private let decompressing = Atomic<Bool>(true)

    init(_ copies: DataCopies, sources: Set<String>) {
        self.copies = copies
        group.enter()
        DispatchQueue.global().async { [self] in
            made = copies.prepare(sources, patience: 60) { [self] now in
                // The sweep's loop may wait for a free slot: wake it.
                if decompressing.exchange(now, ordering: .sequentiallyConsistent) && !now { SignalRelay.wake() }
            }
            decompressing.store(false, ordering: .sequentiallyConsistent)
            group.leave()
            SignalRelay.wake()
        }
    }

    /// Whether a copy is being decompressed now.
    var isMaking: Bool { decompressing.load(ordering: .sequentiallyConsistent) }

    /// Waits up to `seconds` for a copy being decompressed (a sweep shorter than its copy
    /// leaves no half-made one behind), returning early when a signal arrives.
    func wait(seconds: Double) {
        let deadline = monotonicSeconds() + seconds
        let signals = SignalRelay.count
        while isMaking && monotonicSeconds() < deadline && SignalRelay.count == signals {
            SignalRelay.wait(milliseconds: 50)
        }
    }

    /// The folder to read for `source`: its copy once made and while unchanged, else nil (the
    /// source).
    func folder(for source: String) -> String? {
        guard group.wait(timeout: .now()) == .success, let copy = made[source], copies.isUnchanged(copy) else { return nil }
        return copy.folder
    }
}

/// An flock on DIR/.data/lock (shared to check a copy, exclusive to make one), waited for at
/// most `patience` seconds: a copy takes about a second, and a stopped process holding the lock
/// must not hang anyone (the runs then read the source).
private struct DataLock {
    let descriptor: Int32
    init?(_ path: String, exclusive: Bool, patience: Double, waiting: () -> Void = {}) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            writeError("sweep: \(path): cannot open: \(errorText()); the runs decompress the data themselves")
            return nil
        }
        let deadline = monotonicSeconds() + patience
        while flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            if errno != EWOULDBLOCK && errno != EINTR {
                writeError("sweep: \(path): cannot lock: \(errorText()); the runs decompress the data themselves")
                close(fd)
                return nil
            }
            // Briefly held is normal (a child being spawned holds a copy of our descriptor until
            // it execs); held for long, another process is making the copy.
            if monotonicSeconds() > deadline - patience + 0.5 { waiting() }
            guard monotonicSeconds() < deadline else {
                if patience > 0 {
                    writeError("sweep: \(path): held by another process for \(Int(patience)) s; the runs decompress the data themselves")
                }
                close(fd)
                return nil
            }
            usleep(50_000)
        }
        descriptor = fd
    }
    func release() { close(descriptor) }
}

/// A folder itself, not a symlink to one.
func isRealFolder(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
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
