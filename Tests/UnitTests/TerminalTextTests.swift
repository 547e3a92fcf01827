import Foundation
@testable import zalando_train
import Reports
import RunRecords
import Support
import Testing
import Training
@testable import TestSupport

struct TerminalTextTests {
    @Test func controlCharactersAreEscaped() {
        #expect(escapedForTerminal("plain γ name") == "plain γ name")
        #expect(escapedForTerminal("a\rb\nc\td\u{1B}e\u{7F}f\u{9B}g\\") == #"a\rb\nc\td\u{1B}e\u{7F}f\u{9B}g\\"#)
    }

    @Test func durationsAreShort() {
        #expect(ProgressBar.duration(0.44) == "0.4s")
        #expect(ProgressBar.duration(42) == "42s")
        #expect(ProgressBar.duration(245) == "4m05s")
        #expect(ProgressBar.duration(7380) == "2h03m")
    }

    @Test func barLineFitsEightyColumns() {
        let line = ProgressBar.line(epoch: 100, epochs: 100, done: 60000, total: 60000, meanCost: 12.3456,
                                    elapsed: 3000, lastEpochSeconds: 3000)
        #expect(line.count <= 80, "\(line.count): \(line)")
        let early = ProgressBar.line(epoch: 1, epochs: 100, done: 600, total: 1200, meanCost: 0.5,
                                     elapsed: 10, lastEpochSeconds: nil)
        // 10 s for half an epoch: 10 s left in it, then 99 epochs of 20 s: 1990 s.
        #expect(early.contains("10s left, run 33m10s"), "\(early)")
    }
}
