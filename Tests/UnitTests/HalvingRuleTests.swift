import Foundation
@testable import zalando_train
import Sweeps
import Testing
@testable import TestSupport

/// The rule itself, on hand-made rungs (what a worker sees), against values worked out by hand.
struct HalvingRuleTests {
    typealias E = HalvingEntry
    let rule = Halving(metric: "val_accuracy", minEpochs: 1, reduction: 3)

    @Test func rungsAreMinTimesEtaToTheKThenTheEpochs() {
        #expect(rule.rungs(epochs: 9) == [1, 3, 9])
        #expect(rule.rungs(epochs: 10) == [1, 3, 9, 10])
        #expect(rule.rungs(epochs: 2) == [1, 2])
        #expect(Halving(minEpochs: 2, reduction: 2).rungs(epochs: 20) == [2, 4, 8, 16, 20])
    }

    @Test func theBestThirdOfARungGoesOnItselfIncluded() {
        // Rung 0 holds 0.5, 0.7, 0.6: ⌊3/3⌋ = 1, the 0.7 run is promoted to rung 1.
        let entries = [E(id: "a", values: [0.5], status: .stopped), E(id: "b", values: [0.7], status: .stopped),
                       E(id: "c", values: [0.6], status: .stopped), E(id: "d", values: [], status: .new)]
        #expect(rule.next(entries, rungCount: 3) == .train(id: "b", rung: 1))
        // Two at rung 0 and a new run left: ⌊2/3⌋ = 0, so the new run starts.
        #expect(rule.next(Array(entries.prefix(2)) + [entries[3]], rungCount: 3) == .train(id: "d", rung: 0))
        // Once b is promoted (it reached rung 1), nobody else of rung 0 is in the top third.
        var promoted = entries
        promoted[1] = E(id: "b", values: [0.7, 0.8], status: .stopped)
        #expect(rule.next(promoted, rungCount: 3) == .train(id: "d", rung: 0))
        // For a cost, lower is better.
        let cost = Halving(metric: "val_cost", minEpochs: 1, reduction: 3)
        #expect(cost.next(entries, rungCount: 3) == .train(id: "a", rung: 1))
    }

    @Test func theHighestRungFirstThenResumesBeforeEverything() {
        let entries = (0..<9).map { i in E(id: "r\(i)", values: [Double(i)], status: .stopped) }
            + (0..<3).map { i in E(id: "s\(i)", values: [Double(20 + i), Double(i)], status: .stopped) }
        // Rung 1 (3 runs) promotes s2 before rung 0 promotes anyone.
        #expect(rule.next(entries, rungCount: 3) == .train(id: "s2", rung: 2))
        #expect(rule.next(entries + [E(id: "z", values: [], status: .resumable(1))], rungCount: 3) == .train(id: "z", rung: 1))
    }

    @Test func theEndPromotesTheBestOfRungsThatCanNoLongerGrow() {
        let two = [E(id: "a", values: [0.5], status: .stopped), E(id: "b", values: [0.7], status: .stopped)]
        #expect(rule.next(two, rungCount: 3) == .train(id: "b", rung: 1))
        // While a unit toward rung 0 is in flight, rung 0 may still grow: wait.
        #expect(rule.next(two + [E(id: "c", values: [], status: .inFlight(0))], rungCount: 3) == .wait)
        // A unit in flight toward rung 2 does not hold rung 0 back... but rung 0 has its one already.
        let later = [E(id: "a", values: [0.5], status: .stopped), E(id: "b", values: [0.7, 0.9], status: .inFlight(2))]
        #expect(rule.next(later, rungCount: 3) == .wait)
        let finished = [E(id: "a", values: [0.5], status: .stopped), E(id: "b", values: [0.7, 0.9, 0.95], status: .done)]
        #expect(rule.next(finished, rungCount: 3) == .done)
        // NaN (a metric missing) ranks last.
        let nan = [E(id: "a", values: [.nan], status: .stopped), E(id: "b", values: [0.1], status: .stopped)]
        #expect(rule.next(nan, rungCount: 2) == .train(id: "b", rung: 1))
    }
}
