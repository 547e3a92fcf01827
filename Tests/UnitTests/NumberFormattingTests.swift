import Reports
import RunRecords
import Support
import Testing
import Training
@testable import TestSupport

/// Numbers as the epoch line and the CSV write them; expectations are Python's "%" formatting
/// of the same Doubles (C printf rounding).
struct NumberFormattingTests {
    @Test func fixedAndScientificMatchPrintf() {
        #expect(formatFixed(0.4465170664998904, digits: 4) == "0.4465")
        #expect(formatFixed(0.00005, digits: 4) == "0.0001")
        #expect(formatScientific(0.001, digits: 2) == "1.00e-03")
        #expect(formatScientific(-2.5e-7, digits: 3) == "-2.500e-07")
    }

    /// A huge finite cost needs more than the first 64-character buffer: never cut off.
    @Test func hugeValuesAreWrittenWhole() {
        let text = formatFixed(1e100, digits: 2)
        #expect(text == "10000000000000000159028911097599180468360808563945281389781327557747838772170381060813469985856815104.00")
        #expect(formatFixed(-Double.greatestFiniteMagnitude, digits: 1).count == 312)  // Python: len("%.1f" % -1.7976931348623157e308)
    }

    @Test func compactDropsATrailingPointZero() {
        #expect(formatCompact(100) == "100")
        #expect(formatCompact(0.1) == "0.1")
        #expect(formatCompact(1e-05) == "1e-05")
    }
}
