import Foundation
import Reports
import RunRecords
import Support
import Testing
import Training
@testable import TestSupport

/// Flag values whose arithmetic once overflowed (exit 132, a trap): each is now a usage error
/// (exit 64) whose first line names the flag, and nothing is written. None needs real data:
/// train checks its flags before loading anything.
struct FlagOverflowTests {
    static let cases: [(arguments: [String], names: String)] = [
        (["lr", "--lr", "0.1", "--schedule", "cyclic", "--max-lr", "1", "--step-size", "4611686018427387904", "--iterations", "3"], "--step-size 4611686018427387904"),
        (["lr", "--lr", "0.1", "--schedule", "exponential", "--decay-rate", "0.5", "--decay-steps", "9223372036854775807e", "--iterations", "3"], "--decay-steps 9223372036854775807e"),
        (["lr", "--lr", "0.1", "--schedule", "multistep", "--milestones", "1e,9223372036854775807e", "--iterations", "3"], "--milestones 9223372036854775807e"),
        (["lr", "--lr", "0.1", "--schedule", "piecewise", "--boundaries", "1,9223372036854775807e", "--values", "1,2,3", "--iterations", "3"], "--boundaries 9223372036854775807e"),
        (["lr", "--lr", "0.1", "--schedule", "step", "--drop-every", "2e", "--iterations-per-epoch", "9223372036854775807", "--iterations", "3"], "--drop-every 2e"),
        (["lr", "--lr", "0.1", "--schedule", "sgdr", "--decay-steps", "9223372036854775807", "--iterations", "3"], "--decay-steps 9223372036854775807"),
        (["lr", "--lr", "0.1", "--warmup-steps", "7686143364045647e", "--iterations", "3"], "--warmup-steps 7686143364045647e"),
        (["lr", "--lr", "0.1", "--iterations", "200000000", "--summary"], "--iterations 200000000"),
        (["lr", "--lr", "0.1", "--iterations", "2000000", "--svg", "/tmp/never-written.svg"], "--iterations 2000000"),
        (["path", "--iterations", "2000000", "--svg", "/tmp/never-written.svg"], "--iterations 2000000"),
        (["path", "--schedule", "cosine", "--decay-steps", "9223372036854775807", "--iterations", "3"], "--decay-steps"),
        (["path", "--start", "1e308,1e308", "--iterations", "3"], "--start 1e+308,1e+308"),
        (["--schedule", "multistep", "--milestones", "1e,9223372036854775807e"], "--milestones 9223372036854775807e"),
        (["--schedule", "polynomial", "--decay-steps", "4611686018427387904e"], "--decay-steps 4611686018427387904e"),
        (["--warmup-steps", "9223372036854775807e"], "--warmup-steps 9223372036854775807e"),
        (["--schedule", "cyclic", "--max-lr", "1", "--step-size", "4611686018427387904e"], "--step-size"),
        // Any machine: 7 × 65536² weights, 600 GB to train.
        (["--hidden", "65536,65536,65536,65536,65536,65536,65536,65536"], "--hidden 65536,65536,65536,65536,65536,65536,65536,65536"),
    ]

    @Test(arguments: cases.indices)
    func refusedAsAUsageError(_ index: Int) throws {
        let (arguments, names) = Self.cases[index]
        let result = try runToolBounded(arguments + (arguments.first == "lr" || arguments.first == "path" ? [] : ["--data-dir", "/nonexistent"]))
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.firstErrorLine.contains(names), "\(arguments): \(result.firstErrorLine)")
        #expect(result.isClean && result.stdout.isEmpty, "\(arguments): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written.svg"))
    }

    /// The brief's case, `--hidden 65536,65536` (4.3 billion parameters), on a machine with less
    /// memory than training it needs (parameters, gradients and moments: 20 bytes each).
    @Test func hugeHiddenLayersAreRefusedBeforeAllocating() throws {
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let kilobytes = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        let parameters = 784 * 65536 + 65536 + 65536 * 65536 + 65536 + 65536 * 10 + 10
        guard kilobytes > 0, kilobytes * 1024 < parameters * 20 else {
            print("⚠️  SKIPPING: this machine has \(kilobytes) kB, enough for --hidden 65536,65536")
            return
        }
        let result = try runToolBounded(["--hidden", "65536,65536", "--data-dir", "/nonexistent"], seconds: 10)
        #expect(result.status == 64)
        #expect(result.firstErrorLine.contains("--hidden 65536,65536") && result.firstErrorLine.contains("GB of memory"), "\(result.stderr)")
    }

    /// --batch-size 9223372036854775807 once overflowed ⌈n/b⌉: now it is one full-batch update.
    @Test func hugeBatchSizeIsOneFullBatchUpdate() throws {
        let data = Fixtures.dataDirectory()
        let result = try runToolBounded(["--data-dir", data.path, "--hidden", "3", "--epochs", "1",
                                         "--batch-size", "9223372036854775807"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("batch 20, 1 updates per epoch"), "\(result.stdout)")
    }
}

/// `lr` and `path` print rows as they compute them: a billion rows start at once and a reader
/// that goes away ends the run promptly and quietly (SIGPIPE is ignored; EPIPE stops the loop).
struct StreamingTests {
    static let binary = TestPaths.binary.path

    @Test(arguments: [["lr", "--lr", "0.1", "--iterations", "1000000000"], ["path", "--iterations", "1000000000"]])
    func aBillionRowsStreamIntoHead(_ arguments: [String]) throws {
        let start = Date()
        let result = try runShell("timeout 60 \"\(Self.binary)\" \(arguments.joined(separator: " ")) | head -2; echo \"status ${PIPESTATUS[0]}\" >&2")
        let seconds = Date().timeIntervalSince(start)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2, "\(result.stdout)")
        #expect(lines.first == (arguments[0] == "lr" ? "iteration,lr" : "iteration,lr,w,b,cost"))
        #expect(result.stderr == "status 0\n", "exit status of \(arguments[0]) and its stderr: \(result.stderr)")
        #expect(seconds < 20, "took \(seconds) s: the rows were not streamed")
    }

    @Test func aFullDiskIsOneLineAndStatus1() throws {
        let result = try runShell("\"\(Self.binary)\" lr --lr 0.1 --iterations 100000 > /dev/full")
        #expect(result.status == 1)
        #expect(result.stderr == "zalando-train: standard output: cannot be written: No space left on device\n", "\(result.stderr)")
    }

    /// The rows are the same as before streaming: j and γ0·ν^(j/s), checked against the formula.
    @Test func streamedRowsAreTheSchedule() throws {
        let result = try runToolBounded(["lr", "--lr", "0.1", "--schedule", "exponential", "--decay-rate", "0.5",
                                         "--decay-steps", "1000", "--iterations", "20000"])
        #expect(result.status == 0)
        let rows = csvRows(result.stdout)
        #expect(rows.count == 20001)
        for j in [0, 1, 999, 12345, 19999] {
            #expect(rows[j + 1][0] == String(j))
            #expect(abs(Double(rows[j + 1][1])! - 0.1 * pow(0.5, Double(j) / 1000)) < 1e-15)
        }
    }
}

/// `path` stops when its cost becomes NaN or infinite, as train does: exit 3, a message naming
/// the iteration, the finite rows before it printed.
struct PathDivergenceTests {
    @Test func sgdWithATooLargeRateStopsWithStatus3() throws {
        let result = try runToolBounded(["path", "--optimizer", "sgd", "--lr", "100", "--iterations", "50"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        let rows = csvRows(result.stdout).dropFirst()
        #expect(!rows.isEmpty && rows.count < 51)
        #expect(rows.allSatisfy { $0.dropFirst().allSatisfy { Double($0)?.isFinite == true } }, "no nan rows: \(result.stdout)")
        // The message names the first update whose state is not finite: the row after the last printed.
        let next = Int(rows.last![0])! + 1
        #expect(result.firstErrorLine.contains("at iteration \(next)") && result.firstErrorLine.contains("--lr"), "\(result.stderr)")
    }

    @Test func severalOptimizersStopAtTheFirstDivergence() throws {
        let result = try runToolBounded(["path", "--optimizer", "adam,sgd", "--lr", "0.1,100", "--iterations", "50"])
        #expect(result.status == 3)
        #expect(result.firstErrorLine.contains("sgd"))
        #expect(csvRows(result.stdout).filter { $0[0] == "adam" }.count == 51, "adam's whole path is printed first")
    }

    /// Data whose squares overflow: the first update's cost is not finite.
    @Test func dataThatOverflowsStopsAtTheFirstUpdate() throws {
        let data = Fixtures.write(Array("x,y\n1e200,1\n2,3\n".utf8), "big.csv")
        let result = try runToolBounded(["path", "--data", data, "--iterations", "3"])
        #expect(result.status == 3)
        #expect(result.firstErrorLine == "zalando-train: path diverged: the cost became NaN at iteration 1 (adam lr 0.001); try a smaller --lr or --clip-norm")
        #expect(result.stdout == "iteration,lr,w,b,cost\n0,0.0,0.0,0.0,5.0\n")
    }

    @Test func aConvergingPathStillExits0() throws {
        let result = try runToolBounded(["path", "--optimizer", "sgd", "--lr", "0.1", "--iterations", "50"])
        #expect(result.status == 0 && csvRows(result.stdout).count == 52)
    }
}

/// Inputs that are not regular files (a FIFO without a writer hung forever; a device was read
/// as a file) are refused at once with one line naming the file and what it is.
struct NonRegularInputTests {
    @Test func fifosAndDevicesAsInputs() throws {
        let dir = TestPaths.temporaryDirectory()
        let fifo = Fixtures.fifo(in: dir)
        let cases: [([String], String)] = [
            (["compare", fifo], "is a FIFO"),
            (["path", "--data", fifo], "is a FIFO"),
            (["evaluate", "--model", fifo], "is a FIFO"),
            (["evaluate", "--model", "/dev/zero"], "is a character device"),
            (["path", "--data", "/dev/zero"], "is a character device"),
            (["compare", "/dev/null"], "is a character device"),
        ]
        for (arguments, kind) in cases {
            let result = try runToolBounded(arguments, seconds: 10)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.firstErrorLine.hasPrefix("zalando-train: \(arguments.last!): \(kind)"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func aFifoAmongTheDataFiles() throws {
        let data = Fixtures.dataDirectory()
        let labels = data.appendingPathComponent("t10k-labels-idx1-ubyte").path
        try FileManager.default.removeItem(atPath: labels)
        _ = Fixtures.fifo(in: data, name: "t10k-labels-idx1-ubyte")
        for arguments in [["--data-dir", data.path, "--epochs", "1", "--hidden", "3"],
                          ["evaluate", "--model", Fixtures.write(Fixtures.model(), "m.safetensors"), "--data-dir", data.path]] {
            let result = try runToolBounded(arguments, seconds: 10)
            #expect(result.status == 1)
            #expect(result.firstErrorLine == "zalando-train: \(labels): is a FIFO, not an IDX data file (only regular files are read)", "\(result.stderr)")
        }
    }
}

/// Data sets with nothing in them: one line naming the file, exit 1 — not a trap (0-pixel
/// images), not `test_cost nan` in the log, not `0.00% (0/0)` with exit 0.
struct EmptyDataTests {
    @Test(arguments: [(0, 5, 4, "train-images-idx3-ubyte", "0×4×4"), (20, 0, 4, "t10k-images-idx3-ubyte", "0×4×4"),
                      (20, 5, 0, "train-images-idx3-ubyte", "20×0×4")])
    func emptySetsAreRefused(train: Int, test: Int, rows: Int, file: String, shape: String) throws {
        let data = Fixtures.dataDirectory(train: train, test: test, rows: rows)
        let csv = data.appendingPathComponent("runs.csv").path
        let result = try runToolBounded(["--data-dir", data.path, "--epochs", "1", "--hidden", "3", "--csv", csv])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.firstErrorLine == "zalando-train: \(data.path)/\(file): holds no images (IDX shape \(shape)); a data set needs at least one image of at least one pixel")
        let log: String = (try? String(contentsOfFile: csv, encoding: .utf8)) ?? ""
        #expect(!log.contains("nan"))
    }

    @Test func evaluateOnAnEmptyTestSet() throws {
        let data = Fixtures.dataDirectory(test: 0)
        let model = Fixtures.write(Fixtures.model(), "m.safetensors")
        let result = try runToolBounded(["evaluate", "--model", model, "--data-dir", data.path])
        #expect(result.status == 1)
        #expect(result.firstErrorLine.contains("t10k-images-idx3-ubyte: holds no images"))
        #expect(!result.stdout.contains("0/0"))
    }

    @Test func aHeaderClaimingMoreThanTheFileHolds() throws {
        let data = Fixtures.dataDirectory()
        let images = data.appendingPathComponent("train-images-idx3-ubyte").path
        IDXFixture.write(IDXFixture.idxBytes(dimensions: [60000, 28, 28], payload: [1, 2, 3]), to: images, gzip: false)
        let result = try runToolBounded(["--data-dir", data.path, "--epochs", "1"])
        #expect(result.status == 1)
        #expect(result.firstErrorLine.hasPrefix("zalando-train: \(images): header claims 47040000 bytes of data, more than the file can hold"), "\(result.stderr)")
    }
}

/// Model files that lie: each is refused with one line naming the file and the tensor (or the
/// metadata), exit 1, before anything is allocated from the lie; the file stays untouched.
struct HostileModelTests {
    static let data = Fixtures.dataDirectory()

    static func evaluate(_ bytes: [UInt8], _ extra: [String] = []) throws -> (ProcessResult, String) {
        let path = Fixtures.write(bytes, "m.safetensors")
        let result = try runToolBounded(["evaluate", "--model", path, "--data-dir", data.path] + extra, seconds: 20)
        #expect(Fixtures.contents(path) == Data(bytes), "the model file is untouched")
        #expect(result.isClean, "\(result.stderr)")
        return (result, path)
    }

    @Test func theWellFormedFixtureEvaluates() throws {
        let (result, _) = try Self.evaluate(Fixtures.model())
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("16-3-10 relu, trained on fashion"))
        #expect(result.stdout.contains("test set, 10 images"))
    }

    @Test func offsetsThatOverflow() throws {
        var tensors = Fixtures.tensors(widths: [16, 3, 10])
        tensors[0].offsetsJSON = "[1,-9223372036854775808]"
        let (result, path) = try Self.evaluate(Fixtures.model(tensors: tensors))
        #expect(result.status == 1)
        #expect(result.firstErrorLine == "zalando-train: \(path): tensor 0.weight has data_offsets [1, -9223372036854775808], not two byte offsets 0 ≤ begin ≤ end", "\(result.stderr)")
    }

    /// 160 bytes whose metadata claims 2^36 weights: refused by comparing with the file's size.
    @Test func metadataClaimingMoreWeightsThanTheFile() throws {
        let bytes = Fixtures.model(widths: [1 << 20, 1 << 16, 10], tensors: [], values: [])
        let (result, path) = try Self.evaluate(bytes)
        #expect(result.status == 1)
        #expect(result.firstErrorLine == "zalando-train: \(path): __metadata__ describes a 1048576-65536-10 network of 68720197642 parameters, "
            + "but the file holds only 0 bytes of tensor data (4 per parameter)", "\(result.stderr)")
    }

    @Test func overlappingTensors() throws {
        var tensors = Fixtures.tensors(widths: [16, 3, 10])
        // 0.bias reuses the first 12 bytes of 0.weight; the last 12 bytes are then nobody's.
        tensors[1].offsets = (0, 12)
        let (result, path) = try Self.evaluate(Fixtures.model(tensors: tensors))
        #expect(result.status == 1)
        #expect(result.firstErrorLine == "zalando-train: \(path): tensor 0.weight (bytes 0..<192) overlaps tensor 0.bias (bytes 0..<12)", "\(result.stderr)")
    }

    @Test func aTensorRunningPastTheFile() throws {
        var tensors = Fixtures.tensors(widths: [16, 3, 10])
        tensors[3].offsets = (tensors[3].offsets.0 + 8, tensors[3].offsets.1 + 8)
        let (result, path) = try Self.evaluate(Fixtures.model(tensors: tensors))
        #expect(result.status == 1)
        #expect(result.firstErrorLine == "zalando-train: \(path): tensor 2.bias ends at byte 372 of the data, past its end (364 bytes)", "\(result.stderr)")
    }

    @Test func bytesThatBelongToNoTensor() throws {
        let (result, path) = try Self.evaluate(Fixtures.model(trailing: [0, 0, 0, 0]))
        #expect(result.status == 1)
        #expect(result.firstErrorLine == "zalando-train: \(path): bytes 364..<368 of the data belong to no tensor", "\(result.stderr)")
    }

    @Test func shapesThatDisagreeWithTheMetadata() throws {
        var tensors = Fixtures.tensors(widths: [16, 3, 10])
        tensors[0].shape = [4, 12]
        let (result, path) = try Self.evaluate(Fixtures.model(tensors: tensors))
        #expect(result.status == 1)
        #expect(result.firstErrorLine.hasPrefix("zalando-train: \(path): tensor 0.weight has shape"), "\(result.stderr)")
        #expect(result.firstErrorLine.hasSuffix("has shape [4, 12], the metadata's 16-3-10 network needs [3, 16]"), "\(result.stderr)")
    }

    @Test(arguments: [(Float.nan, "NaN"), (Float.infinity, "inf"), (-Float.infinity, "-inf")])
    func nonFiniteWeights(value: Float, shown: String) throws {
        let count: Int = 16 * 3 + 3 + 3 * 10 + 10
        var values: [Float] = (0..<count).map { (i: Int) -> Float in Float(i) / 100 }
        values[48 + 1] = value  // 0.bias[1]
        let (result, path) = try Self.evaluate(Fixtures.model(values: values))
        #expect(result.status == 1)
        let expected: String = "zalando-train: " + path + ": tensor 0.bias holds " + shown + " at index 1: not a usable model"
        #expect(result.firstErrorLine == expected, "\(result.stderr)")
    }

    /// An MNIST model asked to score Fashion-MNIST is a usage error (64): file and data are
    /// each fine, the combination is not.
    @Test func aModelOfAnotherDataSet() throws {
        let (result, path) = try Self.evaluate(Fixtures.model(metadata: ["dataset": "mnist"]), ["--dataset", "fashion"])
        #expect(result.status == 64)
        #expect(result.firstErrorLine == "zalando-train: --dataset fashion: \(path) was trained on mnist (its metadata says so); evaluate it on mnist, or leave --dataset out")
        #expect(result.stdout.isEmpty)
        let (unknown, _) = try Self.evaluate(Fixtures.model(metadata: ["dataset": "cifar10"]))
        #expect(unknown.status == 1 && unknown.firstErrorLine.contains("\"cifar10\""))
        let (same, _) = try Self.evaluate(Fixtures.model(metadata: ["dataset": "fashion"]), ["--dataset", "fashion"])
        #expect(same.status == 0, "\(same.stderr)")
    }

    @Test func aModelWithAnotherNumberOfClasses() throws {
        let (result, path) = try Self.evaluate(Fixtures.model(widths: [16, 3, 4]))
        #expect(result.status == 1)
        #expect(result.firstErrorLine == "zalando-train: \(path): has 4 classes, the data sets have 10")
    }
}
