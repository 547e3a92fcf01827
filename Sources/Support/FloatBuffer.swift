/// A fixed-size, zero-initialised Float32 buffer owned by a class: parameters, gradients,
/// optimizer state and workspaces. No copy-on-write and no bounds checks on the hot path; the
/// training step hands `pointer` to BLAS and to whole-buffer kernels.
///
/// Storage is padded with zeros to `paddedCount`, a multiple of `FloatBuffer.lanes`, and
/// 64-byte aligned, so element-wise kernels run as aligned SIMD loops with no scalar tail. The
/// padding stays zero under every optimizer (zero gradient, zero state, zero parameter), and
/// nothing reads past `count` anyway.
public final class FloatBuffer: @unchecked Sendable {
    public static let lanes = 16
    public let count: Int
    public let paddedCount: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0)
        self.count = count
        paddedCount = max(FloatBuffer.lanes, (count + FloatBuffer.lanes - 1) / FloatBuffer.lanes * FloatBuffer.lanes)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: paddedCount * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: paddedCount)
        pointer.initialize(repeating: 0, count: paddedCount)
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for (i, v) in values.enumerated() { pointer[i] = v }
    }

    deinit { pointer.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
    public var array: [Float] { Array(buffer) }

    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }
}

/// The vector width of the element-wise kernels: 8 floats (two SSE registers on baseline
/// x86-64, one AVX register where the compiler may use it). `FloatBuffer.lanes` is a multiple.
public typealias FloatVector = SIMD8<Float>

extension UnsafeMutablePointer where Pointee == Float {
    /// The 8 floats starting at `index` (a multiple of 8 in a FloatBuffer: aligned).
    @inlinable @inline(__always)
    public func vector(at index: Int) -> FloatVector {
        UnsafeRawPointer(self + index).load(as: FloatVector.self)
    }

    @inlinable @inline(__always)
    public func setVector(_ value: FloatVector, at index: Int) {
        UnsafeMutableRawPointer(self + index).storeBytes(of: value, as: FloatVector.self)
    }
}
