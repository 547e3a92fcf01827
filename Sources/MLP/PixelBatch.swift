import Support
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Minibatch input: UInt8 pixels gathered by index and scaled to [0, 1] (÷255 exactly, as
/// torchvision's ToTensor) into a reused Float32 buffer. Images stay UInt8 in memory; this
/// conversion runs for every image seen (130,000 a default epoch), so it is vectorised: 16 bytes
/// widened to 4 × 4 floats with SSE2.
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

    /// rows × width floats into `destination`: image `indices[i]` (or `first + i` when
    /// `indices` is nil) of `pixels`.
    public static func gather(pixels: UnsafePointer<UInt8>, width: Int, indices: UnsafePointer<Int32>?,
                              first: Int, rows: Int, into destination: UnsafeMutablePointer<Float>) {
        guard let indices else {
            // Consecutive images: the hardware prefetcher streams them.
            for r in 0..<rows { convert(pixels + (first + r) * width, count: width, into: destination + r * width) }
            return
        }
        // Shuffled images sit at random places in a 47 MB array, and every cache line of each
        // is a miss (measured: 0.025 s of a 0.08 s training epoch). Touching the lines of the
        // image `distance` ahead puts those misses in flight while this one converts; a whole
        // batch ahead measured best (0.0995 → 0.084 s per Adam training epoch).
        let distance = 64
        var touched: UInt8 = 0
        for r in 0..<min(distance, rows) { touched ^= touch(pixels + Int(indices[r]) * width, count: width) }
        for r in 0..<rows {
            if r + distance < rows { touched ^= touch(pixels + Int(indices[r + distance]) * width, count: width) }
            convert(pixels + Int(indices[r]) * width, count: width, into: destination + r * width)
        }
        sink = touched
    }

    /// Keeps the touching loads alive: the optimizer may not drop loads whose result is stored.
    nonisolated(unsafe) static var sink: UInt8 = 0

    /// Loads one byte of every cache line of `count` bytes at `address` (Swift cannot reach the
    /// prefetch instruction: `_mm_prefetch` is a C macro).
    @inline(__always)
    static func touch(_ address: UnsafePointer<UInt8>, count: Int) -> UInt8 {
        var value = address[count - 1]
        for offset in stride(from: 0, to: count, by: 64) { value ^= address[offset] }
        return value
    }

    @inline(__always)
    static func convert(_ source: UnsafePointer<UInt8>, count: Int, into target: UnsafeMutablePointer<Float>) {
        var c = 0
        #if arch(x86_64)
        let zero = _mm_setzero_si128()
        let high = _mm_set1_ps(reciprocalHigh), low = _mm_set1_ps(reciprocalLow)
        @inline(__always) func scaled(_ integers: __m128i) -> __m128 {
            let x = _mm_cvtepi32_ps(integers)
            return _mm_add_ps(_mm_mul_ps(x, high), _mm_mul_ps(x, low))
        }
        while c + 16 <= count {
            let bytes = _mm_loadu_si128(UnsafeRawPointer(source + c).assumingMemoryBound(to: __m128i.self))
            let first8 = _mm_unpacklo_epi8(bytes, zero), last8 = _mm_unpackhi_epi8(bytes, zero)
            _mm_storeu_ps(target + c, scaled(_mm_unpacklo_epi16(first8, zero)))
            _mm_storeu_ps(target + c + 4, scaled(_mm_unpackhi_epi16(first8, zero)))
            _mm_storeu_ps(target + c + 8, scaled(_mm_unpacklo_epi16(last8, zero)))
            _mm_storeu_ps(target + c + 12, scaled(_mm_unpackhi_epi16(last8, zero)))
            c += 16
        }
        #endif
        while c < count {
            target[c] = scale(source[c])
            c += 1
        }
    }
}
