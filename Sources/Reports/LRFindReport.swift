import Foundation
import Optimization
import Support

/// lr-find's output (DESIGN.md "lr-find"): CSV rows `optimizer,iteration,lr,loss,smoothed_loss`,
/// one `suggestion` line per optimizer, and the picture: smoothed loss against rate on a log
/// axis, one curve per optimizer, the suggestions marked and named.
public enum LRFindReport {
    public static let csvHeader = "optimizer,iteration,lr,loss,smoothed_loss"

    /// Shortest round-trip decimals (the test recomputes from them).
    public static func csvRow(optimizer: String, _ p: LRRangeTest.Point) -> String {
        "\(optimizer),\(p.iteration),\(p.rate),\(p.loss),\(p.smoothedLoss)"
    }

    /// `suggestion adam valley=0.00123 steep=… minimum=…`; `none` where fastai's function has
    /// no answer (too few points).
    public static func suggestionLine(optimizer: String, _ s: LRSuggestions) -> String {
        func value(_ v: Double?) -> String { v.map { "\($0)" } ?? "none" }
        return "suggestion \(optimizer) valley=\(value(s.valley)) steep=\(value(s.steep)) minimum=\(value(s.minimum))"
    }

    /// Why the test ended, for standard error.
    public static func stopNote(optimizer: String, _ test: LRRangeTest) -> String {
        let n = test.points.count
        switch test.stop {
        case .diverged?: return "\(optimizer): stopped after \(n) updates: the smoothed loss exceeded 4× its minimum"
        case .notFinite?: return "\(optimizer): stopped after \(n) updates: the smoothed loss is not finite"
        default: return "\(optimizer): \(n) updates"
        }
    }

    public static func svg(tests: [(optimizer: String, test: LRRangeTest)], title: String? = nil, scale: ChartStyle.Scale = .linear) -> String {
        var marks: [ChartMark] = []
        let series = tests.enumerated().map { k, entry in
            let s = entry.test.suggestions()
            let range = entry.test.suggestionRange
            let points = entry.test.points
            for (name, index) in [("valley", s.valleyIndex), ("steep", s.steepIndex), ("minimum", s.minimumIndex)] {
                guard let index else { continue }
                let p = points[range.lowerBound + index]
                // minimum's suggestion is the rate of the lowest loss divided by 10: marked there, named so.
                let rate = name == "minimum" ? s.minimum! : name == "valley" ? s.valley! : s.steep!
                marks.append(ChartMark(name: "\(name) \(formatScientific(rate, digits: 2))", series: entry.optimizer,
                                       x: p.rate, y: p.smoothedLoss, style: k))
            }
            return ChartSeries(name: entry.optimizer, points: points.map { (x: $0.rate, y: $0.smoothedLoss) }, style: k,
                               valueName: "smoothed loss")
        }
        var panel = ChartPanel(title: "LR range test", xLabel: "learning rate (log scale)", yLabel: "smoothed minibatch loss",
                               series: series, scale: scale)
        panel.logX = true
        panel.marks = marks
        // The y axis leaves out each test's last 5 points, as fastai's plot_lr_find does
        // (skip_end=5, the points the suggestions skip too): a test that stops at 4× its minimum
        // (rmsprop's 53 against 2.4) would squash every other curve into a flat line. What rises
        // above is cut at the frame.
        let kept = tests.flatMap { $0.test.points.dropLast($0.test.points.count > 10 ? 5 : 0).map(\.smoothedLoss) }.filter(\.isFinite)
        let all = tests.flatMap { $0.test.points.map(\.smoothedLoss) }.filter(\.isFinite)
        if let low = all.min(), let high = kept.max(), high > low { panel.yBounds = low...high }
        let names = tests.map(\.optimizer)
        return SVGChart.document(title: title ?? "LR Range Test: " + names.joined(separator: ", "), panels: [panel], legend: names,
                                 notes: ["marked: fastai's suggestions (minimum is marked at the lowest loss; its rate is that one's ÷ 10)",
                                         "y axis: as fastai's plot, without each test's last 5 points (a diverging end is cut at the frame)"],
                                 panelWidth: 720, panelHeight: 420)
    }
}
