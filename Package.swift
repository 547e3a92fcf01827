// swift-tools-version:6.0
// Layout = architecture: C system libraries → data reading → numerics (MLP over BLAS)
// → optimizers and schedules → training loop and run logs → the executable.
import PackageDescription

let package = Package(
    name: "zalando-train",
    products: [
        .executable(name: "zalando-train", targets: ["zalando-train"]),
        // The file readers, for the libFuzzer harnesses in Fuzz/ (make fuzz).
        .library(name: "ZalandoTrainReaders", targets: ["IDXData", "Training"]),
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

        // Reading MNIST-style IDX files, gzipped or plain.
        // Resources/SHA256SUMS is data/SHA256SUMS (a link), compiled in: the one list of sums.
        .target(name: "IDXData", dependencies: ["CZlib", "Support"], resources: [.embedInCode("Resources/SHA256SUMS")]),
        // Small shared pieces: flat Float32 buffers, a seedable generator, SHA-256, whole writes.
        .target(name: "Support"),
        // The multilayer perceptron: flat Float32 buffers, sgemm, activations, softmax-xent.
        .target(name: "MLP", dependencies: ["CBLAS", "CPrefetch", "Support"]),
        // Optimizers (in-place sweeps over flat buffers) and learning-rate schedules.
        .target(name: "Optimization", dependencies: ["Support"]),
        // Training loop, run log CSV, model files, the path problem, reports and charts.
        .target(name: "Training", dependencies: ["IDXData", "MLP", "Optimization", "Support", "CBLAS", "CZlib"]),
        // Sweeps: YAML specs, grid expansion, the sweep folder, child processes, shards, Slurm.
        // It knows runs only as argument lists; the executable checks them with train's parser.
        // IDXData: one plain copy of the data for all of a sweep's children.
        .target(name: "Sweeps", dependencies: ["IDXData", "Support", .product(name: "Yams", package: "Yams")]),
        // Command definitions only.
        .executableTarget(
            name: "zalando-train",
            dependencies: ["Training", "IDXData", "MLP", "Optimization", "Sweeps",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(
            name: "ZalandoTrainTests",
            dependencies: ["zalando-train", "Training", "IDXData", "MLP", "Optimization", "Support", "CZlib", "Sweeps",
                           .product(name: "Numerics", package: "swift-numerics"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ]
)
