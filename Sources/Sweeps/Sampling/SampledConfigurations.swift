/// The configurations `trials: N` draws for the sampled axes of one grid: trial i takes point i
/// of the scrambled Sobol sequence, the k-th sampled axis of the grid (in the grid's order) its
/// coordinate k. The scrambling is seeded by `sampler-seed` alone, so every grid of a `grids:`
/// union with the same sampled axes draws the same points (mapped into its own ranges), and
/// growing N keeps trials 0..<N as they were.
public enum SampledConfigurations {
    /// The sampler's seed when the spec gives none.
    public static let defaultSeed = 0

    /// For each trial, the value of each sampled axis (in `axes` order).
    static func draw(_ axes: [(key: String, axis: SampledAxis)], trials: Int, seed: Int) -> [[SweepSpec.Setting]] {
        guard !axes.isEmpty else { return [] }
        let sobol = SobolSequence(dimensions: axes.count)
        return (0..<trials).map { index in
            let point = sobol.scrambledPoint(at: index, seed: UInt64(truncatingIfNeeded: seed))
            return zip(axes, point).map { SweepSpec.Setting($0.key, $0.axis.value(at: $1)) }
        }
    }

    /// `trials:` goes with at least one sampled axis and every sampled axis needs `trials:`;
    /// a grid has at most as many sampled axes as the direction numbers have dimensions.
    static func check(_ spec: SweepSpec) throws {
        let sampled = spec.grids.flatMap { $0.filter { $0.sampled != nil } }
        if let trials = spec.trials, sampled.isEmpty {
            throw SweepError.usage("spec: trials: \(trials) but no axis is a distribution (for example lr: {loguniform: [0.0001, 0.1]})")
        }
        if spec.trials == nil {
            if let axis = sampled.first {
                throw SweepError.usage("spec key \(axis.key): a distribution needs trials: N in the spec (or trials=N), the number of configurations to draw")
            }
            if let seed = spec.samplerSeed {
                throw SweepError.usage("spec: sampler-seed: \(seed) goes with trials: N and distributions")
            }
        }
        for grid in spec.grids where grid.filter({ $0.sampled != nil }).count > SobolSequence.maximumDimensions {
            throw SweepError.usage("spec: a grid has \(grid.filter { $0.sampled != nil }.count) sampled axes; at most \(SobolSequence.maximumDimensions)")
        }
    }

    /// `trials: N` / `sampler-seed: S` in a spec or on the command line.
    static func parseTrials(_ text: String, context: String) throws -> Int {
        guard let n = Int(text), n >= 1 else { throw SweepError.usage("\(context): trials \(text): must be a whole number ≥ 1") }
        return n
    }

    static func parseSeed(_ text: String, context: String) throws -> Int {
        guard let n = Int(text), n >= 0 else { throw SweepError.usage("\(context): sampler-seed \(text): must be a whole number ≥ 0") }
        return n
    }
}
