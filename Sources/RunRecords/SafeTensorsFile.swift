import CZlib
import Foundation
import Support

#if _endian(big)
#error("safetensors stores little-endian data; this writer copies memory as is")
#endif

/// A generic safetensors container (https://github.com/huggingface/safetensors) for files that
/// must survive a crash: an 8-byte little-endian header length, a JSON header (`__metadata__`
/// of strings, then each tensor's dtype, shape and data offsets), then the raw data. The writer
/// adds `data_crc32` (zlib's CRC-32 of the data section) to the metadata, so a damaged file is
/// refused rather than trusted. Checkpoints and model files are written and read with it.
enum SafeTensorsFile {
    /// One tensor to write: `count` elements of `dtype` ("F32" or "I32", 4 bytes each) at `bytes`,
    /// of `shape` (1-D `[count]` unless given; a model's weights are `[outputs, inputs]`).
    struct Source {
        let name: String
        let dtype: String
        let count: Int
        let bytes: UnsafeRawPointer
        var shape: [Int]? = nil
    }

    /// Writes `path` atomically and durably: a temporary `.NAME.tmp` in the same folder, written
    /// and fsynced, renamed over `path`, then the folder fsynced so the rename itself survives a
    /// power cut. A process killed at any moment leaves either the old file or the new one.
    /// `checksum` adds `data_crc32` to the metadata (checkpoints); model files go without, so
    /// they stay byte-for-byte what the reference writer would make of the same tensors.
    static func write(path: String, metadata: [String: String], tensors: [Source], checksum: Bool = true) throws {
        var meta = metadata
        if checksum {
            var crc = crc32(0, nil, 0)
            for tensor in tensors where tensor.count > 0 {
                crc = crc32(crc, tensor.bytes.assumingMemoryBound(to: Bytef.self), uInt(4 * tensor.count))
            }
            meta["data_crc32"] = String(crc, radix: 16)
        }
        var entries = ["\"__metadata__\":{" + meta.keys.sorted().map { "\(ModelFile.jsonString($0)):\(ModelFile.jsonString(meta[$0]!))" }
            .joined(separator: ",") + "}"]
        var offset = 0
        for tensor in tensors {
            let bytes = 4 * tensor.count
            let shape = (tensor.shape ?? [tensor.count]).map(String.init).joined(separator: ",")
            entries.append("\(ModelFile.jsonString(tensor.name)):{\"dtype\":\"\(tensor.dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }  // pad with spaces, as the reference writer does
        var prefix = [UInt8](repeating: 0, count: 8)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { for i in 0..<8 { prefix[i] = $0[i] } }
        prefix += header

        // One temporary name per file (`.NAME.tmp`), so a killed writer's leftover is replaced.
        let temporary = folderName(of: path) + "/." + (path.split(separator: "/").last.map(String.init) ?? path) + ".tmp"
        try prefix.withUnsafeBytes { prefix in
            try AtomicFile.write(parts: [prefix] + tensors.map { UnsafeRawBufferPointer(start: $0.bytes, count: 4 * $0.count) },
                                 to: path, temporary: temporary)
        }
    }

    /// A file read back: its metadata and each tensor's dtype, shape and bytes.
    struct Contents {
        struct Tensor {
            let dtype: String
            let shape: [Int]
            let bytes: ArraySlice<UInt8>
        }
        let metadata: [String: String]
        let tensors: [String: Tensor]
    }

    /// Reads and checks a file written by `write`: header length and JSON, every tensor's
    /// offsets (contiguous, covering the data exactly, as the format requires) and the CRC.
    /// `what` names the kind of file in messages ("a checkpoint").
    static func read(path: String, what: String, limit: Int = 1 << 31) throws -> Contents {
        func fail(_ problem: String) -> FileProblem { FileProblem(path: path, problem: problem) }
        let bytes = try readFileContents(path, limit: limit, what: what)
        let (header, metadata, dataStart) = try parseHeader(bytes, fileSize: bytes.count, path: path, what: what)
        var tensors: [String: Contents.Tensor] = [:]
        var ranges: [(Int, Int)] = []
        let dataBytes = bytes.count - dataStart
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = exactCounts(entry["shape"]), let offsets = exactCounts(entry["data_offsets"]), offsets.count == 2,
                  offsets[0] <= offsets[1], offsets[1] <= dataBytes else {
                throw fail("tensor \(name) has a malformed entry or data outside the file (truncated?)")
            }
            // The element count is checked as it is multiplied: a shape of [2^32, 2^32] trapped here.
            let elements = shape.reduce(Optional(4)) { product, size in
                product.flatMap { let (p, overflow) = $0.multipliedReportingOverflow(by: size); return overflow || p > dataBytes ? nil : p }
            }
            guard let elements, offsets[1] - offsets[0] == elements else {
                throw fail("tensor \(name) has shape \(shape), which does not match its data_offsets \(offsets)")
            }
            ranges.append((offsets[0], offsets[1]))
            tensors[name] = Contents.Tensor(dtype: dtype, shape: shape, bytes: bytes[(dataStart + offsets[0])..<(dataStart + offsets[1])])
        }
        var end = 0
        for (start, stop) in ranges.sorted(by: { $0.0 < $1.0 }) {
            guard start == end else { throw fail("tensor data overlaps or leaves gaps (damaged file)") }
            end = stop
        }
        guard end == dataBytes else { throw fail("is \(dataBytes - end > 0 ? "longer" : "shorter") than its header says (damaged or truncated)") }
        if let expected = metadata["data_crc32"] {
            let crc = bytes.withUnsafeBufferPointer { crc32(crc32(0, nil, 0), $0.baseAddress! + dataStart, uInt(dataBytes)) }
            guard String(crc, radix: 16) == expected else { throw fail("is damaged: the CRC-32 of its data does not match its header") }
        }
        return Contents(metadata: metadata, tensors: tensors)
    }

    /// The header's `__metadata__` of the file at `path` (of `size` bytes), reading only the
    /// header; nil when it is not a safetensors file. For checks that need only the metadata
    /// (is this existing file a model of ours?) without reading the tensors.
    static func metadata(path: String, size: Int, limit: Int) -> [String: String]? {
        guard let lengthBytes = try? readBytes(path, at: 0, count: 8), lengthBytes.count == 8 else { return nil }
        let length = littleEndianLength(lengthBytes)
        guard length <= UInt64(min(limit, max(0, size - 8))),
              let header = try? readBytes(path, at: 8, count: Int(length)), header.count == Int(length) else { return nil }
        return try? parseHeader(lengthBytes + header, fileSize: size, path: path, what: "a safetensors file", headerLimit: limit).metadata
    }

    static func littleEndianLength<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// The header of a file whose first bytes are `bytes` (at least the length and the header):
    /// its JSON object, its string metadata, and where the tensor data starts. Model files,
    /// checkpoints and the output-path check all read headers here; `headerLimit` bounds it.
    static func parseHeader(_ bytes: [UInt8], fileSize: Int, path: String, what: String, headerLimit: Int = Int.max) throws
        -> (header: [String: Any], metadata: [String: String], dataStart: Int) {
        func fail(_ problem: String) -> FileProblem { FileProblem(path: path, problem: problem) }
        guard bytes.count >= 8 else { throw fail("is not \(what): only \(bytes.count) bytes") }
        let headerLength = littleEndianLength(bytes)
        guard headerLength <= UInt64(min(headerLimit, min(bytes.count, fileSize) - 8)) else {
            throw fail("is truncated or not \(what): its header length \(headerLength) exceeds the file")
        }
        let dataStart = 8 + Int(headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])), let header = json as? [String: Any] else {
            throw fail("is not \(what): the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        for (key, value) in header["__metadata__"] as? [String: Any] ?? [:] {
            guard let text = value as? String else { throw fail("__metadata__ value for \(key) is not a string") }
            metadata[key] = text
        }
        return (header, metadata, dataStart)
    }

    /// A JSON array of whole numbers from 0 to Int.max, or nil: a fraction, a negative number, a
    /// number beyond Int or a non-number is refused, never truncated or silently dropped.
    static func exactCounts(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        let counts = array.compactMap(ModelFile.exactInt)
        return counts.count == array.count && counts.allSatisfy({ $0 >= 0 }) ? counts : nil
    }
}
