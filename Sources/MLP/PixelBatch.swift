import Support
/// Minibatch input: UInt8 pixels gathered by index and scaled to [0, 1] (÷255, as
/// torchvision's ToTensor) into a reused Float32 buffer. Images stay UInt8 in memory.
public enum PixelBatch {
    /// p/255 for every byte value: exact division, looked up instead of recomputed.
    static let scaled: [Float] = (0...255).map { Float($0) / 255 }

    /// rows × width floats into `destination`: image `indices[i]` (or `first + i` when
    /// `indices` is nil) of `pixels`.
    public static func gather(pixels: UnsafePointer<UInt8>, width: Int, indices: UnsafePointer<Int32>?,
                              first: Int, rows: Int, into destination: UnsafeMutablePointer<Float>) {
        scaled.withUnsafeBufferPointer { table in
            let lookup = table.baseAddress!
            for r in 0..<rows {
                let image = indices.map { Int($0[r]) } ?? (first + r)
                let source = pixels + image * width
                let target = destination + r * width
                for c in 0..<width { target[c] = lookup[Int(source[c])] }
            }
        }
    }
}
