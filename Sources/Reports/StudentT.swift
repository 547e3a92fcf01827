#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Student's t distribution: its upper tail and quantiles, for the confidence interval of a mean
/// over seeds (DESIGN.md "compare"). Exact to about 1e-13 against scipy.stats.t.ppf (the golden
/// Tests/Goldens/student-t/quantiles.csv, made by scripts/golden_student_t.py): a table of
/// rounded values would put a 4-digit error into every interval it widens.
public enum StudentT {
    /// P(T > t) for t ≥ 0 with `nu` degrees of freedom: ½·I_x(ν/2, ½) with x = ν/(ν+t²). Both x
    /// and 1 − x are computed directly, so neither loses digits near 0 or 1.
    public static func upperTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        if t.isNaN || nu.isNaN || nu <= 0 { return .nan }
        if t < 0 { return 1 - upperTail(-t, degreesOfFreedom: nu) }
        if t.isInfinite { return 0 }
        let t2 = t * t
        let x = nu / (nu + t2), oneMinusX = t2 / (nu + t2)
        return 0.5 * regularizedBeta(x, oneMinusX, a: nu / 2, b: 0.5)
    }

    /// The density at t.
    public static func density(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        exp(lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(nu * Double.pi) - (nu + 1) / 2 * log1p(t * t / nu))
    }

    /// The p-quantile (scipy's `t.ppf(p, nu)`): NaN outside 0 < p < 1 or for ν ≤ 0.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        guard p > 0, p < 1, nu > 0, nu.isFinite else { return .nan }
        if p == 0.5 { return 0 }
        // The smaller tail is passed on as it is (1 − p for p ≥ ½ is exact), never as 1 − (1 − p).
        return p < 0.5 ? -upperQuantile(p, nu) : upperQuantile(1 - p, nu)
    }

    /// The t ≥ 0 with upperTail(t) = q, for 0 < q < ½.
    static func upperQuantile(_ q: Double, _ nu: Double) -> Double {
        // Closed forms where they exist (ν = 1 has the heaviest tails of all).
        if nu == 1 { return 1 / tan(Double.pi * q) }
        if nu == 2 { return (1 - 2 * q) / (2 * q * (1 - q)).squareRoot() }
        // Bracket [lo, hi] with upperTail(lo) > q > upperTail(hi), then Newton's steps kept
        // inside the bracket (bisection when a step leaves it): upperTail decreases in t.
        var lo = 0.0, hi = 1.0
        while upperTail(hi, degreesOfFreedom: nu) > q {
            lo = hi
            hi *= 2
            if hi > 1e300 { return .infinity }
        }
        var t = (lo + hi) / 2
        for _ in 0..<200 {
            let g = upperTail(t, degreesOfFreedom: nu) - q
            if g == 0 { return t }
            if g > 0 { lo = t } else { hi = t }
            var next = t + g / density(t, degreesOfFreedom: nu)
            if !(next > lo && next < hi) { next = (lo + hi) / 2 }
            if abs(next - t) <= 1e-15 * abs(t) || hi - lo <= 4e-16 * hi { return next }
            t = next
        }
        return t
    }

    /// The half-width of the 95% confidence interval of the mean of n values with sample
    /// standard deviation sd: t(0.975, n − 1)·sd/√n. nil for n < 2 (no interval from one value).
    public static func halfWidth95(sd: Double, count n: Int) -> Double? {
        guard n >= 2 else { return nil }
        return quantile(0.975, degreesOfFreedom: Double(n - 1)) * sd / Double(n).squareRoot()
    }

    /// I_x(a, b), the regularized incomplete beta function, given x and 1 − x; by its continued
    /// fraction (modified Lentz), on the side where the fraction converges fast.
    static func regularizedBeta(_ x: Double, _ oneMinusX: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if oneMinusX <= 0 { return 1 }
        let front = exp(a * log(x) + b * log(oneMinusX) - (lgamma(a) + lgamma(b) - lgamma(a + b)))
        if x < (a + 1) / (a + b + 2) {
            return front * betaFraction(x, a: a, b: b) / a
        }
        return 1 - front * betaFraction(oneMinusX, a: b, b: a) / b
    }

    static func betaFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }
}
