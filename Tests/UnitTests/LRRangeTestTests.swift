import Foundation
import Optimization
import Testing
@testable import TestSupport

/// The LR range test against fastai's own `Learner.lr_find` (Tests/Goldens/lr-find, made by
/// scripts/golden_lr_find.py): each case replays the raw minibatch losses fastai was fed, and
/// checks the rates, the smoothing, where the test stops, the points the suggestions use, and
/// the suggestions themselves (exactly).
struct LRRangeTestTests {
    static let folder = TestPaths.packageRoot.appendingPathComponent("Tests/Goldens/lr-find")

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String, start: Double, end: Double, iterations: Int
        let stop: Int, reason: String, first: Int, last: Int
        let valley: Double?, steep: Double?, minimum: Double?
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("suggestions.csv"), encoding: .utf8) else { return [] }
        return csvRows(text).dropFirst().filter { $0.count == 11 }.map { r in
            Case(name: r[0], start: Double(r[1])!, end: Double(r[2])!, iterations: Int(r[3])!, stop: Int(r[4])!,
                 reason: r[5], first: Int(r[6])!, last: Int(r[7])!,
                 valley: Double(r[8]), steep: Double(r[9]), minimum: Double(r[10]))
        }
    }()

    /// fastai's record: iteration, lr, raw loss, smoothed loss (NaN where fastai trained on).
    static func record(_ name: String) throws -> [(lr: Double, loss: Double, smoothed: Double)] {
        let text = try String(contentsOf: folder.appendingPathComponent("\(name).csv"), encoding: .utf8)
        let rows = csvRows(text)
        #expect(rows[0] == ["iteration", "lr", "loss", "smoothed_loss"])
        return rows.dropFirst().filter { $0.count == 4 }.map { (Double($0[1])!, Double($0[2])!, Double($0[3])!) }
    }

    @Test func casesExist() {
        #expect(LRRangeTestTests.cases.count >= 8)
        #expect(Set(LRRangeTestTests.cases.map(\.reason)) == ["diverged", "completed", "not-finite"])
    }

    @Test(arguments: cases)
    func replaysFastai(_ c: Case) throws {
        let fastai = try LRRangeTestTests.record(c.name)
        var test = LRRangeTest(startRate: c.start, endRate: c.end, iterations: c.iterations)
        var fed = 0
        while let rate = test.nextRate {
            try #require(fed < fastai.count, "\(c.name): still running after fastai's \(fastai.count) points")
            // fastai's rate for this update (Python's start·(end/start)**(i/N): the same bits).
            #expect(rate == fastai[fed].lr, "\(c.name) i=\(fed): rate \(rate), fastai \(fastai[fed].lr)")
            let going = test.record(loss: fastai[fed].loss)
            fed += 1
            #expect(going == (test.nextRate != nil))
        }
        // Stops where the rule (and fastai, but for NaN) stops, that point recorded.
        #expect(test.points.count == c.stop + 1, "\(c.name): stopped after \(test.points.count) points")
        #expect(test.stop?.rawValue == c.reason)
        // The smoothing: fastai's float32 AvgSmoothLoss, bit for bit.
        var different = 0
        for (point, f) in zip(test.points, fastai) where !(point.smoothedLoss == f.smoothed || (point.smoothedLoss.isNaN && f.smoothed.isNaN)) {
            different += 1
            if different <= 3 { Issue.record("\(c.name) i=\(point.iteration): smoothed \(point.smoothedLoss), fastai \(f.smoothed)") }
        }
        #expect(different == 0)
        // The points the suggestions use, and the suggestions on our own record.
        if c.last >= c.first {
            #expect(test.suggestionRange == c.first..<(c.last + 1))
        } else {
            #expect(test.suggestionRange.isEmpty)
        }
        let ours = test.suggestions()
        #expect(ours.valley == c.valley, "\(c.name): valley \(String(describing: ours.valley))")
        #expect(ours.steep == c.steep, "\(c.name): steep \(String(describing: ours.steep))")
        #expect(ours.minimum == c.minimum, "\(c.name): minimum \(String(describing: ours.minimum))")
    }

    /// fastai's suggestion functions on fastai's own recorded points: exactly its answers.
    @Test(arguments: cases)
    func suggestionsOnFastaisRecord(_ c: Case) throws {
        let fastai = try LRRangeTestTests.record(c.name)
        let range = c.last >= c.first ? Array(fastai[c.first...c.last]) : []
        let s = LRSuggestions(rates: range.map(\.lr), losses: range.map(\.smoothed))
        #expect(s.valley == c.valley && s.steep == c.steep && s.minimum == c.minimum,
                "\(c.name): \(String(describing: s.valley)) \(String(describing: s.steep)) \(String(describing: s.minimum))")
    }

    @Test func fewerThanSixIterationsRunSix() {
        let test = LRRangeTest(startRate: 1e-3, endRate: 1, iterations: 2)
        #expect(test.iterations == 6)
        #expect(test.rate(at: 3) == 1e-3 * pow(1000, 0.5))
    }

    @Test func nothingIsRecordedAfterTheStop() {
        var test = LRRangeTest(startRate: 1e-4, endRate: 1, iterations: 10)
        let first = test.record(loss: 1)
        let second = test.record(loss: 30)  // smoothed (0.98·0.02·1 + 0.02·30)/(1 − 0.98²) ≈ 15.6 > 4·1
        #expect(first && !second)
        #expect(test.stop == .diverged)
        #expect(test.nextRate == nil)
        let after = test.record(loss: 1)
        #expect(!after)
        #expect(test.points.count == 2)
    }

    /// The smoothing of DESIGN.md, by hand: avg ← β·avg + (1−β)·loss, avg/(1 − β^(i+1)).
    @Test func smoothingIsDebiased() {
        var test = LRRangeTest(iterations: 100)
        test.record(loss: 2)
        test.record(loss: 1)
        #expect(abs(test.points[0].smoothedLoss - 2) < 4e-6)  // debiased: the first point is the loss
        let avg = 0.98 * (0.02 * 2) + 0.02 * 1
        #expect(abs(test.points[1].smoothedLoss - avg / (1 - 0.98 * 0.98)) < 4e-6)  // 1.4949… (float32)
    }

    /// valley's quirks, against fastai's code by hand: a strictly decreasing record starts its
    /// stretch at −1, and two decreasing points give Python's lrs[-1].
    @Test func valleyQuirks() {
        let two = LRSuggestions(rates: [1, 2], losses: [2, 1])
        #expect(two.valleyIndex == 1)
        // n = 9 decreasing: start −1, end 8, sections 3: idx = −1 + 3 + 1 = 3.
        let nine = LRSuggestions(rates: (1...9).map(Double.init), losses: (1...9).map { 10 - Double($0) })
        #expect(nine.valleyIndex == 3)
        #expect(nine.steepIndex == 7)  // the steepest against log lr: the last step
        #expect(nine.minimumIndex == 8 && nine.minimum == 0.9)
        let none = LRSuggestions(rates: [], losses: [])
        #expect(none.valley == nil && none.steep == nil && none.minimum == nil)
    }
}
