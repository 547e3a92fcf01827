import Foundation
import MLP

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

        var entries: [String] = []
        entries.append("\"__metadata__\":{" + meta.keys.sorted().map { "\(jsonString($0)):\(jsonString(meta[$0]!))" }
            .joined(separator: ",") + "}")
        var offset = 0
        for (layer, names) in zip(network.layers, tensorNames(layerCount: network.layers.count)) {
            let weightBytes = 4 * layer.inputs * layer.outputs
            entries.append("\(jsonString(names.weight)):{\"dtype\":\"F32\",\"shape\":[\(layer.outputs),\(layer.inputs)],\"data_offsets\":[\(offset),\(offset + weightBytes)]}")
            offset += weightBytes
            entries.append("\(jsonString(names.bias)):{\"dtype\":\"F32\",\"shape\":[\(layer.outputs)],\"data_offsets\":[\(offset),\(offset + 4 * layer.outputs)]}")
            offset += 4 * layer.outputs
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }  // pad with spaces, as the reference writer does

        var data = Data()
        var length = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        // Parameters are stored layer by layer as W then b: exactly the file's tensor order.
        let parameters = network.parameters.buffer
        for value in parameters {
            var bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
        }
        do {
            try AtomicFile.write(Array(data), to: path)
        } catch let error as FileError {
            throw ModelFileError(path: path, problem: error.problem)
        }
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
        func fail(_ problem: String) -> ModelFileError { ModelFileError(path: path, problem: problem) }
        let data = Data(try readFileContents(path, limit: maximumModelBytes, what: "a model file"))
        guard data.count >= 8 else { throw fail("not a safetensors model: only \(data.count) bytes") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(min(maximumHeaderBytes, data.count - 8)) else {
            throw fail("not a safetensors model: header length \(headerLength) exceeds the file")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let json = try? JSONSerialization.jsonObject(with: headerData), let header = json as? [String: Any] else {
            throw fail("not a safetensors model: the header is not a JSON object")
        }
        guard let rawMetadata = header["__metadata__"] as? [String: Any] else {
            throw fail("has no __metadata__: not a model saved by zalando-train")
        }
        var metadata: [String: String] = [:]
        for (key, value) in rawMetadata {
            guard let text = value as? String else { throw fail("__metadata__ value for \(key) is not a string") }
            metadata[key] = text
        }
        guard metadata["format"] == format else { throw fail("not a model saved by zalando-train (format \(metadata["format"] ?? "missing"))") }
        guard let inputs = metadata["inputs"].flatMap(Int.init), inputs > 0, inputs <= 1 << 20,
              let classes = metadata["classes"].flatMap(Int.init), classes > 1, classes <= 1 << 16,
              let hiddenText = metadata["hidden"],
              let activation = metadata["activation"].flatMap(Activation.init(rawValue:)) else {
            throw fail("__metadata__ lacks a valid inputs, classes, hidden or activation entry")
        }
        let hidden = hiddenText.isEmpty ? [] : hiddenText.split(separator: ",").map { Int($0) ?? -1 }
        guard hidden.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }) else { throw fail("__metadata__ hidden \"\(hiddenText)\" is not a list of layer sizes") }

        let network = MultilayerPerceptron(inputSize: inputs, hiddenSizes: hidden, classCount: classes,
                                           activation: activation, batchCapacity: batchCapacity)
        let dataStart = 8 + Int(headerLength)
        let dataBytes = data.count - dataStart
        let expectedTensors = 2 * network.layers.count
        let tensorKeys = header.keys.filter { $0 != "__metadata__" }
        guard tensorKeys.count == expectedTensors else {
            throw fail("holds \(tensorKeys.count) tensors, the architecture \(inputs)-\(hiddenText)-\(classes) needs \(expectedTensors)")
        }
        for (layer, names) in zip(network.layers, tensorNames(layerCount: network.layers.count)) {
            for (name, shape, destination) in [(names.weight, [layer.outputs, layer.inputs], layer.weightOffset),
                                               (names.bias, [layer.outputs], layer.biasOffset)] {
                guard let entry = header[name] as? [String: Any] else { throw fail("tensor \(name) is missing") }
                guard entry["dtype"] as? String == "F32" else { throw fail("tensor \(name) is not F32") }
                guard let gotShape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }), gotShape == shape else {
                    throw fail("tensor \(name) has shape \(entry["shape"] ?? "none"), expected \(shape)")
                }
                guard let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }), offsets.count == 2,
                      offsets[0] >= 0, offsets[1] - offsets[0] == 4 * shape.reduce(1, *), offsets[1] <= dataBytes else {
                    throw fail("tensor \(name) has data offsets outside the file or of the wrong size")
                }
                let count = shape.reduce(1, *)
                data.withUnsafeBytes { raw in
                    let base = raw.baseAddress! + dataStart + offsets[0]
                    for i in 0..<count {
                        var bits: UInt32 = 0
                        memcpy(&bits, base + 4 * i, 4)
                        network.parameters[destination + i] = Float(bitPattern: UInt32(littleEndian: bits))
                    }
                }
            }
        }
        return Loaded(network: network, metadata: metadata)
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

public struct ModelFileError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}

func describe(_ error: Error) -> String {
    let text = (error as NSError).localizedDescription
    return text.isEmpty ? "\(error)" : text
}
