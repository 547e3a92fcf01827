import Foundation
import IDXData
import Optimization
import Reports
import RunRecords
import Support
import Testing
import Training
@testable import TestSupport

/// Bad command lines through the real binary: the status (64 usage, 1 runtime), a first line
/// that names the flag or file, and never a trap or a backtrace.
struct BadCommandLineMatrixTests {
    static let dir = TestPaths.temporaryDirectory()

    static let cases: [(arguments: [String], status: Int32, names: String)] = [
        (["--lr", "-1"], 64, "--lr"),
        (["--lr", "nan"], 64, "--lr"),
        (["--lr", "abc"], 64, "--lr"),
        (["--optimizer", "sgd", "--momentum", "0.9"], 64, "--momentum"),
        (["--optimizer", "momentum", "--momentum", "1.5"], 64, "--momentum"),
        (["--optimizer", "momentum", "--dampening", "-0.1"], 64, "--dampening"),
        (["--optimizer", "nesterov", "--momentum", "0"], 64, "--momentum"),
        (["--optimizer", "adagrad", "--eps", "0"], 64, "--eps"),
        (["--optimizer", "adadelta", "--rho", "1"], 64, "--rho"),
        (["--optimizer", "adamax", "--beta2", "1.2"], 64, "--beta2"),
        (["--optimizer", "nadam", "--rho", "0.9"], 64, "--rho"),
        (["--l1", "-0.1"], 64, "--l1"),
        (["--grad-noise", "-1"], 64, "--grad-noise"),
        (["--schedule", "bogus"], 64, "--schedule"),
        (["--schedule", "step"], 64, "--drop-every"),
        (["--schedule", "step", "--drop-every", "0"], 64, "--drop-every"),
        (["--schedule", "polynomial", "--decay-steps", "100", "--power", "-1"], 64, "--power"),
        (["--schedule", "sgdr", "--decay-steps", "100", "--t-mul", "0"], 64, "--t-mul"),
        (["--schedule", "cyclic", "--max-lr", "0.1", "--step-size", "10", "--mode", "sawtooth"], 64, "--mode"),
        (["--schedule", "cyclic", "--max-lr", "0.1", "--step-size", "10", "--gamma", "2"], 64, "--gamma"),
        (["--schedule", "plateau", "--patience", "-1"], 64, "--patience"),
        (["--schedule", "exponential", "--decay-rate", "0", "--decay-steps", "10"], 64, "--decay-rate"),
        (["--warmup-steps", "5x"], 64, "--warmup-steps"),
        (["--dataset", "cifar"], 64, "--dataset"),
        (["--activation", "gelu"], 64, "--activation"),
        (["--init", "orthogonal"], 64, "--init"),
        (["--epochs", "abc"], 64, "--epochs"),
        // Hostile pass 2026-12-03: Int.max epochs trapped; lr-find's ratio overflowed to inf rates
        // (exit 0); a repeated optimizer ran twice; --by seed plotted nonsense.
        (["--epochs", "9223372036854775807"], 64, "--epochs 9223372036854775807"),
        (["lr-find", "--start-lr", "1e-308", "--end-lr", "1e308"], 64, "the ratio overflows"),
        (["lr-find", "--optimizer", "adam,adam"], 64, "adam is named twice"),
        (["compare", "x.csv", "--by", "seed"], 64, "--by seed"),
        (["--seed", "-1"], 64, "--seed"),
        (["--threads", "0"], 64, "--threads"),
        (["--validation", "60000"], 64, "--validation"),
        (["--no-such-flag"], 64, "--no-such-flag"),
        (["compare"], 64, "file"),
        (["lr", "--schedule", "step", "--drop-every", "10", "--lr", "0.1", "--iterations", "10", "--iterations-per-epoch", "0"], 64, "--iterations-per-epoch"),
        (["path", "--iterations", "-1"], 64, "--iterations"),
        (["path", "--schedule", "plateau"], 64, "plateau"),
        (["lr", "--schedule", "constant,plateau", "--lr", "0.1", "--iterations", "10"], 64, "plateau"),
        (["--data-dir", "/nonexistent"], 1, "/nonexistent/train-images-idx3-ubyte.gz"),
        (["--csv", "/nonexistent/dir/runs.csv", "--data-dir", TestPaths.dataDirectory("fashion")], 64, "/nonexistent/dir/runs.csv"),
        (["--csv", dir.path, "--data-dir", TestPaths.dataDirectory("fashion")], 64, dir.path),
        (["--save", dir.path], 64, dir.path),
        (["path", "--data", "/nonexistent.csv"], 1, "/nonexistent.csv"),
        (["path", "--data", dir.path], 1, dir.path),
        (["evaluate", "--model", "/nonexistent.safetensors"], 1, "/nonexistent.safetensors"),
        (["compare", "/nonexistent.csv"], 1, "/nonexistent.csv"),
        (["compare", dir.path], 1, dir.path),
    ]

    @Test func matrixIsLarge() { #expect(Self.cases.count >= 40) }

    @Test(arguments: cases.indices)
    func badInputIsRefusedCleanly(_ index: Int) throws {
        let (arguments, status, names) = Self.cases[index]
        if status == 1 && arguments.contains(TestPaths.dataDirectory("fashion")) && !RealData.isPresent("fashion") && !RealData.required { return }
        let result = try runTool(arguments)
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.contains(names), "\(arguments): \(first)")
        for trace in ["Fatal error", "Backtrac", "Program crashed", "Illegal instruction"] {
            #expect(!result.stderr.contains(trace), "\(arguments): \(result.stderr)")
        }
        if status == 1 { #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)") }
    }
}
