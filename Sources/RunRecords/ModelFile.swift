import Foundation
import MLP
import Support
import Training

/// The saved model, as safetensors (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian header length, a JSON header, then raw little-endian F32 data. Tensor names
/// and shapes are those of torch `nn.Sequential(Linear, act, Linear, act, …, Linear)`, so
/// `model.load_state_dict(safetensors.torch.load_file(path))` works: `0.weight` [out, in],
/// `0.bias` [out], `2.weight`, … The architecture and the training flags go in `__metadata__`.
public enum ModelFile {
    public static let format = "zalando-train"

    /// Tensor names in file order: the Linear layers sit at even indices of the Sequential.
    static func tensorNames(layerCount: Int) -> [(weight: String, bias: String)] {
        (0..<layerCount).map { ("\(2 * $0).weight", "\(2 * $0).bias") }
    }

    /// Writes `network` to `path` atomically (a temporary file in the same folder, then rename).
    public static func save(_ network: MultilayerPerceptron, metadata: [String: String], to path: String) throws {
        var meta = metadata
        meta["format"] = format
        meta["inputs"] = String(network.inputSize)
        meta["hidden"] = network.hiddenSizes.map(String.init).joined(separator: ",")
        meta["classes"] = String(network.classCount)
        meta["activation"] = network.activation.rawValue

        // Parameters are stored layer by layer as W then b: exactly the file's tensor order.
        let base = UnsafeRawPointer(network.parameters.pointer)
        var offset = 0
        var tensors: [SafeTensorsFile.Source] = []
        for (layer, names) in zip(network.layers, tensorNames(layerCount: network.layers.count)) {
            let weights = layer.inputs * layer.outputs
            tensors.append(.init(name: names.weight, dtype: "F32", count: weights, bytes: base + 4 * offset, shape: [layer.outputs, layer.inputs]))
            offset += weights
            tensors.append(.init(name: names.bias, dtype: "F32", count: layer.outputs, bytes: base + 4 * offset, shape: [layer.outputs]))
            offset += layer.outputs
        }
        try SafeTensorsFile.write(path: path, metadata: meta, tensors: tensors, checksum: false)
    }

    /// A loaded model: the network with its parameters, and the metadata it was saved with.
    public struct Loaded {
        public let network: MultilayerPerceptron
        public let metadata: [String: String]
    }

    /// Largest file accepted: far above any MLP this tool trains (784-256-256-10 is 1 MB).
    static let maximumModelBytes = 1 << 30
    /// Largest header accepted (the reference implementation's limit is 100 MB).
    static let maximumHeaderBytes = 100_000_000

    public static func load(path: String, batchCapacity: Int = 1000) throws -> Loaded {
        func fail(_ problem: String) -> FileProblem { FileProblem(path: path, problem: problem) }
        let bytes = try readFileContents(path, limit: maximumModelBytes, what: "a model file")
        let (header, metadata, dataStart) = try SafeTensorsFile.parseHeader(bytes, fileSize: bytes.count, path: path,
                                                                            what: "a safetensors model", headerLimit: maximumHeaderBytes)
        guard header["__metadata__"] is [String: Any] else {
            throw fail("has no __metadata__: not a model saved by zalando-train")
        }
        guard metadata["format"] == format else { throw fail("not a model saved by zalando-train (format \(metadata["format"] ?? "missing"))") }
        guard let inputs = metadata["inputs"].flatMap(Int.init), inputs > 0, inputs <= 1 << 20,
              let classes = metadata["classes"].flatMap(Int.init), classes > 1, classes <= 1 << 16,
              let hiddenText = metadata["hidden"],
              let activation = metadata["activation"].flatMap(Activation.init(rawValue:)) else {
            throw fail("__metadata__ lacks a valid inputs, classes, hidden or activation entry")
        }
        let hidden = hiddenText.isEmpty ? [] : hiddenText.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) ?? -1 }
        guard hidden.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }) else { throw fail("__metadata__ hidden \"\(hiddenText)\" is not a list of layer sizes") }

        // Sizes first, against the file and the machine, before allocating anything: a 160-byte
        // file whose metadata claims 2³⁶ weights once asked the allocator for 274 GB.
        let widths = [inputs] + hidden + [classes]
        let architecture = widths.map(String.init).joined(separator: "-")
        let dataBytes = bytes.count - dataStart
        guard let parameterCount = MemoryBudget.parameterCount(widths: widths),
              case let (neededBytes, overflow) = parameterCount.multipliedReportingOverflow(by: 4), !overflow,
              neededBytes <= dataBytes else {
            let count = MemoryBudget.parameterCount(widths: widths).map(String.init) ?? "more than 2^63"
            throw fail("__metadata__ describes a \(architecture) network of \(count) parameters, "
                + "but the file holds only \(dataBytes) bytes of tensor data (4 per parameter)")
        }
        if let problem = MemoryBudget.shortfall(MemoryBudget.networkBytes(widths: widths, rows: batchCapacity, stateBuffers: 0)) {
            throw fail("a \(architecture) network \(problem)")
        }

        let names = tensorNames(layerCount: widths.count - 1)
        let expectedTensors = 2 * names.count
        let tensorKeys = header.keys.filter { $0 != "__metadata__" }
        guard tensorKeys.count == expectedTensors else {
            throw fail("holds \(tensorKeys.count) tensors, the architecture \(architecture) needs \(expectedTensors)")
        }
        // Every tensor's entry checked and its byte range placed before any value is read.
        struct Placed { let name: String; let begin: Int; let end: Int; let count: Int }
        var placed: [Placed] = []
        for (l, pair) in names.enumerated() {
            for (name, shape) in [(pair.weight, [widths[l + 1], widths[l]]), (pair.bias, [widths[l + 1]])] {
                guard let entry = header[name] as? [String: Any] else { throw fail("tensor \(name) is missing") }
                guard entry["dtype"] as? String == "F32" else { throw fail("tensor \(name) is not F32") }
                guard let rawShape = entry["shape"] as? [Any], rawShape.map(exactInt) == shape.map(Optional.some) else {
                    throw fail("tensor \(name) has shape \(render(entry["shape"])), the metadata's \(architecture) network needs \(shape)")
                }
                let count = shape.reduce(1, *)
                guard let rawOffsets = entry["data_offsets"] as? [Any], rawOffsets.count == 2,
                      let begin = exactInt(rawOffsets[0]), let end = exactInt(rawOffsets[1]), begin >= 0, begin <= end else {
                    throw fail("tensor \(name) has data_offsets \(render(entry["data_offsets"])), not two byte offsets 0 ≤ begin ≤ end")
                }
                guard end <= dataBytes else {
                    throw fail("tensor \(name) ends at byte \(end) of the data, past its end (\(dataBytes) bytes)")
                }
                guard end - begin == 4 * count else {
                    throw fail("tensor \(name) has \(end - begin) bytes of data, its shape \(shape) needs \(4 * count)")
                }
                placed.append(Placed(name: name, begin: begin, end: end, count: count))
            }
        }
        // As the safetensors format requires: no overlap, no hole, the whole data section used.
        let ordered = placed.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var covered = 0
        for (index, tensor) in ordered.enumerated() {
            if tensor.begin < covered, index > 0 {
                let previous = ordered[index - 1]
                throw fail("tensor \(tensor.name) (bytes \(tensor.begin)..<\(tensor.end)) overlaps tensor \(previous.name) (bytes \(previous.begin)..<\(previous.end))")
            }
            if tensor.begin > covered { throw fail("bytes \(covered)..<\(tensor.begin) of the data belong to no tensor") }
            covered = tensor.end
        }
        if covered < dataBytes { throw fail("bytes \(covered)..<\(dataBytes) of the data belong to no tensor") }

        let network = MultilayerPerceptron(inputSize: inputs, hiddenSizes: hidden, classCount: classes,
                                           activation: activation, batchCapacity: batchCapacity)
        for (layer, pair) in zip(network.layers, names) {
            for (name, destination) in [(pair.weight, layer.weightOffset), (pair.bias, layer.biasOffset)] {
                let tensor = placed.first { $0.name == name }!
                let bad: Int? = bytes.withUnsafeBytes { raw in
                    let base = raw.baseAddress! + dataStart + tensor.begin
                    let target = network.parameters.pointer + destination
                    for i in 0..<tensor.count {
                        var bits: UInt32 = 0
                        memcpy(&bits, base + 4 * i, 4)
                        let value = Float(bitPattern: UInt32(littleEndian: bits))
                        if !value.isFinite { return i }
                        target[i] = value
                    }
                    return nil
                }
                if let bad {
                    var bits: UInt32 = 0
                    _ = bytes.withUnsafeBytes { memcpy(&bits, $0.baseAddress! + dataStart + tensor.begin + 4 * bad, 4) }
                    let value = Float(bitPattern: UInt32(littleEndian: bits))
                    throw fail("tensor \(name) holds \(value.isNaN ? "NaN" : "\(value)") at index \(bad): not a usable model")
                }
            }
        }
        return Loaded(network: network, metadata: metadata)
    }

    /// A JSON value as the user wrote it, roughly: `[1, -9223372036854775808]`, `none`.
    private static func render(_ value: Any?) -> String {
        guard let value else { return "none" }
        if let list = value as? [Any] { return "[" + list.map { render($0) }.joined(separator: ", ") + "]" }
        if let text = value as? String { return jsonString(text) }
        return "\(value)"
    }

    /// A JSON number that is exactly an integer (not 1.5, not 1e30, not a string), as Int.
    /// A JSON number that is exactly an Int (the one check of integers in safetensors headers).
    static func exactInt(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        return Int(exactly: number)
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4, with: "0")
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

func describe(_ error: Error) -> String {
    let text = (error as NSError).localizedDescription
    return text.isEmpty ? "\(error)" : text
}
