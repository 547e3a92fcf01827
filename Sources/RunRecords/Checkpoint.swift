import Foundation
import MLP
import Optimization
import Support
import Training

/// `--checkpoint` / `--resume`: everything that decides the next number of a run, in a
/// safetensors file (SafeTensorsFile: atomic, durable, CRC-checked), so a resumed run appends
/// the same rows as one never interrupted (DESIGN.md "Interruption, checkpoints and resuming").
///
/// Tensors: `parameters`, `optimizer.<buffer>` for each of the optimizer's state buffers,
/// `shuffle_order` (I32: each epoch reshuffles the previous order) and, with --early-stop,
/// `early_stop.best_parameters`. `__metadata__` (strings; every Double in Swift's shortest
/// round-trip form, so it reads back bit for bit): the format and `checkpoint_version`, the
/// run's `flags`, `run_id` and name, `epoch` (epochs finished), `batches_done` (minibatches of
/// the next epoch already trained: nonzero only after an interruption), `iteration`,
/// `last_rate`, both generators' states (`shuffle_rng`, `noise_rng`), `optimizer.<counter>`
/// (update count, NAdam's μ product), plateau's `plateau.rate/best/wait`, early stopping's
/// `early_stop.best/wait/best_epoch/stopped_epoch`, and the last finished epoch's results
/// (`last.*`), from which a run log row lost to a kill is written again.
public struct Checkpoint {
    public static let format = "zalando-train-checkpoint"
    public static let version = "1"
    /// Far above any checkpoint of this tool (a 784-256-256-10 adam model is about 3 MB).
    static let maximumBytes = 1 << 31

    public let path: String
    let metadata: [String: String]
    let tensors: [String: SafeTensorsFile.Contents.Tensor]
    public let flags: String
    public let runID: String
    /// Epochs finished.
    public let epoch: Int
    /// Minibatches of epoch `epoch + 1` already trained.
    public let batchesDone: Int
    /// Updates made.
    public let iteration: Int

    // MARK: - Writing

    /// A copy of the whole state, taken between two updates, to be written while training goes on.
    struct Snapshot: @unchecked Sendable {
        let metadata: [String: String]
        let tensors: [(name: String, dtype: String, count: Int)]
        /// Every tensor's bytes, one after the other.
        let data: [UInt8]

        func write(to path: String) throws {
            try data.withUnsafeBytes { raw in
                var offset = 0
                let sources = tensors.map { tensor in
                    defer { offset += 4 * tensor.count }
                    return SafeTensorsFile.Source(name: tensor.name, dtype: tensor.dtype, count: tensor.count, bytes: raw.baseAddress! + offset)
                }
                try SafeTensorsFile.write(path: path, metadata: metadata, tensors: sources)
            }
        }
    }

    /// The state of `trainer` after `epoch` finished epochs (plus `trainer.batchesDone`
    /// minibatches of the next one).
    static func snapshot(trainer: Trainer, identity: RunIdentity, runName: String, epoch: Int,
                         last: EpochResult?, earlyStopping: EarlyStopping?) -> Snapshot {
        var m: [String: String] = [
            "format": format, "checkpoint_version": version,
            "flags": identity.flags, "run_id": identity.runID, "run": runName,
            "epoch": String(epoch), "batches_done": String(trainer.batchesDone),
            "iteration": String(trainer.update.updatesMade), "last_rate": exact(trainer.lastRate),
            "shuffle_rng": words(trainer.rng.state), "noise_rng": words(trainer.update.transforms.noiseGenerator.state),
            "optimizer": trainer.configuration.optimizer.kind.rawValue,
        ]
        let optimizer = trainer.update.optimizer
        for counter in optimizer.stateCounters { m["optimizer." + counter.name] = exact(counter.value) }
        if let plateau = trainer.update.plateau {
            m["plateau.rate"] = exact(plateau.currentRate)
            m["plateau.best"] = exact(plateau.best)
            m["plateau.wait"] = String(plateau.epochsWithoutImprovement)
        }
        if let e = earlyStopping {
            m["early_stop.best"] = exact(e.best)
            m["early_stop.wait"] = String(e.wait)
            m["early_stop.best_epoch"] = String(e.bestEpoch)
            m["early_stop.stopped_epoch"] = e.stoppedEpoch.map(String.init) ?? "0"
        }
        if let last {
            m["last.epoch"] = String(last.epoch)
            m["last.iteration"] = String(last.iteration)
            m["last.lr"] = exact(last.learningRate)
            m["last.seconds"] = exact(last.seconds)
            m["last.training_seconds"] = exact(last.trainingSeconds)
            for (name, evaluation) in [("train", last.train), ("val", last.validation), ("test", last.test)] {
                guard let evaluation else { continue }
                m["last.\(name)_count"] = String(evaluation.count)
                m["last.\(name)_correct"] = String(evaluation.correct)
                m["last.\(name)_cost"] = exact(evaluation.meanCost)
            }
        }
        let parameters = trainer.network.parameters
        var sources = [SafeTensorsFile.Source(name: "parameters", dtype: "F32", count: parameters.count, bytes: UnsafeRawPointer(parameters.pointer))]
        for state in optimizer.stateBuffers {
            sources.append(.init(name: "optimizer." + state.name, dtype: "F32", count: state.buffer.count, bytes: UnsafeRawPointer(state.buffer.pointer)))
        }
        if let e = earlyStopping {
            sources.append(.init(name: "early_stop.best_parameters", dtype: "F32", count: e.bestParameters.count,
                                 bytes: UnsafeRawPointer(e.bestParameters.pointer)))
        }
        return trainer.order.withUnsafeBytes { order in
            sources.append(.init(name: "shuffle_order", dtype: "I32", count: trainer.order.count, bytes: order.baseAddress!))
            var data = [UInt8](repeating: 0, count: sources.reduce(0) { $0 + 4 * $1.count })
            data.withUnsafeMutableBytes { destination in
                var offset = 0
                for source in sources {
                    (destination.baseAddress! + offset).copyMemory(from: source.bytes, byteCount: 4 * source.count)
                    offset += 4 * source.count
                }
            }
            return Snapshot(metadata: m, tensors: sources.map { ($0.name, $0.dtype, $0.count) }, data: data)
        }
    }

    static func exact(_ value: Double) -> String { "\(value)" }
    static func words(_ state: [UInt64]) -> String {
        state.map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined(separator: ",")
    }

    // MARK: - Reading

    /// Reads and checks `path`: a missing, truncated, damaged or foreign file, or one of another
    /// version, is refused with one line.
    public static func read(path: String) throws -> Checkpoint {
        let contents = try SafeTensorsFile.read(path: path, what: "a checkpoint", limit: maximumBytes)
        return try Checkpoint(path: path, contents: contents)
    }

    init(path: String, contents: SafeTensorsFile.Contents) throws {
        self.path = path
        metadata = contents.metadata
        tensors = contents.tensors
        func fail(_ problem: String) -> FileProblem { FileProblem(path: path, problem: problem) }
        guard metadata["format"] == Checkpoint.format else {
            throw fail("is not a zalando-train checkpoint (format \(metadata["format"] ?? "missing"))")
        }
        guard metadata["checkpoint_version"] == Checkpoint.version else {
            throw fail("is checkpoint version \(metadata["checkpoint_version"] ?? "missing"); this zalando-train reads version \(Checkpoint.version)")
        }
        guard metadata["data_crc32"] != nil else { throw fail("has no data_crc32: cannot be checked") }
        guard let flags = metadata["flags"], let runID = metadata["run_id"] else { throw fail("lacks flags or run_id") }
        self.flags = flags
        self.runID = runID
        epoch = try Checkpoint.count("epoch", in: metadata, path: path)
        batchesDone = try Checkpoint.count("batches_done", in: metadata, path: path)
        iteration = try Checkpoint.count("iteration", in: metadata, path: path)
    }

    func number(_ key: String) throws -> Double {
        guard let value = metadata[key].flatMap(Double.init), !value.isNaN else {
            throw FileProblem(path: path, problem: "__metadata__ \(key) is missing or not a number")
        }
        return value
    }

    func count(_ key: String) throws -> Int { try Checkpoint.count(key, in: metadata, path: path) }

    /// The one check of a count in a checkpoint's metadata: bounded like a run log's counts
    /// (0 to 2^53), so `epoch + 1` and the products resuming makes cannot overflow; the refusal
    /// names the key and the value found.
    static func count(_ key: String, in metadata: [String: String], path: String) throws -> Int {
        guard let text = metadata[key] else { throw FileProblem(path: path, problem: "__metadata__ \(key) is missing") }
        guard let value = Int(text), (0...RunLogReader.maximumCount).contains(value) else {
            throw FileProblem(path: path, problem: "__metadata__ \(key) \"\(escapedForTerminal(String(text.prefix(40))))\" is not a count from 0 to 2^53")
        }
        return value
    }

    func generator(_ key: String) throws -> Xoshiro256 {
        let words = (metadata[key] ?? "").split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard let rng = Xoshiro256(state: words) else {
            throw FileProblem(path: path, problem: "__metadata__ \(key) is not a generator state")
        }
        return rng
    }

    /// Copies tensor `name` (F32 or I32, `count` elements) to `destination`.
    func load(_ name: String, dtype: String = "F32", count: Int, into destination: UnsafeMutableRawPointer) throws {
        guard let tensor = tensors[name] else { throw FileProblem(path: path, problem: "tensor \(name) is missing") }
        guard tensor.dtype == dtype, tensor.shape == [count] else {
            throw FileProblem(path: path, problem: "tensor \(name) is \(tensor.dtype) \(tensor.shape), expected \(dtype) [\(count)]")
        }
        tensor.bytes.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    // MARK: - Resuming

    /// "resuming from ck.safetensors: 5 epochs finished, iteration 6000" (+ the interrupted epoch's updates).
    public var resumingLine: String {
        "resuming from \(path): \(epoch) epoch\(epoch == 1 ? "" : "s") finished"
            + (batchesDone > 0 ? " and \(batchesDone) update\(batchesDone == 1 ? "" : "s") of epoch \(epoch + 1)" : "")
            + ", iteration \(iteration)"
    }

    /// One line per flag that differs between the checkpoint and `identity` (the flags given),
    /// `--lr: checkpoint 0.001, given 0.01`; --epochs may be raised. Empty when they match.
    /// With `typed`, only those flags are compared: the others of `identity` are defaults the
    /// user never wrote, and a run resumed alone takes them from the checkpoint.
    public func flagDifferences(from identity: RunIdentity, typed: Set<String>? = nil) -> [String] {
        let saved = RunIdentity.terms(of: flags).map { ($0.flag, $0.value) }
        let given = identity.terms.map { ($0.flag, $0.value) }
        let savedValues = Dictionary(saved, uniquingKeysWith: { first, _ in first })
        let givenValues = Dictionary(given, uniquingKeysWith: { first, _ in first })
        var flagsInOrder = given.map(\.0)
        for (flag, _) in saved where givenValues[flag] == nil { flagsInOrder.append(flag) }
        func show(_ value: String??) -> String {
            switch value {
            case .none: return "not given"
            case .some(.none): return "set"
            case .some(.some(let text)): return text
            }
        }
        var lines: [String] = []
        for flag in flagsInOrder where typed?.contains(flag) ?? true {
            let old = savedValues[flag], new = givenValues[flag]
            if flag == "--epochs", let oldCount = old.flatMap({ $0 }).flatMap(Int.init), let newCount = new.flatMap({ $0 }).flatMap(Int.init) {
                if newCount < oldCount { lines.append("--epochs: checkpoint \(oldCount), given \(newCount) (--epochs may only be raised)") }
                continue
            }
            if old != new { lines.append("\(flag): checkpoint \(show(old)), given \(show(new))") }
        }
        return lines
    }

    /// Puts the whole training state into `trainer` (built from the same flags) and
    /// `earlyStopping`; returns the last finished epoch's result, if any.
    func restore(into trainer: Trainer, earlyStopping: EarlyStopping?) throws -> EpochResult? {
        func fail(_ problem: String) -> FileProblem { FileProblem(path: path, problem: problem) }
        let network = trainer.network
        try load("parameters", count: network.parameterCount, into: network.parameters.pointer)
        let optimizer = trainer.update.optimizer
        let buffers = optimizer.stateBuffers
        let expected = Set(buffers.map { "optimizer." + $0.name })
        if let extra = tensors.keys.filter({ $0.hasPrefix("optimizer.") && !expected.contains($0) }).sorted().first {
            throw fail("tensor \(extra) does not belong to \(trainer.configuration.optimizer.kind.rawValue)")
        }
        for state in buffers { try load("optimizer." + state.name, count: state.buffer.count, into: state.buffer.pointer) }
        var counters: [String: Double] = [:]
        for (key, _) in metadata where key.hasPrefix("optimizer.") { counters[String(key.dropFirst(10))] = try number(key) }
        do { try optimizer.restoreCounters(counters) } catch { throw fail("optimizer state: \(error)") }

        trainer.rng = try generator("shuffle_rng")
        trainer.update.transforms.noiseGenerator = try generator("noise_rng")
        trainer.update.updatesMade = iteration
        // Checked arithmetic: a hand-edited epoch near Int.max trapped here (exit 132).
        let (epochUpdates, overflow) = epoch.multipliedReportingOverflow(by: trainer.iterationsPerEpoch)
        guard batchesDone <= trainer.iterationsPerEpoch, !overflow, iteration == epochUpdates + batchesDone else {
            throw fail("epoch \(epoch), batches_done \(batchesDone) and iteration \(iteration) do not fit \(trainer.iterationsPerEpoch) updates per epoch")
        }
        trainer.batchesDone = batchesDone
        trainer.lastRate = try number("last_rate")
        let n = trainer.order.count
        try trainer.order.withUnsafeMutableBytes { try load("shuffle_order", dtype: "I32", count: n, into: $0.baseAddress!) }
        var seen = [Bool](repeating: false, count: n)
        for index in trainer.order {
            guard index >= 0, Int(index) < n, !seen[Int(index)] else { throw fail("shuffle_order is not a permutation of the \(n) training images") }
            seen[Int(index)] = true
        }
        if let plateau = trainer.update.plateau {
            plateau.restore(currentRate: try number("plateau.rate"), best: try number("plateau.best"),
                            epochsWithoutImprovement: try count("plateau.wait"))
        }
        if let e = earlyStopping {
            e.best = try number("early_stop.best")
            e.wait = try count("early_stop.wait")
            e.bestEpoch = try count("early_stop.best_epoch")
            let stopped = try count("early_stop.stopped_epoch")
            e.stoppedEpoch = stopped > 0 ? stopped : nil
            try load("early_stop.best_parameters", count: network.parameterCount, into: e.bestParameters.pointer)
        }
        return try lastResult(epochs: trainer.configuration.epochs)
    }

    /// The last finished epoch's results as the run log row needs them.
    func lastResult(epochs: Int) throws -> EpochResult? {
        guard epoch > 0 else { return nil }
        func evaluation(_ name: String) throws -> Evaluation? {
            guard metadata["last.\(name)_count"] != nil else { return nil }
            return Evaluation(count: try count("last.\(name)_count"), correct: try count("last.\(name)_correct"),
                              meanCost: try number("last.\(name)_cost"))
        }
        guard try count("last.epoch") == epoch, let train = try evaluation("train"), let test = try evaluation("test") else {
            throw FileProblem(path: path, problem: "lacks the results of epoch \(epoch)")
        }
        return EpochResult(epoch: epoch, epochs: epochs, iteration: try count("last.iteration"), learningRate: try number("last.lr"),
                           train: train, test: test, validation: try evaluation("val"),
                           seconds: try number("last.seconds"), trainingSeconds: try number("last.training_seconds"))
    }
}

/// The flags given with --resume differ from the checkpoint's: one line per flag (exit 64).
public struct CheckpointFlagMismatch: Error, CustomStringConvertible {
    public let path: String
    public let differences: [String]
    public init(path: String, differences: [String]) { self.path = path; self.differences = differences }
    public var lines: [String] { differences.map { "\($0) (--resume \(path) needs the checkpoint's flags)" } }
    public var description: String { lines.joined(separator: "\n") }
}
