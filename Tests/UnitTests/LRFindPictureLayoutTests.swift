import Foundation
import Optimization
@testable import Reports
import Testing
@testable import TestSupport

/// lr-find's picture names up to three suggestions per optimizer, and with several optimizers
/// they crowd around the same few rates: no two names may overlap, none may cover the legend,
/// and each stays inside the plot. Parsed from the SVG, with text width estimated as the chart
/// code does (0.6 em per character; mark names 11 px, the legend 12 px).
struct LRFindPictureLayoutTests {
    struct Box: CustomStringConvertible {
        let text: String, left: Double, top: Double, right: Double, bottom: Double
        /// Boxes that only touch do not overlap. The SVG writes coordinates to 0.1 px, and a box
        /// rebuilt from them (y − 10 against y + 3) can miss its neighbour's edge by 1e-14.
        func overlaps(_ o: Box) -> Bool {
            let slack = 1e-6
            return left < o.right - slack && o.left < right - slack && top < o.bottom - slack && o.top < bottom - slack
        }
        var description: String { "'\(text)' [\(left), \(right)]×[\(top), \(bottom)]" }
    }

    static func width(_ text: String, fontSize: Double) -> Double { Double(text.count) * 0.6 * fontSize }

    /// A range test replaying one of fastai's recorded loss sequences (Tests/Goldens/lr-find).
    static func replay(_ name: String) throws -> LRRangeTest {
        let c = try #require(LRRangeTestTests.cases.first { $0.name == name }, "golden case \(name)")
        let losses = try LRRangeTestTests.record(name).map(\.loss)
        var test = LRRangeTest(startRate: c.start, endRate: c.end, iterations: c.iterations)
        var fed = 0
        while test.nextRate != nil, fed < losses.count { test.record(loss: losses[fed]); fed += 1 }
        return test
    }

    /// The mark names' boxes, the legend entries' boxes (sample line and name) and the plot frame.
    static func layout(_ svg: String) throws -> (labels: [Box], legend: [Box], plot: Box) {
        let elements = try SVGElements.parse(svg)
        var labels: [Box] = [], legend: [Box] = [], inMark = false
        for e in elements {
            if e.name == "g" { inMark = e.attributes["class"] == "mark" }
            guard e.name == "text", let x = Double(e.attributes["x"] ?? ""), let y = Double(e.attributes["y"] ?? "") else { continue }
            if inMark {
                #expect(e.attributes["text-anchor"] == nil, "mark names start at x")
                #expect(e.attributes["font-size"] == "11")
                labels.append(Box(text: e.text, left: x, top: y - 10, right: x + width(e.text, fontSize: 11), bottom: y + 3))
                inMark = false
            } else if e.attributes["class"] == "legend" {
                legend.append(Box(text: e.text, left: x - 44, top: y - 11, right: x + width(e.text, fontSize: 12), bottom: y + 3))
            }
        }
        let frame = try #require(elements.first { $0.name == "rect" && $0.attributes["stroke"] == "#333" })
        let (fx, fy) = (Double(frame.attributes["x"]!)!, Double(frame.attributes["y"]!)!)
        let (fw, fh) = (Double(frame.attributes["width"]!)!, Double(frame.attributes["height"]!)!)
        return (labels, legend, Box(text: "plot", left: fx, top: fy, right: fx + fw, bottom: fy + fh))
    }

    static func checkNoOverlap(_ tests: [(optimizer: String, test: LRRangeTest)]) throws {
        let (labels, legend, plot) = try layout(LRFindReport.svg(tests: tests))
        let expected = tests.map { t in
            let s = t.test.suggestions()
            return [s.valley, s.steep, s.minimum].compactMap { $0 }.count
        }.reduce(0, +)
        #expect(labels.count == expected, "one name per suggestion")
        #expect(legend.count == tests.count)
        for (i, a) in labels.enumerated() {
            for b in labels[(i + 1)...] { #expect(!a.overlaps(b), "\(a) overlaps \(b)") }
            for l in legend { #expect(!a.overlaps(l), "\(a) overlaps the legend's \(l)") }
            #expect(a.left >= plot.left && a.right <= plot.right && a.top >= plot.top && a.bottom <= plot.bottom, "\(a) outside \(plot)")
        }
    }

    @Test func theWidthEstimateIsTheChartCodes() {
        for text in ["valley 1.32e-02", "minimum 5.25e-02", "x"] {
            #expect(SVGChart.textWidth(text, fontSize: 11) == Self.width(text, fontSize: 11))
        }
    }

    @Test func threeOptimizersNamesApart() throws {
        try Self.checkNoOverlap(try ["clean-u", "noisy-u", "long-noisy"].map { (optimizer: $0, test: try Self.replay($0)) })
    }

    @Test func sixOptimizersNamesApart() throws {
        let names = ["clean-u", "noisy-u", "very-noisy-u", "long-noisy", "early-divergence", "plateau"]
        try Self.checkNoOverlap(try names.map { (optimizer: $0, test: try Self.replay($0)) })
    }

    /// The worst case: six optimizers with the same curve put every suggestion of each on the
    /// same ring, 6 names per ring.
    @Test func sixIdenticalCurvesNamesApart() throws {
        let test = try Self.replay("noisy-u")
        try Self.checkNoOverlap(["sgd", "momentum", "nesterov", "rmsprop", "adam", "nadam"].map { (optimizer: $0, test: test) })
    }
}
