import Foundation

/// A minimal safetensors reader written for the tests (independent of ModelFile): the 8-byte
/// little-endian header length, the JSON header, and each F32 tensor's raw bits.
struct SafetensorsFile {
    let metadata: [String: String]
    let names: [String]
    private let header: [String: Any]
    private let data: Data
    private let dataStart: Int

    init(path: String) throws {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as! [String: Any]
        self.header = header
        dataStart = 8 + length
        metadata = header["__metadata__"] as? [String: String] ?? [:]
        // In file order: by data offset.
        func start(_ name: String) -> Int { ((header[name] as! [String: Any])["data_offsets"] as! [Int])[0] }
        names = header.keys.filter { $0 != "__metadata__" }.sorted { start($0) < start($1) }
    }

    func shape(_ name: String) -> [Int] { (header[name] as! [String: Any])["shape"] as! [Int] }

    /// The tensor's values as UInt32 bit patterns, in row-major order.
    func bits(_ name: String) -> [UInt32] {
        let offsets = (header[name] as! [String: Any])["data_offsets"] as! [Int]
        return stride(from: dataStart + offsets[0], to: dataStart + offsets[1], by: 4).map { at in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[at + $1]) << (8 * UInt32($1)) }
        }
    }

    func values(_ name: String) -> [Float] { bits(name).map(Float.init(bitPattern:)) }
}
