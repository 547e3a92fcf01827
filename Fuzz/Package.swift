// swift-tools-version:6.0
// libFuzzer harness for the file readers (IDX/gzip, run-log CSV, path --data CSV, safetensors, checkpoints).
// Built with -sanitize=fuzzer,address and run by `make fuzz` (scripts/fuzz.sh); not part of the
// main build or of `make test`. The C target only declares libFuzzer's LLVMFuzzerRunDriver, so the
// Swift entry point can start the fuzzer (SwiftPM's own `main` alias rules out libFuzzer's main).
import PackageDescription

let package = Package(
    name: "zalando-train-fuzz",
    dependencies: [.package(name: "zalando-train", path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(name: "zt-fuzz", dependencies: [
            "CFuzzerDriver", .product(name: "ZalandoTrainReaders", package: "zalando-train")]),
    ]
)
