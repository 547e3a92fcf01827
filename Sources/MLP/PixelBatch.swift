import CPrefetch
import Support
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Minibatch input: UInt8 pixels gathered by index and scaled to [0, 1] (÷255 exactly, as
/// torchvision's ToTensor) into a reused Float32 buffer. Images stay UInt8 in memory; this
/// conversion runs for every image seen (130,000 a default epoch), so it is vectorised: 16 bytes
/// widened to 4 × 4 floats with SSE2 intrinsics (VEX-encoded in an AVX2 build).
///
/// Division is slow (divps: 3+ cycles per 4 lanes) and x·fl(1/255) is off by an ulp for 126 of
/// the 256 byte values. Instead x/255 = x·r_hi + x·r_lo with r_hi = 1/255 cut to 16 significant
/// bits: x·r_hi is exact for 8-bit x, leaving one rounding — identical to Float(x)/255 for every
/// byte value (checked by PixelBatchTests).
public enum PixelBatch {
    /// 1/255 with its low 8 mantissa bits cleared, and the remainder.
    public static let reciprocalHigh = Float(bitPattern: Float(1.0 / 255).bitPattern & 0xFFFF_FF00)
    public static let reciprocalLow = Float(1.0 / 255 - Double(reciprocalHigh))

    /// One byte value scaled exactly as the vector path does it.
    @inline(__always)
    public static func scale(_ byte: UInt8) -> Float {
        let x = Float(byte)
        return x * reciprocalHigh + x * reciprocalLow
    }

    /// rows × width floats into `destination`: images `first`, `first + 1`, … of `pixels`.
    /// Consecutive images stream in: the hardware prefetcher sees the pattern.
    public static func convert(pixels: UnsafePointer<UInt8>, width: Int, first: Int, rows: Int,
                               into destination: UnsafeMutablePointer<Float>) {
        for r in 0..<rows { convert(pixels + (first + r) * width, count: width, into: destination + r * width) }
    }

    /// rows × width floats into `destination`: image `indices[i]` of `pixels` for each row i.
    /// While converting, asks the cache for the images of `upcoming` (the next minibatch).
    ///
    /// Shuffled images sit at random places in a 47 MB array and every cache line of each is a
    /// miss: waiting for them took 0.025 s of a 0.08 s training epoch. Prefetching the next
    /// batch here lets those misses complete during this batch's forward, backward and update
    /// (~60 µs); by then the lines have left L1 for L2, so each image is also prefetched again
    /// two rows before it is converted. Only an epoch's first batch waits for memory.
    /// Measured (Adam training epoch, AVX2 build): touching each line with a load, 64 images
    /// ahead, 0.0761 s; next-batch prefetch 0.0777 s with 4 KB pages (prefetches stall on page
    /// walks), 0.0733–0.0746 s with huge pages (see IDXData's `hugePageCapacity`); plus the
    /// two-row prefetch 0.0718 s.
    public static func gather(pixels: UnsafePointer<UInt8>, width: Int, indices: UnsafePointer<Int32>, rows: Int,
                              into destination: UnsafeMutablePointer<Float>,
                              prefetching upcoming: UnsafeBufferPointer<Int32>) {
        for r in 0..<rows {
            if r < upcoming.count { prefetch(pixels + Int(upcoming[r]) * width, count: width) }
            if r + 2 < rows { prefetch(pixels + Int(indices[r + 2]) * width, count: width) }
            convert(pixels + Int(indices[r]) * width, count: width, into: destination + r * width)
        }
        // A batch larger than this one (the last, partial batch is smaller) still gets all of it.
        if upcoming.count > rows {
            for r in rows..<upcoming.count { prefetch(pixels + Int(upcoming[r]) * width, count: width) }
        }
    }

    /// Prefetches every cache line of `count` bytes at `address`.
    @inline(__always)
    static func prefetch(_ address: UnsafePointer<UInt8>, count: Int) {
        for offset in stride(from: 0, to: count, by: 64) { zt_prefetch(address + offset) }
        zt_prefetch(address + (count - 1))
    }

    @inline(__always)
    static func convert(_ source: UnsafePointer<UInt8>, count: Int, into target: UnsafeMutablePointer<Float>) {
        var c = 0
        #if arch(x86_64)
        // Widening stays in SSE2 intrinsics; the arithmetic is written on 8 lanes so that an AVX2
        // build converts and scales 8 floats per instruction (LLVM joins the two halves).
        let zero = _mm_setzero_si128()
        let high = FloatVector(repeating: reciprocalHigh), low = FloatVector(repeating: reciprocalLow)
        @inline(__always) func scaled(_ eight: __m128i) -> FloatVector {  // 8 UInt16 lanes
            let x = FloatVector(lowHalf: SIMD4(_mm_cvtepi32_ps(_mm_unpacklo_epi16(eight, zero))),
                                highHalf: SIMD4(_mm_cvtepi32_ps(_mm_unpackhi_epi16(eight, zero))))
            return x * high + x * low
        }
        while c + 16 <= count {
            let bytes = _mm_loadu_si128(UnsafeRawPointer(source + c).assumingMemoryBound(to: __m128i.self))
            UnsafeMutableRawPointer(target + c).storeBytes(of: scaled(_mm_unpacklo_epi8(bytes, zero)), as: FloatVector.self)
            UnsafeMutableRawPointer(target + c + 8).storeBytes(of: scaled(_mm_unpackhi_epi8(bytes, zero)), as: FloatVector.self)
            c += 16
        }
        #endif
        while c < count {
            target[c] = scale(source[c])
            c += 1
        }
    }
}
