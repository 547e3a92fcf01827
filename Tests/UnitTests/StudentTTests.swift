import Testing
@testable import TestSupport
import Reports

/// StudentT's quantiles against scipy's (the golden): the t of every interval compare prints.
struct StudentTTests {
    @Test func quantilesMatchScipyTo1e10() throws {
        let cases = try StudentTGolden.cases()
        #expect(cases.count >= 800)
        #expect((1...30).allSatisfy { nu in cases.contains { $0.nu == Double(nu) && $0.p == 0.975 } })
        for c in cases {
            let q = StudentT.quantile(c.p, degreesOfFreedom: c.nu)
            // 1e-10 absolute; beyond |t| = 10⁴ (ν = ½'s far tails) 1e-10 is under two ulps, so
            // the bound there is relative: 1e-14.
            let bound = abs(c.quantile) > 1e4 ? 1e-14 * abs(c.quantile) : 1e-10
            #expect(abs(q - c.quantile) <= bound, "t.ppf(\(c.p), \(c.nu)) = \(c.quantile), got \(q)")
        }
        #expect(StudentT.quantile(0, degreesOfFreedom: 3).isNaN && StudentT.quantile(1, degreesOfFreedom: 3).isNaN)
        #expect(StudentT.quantile(0.5, degreesOfFreedom: 0).isNaN)
    }

    /// The half-width is t(0.975, n − 1)·sd/√n, none from one value.
    @Test func halfWidthIsTTimesTheStandardError() throws {
        for n in 2...30 {
            let expected = try StudentTGolden.t975(n - 1) * 0.5 / Double(n).squareRoot()
            let got = try #require(StudentT.halfWidth95(sd: 0.5, count: n))
            #expect(abs(got - expected) <= 1e-12, "n = \(n)")
        }
        #expect(StudentT.halfWidth95(sd: 0.5, count: 1) == nil)
    }
}
