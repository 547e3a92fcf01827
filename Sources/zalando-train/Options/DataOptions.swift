import ArgumentParser
import IDXData

struct DataOptions: ParsableArguments {
    @Option(help: "Data set: fashion (Fashion-MNIST) or mnist.")
    var dataset: DatasetName = .fashion
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Folder with the four IDX files (default data/DATASET).", valueName: "dir"), completion: .directory)
    var dataDirectory: String?

    var directory: String { dataDirectory ?? "data/\(dataset.rawValue)" }
}
