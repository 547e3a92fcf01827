#if canImport(Glibc)
import Glibc
#endif

/// xoshiro256** (Blackman & Vigna 2018), seeded through SplitMix64 as its authors recommend.
/// Swift's SystemRandomNumberGenerator cannot be seeded; runs must be reproducible bit for bit.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var splitMix = seed
        func next() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = next(); s1 = next(); s2 = next(); s3 = next()
    }

    /// The generator's whole state (for checkpoints): continuing from `init(state:)` gives the
    /// same numbers as never stopping.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// Resumes a generator from `state`; nil unless it holds 4 words, not all zero (xoshiro's one
    /// invalid state).
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3]
    }

    @inlinable
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    public mutating func next() -> UInt64 {
        let result = Xoshiro256.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Xoshiro256.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Standard normal by the Box–Muller transform (one of the pair; simple and reproducible).
    public mutating func nextGaussian() -> Double {
        let u1 = 1.0 - nextUniform()  // (0, 1]: log is finite
        let u2 = nextUniform()
        return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
    }

    /// Fisher–Yates shuffle of `indices` in place, drawing with this generator.
    public mutating func shuffle(_ indices: inout [Int32]) {
        guard indices.count > 1 else { return }
        for i in stride(from: indices.count - 1, to: 0, by: -1) {
            let j = Int(next(upperBound: UInt64(i + 1)))
            indices.swapAt(i, j)
        }
    }
}
