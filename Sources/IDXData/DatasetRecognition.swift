import Support
#if canImport(Glibc)
import Glibc
#endif

/// Which data set a folder really holds, by the SHA-256 of each file's decompressed bytes
/// (DESIGN.md "train": the data is what it says). MNIST and Fashion-MNIST have the same shapes,
/// so nothing else tells them apart: trained as the other, a run logs the wrong name and its
/// model scores 2% on the data it claims.
///
/// The sums are data/SHA256SUMS compiled in (Sources/IDXData/Resources/SHA256SUMS is a link to
/// it), the one list download-data.sh checks downloads against. Hashing a set's 55 MB takes
/// about 0.2 s, so each file's sum is kept in `cacheName` beside the files, keyed by the file's
/// size, mtime and inode: later runs only stat the files. A folder that cannot be written gets
/// no cache and is hashed every run.
public enum DatasetRecognition {
    /// The cache beside the data files.
    public static let cacheName = ".zalando-train-checksums"

    /// The published sums: data set → file stem (`train-images-idx3-ubyte`) → lowercase hex.
    public static let published: [DatasetName: [String: String]] = parseSums(PackageResources.SHA256SUMS)

    /// What the files are, when they are not the other data set.
    public enum Verdict: Equatable, Sendable {
        /// All four are the published files of the data set asked for.
        case published
        /// These files (names in the folder) are neither data set's: a user's own IDX files.
        case unrecognised([String])
    }

    /// Files of one data set given as the other (exit 64: the request, not the files, is wrong).
    public struct Mismatch: UsageProblem, Sendable {
        public let directory: String
        public let requested: DatasetName
        public let found: DatasetName
        /// The files (names in the folder) whose sums are `found`'s.
        public let files: [String]
        /// Who says the data is `requested`: nil for --dataset (train), else e.g. "the model m.safetensors".
        public var claimant: String?

        public var description: String {
            let which = files.count == 4 ? "all four files are \(found.displayName)'s"
                : files.joined(separator: ", ") + " \(files.count == 1 ? "is" : "are") \(found.displayName)'s"
            guard let claimant else {
                return "\(directory): holds \(found.displayName), not \(requested.displayName) as --dataset \(requested.rawValue) says "
                    + "(by SHA-256, \(which)); give --dataset \(found.rawValue), or --data-dir a folder of \(requested.displayName)"
            }
            return "\(directory): holds \(found.displayName), but \(claimant) was trained on \(requested.displayName) "
                + "(by SHA-256, \(which)); give --data-dir a folder of \(requested.displayName)"
        }
    }

    /// Loads `name` from `directory` and says whether the files are the published ones; throws
    /// `Mismatch` for the other data set's files (before decompressing them when the cache
    /// knows them), and every `DataError` of `Dataset.load`.
    public static func load(_ name: DatasetName, from directory: String) throws -> (dataset: Dataset, verdict: Verdict) {
        try recognised(name, in: directory, files: Array(PlainCopy.fileNames.indices)) {
            try Dataset.load(name, from: directory)
        } contents: { idxContents($0) }
    }

    /// The test set alone (`evaluate`, `prune`), checked the same way.
    public static func loadTestSet(_ name: DatasetName, from directory: String) throws -> (test: LabeledImages, verdict: Verdict) {
        try recognised(name, in: directory, files: [2, 3]) {
            try Dataset.loadTestSet(from: directory)
        } contents: { Array(idxContents(train: nil, test: $0).suffix(2)) }
    }

    /// Reads with `read` and checks the files at `indices` of `PlainCopy.fileNames`, whose
    /// decompressed bytes `contents` gives from what `read` returned.
    static func recognised<Loaded>(_ name: DatasetName, in directory: String, files indices: [Int], read: () throws -> Loaded,
                                   contents: (Loaded) -> [[ArraySlice<UInt8>]]) throws -> (Loaded, Verdict) {
        let names = indices.map { PlainCopy.fileNames[$0] }
        let paths = names.map { Dataset.locate($0, in: directory) }
        let before = paths.map(FileIdentity.init(path:))
        let cache = Cache(directory: directory)
        let cached = zip(paths, before).map { path, identity in identity.flatMap { cache.sum(file: lastComponent(path), identity: $0) } }
        if cached.allSatisfy({ $0 != nil }) {
            let verdict = try classify(cached.map { $0! }, names: names, paths: paths, requested: name, directory: directory)
            return (try read(), verdict)
        }
        let loaded = try read()
        var sums: [String] = []
        for (index, pieces) in contents(loaded).enumerated() {
            if let known = cached[index] { sums.append(known); continue }
            var hasher = SHA256.Hasher()
            for piece in pieces { piece.withUnsafeBytes { hasher.update($0) } }
            sums.append(SHA256.hex(hasher.finalize()))
        }
        // Only files that did not change while they were read are remembered.
        let after = paths.map(FileIdentity.init(path:))
        var entries: [Cache.Entry] = []
        for i in paths.indices {
            if let identity = before[i], identity == after[i] { entries.append(.init(file: lastComponent(paths[i]), identity: identity, sum: sums[i])) }
        }
        cache.store(entries)
        return (loaded, try classify(sums, names: names, paths: paths, requested: name, directory: directory))
    }

    /// The sums as they stand: another set's file anywhere is a mismatch; else any file that is
    /// not the requested set's makes the set unrecognised.
    static func classify(_ sums: [String], names: [String], paths: [String], requested: DatasetName,
                         directory: String) throws -> Verdict {
        for other in DatasetName.allCases where other != requested {
            let known = Set(published[other]?.values.map { $0 } ?? [])
            let matching = sums.indices.filter { known.contains(sums[$0]) }
            if !matching.isEmpty {
                throw Mismatch(directory: directory, requested: requested, found: other, files: matching.map { lastComponent(paths[$0]) })
            }
        }
        let expected = published[requested] ?? [:]
        let unknown = names.indices.filter { expected[names[$0]] != sums[$0] }
        return unknown.isEmpty ? .published : .unrecognised(unknown.map { lastComponent(paths[$0]) })
    }

    /// The one line said before training on unrecognised files.
    public static func warning(_ files: [String], dataset: DatasetName, directory: String) -> String {
        let which = files.count == 4 ? "none of the four files matches" : files.joined(separator: ", ") + " \(files.count == 1 ? "does" : "do") not match"
        return "\(directory): not the published \(dataset.displayName) files (\(which) the SHA-256 of either data set); "
            + "training on them, logged as dataset \(markedName(dataset))"
    }

    /// The run log's `dataset` column for files that are not the published ones.
    public static func markedName(_ dataset: DatasetName) -> String { dataset.rawValue + "*" }

    /// The decompressed bytes of the four files, in the order of `PlainCopy.fileNames`, as
    /// pieces: each file is its IDX header (rebuilt exactly: `IDXFile.read` accepts only
    /// 00 00 08 N and refuses trailing data) then its elements.
    static func idxContents(_ dataset: Dataset) -> [[ArraySlice<UInt8>]] { idxContents(train: dataset.train, test: dataset.test) }

    static func idxContents(train: LabeledImages?, test: LabeledImages) -> [[ArraySlice<UInt8>]] {
        func header(_ dimensions: [Int]) -> ArraySlice<UInt8> {
            var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
            for size in dimensions { bytes += (0..<4).map { UInt8(truncatingIfNeeded: size >> (24 - 8 * $0)) } }
            return bytes[...]
        }
        func files(_ set: LabeledImages) -> [[ArraySlice<UInt8>]] {
            [[header([set.count, set.rows, set.columns]), set.pixels], [header([set.count]), set.labels]]
        }
        return (train.map(files) ?? []) + files(test)
    }

    /// data/SHA256SUMS: `HEX  SET/STEM` lines.
    static func parseSums(_ bytes: [UInt8]) -> [DatasetName: [String: String]] {
        var result: [DatasetName: [String: String]] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2, fields[0].count == 64 else { continue }
            let name = fields[1].split(separator: "/")
            guard name.count == 2, let set = DatasetName(rawValue: String(name[0])) else { continue }
            result[set, default: [:]][String(name[1])] = String(fields[0])
        }
        return result
    }

    static func lastComponent(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }

    /// What says a file is unchanged: size, modification time to the nanosecond, inode.
    struct FileIdentity: Equatable {
        let size: Int
        let seconds: Int
        let nanoseconds: Int
        let inode: UInt64

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            size = Int(info.st_size)
            seconds = Int(info.st_mtim.tv_sec)
            nanoseconds = Int(info.st_mtim.tv_nsec)
            inode = UInt64(info.st_ino)
        }

        init(size: Int, seconds: Int, nanoseconds: Int, inode: UInt64) {
            (self.size, self.seconds, self.nanoseconds, self.inode) = (size, seconds, nanoseconds, inode)
        }
    }

    /// `cacheName`: one line per file, `SUM SIZE SECONDS.NANOSECONDS INODE NAME`. Read with
    /// InputFile (a FIFO planted there cannot block), written to a temporary name and renamed
    /// (concurrent runs of a sweep each leave a whole file); any failure is silent.
    struct Cache {
        struct Entry {
            let file: String
            let identity: FileIdentity
            let sum: String
        }

        let path: String
        let entries: [String: Entry]

        init(directory: String) {
            path = (directory.hasSuffix("/") ? directory : directory + "/") + DatasetRecognition.cacheName
            entries = Cache.read(path)
        }

        func sum(file: String, identity: FileIdentity) -> String? {
            guard let entry = entries[file], entry.identity == identity else { return nil }
            return entry.sum
        }

        /// Writes `fresh` (and keeps other entries still listed) if anything changed.
        func store(_ fresh: [Entry]) {
            var merged = entries
            var changed = false
            for entry in fresh where merged[entry.file]?.identity != entry.identity || merged[entry.file]?.sum != entry.sum {
                merged[entry.file] = entry
                changed = true
            }
            guard changed else { return }
            var text = "# zalando-train: SHA-256 of each data file's decompressed bytes, by size, mtime and inode (safe to delete)\n"
            for entry in merged.values.sorted(by: { $0.file < $1.file }) {
                let i = entry.identity
                let nanos = String(i.nanoseconds).leftPadded(to: 9)
                text += "\(entry.sum) \(i.size) \(i.seconds).\(nanos) \(i.inode) \(entry.file)\n"
            }
            // A file-size limit (`ulimit -f`) makes the write fail, not kill the run.
            signal(SIGXFSZ, SIG_IGN)
            let temporary = path + ".tmp\(getpid())"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
            guard fd >= 0 else { return }  // a read-only folder: no cache, checked again next run
            let bytes = Array(text.utf8)
            let written = bytes.withUnsafeBytes { writeAll(fd, $0) }
            close(fd)
            if !written || rename(temporary, path) != 0 { unlink(temporary) }
        }

        static func read(_ path: String) -> [String: Entry] {
            guard let input = try? InputFile.open(path) else { return [:] }
            defer { close(input.descriptor) }
            guard input.size <= 1 << 16 else { return [:] }
            var bytes = [UInt8](repeating: 0, count: input.size)
            let got = bytes.withUnsafeMutableBytes { Glibc.read(input.descriptor, $0.baseAddress, $0.count) }
            guard got == input.size else { return [:] }
            var result: [String: Entry] = [:]
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
                let f = line.split(separator: " ", omittingEmptySubsequences: false)
                guard f.count == 5, f[0].count == 64, f[0].allSatisfy({ $0.isHexDigit && !$0.isUppercase }),
                      let size = Int(f[1]), let inode = UInt64(f[3]) else { continue }
                let time = f[2].split(separator: ".")
                guard time.count == 2, time[1].count == 9, let seconds = Int(time[0]), let nanos = Int(time[1]) else { continue }
                let file = String(f[4])
                result[file] = Entry(file: file, identity: FileIdentity(size: size, seconds: seconds, nanoseconds: nanos, inode: inode),
                                     sum: String(f[0]))
            }
            return result
        }
    }
}
