import Foundation

/// The learning-rate range test (Smith 2015) as fastai 2.8 runs it in `Learner.lr_find`: the
/// pure part, fed one minibatch loss at a time by the training loop, which owns model and data.
///
///     var test = LRRangeTest(startRate: 1e-7, endRate: 10, iterations: 100)
///     while let rate = test.nextRate {
///         let loss = forward and backward on the next minibatch (parameters after test.points.count updates)
///         optimizer.step(…, learningRate: rate)
///         test.record(loss: loss)
///     }
///     let s = test.suggestions()   // valley, steep, minimum
///
/// Ported from fastai/callback/schedule.py (fastai 2.8.12): `LRFinder` (lines 175–213),
/// `sched_exp` (51), `valley` (216–234), `minimum` (255–259), `steep` (262–267), `lr_find`
/// (293–313); fastai/learner.py `AvgSmoothLoss` (518–526), `Recorder.after_batch` (571–579) and
/// fastai/callback/core.py `TrainEvalCallback.after_batch` (train_iter += 1, runs first).
///
/// - Rate at update i (i = 0…N−1): start·(end/start)^(i/N) (LRFinder.before_batch sets
///   `train_iter/num_it` as the position of SchedExp before the batch).
/// - The loss of update i is the minibatch loss of its forward pass (before its step), as
///   fastai's `learn.loss`. Smoothed and debiased as AvgSmoothLoss, β = 0.98:
///   avg ← β·avg + (1−β)·loss, smoothed_i = avg/(1 − β^(i+1)), in float32 exactly as fastai's
///   tensors compute it: `torch.lerp(loss, avg, β)` = avg − (avg − loss)·(1 − β) as one fused
///   multiply-add with β = 0.98f, then the division by Float(1 − β^(i+1)) (checked bit for bit
///   against fastai's recorded values). Bit-exact smoothing matters: on a flat stretch the
///   valley rule reads rounding-level ups and downs, and Double smoothing moved the valley.
/// - Every update is recorded, the one that stops the test included (Recorder runs before
///   LRFinder's after_batch). Then: best ← min(best, smoothed); stop when smoothed > 4·best
///   (LRFinder's stop_div), or after N updates. fastai does not stop on NaN (NaN > 4·best is
///   false; it trains on to N and `lr_find` cuts its points at the first NaN); we stop at a
///   non-finite smoothed loss and compute the suggestions on exactly the points fastai would
///   use (see `suggestionRange`).
/// - N below 6 is raised to 6, as LRFinder does.
public struct LRRangeTest: Sendable {
    public static let beta = 0.98
    public static let divergenceFactor = 4.0
    public static let minimumIterations = 6

    public struct Point: Sendable, Equatable {
        public let iteration: Int
        public let rate: Double
        /// The loss as recorded (rounded to Float, as fastai's float32 loss).
        public let loss: Double
        /// A Float value, widened.
        public let smoothedLoss: Double
    }

    public enum Stop: String, Sendable {
        /// All N updates made.
        case completed
        /// The smoothed loss exceeded 4× its minimum.
        case diverged
        /// The smoothed loss is NaN or infinite.
        case notFinite = "not-finite"
    }

    public let startRate: Double
    public let endRate: Double
    /// N (at least 6).
    public let iterations: Int
    public private(set) var points: [Point] = []
    public private(set) var stop: Stop?
    private var average: Float = 0
    private var best = Float.infinity
    private static let oneMinusBeta = 1 - Float(beta)

    /// Callers validate: 0 < start < end, finite.
    public init(startRate: Double = 1e-7, endRate: Double = 10, iterations: Int = 100) {
        self.startRate = startRate
        self.endRate = endRate
        self.iterations = max(iterations, LRRangeTest.minimumIterations)
        points.reserveCapacity(self.iterations)
    }

    /// fastai's sched_exp(start, end, i/N) = start·(end/start)^(i/N), in Double as Python.
    public func rate(at i: Int) -> Double {
        startRate * pow(endRate / startRate, Double(i) / Double(iterations))
    }

    /// The rate for the next update, nil once the test has stopped.
    public var nextRate: Double? { stop == nil ? rate(at: points.count) : nil }

    /// Records the minibatch loss of the update just made with `nextRate`; returns false when
    /// the test stops there (that point is recorded too). Ignored after the stop.
    @discardableResult
    public mutating func record(loss: Double) -> Bool {
        guard stop == nil else { return false }
        let i = points.count
        let x = Float(loss)
        average = average.addingProduct(-(average - x), LRRangeTest.oneMinusBeta)
        let smoothed = average / Float(1 - pow(LRRangeTest.beta, Double(i + 1)))
        points.append(Point(iteration: i, rate: rate(at: i), loss: Double(x), smoothedLoss: Double(smoothed)))
        if smoothed < best { best = smoothed }
        if !smoothed.isFinite {
            stop = .notFinite
        } else if smoothed > Float(LRRangeTest.divergenceFactor) * best {
            stop = .diverged
        } else if points.count >= iterations {
            stop = .completed
        }
        return stop == nil
    }

    /// The recorded points fastai's `lr_find` hands to the suggestion functions:
    /// `recorder[N//10 : -5]`, cut before the first NaN. After a non-finite stop at update k,
    /// fastai would have recorded NaN from k to N − 1, so that is N//10 ..< min(k, N − 5).
    /// (+∞ stops fastai too, by 4·best, and is then among the last five it drops.)
    public var suggestionRange: Range<Int> {
        let lower = iterations / 10
        var upper = points.count - 5
        if stop == .notFinite, let last = points.last {
            upper = last.smoothedLoss.isNaN ? min(last.iteration, iterations - 5) : points.count - 5
        }
        return lower < upper ? lower..<upper : 0..<0
    }

    /// fastai's three suggestions on `suggestionRange`; each nil when fastai's function would
    /// fail there (no points; steep needs two).
    public func suggestions() -> LRSuggestions {
        let range = suggestionRange
        return LRSuggestions(rates: points[range].map(\.rate), losses: points[range].map(\.smoothedLoss))
    }
}

/// fastai's suggestion functions (fastai/callback/schedule.py, 2.8.12) on the points
/// `lr_find` gives them. `lr_find` turns both lists into float32 tensors
/// (`tensor(self.recorder.lrs[…])`), so the comparisons, the gradient and the returned rates
/// are float32 values, as here; each suggestion is returned as that Float widened to Double
/// (`float(lrs[idx])`, `.item()`), minimum's then divided by 10 in Double.
public struct LRSuggestions: Sendable, Equatable {
    /// `valley`: the longest strictly decreasing subsequence of the losses (fastai's O(n²)
    /// scan, updating its end inside the inner loop exactly as written), then the point
    /// ⌊L/3⌋ + ⌊L/3/2⌋ past its start, L = end − start.
    public let valley: Double?
    /// `steep`: the rate at the left end of the steepest descent of loss against ln(rate).
    public let steep: Double?
    /// `minimum`: the rate of the lowest loss, divided by 10.
    public let minimum: Double?
    /// Indices into the points given (for marking them on a picture).
    public let valleyIndex: Int?, steepIndex: Int?, minimumIndex: Int?

    public init(rates: [Double], losses: [Double]) {
        let lrs = rates.map { Float($0) }, loss = losses.map { Float($0) }
        let n = min(lrs.count, loss.count)
        guard n > 0 else {
            valley = nil; steep = nil; minimum = nil
            valleyIndex = nil; steepIndex = nil; minimumIndex = nil
            return
        }
        // valley (schedule.py 216–234)
        var maxStart = 0, maxEnd = 0
        var lds = [Int](repeating: 1, count: n)
        for i in 1..<n {
            for j in 0..<i {
                if loss[i] < loss[j] && lds[i] < lds[j] + 1 { lds[i] = lds[j] + 1 }
                if lds[maxEnd] < lds[i] {
                    maxEnd = i
                    maxStart = maxEnd - lds[maxEnd]
                }
            }
        }
        // maxStart is one before the stretch's first point (−1 when it starts at 0).
        let sections = Double(maxEnd - maxStart) / 3
        var v = maxStart + Int(sections) + Int(sections / 2)
        if v < 0 { v += n }  // Python's lrs[-1] (two points, both decreasing)
        valleyIndex = v
        valley = Double(lrs[v])

        // minimum (255–259): first index of the smallest loss (torch argmin).
        var m = 0
        for i in 1..<n where loss[i] < loss[m] { m = i }
        minimumIndex = m
        minimum = Double(lrs[m]) / 10

        // steep (262–267): grads in float32, first argmin.
        if n >= 2 {
            var s = 0
            var steepest = Float.infinity
            for i in 0..<(n - 1) {
                let g = (loss[i + 1] - loss[i]) / (log(lrs[i + 1]) - log(lrs[i]))
                // torch's argmin: the first NaN, else the first smallest.
                if g.isNaN { s = i; break }
                if g < steepest || i == 0 { steepest = g; s = i }
            }
            steepIndex = s
            steep = Double(lrs[s])
        } else {
            steepIndex = nil
            steep = nil
        }
    }
}
