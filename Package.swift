// swift-tools-version:6.0
// Layout = architecture, each module using only those above it: C system libraries → Support
// (files, processes) → IDXData (data sets) → MLP (numerics over BLAS) → Optimization (optimizers,
// schedules, the path problem) → Training (the loop; no files, no printing) → RunRecords (every
// byte written about a run) → Reports (compare, charts, the text a run prints) → Sweeps → the
// executable (commands, messages, exit statuses).
import PackageDescription

let package = Package(
    name: "zalando-train",
    products: [
        .executable(name: "zalando-train", targets: ["zalando-train"]),
        // The file readers, for the libFuzzer harnesses in Fuzz/ (make fuzz).
        .library(name: "ZalandoTrainReaders", targets: ["IDXData", "Optimization", "RunRecords", "Reports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C system libraries, found through pkg-config (Debian: libopenblas-dev, zlib1g-dev).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // One instruction Swift cannot reach: the cache prefetch hint (header-only, inlined).
        .target(name: "CPrefetch"),
        .target(name: "CProcess"),

        // Small shared pieces: flat Float32 buffers, a seedable generator, SHA-256; files (whole
        // writes, append-only, whole reads, InputFile, FileProblem); processes (signals, clock,
        // console); number and text formatting.
        .target(name: "Support", dependencies: ["CProcess"]),
        // Reading MNIST-style IDX files, gzipped or plain; the data sets, recognised by checksum.
        // Resources/SHA256SUMS is data/SHA256SUMS (a link), compiled in: the one list of sums.
        .target(name: "IDXData", dependencies: ["CZlib", "Support"], resources: [.embedInCode("Resources/SHA256SUMS")]),
        // The multilayer perceptron: flat Float32 buffers, sgemm, activations, softmax-xent.
        .target(name: "MLP", dependencies: ["CBLAS", "CPrefetch", "Support"]),
        // Optimizers (in-place sweeps over flat buffers), learning-rate schedules, the path problem.
        .target(name: "Optimization", dependencies: ["Support"]),
        // The training loop, early stopping, the pruning algorithm, memory budget: no file formats, no printing.
        .target(name: "Training", dependencies: ["IDXData", "MLP", "Optimization", "Support"]),
        // Every byte written to disk about a run: run identity, run log (writer and reader),
        // safetensors, model files, checkpoints, TensorBoard, output-path checks; the session.
        .target(name: "RunRecords", dependencies: ["Training", "IDXData", "MLP", "Optimization", "Support", "CZlib"]),
        // Compare, charts (SVG, PNG, PDF), the HTML report, the text a run prints.
        .target(name: "Reports", dependencies: ["RunRecords", "Training", "IDXData", "MLP", "Optimization", "Support"]),
        // Sweeps: YAML specs, grid expansion, the sweep folder, child processes, shards, Slurm.
        // It knows runs only as argument lists; the executable checks them with train's parser.
        // IDXData: one plain copy of the data for all of a sweep's children.
        .target(name: "Sweeps", dependencies: ["IDXData", "Support", .product(name: "Yams", package: "Yams")]),
        // Command definitions, option groups, messages and exit statuses.
        .executableTarget(
            name: "zalando-train",
            dependencies: ["Reports", "RunRecords", "Training", "IDXData", "MLP", "Optimization", "Support", "Sweeps",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Tests by kind. TestSupport: the helpers they share (paths, running the binary, fixtures).
        // UnitTests: in-process, no data, seconds (`make test-unit`). EndToEndTests: the built
        // binary, on tiny fixtures and the real data sets (`make test-e2e`). ToolTests: against real
        // outside tools, GNU parallel, Slurm, Chromium, TensorBoard's reader (`make test-tools`).
        .target(
            name: "TestSupport",
            dependencies: ["Reports", "RunRecords", "Training", "IDXData", "MLP", "Optimization", "Support", "CZlib"],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "UnitTests",
            dependencies: ["TestSupport", "zalando-train", "Reports", "RunRecords", "Training", "IDXData", "MLP", "Optimization", "Support",
                           "CZlib", "Sweeps", .product(name: "Numerics", package: "swift-numerics"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport", "zalando-train", "Reports", "RunRecords", "Training", "IDXData", "MLP", "Optimization", "Support",
                           "Sweeps", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(
            name: "ToolTests",
            dependencies: ["TestSupport", "zalando-train", "RunRecords", "Training", "IDXData", "MLP", "Support"]),
    ]
)
