import Foundation
import Support

/// Self-contained SVG line charts, drawn by hand (no browser, no network): a title, panels with
/// axes, ticks (linear or log10, chosen by the data unless told), axis labels with units, one
/// line per series told apart by colour, dash pattern and marker, optionally a band around it,
/// a legend beside or below the panels and notes below them for anything that could not be
/// drawn. Elements carry classes (`series`, `band`, `legend`, `axis-label`, `tick`, `note`) and
/// data attributes so tests can check structure.
public struct ChartSeries: Sendable {
    public let name: String
    public let points: [(x: Double, y: Double)]
    /// Which legend entry (colour, dash, marker) this line takes.
    public var style: Int
    /// A companion line of the same run (held-out cost beside training cost): same colour and
    /// marker, dotted, hollow markers.
    public var companion = false
    /// What the values are, for the hover text (default: the panel's title).
    public var valueName: String?
    /// The look when it is not the style's (compare's: chosen by the configuration's id).
    public var look: ChartLook?
    /// Written as `data-config` on every element drawn for this series.
    public var config: String?
    /// A shaded band from `low` to `high` around the line (compare's ± sd over seeds).
    public var band: [(x: Double, low: Double, high: Double)] = []
    public init(name: String, points: [(x: Double, y: Double)], style: Int, companion: Bool = false, valueName: String? = nil) {
        self.valueName = valueName
        self.name = name
        self.points = points
        self.style = style
        self.companion = companion
    }
    var resolvedLook: ChartLook { look ?? ChartStyle.look(style) }
}

public struct ChartPanel: Sendable {
    public let title: String
    public let xLabel: String
    public let yLabel: String
    public let series: [ChartSeries]
    public var scale: ChartStyle.Scale
    public var yAsPercent = false
    /// A short key drawn inside the panel (e.g. "solid: training · dotted: test").
    public var key: String?
    /// A log10 x axis (lr-find's rates).
    public var logX = false
    /// Named points drawn on top of the series (lr-find's suggestions).
    public var marks: [ChartMark] = []
    /// Vertical intervals (compare --by's 95% intervals over seeds), in their series' colour.
    public var errorBars: [ChartErrorBar] = []
    /// The values the quantity can take (an accuracy: 0…1). The axis stays within them, so a
    /// Student-t interval of two seeds ([-253%, 319%]) or a band of mean ± sd past 100% does
    /// not squash the means into a line; what reaches beyond is cut at the frame. The elements'
    /// data attributes keep the true bounds.
    public var yBounds: ClosedRange<Double>?
    public init(title: String, xLabel: String, yLabel: String, series: [ChartSeries], scale: ChartStyle.Scale = .auto,
                yAsPercent: Bool = false, key: String? = nil) {
        self.title = ChartStyle.titleCase(title)
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.scale = scale
        self.yAsPercent = yAsPercent
        self.key = key
    }
    /// Whether the y axis is logarithmic: as asked, or chosen by the data.
    public var logY: Bool {
        switch scale {
        case .log: return true
        case .linear: return false
        case .auto: return !yAsPercent && ChartStyle.prefersLog(series.flatMap { $0.points.map(\.y) })
        }
    }
}

/// A vertical interval from `low` to `high` at `x`, with caps, in the colour of style `style`.
public struct ChartErrorBar: Sendable {
    public let series: String, x: Double, low: Double, high: Double, style: Int
    /// Written as `data-config` on the bar (a sensitivity chart's bar is one configuration's).
    public var config: String?
    public init(series: String, x: Double, low: Double, high: Double, style: Int) {
        self.series = series; self.x = x; self.low = low; self.high = high; self.style = style
    }
}

/// A named point on a panel, in the colour of series style `style` (or `look`'s).
public struct ChartMark: Sendable {
    public let name: String, series: String, x: Double, y: Double, style: Int
    public var look: ChartLook?
    /// Written as `data-config` on the mark.
    public var config: String?
    /// Whether the name is written beside the point (compare's best-epoch rings are explained
    /// once in the key instead: one label per configuration would pile up).
    public var labelled = true
    /// The mark's class: `mark`, or compare's `best`.
    public var role = "mark"
    public init(name: String, series: String, x: Double, y: Double, style: Int) {
        self.name = name; self.series = series; self.x = x; self.y = y; self.style = style
    }
}

/// One legend entry: a sample of the line (and of its band) and the name.
public struct LegendEntry: Sendable {
    public let name: String
    public let look: ChartLook
    public var config: String?
    public var band = false
    public init(name: String, look: ChartLook, config: String? = nil, band: Bool = false) {
        self.name = name; self.look = look; self.config = config; self.band = band
    }
}

/// Sizes of a picture. `wide` is for a screen: panels side by side at the caller's width, the
/// legend to their right. `column` and `paper` are for print at the width of one column of a
/// paper (3.5 in, DESIGN "compare") or its full text width (6.5 in): the picture is that many CSS pixels wide
/// (librsvg writes a PDF at 96 px to the inch), the legend goes below the panels, and no text
/// is smaller than 7 pt when printed at that size (`minimumFont`).
public struct ChartLayout: Sendable {
    public enum Width: String, CaseIterable, Sendable { case column, paper, wide }
    public let width: Width
    public var panelWidth: Double
    public var panelHeight: Double
    /// Panels per row (nil: all in one row).
    public var columns: Int?
    public var legendBelow: Bool
    /// Ticks, axis labels, legend.
    public var font: Double
    public var titleFont: Double
    public var panelTitleFont: Double
    /// Keys, notes, mark labels.
    public var smallFont: Double
    /// The plot inside a panel: space for tick labels and axis labels.
    public var plotLeft: Double, plotRight: Double, plotTop: Double, plotBottom: Double
    public var lineWidth: Double
    public var markerRadius: Double
    /// Around everything.
    public var margin: Double
    /// Lines of at most this many points get a marker on every point, longer ones about ten:
    /// in print a marker per point of a 20-epoch line made the lines a row of beads.
    public var markerEveryPointUpTo = 30

    /// 7 pt in CSS pixels (7/72 in at 96 px/in): the smallest text a printed figure should have.
    public static let minimumFont = 7.0 * 96 / 72

    /// A picture's width in pixels for print: inches at 96 px/in.
    static func pixels(inches: Double) -> Double { (inches * 96).rounded() }

    public static func wide(panelWidth: Double = 440, panelHeight: Double = 330) -> ChartLayout {
        ChartLayout(width: .wide, panelWidth: panelWidth, panelHeight: panelHeight, columns: nil, legendBelow: false, font: 12, titleFont: 17,
                    panelTitleFont: 13.5, smallFont: 11, plotLeft: 66, plotRight: 14, plotTop: 26, plotBottom: 46,
                    lineWidth: 2.2, markerRadius: 3.6, margin: 20)
    }

    /// The layout for `width` with `panels` panels; `wide` keeps the caller's panel width.
    public static func make(_ width: Width, panels: Int, widePanelWidth: Double = 440) -> ChartLayout {
        let n = Double(max(panels, 1))
        switch width {
        case .wide:
            return wide(panelWidth: widePanelWidth)
        case .column:
            // One panel per row: at 3.5 in a row of three would leave each plot an inch.
            let total = pixels(inches: 3.5), margin = 6.0
            return ChartLayout(width: .column, panelWidth: total - 2 * margin, panelHeight: 180, columns: 1, legendBelow: true,
                               font: 10, titleFont: 11.5, panelTitleFont: 10.5, smallFont: 9.5,
                               plotLeft: 50, plotRight: 12, plotTop: 19, plotBottom: 36, lineWidth: 1.5, markerRadius: 2.4, margin: margin,
                               markerEveryPointUpTo: 12)
        case .paper:
            let total = pixels(inches: 6.5), margin = 8.0
            let panelWidth = (total - 2 * margin) / n
            return ChartLayout(width: .paper, panelWidth: panelWidth, panelHeight: min(210, max(170, panelWidth * 0.8)), columns: nil,
                               legendBelow: true, font: 10.5, titleFont: 12.5, panelTitleFont: 11, smallFont: 10,
                               plotLeft: 52, plotRight: 12, plotTop: 20, plotBottom: 38, lineWidth: 1.6, markerRadius: 2.6, margin: margin,
                               markerEveryPointUpTo: 12)
        }
    }
}

public enum SVGChart {
    public static var palette: [String] { ChartStyle.palette }

    /// Panels side by side, the legend (one entry per style index) to their right, notes below.
    /// `hover` adds an invisible target with the values on every point (for the HTML report).
    public static func document(title: String, panels: [ChartPanel], legend: [String], notes: [String] = [],
                                panelWidth: Double = 440, panelHeight: Double = 330, hover: Bool = false) -> String {
        document(title: title, panels: panels, entries: legend.enumerated().map { LegendEntry(name: $1, look: ChartStyle.look($0)) },
                 notes: notes, layout: .wide(panelWidth: panelWidth, panelHeight: panelHeight), hover: hover)
    }

    /// The picture: title, panels (in rows of `layout.columns`), the legend to the right of the
    /// panels (`wide`) or below them (`column`, `paper`), then each panel's key and `key` (the
    /// picture's own, e.g. what a band means), then the notes.
    /// `panelTitles`: whether each panel shows its title (default: when there are several; a
    /// lone panel's title is usually the picture's).
    public static func document(title: String, panels: [ChartPanel], entries: [LegendEntry], notes: [String] = [], key: [String] = [],
                                layout: ChartLayout, panelTitles: Bool? = nil, hover: Bool = false) -> String {
        // Each panel key goes with the legend (inside a panel it covered lines): the panel's
        // title, then one line per " · " part.
        var keyParts = panels.compactMap { panel in panel.key.map { [panel.title + ":"] + $0.components(separatedBy: " · ") } }
        if !key.isEmpty { keyParts.append(key) }
        let keyClasses = panels.compactMap { $0.key.map { _ in "panel-key" } } + (key.isEmpty ? [] : ["chart-key"])
        let columns = max(1, min(layout.columns ?? panels.count, panels.count))
        let rows = (panels.count + columns - 1) / columns
        let panelsWidth = layout.panelWidth * Double(columns)
        let panelsTop = layout.legendBelow ? layout.margin + layout.titleFont + 8 : 40

        var allNotes = notes
        var body = ""
        for (i, panel) in panels.enumerated() {
            let (svg, panelNotes) = draw(panel, x: layout.margin + Double(i % columns) * layout.panelWidth,
                                         y: panelsTop + Double(i / columns) * layout.panelHeight,
                                         width: layout.panelWidth, height: layout.panelHeight,
                                         styles: max(entries.count, 1), id: i, hover: hover, showTitle: panelTitles ?? (panels.count > 1), layout: layout)
            body += svg
            allNotes += panelNotes
        }
        let panelsBottom = panelsTop + Double(rows) * layout.panelHeight

        var width: Double, height: Double
        var extras = ""
        if layout.legendBelow {
            width = 2 * layout.margin + panelsWidth
            let available = panelsWidth
            var y = panelsBottom + 4
            let (legend, legendHeight) = legendGrid(entries, x: layout.margin, y: y, width: available, layout: layout)
            extras += legend
            y += legendHeight
            // Keys: one paragraph each ("Training and Test Cost: solid … · dotted …"), wrapped.
            let keyColumns = max(20, Int(available / (0.6 * layout.smallFont)))
            let lineHeight = layout.smallFont * 1.35
            for (parts, cls) in zip(keyParts, keyClasses) {
                let text = parts.first.map { $0.hasSuffix(":") ? $0 + " " + parts.dropFirst().joined(separator: " · ") : parts.joined(separator: " · ") } ?? ""
                let lines = wrap(text, columns: keyColumns)
                y += lineHeight
                extras += paragraph(lines, cls: cls, x: layout.margin, y: y, lineHeight: lineHeight, font: layout.smallFont, attributes: " fill=\"#333\"")
                y += Double(lines.count - 1) * lineHeight
            }
            for note in allNotes {
                let lines = wrap(note, columns: keyColumns)
                y += lineHeight
                extras += paragraph(lines, cls: "note", x: layout.margin, y: y, lineHeight: lineHeight, font: layout.smallFont,
                                    attributes: " font-style=\"italic\" fill=\"#555\"")
                y += Double(lines.count - 1) * lineHeight
            }
            height = y + layout.margin
            var svg = header(width: width, height: height, font: layout.font)
            svg += "<title>\(escape(title))</title>\n"
            svg += "<text class=\"title\" x=\"\(fmt(width / 2))\" y=\"\(fmt(layout.margin + layout.titleFont))\" text-anchor=\"middle\" font-size=\"\(fmt(layout.titleFont))\" font-weight=\"bold\">\(escape(title))</text>\n"
            return svg + body + extras + "</svg>\n"
        }

        // Beside the panels: long labels (a long --run-name) wrap onto more lines instead of
        // running off the picture; the column is wide enough for the key's parts.
        let legendLines = entries.map { wrap($0.name, columns: 42) }
        let longest = legendLines.flatMap { $0 }.map(\.count).max() ?? 0
        let longestKey = keyParts.flatMap { $0 }.map(\.count).max() ?? 0
        let legendWidth = entries.isEmpty && keyParts.isEmpty ? 0
            : min(360, max(120, Double(longest) * 7.2 + 56, Double(longestKey) * 6.4 + 14))
        let keyColumns = max(20, Int((legendWidth - 14) / 6.4))
        let keyLines = keyParts.map { parts in parts.flatMap { wrap($0, columns: keyColumns) } }
        width = 20 + panelsWidth + legendWidth + 20
        let entriesHeight = legendLines.map { 22 + Double($0.count - 1) * 15 }.reduce(0, +)
        let keysHeight = keyLines.map { 10 + Double($0.count) * 14 }.reduce(0, +)
        let legendHeight = entriesHeight + keysHeight + 40
        let contentHeight = max(panelsBottom - 40, legendHeight)
        height = 40 + contentHeight + Double(allNotes.count) * 17 + 14
        var svg = header(width: width, height: height, font: layout.font)
        svg += "<title>\(escape(title))</title>\n"
        svg += "<text class=\"title\" x=\"\(fmt(20 + panelsWidth / 2))\" y=\"26\" text-anchor=\"middle\" font-size=\"17\" font-weight=\"bold\">\(escape(title))</text>\n"
        svg += body
        if !entries.isEmpty { svg += legendBox(zip(entries, legendLines).map { $0 }, x: 20 + panelsWidth + 8, y: 64) }
        var keyY = 64 + entriesHeight + 10
        for (lines, cls) in zip(keyLines, keyClasses) {
            svg += paragraph(lines, cls: cls, x: 20 + panelsWidth + 8, y: keyY, lineHeight: 14, font: 11, attributes: " fill=\"#333\"", alwaysTspans: true)
            keyY += 10 + Double(lines.count) * 14
        }
        for (k, note) in allNotes.enumerated() {
            svg += "<text class=\"note\" x=\"24\" y=\"\(fmt(40 + contentHeight + 8 + Double(k) * 17))\" font-style=\"italic\" fill=\"#555\">\(escape(note))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// A text element of one or more lines (a tspan per line when there are several).
    static func paragraph(_ lines: [String], cls: String, x: Double, y: Double, lineHeight: Double, font: Double, attributes: String,
                          alwaysTspans: Bool = false) -> String {
        var svg = "<text class=\"\(cls)\" x=\"\(fmt(x))\" y=\"\(fmt(y))\" font-size=\"\(fmt(font))\"\(attributes)>"
        if lines.count == 1 && !alwaysTspans { return svg + escape(lines[0]) + "</text>\n" }
        for (k, line) in lines.enumerated() {
            svg += "<tspan x=\"\(fmt(x))\" dy=\"\(k == 0 ? "0" : fmt(lineHeight))\">\(escape(line))</tspan>"
        }
        return svg + "</text>\n"
    }

    static func header(width: Double, height: Double, font: Double = 12) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(fmt(width))" height="\(fmt(height))" viewBox="0 0 \(fmt(width)) \(fmt(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="\(formatCompact(font))">
        <rect width="100%" height="100%" fill="white"/>

        """
    }

    /// ` data-config="ID"`, or nothing.
    static func configAttribute(_ config: String?) -> String { config.map { " data-config=\"\(escape($0))\"" } ?? "" }

    /// One entry per line style, top to bottom: a sample of the line (dash and marker) and its name.
    /// Each entry's name is given as its lines (see `wrap`); the text element's content is the
    /// whole name, one tspan per line.
    static func legendBox(_ entries: [(LegendEntry, [String])], x: Double, y: Double) -> String {
        var svg = "<g class=\"legend-box\">\n"
        var ly = y
        for (entry, lines) in entries {
            svg += legendEntry(entry, lines: lines, x: x, y: ly, sampleLength: 36, gap: 8, lineHeight: 15, radius: 3.6, lineWidth: 2.2)
            ly += 22 + Double(lines.count - 1) * 15
        }
        return svg + "</g>\n"
    }

    /// The legend below the panels: entries in rows, as many side by side as fit, in the given
    /// order (left to right, then down). Returns the SVG and its height.
    static func legendGrid(_ entries: [LegendEntry], x: Double, y: Double, width: Double, layout: ChartLayout) -> (String, Double) {
        guard !entries.isEmpty else { return ("", 0) }
        let charWidth = 0.6 * layout.font  // DejaVu Sans's average advance
        let sampleLength = 22.0, gap = 6.0, lineHeight = layout.font * 1.3, rowGap = layout.font * 0.45
        let longest = Double(entries.map(\.name.count).max() ?? 0)
        let perRow = max(1, min(entries.count, Int(width / (sampleLength + gap + longest * charWidth + 12))))
        let columnWidth = width / Double(perRow)
        let columns = max(8, Int((columnWidth - sampleLength - gap - 4) / charWidth))
        var svg = "<g class=\"legend-box\">\n"
        var rowTop = y
        for start in stride(from: 0, to: entries.count, by: perRow) {
            let row = entries[start..<min(start + perRow, entries.count)]
            let wrapped = row.map { wrap($0.name, columns: columns) }
            for (k, (entry, lines)) in zip(row, wrapped).enumerated() {
                svg += legendEntry(entry, lines: lines, x: x + Double(k) * columnWidth, y: rowTop + layout.font, sampleLength: sampleLength,
                                   gap: gap, lineHeight: lineHeight, radius: layout.markerRadius, lineWidth: layout.lineWidth)
            }
            rowTop += Double(wrapped.map(\.count).max() ?? 1) * lineHeight + rowGap
        }
        return (svg + "</g>\n", rowTop - y)
    }

    /// One legend entry: the band's swatch when the lines have bands, the line with its marker,
    /// the name (baseline at `y`).
    static func legendEntry(_ entry: LegendEntry, lines: [String], x: Double, y: Double, sampleLength: Double, gap: Double,
                            lineHeight: Double, radius: Double, lineWidth: Double) -> String {
        let config = configAttribute(entry.config)
        let look = entry.look
        let mid = y - radius - 0.5
        var svg = "<g class=\"legend-entry\"\(config) data-marker=\"\(look.marker.rawValue)\">"
        if entry.band {
            svg += "<rect class=\"band-sample\"\(config) x=\"\(fmt(x))\" y=\"\(fmt(mid - radius * 1.6))\" width=\"\(fmt(sampleLength))\" height=\"\(fmt(radius * 3.2))\" fill=\"\(look.color)\" fill-opacity=\"0.18\"/>"
        }
        svg += "<line\(config) x1=\"\(fmt(x))\" y1=\"\(fmt(mid))\" x2=\"\(fmt(x + sampleLength))\" y2=\"\(fmt(mid))\" stroke=\"\(look.color)\" stroke-width=\"\(fmt(lineWidth))\""
            + (look.dash.isEmpty ? "" : " stroke-dasharray=\"\(look.dash)\"") + "/>"
        svg += ChartStyle.markerElement(look.marker, x: x + sampleLength / 2, y: mid, r: radius, color: look.color, attributes: config)
        let textX = x + sampleLength + gap
        if lines.count == 1 {
            svg += "<text class=\"legend\"\(config) x=\"\(fmt(textX))\" y=\"\(fmt(y))\">\(escape(lines[0]))</text>"
        } else {
            svg += "<text class=\"legend\"\(config) x=\"\(fmt(textX))\" y=\"\(fmt(y))\">" + lines.enumerated().map { k, line in
                "<tspan x=\"\(fmt(textX))\" dy=\"\(k == 0 ? "0" : fmt(lineHeight))\">\(escape(k == 0 ? line : " " + line))</tspan>"
            }.joined() + "</text>"
        }
        return svg + "</g>\n"
    }

    /// Breaks `text` at spaces into lines of at most `columns` characters (a longer word is cut).
    static func wrap(_ text: String, columns: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            var word = word
            if !line.isEmpty && line.count + 1 + word.count > columns { lines.append(line); line = "" }
            while word.count > columns { lines.append(String(word.prefix(columns))); word = String(word.dropFirst(columns)) }
            line = line.isEmpty ? word : line + " " + word
        }
        lines.append(line)
        return lines
    }

    /// Path's legend: one entry per style index.
    static func legendBox(_ names: [[String]], x: Double, y: Double) -> String {
        legendBox(names.enumerated().map { (LegendEntry(name: $1.joined(separator: " "), look: ChartStyle.look($0)), $1) }, x: x, y: y)
    }

    /// A linear or log axis mapping data to pixels, with its ticks.
    struct Axis {
        let low: Double, high: Double, log: Bool
        let ticks: [Double]
        /// Values beyond ±1e300 (or ≤ 0 on a log axis) cannot be placed: they are left off and
        /// counted (found by make fuzz: huge values overflowed the tick arithmetic).
        static func plottable(_ v: Double, log: Bool) -> Bool { v.isFinite && abs(v) < 1e300 && (!log || v > 1e-300) }

        /// `pad`: the share of the range left free at each end, so no line lies on the frame.
        init(values: [Double], log: Bool, pad: Double = 0.04, integer: Bool = false) {
            self.log = log
            var finite = values.filter { Axis.plottable($0, log: log) }
            if finite.isEmpty { finite = [log ? 1 : 0, log ? 10 : 1] }
            var lo = finite.min()!, hi = finite.max()!
            if log {
                var a = Foundation.log10(lo), b = Foundation.log10(hi)
                if b - a < 0.3 { let mid = (a + b) / 2; a = mid - 0.5; b = mid + 0.5 }
                let span = b - a
                a -= span * pad; b += span * pad
                let decades = Int(b.rounded(.down) - a.rounded(.up))
                let every = max(1, (decades + 7) / 8)  // at most about 8 labelled decades
                var t: [Double] = []
                var e = a.rounded(.up)
                while e <= b { t.append(pow(10, e)); e += Double(every) }
                if decades <= 2 {  // few decades: add 2× and 5× ticks
                    let base: [Double] = [pow(10, a.rounded(.down))] + t
                    let candidates: [Double] = base.flatMap { (v: Double) -> [Double] in [v, 2 * v, 5 * v] }
                    t = candidates.filter { (v: Double) -> Bool in
                        let e = Foundation.log10(v)
                        return e >= a - 1e-9 && e <= b + 1e-9
                    }
                }
                ticks = t
                lo = pow(10, a)
                hi = pow(10, b)
            } else {
                let magnitude = max(abs(lo), abs(hi))
                if !(hi - lo > magnitude * 1e-9) {
                    let half = max(magnitude * 0.05, 0.5)
                    lo -= half
                    hi += half
                }
                let span = hi - lo
                lo -= span * pad
                hi += span * pad
                var step = Axis.niceStep((hi - lo) / 5)
                if (hi - lo) / step < 3.5 { step = Axis.niceStep((hi - lo) / 8) }  // at least four ticks
                // Whole-number data (epochs, iterations) get whole-number ticks: "1.5 epochs"
                // labelled an axis of a 4-epoch comparison.
                if integer && values.allSatisfy({ !$0.isFinite || $0 == $0.rounded() }) && step < 1 { step = 1 }
                if integer && step == 2.5 { step = 2 }
                let first = (lo / step).rounded(.up), last = (hi / step).rounded(.down)
                let count = min(Int(last - first), 20)
                ticks = (0...max(count, 0)).map { (first + Double($0)) * step }.map { abs($0) < step * 1e-9 ? 0 : $0 }
            }
            low = lo
            high = hi
        }
        static func niceStep(_ raw: Double) -> Double {
            let magnitude = pow(10, Foundation.log10(raw).rounded(.down))
            let fraction = raw / magnitude
            return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10) * magnitude
        }
        func position(_ v: Double) -> Double {
            log ? (Foundation.log10(max(v, low * 1e-3)) - Foundation.log10(low)) / (Foundation.log10(high) - Foundation.log10(low))
                : (v - low) / (high - low)
        }
    }

    /// One panel: frame, ticks with grid lines, axis labels, the bands, then the series clipped
    /// to the plot, drawn longest and steepest first so short or flat lines stay on top (every
    /// band lies under every line). Returns the notes for values that could not be drawn.
    static func draw(_ panel: ChartPanel, x: Double, y: Double, width: Double, height: Double, styles: Int, id: Int,
                     hover: Bool, showTitle: Bool = true, layout: ChartLayout = .wide()) -> (String, [String]) {
        let logY = panel.logY
        let xs = panel.series.flatMap { $0.points.map(\.x) }
        let ys = panel.series.flatMap { $0.points.map(\.y) } + panel.errorBars.flatMap { [$0.low, $0.high] }
        // Bands widen the axis so they are seen whole, but are not counted in the notes: their
        // line's values are.
        let bandYs = panel.series.flatMap { $0.band.flatMap { [$0.low, $0.high] } }.filter { Axis.plottable($0, log: logY) }
        let logX = panel.logX
        let xAxis = Axis(values: xs, log: logX, pad: 0.02, integer: !logX)
        let bounds = panel.yBounds
        let yAxis = Axis(values: (ys + bandYs).map { v in bounds.map { v.isFinite ? min(max(v, $0.lowerBound), $0.upperBound) : v } ?? v }, log: logY)
        // Room for the widest y tick label between the rotated y label and the plot (at 3.5 in
        // "87.5%" touched the label): the label's glyphs reach 0.75 font left of its baseline
        // and 0.25 right, a character is about 0.6 font wide (DejaVu Sans).
        let widestTick = Double(ChartStyle.tickLabels(yAxis.ticks, percent: panel.yAsPercent, log: yAxis.log).map(\.count).max() ?? 0) * 0.6 * layout.font
        let left = x + max(layout.plotLeft, 1.75 * layout.font + 2 + widestTick + layout.font / 2 + 3)
        let right = x + width - layout.plotRight, top = y + layout.plotTop, bottom = y + height - layout.plotBottom
        func px(_ v: Double) -> Double { left + xAxis.position(v) * (right - left) }
        func py(_ v: Double) -> Double { bottom - yAxis.position(v) * (bottom - top) }
        var notes: [String] = []
        let notFinite = ys.filter { !$0.isFinite }.count + xs.filter { !$0.isFinite }.count
        let huge = ys.filter { $0.isFinite && abs($0) >= 1e300 }.count
        let nonPositive = logY ? ys.filter { $0.isFinite && $0 <= 1e-300 }.count : 0
        if nonPositive > 0 {
            notes.append("\(panel.title): \(nonPositive) value\(nonPositive == 1 ? "" : "s") ≤ 0 left off the log axis (--linear-y shows them)")
        }
        if notFinite > 0 { notes.append("\(panel.title): \(notFinite) value\(notFinite == 1 ? "" : "s") NaN or infinite, not drawn") }
        if huge > 0 { notes.append("\(panel.title): \(huge) value\(huge == 1 ? "" : "s") beyond ±1e300, not drawn") }

        let clip = "clip\(id)"
        var svg = "<g class=\"panel\" data-scale=\"\(logY ? "log" : "linear")\" data-title=\"\(escape(panel.title))\">\n"
        svg += "<defs><clipPath id=\"\(clip)\"><rect x=\"\(fmt(left - 4))\" y=\"\(fmt(top - 4))\" width=\"\(fmt(right - left + 8))\" height=\"\(fmt(bottom - top + 8))\"/></clipPath></defs>\n"
        if showTitle {
            // In print the title is centred on the panel, not its plot: a long one ran off the picture.
            let centre = layout.legendBelow ? x + width / 2 : (left + right) / 2
            svg += "<text class=\"panel-title\" x=\"\(fmt(centre))\" y=\"\(fmt(y + layout.panelTitleFont + 0.5))\" text-anchor=\"middle\" font-size=\"\(formatCompact(layout.panelTitleFont))\" font-weight=\"bold\">\(escape(panel.title))</text>\n"
        }
        svg += frame(xAxis: xAxis, yAxis: yAxis, left: left, right: right, top: top, bottom: bottom,
                     xLabel: panel.xLabel, yLabel: fittedYLabel(panel.yLabel, log: logY, length: bottom - top, font: layout.font), yLabelX: x + layout.font + 2,
                     yAsPercent: panel.yAsPercent, font: layout.font)

        // Pixel coordinates of each series, split where a value cannot be drawn.
        let drawn: [(series: ChartSeries, runs: [[(Double, Double, Double, Double)]])] = panel.series.map { s in
            var runs: [[(Double, Double, Double, Double)]] = [[]]
            for p in s.points {
                if Axis.plottable(p.y, log: logY) && Axis.plottable(p.x, log: logX) {
                    runs[runs.count - 1].append((px(p.x), py(p.y), p.x, p.y))
                } else if !runs[runs.count - 1].isEmpty {
                    runs.append([])
                }
            }
            return (s, runs.filter { !$0.isEmpty })
        }
        // Longest, then widest-ranging, first: what is drawn last lies on top.
        let order = drawn.indices.sorted { a, b in
            let pa = drawn[a].runs.flatMap { $0 }, pb = drawn[b].runs.flatMap { $0 }
            let ra = (pa.map(\.1).max() ?? 0) - (pa.map(\.1).min() ?? 0), rb = (pb.map(\.1).max() ?? 0) - (pb.map(\.1).min() ?? 0)
            let la = (pa.map(\.0).max() ?? 0) - (pa.map(\.0).min() ?? 0), lb = (pb.map(\.0).max() ?? 0) - (pb.map(\.0).min() ?? 0)
            if abs(la - lb) > 1 { return la > lb }
            if abs(ra - rb) > 1 { return ra > rb }
            return a < b
        }
        for index in order where !drawn[index].series.band.isEmpty {
            svg += band(drawn[index].series, clip: clip, logY: logY, lowest: yAxis.low, px: px, py: py)
        }
        var hits = ""
        for index in order {
            let (series, runs) = drawn[index]
            let look = series.resolvedLook
            let config = configAttribute(series.config)
            let dash = series.companion ? "1.5 3" : look.dash
            let d = runs.map { run in "M" + run.map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: "L") }.joined()
            let count = runs.map(\.count).reduce(0, +)
            svg += "<path class=\"series\" data-series=\"\(escape(series.name))\"\(config)\(series.companion ? " data-companion=\"true\"" : "") data-points=\"\(count)\" clip-path=\"url(#\(clip))\" fill=\"none\" stroke=\"\(look.color)\" stroke-width=\"\(fmt(series.companion ? layout.lineWidth - 0.2 : layout.lineWidth))\" stroke-linejoin=\"round\""
                + (series.companion ? " stroke-linecap=\"round\"" : "") + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") + " d=\"\(d)\"/>\n"
            // About ten markers per line, shifted per style so markers of coinciding lines alternate.
            let all = runs.flatMap { $0 }
            let every = all.count <= layout.markerEveryPointUpTo ? 1 : max(1, all.count / 10)
            let phase = every == 1 ? 0 : (series.style * every) / max(styles, 1) % every
            svg += "<g class=\"markers\"\(config) data-marker=\"\(look.marker.rawValue)\" clip-path=\"url(#\(clip))\">"
            for (k, p) in all.enumerated() where (k + phase) % every == 0 {
                svg += ChartStyle.markerElement(look.marker, x: p.0, y: p.1, r: every == 1 && all.count <= 30 ? layout.markerRadius * 5 / 6 : layout.markerRadius,
                                                color: look.color, open: series.companion, attributes: config)
            }
            svg += "</g>\n"
            if hover {
                let spread = Dictionary(series.band.map { ($0.x, ($0.high - $0.low) / 2) }, uniquingKeysWith: { a, _ in a })
                for p in all {
                    let what = series.valueName ?? panel.title.lowercased()
                    let sd = spread[p.2].map { " ± " + hoverValue($0, percent: panel.yAsPercent) + " (sd over seeds)" } ?? ""
                    let tip = "\(series.name) · \(panel.xLabel) \(formatCompact(p.2)) · \(what) \(hoverValue(p.3, percent: panel.yAsPercent))\(sd)"
                    hits += "<circle class=\"hit\"\(config) cx=\"\(fmt(p.0))\" cy=\"\(fmt(p.1))\" r=\"5\" fill=\"transparent\" data-tip=\"\(escape(tip))\"><title>\(escape(tip))</title></circle>"
                }
            }
        }
        for bar in panel.errorBars where Axis.plottable(bar.x, log: logX) && Axis.plottable(bar.low, log: logY) && Axis.plottable(bar.high, log: logY) {
            let (bx, lowY, highY) = (px(bar.x), py(bar.low), py(bar.high))
            let d = "M\(fmt(bx)),\(fmt(lowY))L\(fmt(bx)),\(fmt(highY))M\(fmt(bx - 4)),\(fmt(lowY))L\(fmt(bx + 4)),\(fmt(lowY))M\(fmt(bx - 4)),\(fmt(highY))L\(fmt(bx + 4)),\(fmt(highY))"
            svg += "<path class=\"error-bar\" data-series=\"\(escape(bar.series))\"\(configAttribute(bar.config)) data-x=\"\(bar.x)\" data-low=\"\(bar.low)\" data-high=\"\(bar.high)\" clip-path=\"url(#\(clip))\" fill=\"none\" stroke=\"\(ChartStyle.color(bar.style))\" stroke-width=\"1.6\" d=\"\(d)\"/>\n"
        }
        if !hits.isEmpty { svg += "<g class=\"hits\">\(hits)</g>\n" }
        let marks = panel.marks.filter { Axis.plottable($0.x, log: logX) && Axis.plottable($0.y, log: logY) }
        for mark in marks where !mark.labelled {
            // A ring around the line's point (compare's best epoch): the line stays visible through it.
            let color = mark.look?.color ?? ChartStyle.color(mark.style)
            let config = configAttribute(mark.config)
            let (mx, my) = (px(mark.x), py(mark.y))
            svg += "<g class=\"\(mark.role)\"\(config) data-name=\"\(escape(mark.name))\" data-series=\"\(escape(mark.series))\" data-x=\"\(mark.x)\" data-y=\"\(mark.y)\">"
            svg += "<circle\(config) cx=\"\(fmt(mx))\" cy=\"\(fmt(my))\" r=\"\(fmt(layout.markerRadius * 1.6))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(fmt(layout.lineWidth * 0.8))\"/></g>\n"
        }
        svg += drawMarks(marks.filter(\.labelled).map { (mark: $0, x: px($0.x), y: py($0.y)) },
                         curves: drawn.flatMap { $0.runs.flatMap { $0 }.map { (x: $0.0, y: $0.1) } },
                         plot: LabelBox(left: left, top: top, right: right, bottom: bottom))
        return (svg + "</g>\n", notes)
    }

    /// The y label, shortened when it is longer than the plot is high (a short print panel):
    /// first without its parenthesis ("(training set)"), then "(log)" for "(log scale)".
    static func fittedYLabel(_ label: String, log: Bool, length: Double, font: Double) -> String {
        func fits(_ text: String) -> Bool { Double(text.count) * 0.6 * font <= length }
        let full = label + (log ? " (log scale)" : "")
        if fits(full) { return full }
        let bare = label.range(of: " (").map { String(label[..<$0.lowerBound]) } ?? label
        if fits(bare + (log ? " (log scale)" : "")) { return bare + (log ? " (log scale)" : "") }
        return bare + (log ? " (log)" : "")
    }

    /// A series' band: one closed shape per stretch where both bounds can be drawn (up along the
    /// high bound, back along the low one). The bounds themselves, at full precision, are the
    /// element's data-x, data-low and data-high (space-separated), so tests read them exactly.
    /// On a log axis a bound ≤ 0 (mean − sd of a cost near zero) is drawn at the bottom.
    static func band(_ series: ChartSeries, clip: String, logY: Bool, lowest: Double,
                     px: (Double) -> Double, py: (Double) -> Double) -> String {
        var stretches: [[(x: Double, low: Double, high: Double)]] = [[]]
        for b in series.band {
            let low = logY && b.low.isFinite && b.low <= 1e-300 ? lowest : b.low
            if Axis.plottable(b.x, log: false) && Axis.plottable(low, log: logY) && Axis.plottable(b.high, log: logY) {
                stretches[stretches.count - 1].append((b.x, low, b.high))
            } else if !stretches[stretches.count - 1].isEmpty {
                stretches.append([])
            }
        }
        let d = stretches.filter { !$0.isEmpty }.map { s in
            "M" + (s.map { "\(fmt(px($0.x))),\(fmt(py($0.high)))" } + s.reversed().map { "\(fmt(px($0.x))),\(fmt(py($0.low)))" }).joined(separator: "L") + "Z"
        }.joined()
        guard !d.isEmpty else { return "" }
        func list(_ values: [Double]) -> String { values.map { "\($0)" }.joined(separator: " ") }
        return "<path class=\"band\" data-series=\"\(escape(series.name))\"\(configAttribute(series.config))\(series.companion ? " data-companion=\"true\"" : "")"
            + " data-x=\"\(list(series.band.map(\.x)))\" data-low=\"\(list(series.band.map(\.low)))\" data-high=\"\(list(series.band.map(\.high)))\""
            + " clip-path=\"url(#\(clip))\" fill=\"\(series.resolvedLook.color)\" fill-opacity=\"\(series.companion ? "0.1" : "0.16")\" stroke=\"none\" d=\"\(d)\"/>\n"
    }

    /// A text's box in pixels: what label placement keeps apart (and what the tests check).
    struct LabelBox: Equatable {
        var left: Double, top: Double, right: Double, bottom: Double
        func overlaps(_ o: LabelBox) -> Bool { left < o.right && o.left < right && top < o.bottom && o.top < bottom }
        func contains(_ x: Double, _ y: Double) -> Bool { x >= left && x <= right && y >= top && y <= bottom }
        func inside(_ o: LabelBox) -> Bool { left >= o.left && right <= o.right && top >= o.top && bottom <= o.bottom }
    }

    /// Mark labels' size: the chart's width estimate (0.6 em per character, as the legend
    /// column is sized), from 10 px above the baseline to 3 below.
    static let markFontSize = 11.0
    static func textWidth(_ text: String, fontSize: Double) -> Double { Double(text.count) * 0.6 * fontSize }
    static func markLabelBox(_ text: String, x: Double, baseline: Double) -> LabelBox {
        LabelBox(left: x, top: baseline - 10, right: x + textWidth(text, fontSize: markFontSize), bottom: baseline + 3)
    }

    /// The marks (lr-find's suggestions), each a ring with its name. Names are placed one at a
    /// time in the first free spot near their ring: inside the plot (so never on the legend or
    /// the key beside it), on no other name and no other ring, preferring a spot over the fewest
    /// curve points. Up to 18 names (6 optimizers × 3 suggestions) crowd around the same few
    /// rates, so the spots go out ring by ring; a name set away from its ring gets a thin leader.
    static func drawMarks(_ marks: [(mark: ChartMark, x: Double, y: Double)], curves: [(x: Double, y: Double)],
                          plot: LabelBox) -> String {
        var svg = "", placed: [LabelBox] = []
        let rings = marks.map { LabelBox(left: $0.x - 6.5, top: $0.y - 6.5, right: $0.x + 6.5, bottom: $0.y + 6.5) }
        for (i, (mark, mx, my)) in marks.enumerated() {
            let width = textWidth(mark.name, fontSize: markFontSize)
            // Candidate baselines and left edges, nearest first: beside the ring right and left,
            // above and below, then further out in 13 px steps (one line of text).
            var best: (x: Double, y: Double, cost: Int, ring: Int)?
            search: for ring in 0..<40 {
                let step = Double(ring) * 13
                let spots: [(Double, Double)] = [
                    (mx + 7, my - 7 - step), (mx + 7, my + 14 + step), (mx - 7 - width, my - 7 - step), (mx - 7 - width, my + 14 + step),
                    (mx - width / 2, my - 10 - step), (mx - width / 2, my + 19 + step),
                ]
                for (lx, ly) in spots {
                    let box = markLabelBox(mark.name, x: lx, baseline: ly)
                    guard box.inside(plot), !placed.contains(where: box.overlaps),
                          !rings.enumerated().contains(where: { $0.offset != i && $0.element.overlaps(box) }) else { continue }
                    let cost = curves.filter { box.contains($0.x, $0.y) }.count
                    if best == nil || cost < best!.cost { best = (lx, ly, cost, ring) }
                    if cost == 0 { break search }
                }
                // A spot over a curve, when one is free, is still better than one far away.
                if let b = best, ring >= b.ring + 2 { break }
            }
            // Nowhere free inside the plot (only with very many marks): beside the ring, as before.
            let (lx, ly, ring) = best.map { ($0.x, $0.y, $0.ring) } ?? (mx + 7, my - 7, 0)
            placed.append(markLabelBox(mark.name, x: lx, baseline: ly))
            let color = mark.look?.color ?? ChartStyle.color(mark.style)
            let config = configAttribute(mark.config)
            svg += "<g class=\"\(mark.role)\"\(config) data-name=\"\(escape(mark.name))\" data-series=\"\(escape(mark.series))\" data-x=\"\(mark.x)\" data-y=\"\(mark.y)\">"
            if ring > 0 {
                // The leader runs from the ring's edge to the nearest corner of the name's box.
                let box = placed[placed.count - 1]
                let tx = min(max(mx, box.left), box.right), ty = ly > my ? box.top : box.bottom
                let d = max(hypot(tx - mx, ty - my), 1e-9)
                svg += "<line class=\"leader\" x1=\"\(fmt(mx + (tx - mx) / d * 5.5))\" y1=\"\(fmt(my + (ty - my) / d * 5.5))\" x2=\"\(fmt(tx))\" y2=\"\(fmt(ty))\" stroke=\"\(color)\" stroke-width=\"0.8\"/>"
            }
            svg += "<circle cx=\"\(fmt(mx))\" cy=\"\(fmt(my))\" r=\"5.5\" fill=\"white\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            svg += "<text x=\"\(fmt(lx))\" y=\"\(fmt(ly))\" font-size=\"11\" fill=\"\(color)\">\(escape(mark.name))</text></g>\n"
        }
        return svg
    }

    static func hoverValue(_ v: Double, percent: Bool) -> String {
        percent ? formatFixed(v * 100, digits: 2) + "%" : (abs(v) >= 1e-3 && abs(v) < 1e5 ? formatFixed(v, digits: 4) : formatScientific(v, digits: 3))
    }

    /// Grid lines and tick labels of both axes, the plot's border and the axis labels (`font`:
    /// the size the text inherits, which sets how far below the axis the labels go).
    static func frame(xAxis: Axis, yAxis: Axis, left: Double, right: Double, top: Double, bottom: Double,
                      xLabel: String, yLabel: String, yLabelX: Double, yAsPercent: Bool = false, font: Double = 12) -> String {
        func px(_ v: Double) -> Double { left + xAxis.position(v) * (right - left) }
        func py(_ v: Double) -> Double { bottom - yAxis.position(v) * (bottom - top) }
        var svg = ""
        for (t, label) in zip(xAxis.ticks, ChartStyle.tickLabels(xAxis.ticks, percent: false, log: xAxis.log)) {
            svg += "<line class=\"grid\" x1=\"\(fmt(px(t)))\" y1=\"\(fmt(top))\" x2=\"\(fmt(px(t)))\" y2=\"\(fmt(bottom))\" stroke=\"#e8e8e8\"/>\n"
            svg += "<text class=\"tick\" data-axis=\"x\" x=\"\(fmt(px(t)))\" y=\"\(fmt(bottom + font + 4))\" text-anchor=\"middle\">\(label)</text>\n"
        }
        for (t, label) in zip(yAxis.ticks, ChartStyle.tickLabels(yAxis.ticks, percent: yAsPercent, log: yAxis.log)) {
            svg += "<line class=\"grid\" x1=\"\(fmt(left))\" y1=\"\(fmt(py(t)))\" x2=\"\(fmt(right))\" y2=\"\(fmt(py(t)))\" stroke=\"#e8e8e8\"/>\n"
            svg += "<text class=\"tick\" data-axis=\"y\" x=\"\(fmt(left - font / 2))\" y=\"\(fmt(py(t) + font / 3))\" text-anchor=\"end\">\(label)</text>\n"
        }
        svg += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(right - left))\" height=\"\(fmt(bottom - top))\" fill=\"none\" stroke=\"#333\"/>\n"
        svg += "<text class=\"axis-label\" x=\"\(fmt((left + right) / 2))\" y=\"\(fmt(bottom + 2 * font + 12))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
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
            // XML 1.0 allows no control characters but tab, newline and carriage return, not
            // even as references: a --run-name holding \u{1} made the SVG unreadable.
            case _ where c.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" && $0 != "\n" && $0 != "\r" } || c == "\u{7F}":
                out += "\u{FFFD}"
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
