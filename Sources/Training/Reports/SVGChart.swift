import Foundation

/// Self-contained SVG line charts, drawn by hand (no browser, no network): panels with axes,
/// "nice" ticks (linear or log10), axis labels with units, one polyline per series, a legend.
/// Elements carry classes (`series`, `legend`, `axis-label`, `tick`) so tests can check structure.
public struct ChartSeries: Sendable {
    public let name: String
    public let points: [(x: Double, y: Double)]
    public var showMarkers = false
    public init(name: String, points: [(x: Double, y: Double)], showMarkers: Bool = false) {
        self.name = name
        self.points = points
        self.showMarkers = showMarkers
    }
}

public struct ChartPanel: Sendable {
    public let title: String
    public let xLabel: String
    public let yLabel: String
    public let series: [ChartSeries]
    public var logY = false
    public var yAsPercent = false
    public init(title: String, xLabel: String, yLabel: String, series: [ChartSeries], logY: Bool = false, yAsPercent: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logY = logY
        self.yAsPercent = yAsPercent
    }
}

public enum SVGChart {
    /// Ten distinguishable colours (Tableau 10), cycled.
    public static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                 "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    /// Panels side by side with a shared legend (series are matched across panels by index).
    public static func document(panels: [ChartPanel], title: String, panelWidth: Double = 480, panelHeight: Double = 340) -> String {
        let names = panels.first?.series.map(\.name) ?? []
        let legendRows = (names.count + 1) / 2
        let width = panelWidth * Double(panels.count) + 40
        let height = 40 + panelHeight + 30 + Double(legendRows) * 20 + 10
        var svg = header(width: width, height: height)
        svg += "<text class=\"title\" x=\"\(fmt(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">\(escape(title))</text>\n"
        for (i, panel) in panels.enumerated() {
            svg += draw(panel, x: 20 + Double(i) * panelWidth, y: 40, width: panelWidth, height: panelHeight)
        }
        svg += legend(names, x: 60, y: 40 + panelHeight + 30, columnWidth: (width - 80) / 2)
        return svg + "</svg>\n"
    }

    static func header(width: Double, height: Double) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(fmt(width))" height="\(fmt(height))" viewBox="0 0 \(fmt(width)) \(fmt(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>

        """
    }

    static func legend(_ names: [String], x: Double, y: Double, columnWidth: Double) -> String {
        var svg = "<g class=\"legend-box\">\n"
        for (i, name) in names.enumerated() {
            let lx = x + Double(i % 2) * columnWidth, ly = y + Double(i / 2) * 20
            let color = palette[i % palette.count]
            svg += "<line x1=\"\(fmt(lx))\" y1=\"\(fmt(ly - 4))\" x2=\"\(fmt(lx + 24))\" y2=\"\(fmt(ly - 4))\" stroke=\"\(color)\" stroke-width=\"3\"/>\n"
            svg += "<text class=\"legend\" x=\"\(fmt(lx + 30))\" y=\"\(fmt(ly))\">\(escape(name))</text>\n"
        }
        return svg + "</g>\n"
    }

    /// A linear or log axis mapping data to pixels, with its ticks.
    struct Axis {
        let low: Double, high: Double, log: Bool
        let ticks: [Double]
        /// Values beyond ±1e300 (or ≤ 1e-300 on a log axis) are left off: they only come from
        /// broken logs, and they overflow the arithmetic below (found by make fuzz: a zero tick
        /// step trapped in `stride`).
        static func plottable(_ v: Double, log: Bool) -> Bool { v.isFinite && abs(v) < 1e300 && (!log || v > 1e-300) }

        init(values: [Double], log: Bool, includeZero: Bool = false) {
            self.log = log
            var finite = values.filter { Axis.plottable($0, log: log) }
            if finite.isEmpty { finite = [log ? 1 : 0, log ? 10 : 1] }
            if includeZero && !log { finite.append(0) }
            var lo = finite.min()!, hi = finite.max()!
            if log {
                let lowExponent = Foundation.log10(lo).rounded(.down)
                var highExponent = Foundation.log10(hi).rounded(.up)
                if highExponent <= lowExponent { highExponent = lowExponent + 1 }
                let decades = Int(highExponent - lowExponent)
                let every = max(1, (decades + 7) / 8)  // at most about 8 labelled decades
                var t = stride(from: 0, through: decades, by: every).map { pow(10, lowExponent + Double($0)) }
                if decades <= 2 {  // few decades: add 2× and 5× ticks
                    t = t.flatMap { [$0, 2 * $0, 5 * $0] }.filter { $0 <= pow(10, highExponent) * 1.0001 }
                }
                ticks = t
                lo = pow(10, lowExponent)
                hi = pow(10, highExponent)
            } else {
                let magnitude = max(abs(lo), abs(hi))
                if !(hi - lo > magnitude * 1e-9) {
                    let pad = max(magnitude * 0.05, 0.5)
                    lo -= pad
                    hi += pad
                }
                let step = Axis.niceStep((hi - lo) / 5)
                lo = (lo / step).rounded(.down) * step
                hi = (hi / step).rounded(.up) * step
                let count = min(Int(((hi - lo) / step).rounded()), 20)
                ticks = (0...max(count, 1)).map { lo + Double($0) * step }
            }
            low = lo
            high = hi
        }
        static func niceStep(_ raw: Double) -> Double {
            let magnitude = pow(10, Foundation.log10(raw).rounded(.down))
            let fraction = raw / magnitude
            return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude
        }
        func position(_ v: Double) -> Double {
            log ? (Foundation.log10(max(v, low * 1e-3)) - Foundation.log10(low)) / (Foundation.log10(high) - Foundation.log10(low))
                : (v - low) / (high - low)
        }
    }

    static func tickLabel(_ v: Double, percent: Bool, log: Bool) -> String {
        if percent { return formatCompact((v * 1000).rounded() / 10) + "%" }
        if abs(v) >= 1e5 || (abs(v) < 1e-3 && v != 0) { return formatScientific(v, digits: 0) }
        return formatCompact((v * 1e6).rounded() / 1e6)
    }

    /// One panel: frame, ticks with grid lines, axis labels, the series clipped to the plot.
    static func draw(_ panel: ChartPanel, x: Double, y: Double, width: Double, height: Double) -> String {
        let left = x + 64, right = x + width - 16, top = y + 24, bottom = y + height - 44
        let xs = panel.series.flatMap { $0.points.map(\.x) }
        let ys = panel.series.flatMap { $0.points.map(\.y) }
        let xAxis = Axis(values: xs, log: false)
        let yAxis = Axis(values: ys, log: panel.logY)
        func px(_ v: Double) -> Double { left + xAxis.position(v) * (right - left) }
        func py(_ v: Double) -> Double { bottom - yAxis.position(v) * (bottom - top) }
        let clip = "clip\(Int(x))"
        var svg = "<g class=\"panel\">\n"
        svg += "<defs><clipPath id=\"\(clip)\"><rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(right - left))\" height=\"\(fmt(bottom - top))\"/></clipPath></defs>\n"
        svg += "<text class=\"panel-title\" x=\"\(fmt((left + right) / 2))\" y=\"\(fmt(y + 14))\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escape(panel.title))</text>\n"
        svg += frame(xAxis: xAxis, yAxis: yAxis, left: left, right: right, top: top, bottom: bottom,
                     xLabel: panel.xLabel, yLabel: panel.yLabel, yLabelX: x + 16, yAsPercent: panel.yAsPercent)
        for (i, series) in panel.series.enumerated() {
            let color = palette[i % palette.count]
            let visible = series.points.filter { Axis.plottable($0.y, log: panel.logY) && Axis.plottable($0.x, log: false) }
            let points = visible.map { "\(fmt(px($0.x))),\(fmt(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline class=\"series\" data-series=\"\(escape(series.name))\" clip-path=\"url(#\(clip))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"\(points)\"/>\n"
            if series.showMarkers {
                for p in visible {
                    svg += "<circle cx=\"\(fmt(px(p.x)))\" cy=\"\(fmt(py(p.y)))\" r=\"2.5\" fill=\"\(color)\" clip-path=\"url(#\(clip))\"/>\n"
                }
            }
        }
        return svg + "</g>\n"
    }

    /// Grid lines and tick labels of both axes, the plot's border and the axis labels.
    static func frame(xAxis: Axis, yAxis: Axis, left: Double, right: Double, top: Double, bottom: Double,
                      xLabel: String, yLabel: String, yLabelX: Double, yAsPercent: Bool = false) -> String {
        func px(_ v: Double) -> Double { left + xAxis.position(v) * (right - left) }
        func py(_ v: Double) -> Double { bottom - yAxis.position(v) * (bottom - top) }
        var svg = ""
        for t in xAxis.ticks {
            svg += "<line class=\"grid\" x1=\"\(fmt(px(t)))\" y1=\"\(fmt(top))\" x2=\"\(fmt(px(t)))\" y2=\"\(fmt(bottom))\" stroke=\"#e5e5e5\"/>\n"
            svg += "<text class=\"tick\" x=\"\(fmt(px(t)))\" y=\"\(fmt(bottom + 16))\" text-anchor=\"middle\">\(tickLabel(t, percent: false, log: xAxis.log))</text>\n"
        }
        for t in yAxis.ticks {
            svg += "<line class=\"grid\" x1=\"\(fmt(left))\" y1=\"\(fmt(py(t)))\" x2=\"\(fmt(right))\" y2=\"\(fmt(py(t)))\" stroke=\"#e5e5e5\"/>\n"
            svg += "<text class=\"tick\" x=\"\(fmt(left - 6))\" y=\"\(fmt(py(t) + 4))\" text-anchor=\"end\">\(tickLabel(t, percent: yAsPercent, log: yAxis.log))</text>\n"
        }
        svg += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(right - left))\" height=\"\(fmt(bottom - top))\" fill=\"none\" stroke=\"#333\"/>\n"
        svg += "<text class=\"axis-label\" x=\"\(fmt((left + right) / 2))\" y=\"\(fmt(bottom + 36))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        svg += "<text class=\"axis-label\" transform=\"translate(\(fmt(yLabelX)),\(fmt((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        return svg
    }

    static func fmt(_ v: Double) -> String { formatFixed(v, digits: 1) }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Writes `svg` to `path` atomically.
    public static func write(_ svg: String, to path: String) throws {
        try AtomicFile.write(Array(svg.utf8), to: path)
    }
}

extension RunComparison {
    /// Cost against epoch and the metric against epoch, one line per run.
    public static func chart(_ runs: [RunHistory], metric: Metric, logCost: Bool) -> String {
        let cost = ChartPanel(title: "Training cost", xLabel: "epoch", yLabel: "mean cross-entropy (train)" + (logCost ? ", log scale" : ""),
                              series: runs.map { run in ChartSeries(name: run.name, points: run.epochs.map { (Double($0.epoch), $0.trainCost) }) },
                              logY: logCost)
        let shown: Metric = metric == .trainCost ? .testAccuracy : metric
        let accuracy = ChartPanel(title: shown.isAccuracy ? shown.rawValue.replacingOccurrences(of: "_", with: " ").capitalized : shown == .valCost ? "Validation cost" : "Test cost",
                                  xLabel: "epoch", yLabel: shown.isAccuracy ? "accuracy (%)" : shown == .valCost ? "mean cross-entropy (validation)" : "mean cross-entropy (test)",
                                  series: runs.map { run in ChartSeries(name: run.name, points: run.epochs.map { (Double($0.epoch), $0.value(of: shown)) }) },
                                  logY: !shown.isAccuracy && logCost, yAsPercent: shown.isAccuracy)
        return SVGChart.document(panels: [cost, accuracy], title: "zalando-train: \(runs.count) run\(runs.count == 1 ? "" : "s")")
    }
}
