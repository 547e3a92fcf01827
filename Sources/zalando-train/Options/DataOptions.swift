import ArgumentParser
import IDXData

struct DataOptions: ParsableArguments {
    @Option(help: "Data set: fashion (Fashion-MNIST) or mnist.")
    var dataset: DatasetName = .fashion
    @Option(name: .customLong("data-dir"), help: ArgumentHelp(
        "Folder with the four IDX files (default: the first of $ZALANDO_TRAIN_DATA/DATASET, ./data/DATASET, "
            + "${XDG_DATA_HOME:-~/.local/share}/zalando-train/DATASET and, for fashion, /usr/share/datasets/fashion-mnist that holds them).",
        valueName: "dir"), completion: .directory)
    var dataDirectory: String?

    /// --data-dir, else the first place holding the set (DataLocation), else data/DATASET (whose
    /// missing files the checks then name; `resolvedDirectory` says where it looked).
    var directory: String { dataDirectory ?? (try? DataLocation.find(dataset)) ?? "data/\(dataset.rawValue)" }

    /// --data-dir, else the first place holding the set, else `DataLocation.NotFound`.
    func resolvedDirectory() throws -> String {
        if let dataDirectory { return dataDirectory }
        return try DataLocation.find(dataset)
    }
}
