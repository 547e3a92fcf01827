/// The Sobol sequence in base 2 (Joe and Kuo's construction, their new-joe-kuo-6.21201 direction
/// numbers: JoeKuoDirectionNumbers.swift), points in Gray-code order as SciPy's
/// `scipy.stats.qmc.Sobol(d, scramble=False)` gives them (point 0 is the origin), 32 bits a
/// coordinate; and its nested uniform (Owen) scrambling, seeded.
///
/// Every prefix of 2^k points is a (t, k, d)-net: in particular each coordinate of 2^k points puts
/// exactly one point in each interval [j/2^k, (j+1)/2^k). Owen's scrambling keeps that (it permutes
/// the intervals of every level among themselves) and makes each point uniform on [0, 1)^d, so a
/// sampled sweep covers its space evenly without the clusters and holes of random draws. The
/// sequence is extended, never redrawn: point i is the same whatever the number of points asked.
public struct SobolSequence: Sendable {
    /// The most dimensions (sampled axes in one grid): the direction numbers kept in the table.
    public static let maximumDimensions = JoeKuoDirectionNumbers.rows.count + 1

    public let dimensions: Int
    /// v[j][k]: the k-th direction number (k from 0, bit 31 − k) of dimension j.
    private let directions: [[UInt32]]

    public init(dimensions: Int) {
        precondition(dimensions >= 1 && dimensions <= SobolSequence.maximumDimensions, "Sobol dimensions out of range")
        self.dimensions = dimensions
        var directions: [[UInt32]] = [(0..<32).map { UInt32(1) << (31 - $0) }]
        for row in JoeKuoDirectionNumbers.rows.prefix(dimensions - 1) {
            // v_k = m_k · 2^(32−k) for k ≤ s, then Bratley and Fox's recurrence over the
            // primitive polynomial x^s + a_1 x^(s−1) + … + a_(s−1) x + 1.
            var v = [UInt32](repeating: 0, count: 32)
            for k in 0..<32 {
                if k < row.s {
                    v[k] = row.m[k] << (31 - k)
                } else {
                    var value = v[k - row.s] ^ (v[k - row.s] >> row.s)
                    for i in 1..<row.s where (row.a >> (row.s - 1 - i)) & 1 == 1 {
                        value ^= v[k - i]
                    }
                    v[k] = value
                }
            }
            directions.append(v)
        }
        self.directions = directions
    }

    /// Point `index` as 32-bit integers (coordinate = integer / 2^32).
    public func integers(at index: Int) -> [UInt32] {
        precondition(index >= 0 && index < 1 << 32, "Sobol index out of range")
        let gray = index ^ (index >> 1)
        return directions.map { v in
            var x: UInt32 = 0
            var bits = gray, k = 0
            while bits != 0 {
                if bits & 1 == 1 { x ^= v[k] }
                bits >>= 1
                k += 1
            }
            return x
        }
    }

    /// Point `index` in [0, 1)^d, unscrambled.
    public func point(at index: Int) -> [Double] {
        integers(at: index).map { Double($0) / 4_294_967_296 }
    }

    /// Point `index` in [0, 1)^d after Owen's nested uniform scrambling with `seed`.
    public func scrambledPoint(at index: Int, seed: UInt64) -> [Double] {
        integers(at: index).enumerated().map { dimension, x in
            Double(OwenScrambling.scramble(x, seed: seed, dimension: dimension)) / 4_294_967_296
        }
    }
}

/// Nested uniform scrambling in base 2 (Owen 1995): the binary digits of a coordinate, most
/// significant first, are each flipped or not by a random bit that depends on every digit above
/// it. That is a random permutation at each node of the binary tree of intervals, the whole of
/// Owen's scrambling for base 2. The random bits are a hash of (seed, dimension, depth, the
/// digits above), so the scrambling needs no table and is the same on every machine. (SciPy's
/// `scramble=True` is a linear matrix scramble with a digital shift, another scrambling: its
/// points are not these.)
enum OwenScrambling {
    static func scramble(_ x: UInt32, seed: UInt64, dimension: Int) -> UInt32 {
        let key = mix(seed ^ mix(UInt64(dimension) &+ 0x632B_E59B_D9B4_E019))
        var result: UInt32 = 0
        for depth in 0..<32 {
            let bit = UInt32(31 - depth)
            // The digits above this one, with the depth, name the node of the tree.
            let prefix = depth == 0 ? 0 : UInt64(x >> (bit + 1))
            let flip = UInt32(truncatingIfNeeded: mix(key ^ (UInt64(depth) << 32 | prefix)) >> 63)
            result |= (((x >> bit) & 1) ^ flip) << bit
        }
        return result
    }

    /// SplitMix64's finaliser (Steele, Lea and Flood 2014): a bijection that mixes every input bit
    /// into every output bit.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
