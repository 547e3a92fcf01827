#if canImport(Glibc)
import Glibc
#endif

/// Where a data set is found without `--data-dir` (DESIGN.md "train": where the data is), so
/// that an installed binary works from any folder: `$ZALANDO_TRAIN_DATA/DATASET`,
/// `./data/DATASET`, `${XDG_DATA_HOME:-~/.local/share}/zalando-train/DATASET`, and for
/// Fashion-MNIST Debian's dataset-fashion-mnist. The first place holding all four files wins.
public enum DataLocation {
    /// Debian's package dataset-fashion-mnist puts the four .gz files here.
    public static let debianFashion = "/usr/share/datasets/fashion-mnist"

    /// One place looked: the folder, and how it was found (for the message when none holds the set).
    public struct Place: Equatable, Sendable {
        public let path: String
        /// "$ZALANDO_TRAIN_DATA/fashion", "./data/fashion", …
        public let origin: String
    }

    /// The places, in order; `environment` is looked up by name (the process's by default).
    public static func places(for dataset: DatasetName, environment: (String) -> String? = DataLocation.variable) -> [Place] {
        let name = dataset.rawValue
        var result: [Place] = []
        if let root = environment("ZALANDO_TRAIN_DATA"), !root.isEmpty {
            result.append(Place(path: join(root, name), origin: "$ZALANDO_TRAIN_DATA/\(name)"))
        }
        result.append(Place(path: "data/\(name)", origin: "./data/\(name)"))
        // XDG: an empty or relative XDG_DATA_HOME is ignored.
        if let xdg = environment("XDG_DATA_HOME"), xdg.hasPrefix("/") {
            result.append(Place(path: join(join(xdg, "zalando-train"), name), origin: "$XDG_DATA_HOME/zalando-train/\(name)"))
        } else if let home = environment("HOME").flatMap({ $0.isEmpty ? nil : $0 }) ?? homeFromPasswd() {
            result.append(Place(path: join(home, ".local/share/zalando-train/\(name)"), origin: "~/.local/share/zalando-train/\(name)"))
        }
        if dataset == .fashion { result.append(Place(path: debianFashion, origin: "Debian's dataset-fashion-mnist")) }
        return result
    }

    /// The data set is in none of the places (exit 1, like a missing file).
    public struct NotFound: Error, CustomStringConvertible, Sendable {
        public let dataset: DatasetName
        /// Each place with what was there: nil for nothing, else the files of the four it holds.
        public let looked: [(place: Place, present: Int)]

        public var description: String {
            var places = looked.map { entry in
                let shown = entry.place.path == "data/\(dataset.rawValue)" ? "./" + entry.place.path : "\(entry.place.path) (\(entry.place.origin))"
                return entry.present > 0 ? "\(shown), which holds only \(entry.present) of the 4 files" : shown
            }
            if !looked.contains(where: { $0.place.origin.hasPrefix("$ZALANDO_TRAIN_DATA") }) { places.insert("$ZALANDO_TRAIN_DATA/\(dataset.rawValue) (not set)", at: 0) }
            return "no \(dataset.displayName) data found; looked in " + places.joined(separator: ", ")
                + "; fetch it with `make download-data` in the source folder (`make download-data DEST=DIR` puts it in DIR/\(dataset.rawValue); "
                + "then set ZALANDO_TRAIN_DATA=DIR), or give --data-dir"
        }
    }

    /// The first place holding all four files of `dataset`.
    public static func find(_ dataset: DatasetName, environment: (String) -> String? = DataLocation.variable) throws(NotFound) -> String {
        var looked: [(place: Place, present: Int)] = []
        for place in places(for: dataset, environment: environment) {
            let present = PlainCopy.fileNames.filter { stem in
                let file = Dataset.locate(stem, in: place.path)
                return access(file, F_OK) == 0
            }.count
            if present == PlainCopy.fileNames.count { return place.path }
            looked.append((place, present))
        }
        throw NotFound(dataset: dataset, looked: looked)
    }

    public static func variable(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    static func join(_ folder: String, _ name: String) -> String { folder.hasSuffix("/") ? folder + name : folder + "/" + name }

    static func homeFromPasswd() -> String? {
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
        let home = String(cString: dir)
        return home.isEmpty ? nil : home
    }
}
