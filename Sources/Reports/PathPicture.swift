import Foundation
import Support
import Optimization

/// `path --svg`: labelled contour lines of J(w, b) with each optimizer's path, in a view fitted
/// to the paths (the minimum always in it); a path that runs far away (diverges) is clipped at
/// the view's edge with a note, never squeezed onto huge axes.
public enum PathPicture {
    public struct Path: Sendable {
        public let name: String
        public let rows: [PathProblem.Row]
        public init(name: String, rows: [PathProblem.Row]) { self.name = name; self.rows = rows }
    }

    /// The exact minimiser of J: the least-squares line through the data.
    public static func minimum(of problem: PathProblem) -> (w: Double, b: Double) {
        let n = Double(problem.x.count)
        let mx = problem.x.reduce(0, +) / n, my = problem.y.reduce(0, +) / n
        let sxx = problem.x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
        let sxy = zip(problem.x, problem.y).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        let w = sxx == 0 ? 0 : sxy / sxx
        return (w, my - w * mx)
    }

    /// Whether a path ends farther from the minimum than it started (or not finite): it diverges.
    static func diverges(_ path: Path, minimum best: (w: Double, b: Double)) -> Bool {
        guard let first = path.rows.first, let last = path.rows.last else { return false }
        guard last.w.isFinite && last.b.isFinite else { return true }
        func distance(_ row: PathProblem.Row) -> Double { hypot(row.w - best.w, row.b - best.b) }
        return distance(last) > max(distance(first), 1e-12) * 1.5
    }

    /// The rectangle shown: the minimum, every start and every point of the paths that do not
    /// diverge, with a margin. When every path diverges, points up to twice the farthest
    /// start's distance from the minimum (per coordinate) count.
    public static func view(paths: [Path], minimum best: (w: Double, b: Double)) -> (w: ClosedRange<Double>, b: ClosedRange<Double>) {
        let starts = paths.compactMap(\.rows.first).filter { $0.w.isFinite && $0.b.isFinite }
        var ws = [best.w] + starts.map(\.w), bs = [best.b] + starts.map(\.b)
        let converging = paths.filter { !diverges($0, minimum: best) }
        if !converging.isEmpty {
            for row in converging.flatMap(\.rows) where row.w.isFinite && row.b.isFinite {
                ws.append(row.w)
                bs.append(row.b)
            }
        } else {
            let reachW = max(2 * (starts.map { abs($0.w - best.w) }.max() ?? 0), 0.5)
            let reachB = max(2 * (starts.map { abs($0.b - best.b) }.max() ?? 0), 0.5)
            for row in paths.flatMap(\.rows) where row.w.isFinite && row.b.isFinite
                && abs(row.w - best.w) <= reachW && abs(row.b - best.b) <= reachB {
                ws.append(row.w)
                bs.append(row.b)
            }
        }
        func padded(_ values: [Double]) -> ClosedRange<Double> {
            let lo = values.min()!, hi = values.max()!
            let pad = max((hi - lo) * 0.08, 0.1)
            return (lo - pad)...(hi + pad)
        }
        return (padded(ws), padded(bs))
    }

    public static func svg(problem: PathProblem, paths: [Path], title: String? = nil) -> String {
        let best = minimum(of: problem)
        let f = SVGChart.fmt
        guard best.w.isFinite && best.b.isFinite else {
            return SVGChart.header(width: 300, height: 40) + "<text class=\"note\" x=\"10\" y=\"24\">the data have no finite minimum to draw</text>\n</svg>\n"
        }
        let (wRange, bRange) = view(paths: paths, minimum: best)
        let wAxis = SVGChart.Axis(values: [wRange.lowerBound, wRange.upperBound], log: false, pad: 0)
        let bAxis = SVGChart.Axis(values: [bRange.lowerBound, bRange.upperBound], log: false, pad: 0)

        let legendWidth = min(320, max(130, Double(paths.map(\.name.count).max() ?? 0) * 7.2 + 56))
        let left = 74.0, plotWidth = 560.0, top = 44.0, plotHeight = 480.0
        let right = left + plotWidth, bottom = top + plotHeight
        func px(_ w: Double) -> Double { left + wAxis.position(w) * plotWidth }
        func py(_ b: Double) -> Double { bottom - bAxis.position(b) * plotHeight }

        // Paths as pixel polylines, cut to the view (Liang–Barsky), with a note for each path
        // that leaves it.
        var notes: [String] = []
        let box = (x0: left - 6, y0: top - 6, x1: right + 6, y1: bottom + 6)
        var drawn: [(d: String, inside: [(Double, Double)])] = []
        for path in paths {
            let finite = path.rows.filter { $0.w.isFinite && $0.b.isFinite }
            var d = ""
            var inside: [(Double, Double)] = []
            var left: Int?
            var previous: (Double, Double)?
            var penDown = false
            let diverging = diverges(path, minimum: best)
            for row in finite {
                // A diverging path is drawn up to where it first leaves the view.
                if diverging && left != nil { break }
                let p = (px(row.w), py(row.b))
                let isInside = p.0 >= box.x0 && p.0 <= box.x1 && p.1 >= box.y0 && p.1 <= box.y1
                if isInside { inside.append(p) } else if left == nil { left = row.iteration }
                if let q = previous, let (a, b) = clip(q, p, box) {
                    if !penDown || a != q { d += "M\(f(a.0)),\(f(a.1))" }
                    d += "L\(f(b.0)),\(f(b.1))"
                    penDown = b == p
                } else if previous == nil && isInside {
                    d += "M\(f(p.0)),\(f(p.1))"
                    penDown = true
                } else {
                    penDown = false
                }
                previous = p
            }
            if let left, let row = finite.first(where: { $0.iteration == left }) {
                notes.append("\(path.name) leaves the view at iteration \(left) (w = \(ChartStyle.readable(row.w)), b = \(ChartStyle.readable(row.b)))\(diverging ? " and diverges; drawn up to there" : "; drawn only inside it")")
            }
            if finite.count < path.rows.count {
                notes.append("\(path.name): \(path.rows.count - finite.count) point\(path.rows.count - finite.count == 1 ? "" : "s") not finite, not drawn")
            }
            drawn.append((d, inside))
        }

        let width = right + 20 + legendWidth + 10
        let height = bottom + 56 + Double(notes.count) * 17 + 8
        var svg = SVGChart.header(width: width, height: height)
        let heading = title ?? "Optimizer Paths on J(w, b) = mean((w·x + b − y)²)"
        svg += "<title>\(SVGChart.escape(heading))</title>\n"
        svg += "<text class=\"title\" x=\"\(f((left + right) / 2))\" y=\"26\" text-anchor=\"middle\" font-size=\"17\" font-weight=\"bold\">\(SVGChart.escape(heading))</text>\n"
        svg += "<defs><clipPath id=\"plot\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\"/></clipPath></defs>\n"
        svg += SVGChart.frame(xAxis: wAxis, yAxis: bAxis, left: left, right: right, top: top, bottom: bottom,
                              xLabel: "w (slope)", yLabel: "b (intercept)", yLabelX: 18)

        // Contours by marching squares on a grid over the view, at rounded levels spaced
        // quadratically above the minimum (J is quadratic), each labelled with its value.
        let n = 90
        var grid = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n + 1)
        for i in 0...n {
            for j in 0...n {
                grid[i][j] = problem.cost(w: wAxis.low + (wAxis.high - wAxis.low) * Double(i) / Double(n),
                                          b: bAxis.low + (bAxis.high - bAxis.low) * Double(j) / Double(n))
            }
        }
        let jMin = problem.cost(w: best.w, b: best.b), jMax = grid.flatMap { $0 }.filter(\.isFinite).max() ?? jMin
        var levels: [Double] = []
        for k in 1...10 {
            let raw = jMin + (jMax - jMin) * pow(Double(k) / 11, 2)
            let magnitude = pow(10, Foundation.log10(max(raw, 1e-300)).rounded(.down) - 1)
            let level = (raw / magnitude).rounded() * magnitude
            if level > jMin && !levels.contains(level) { levels.append(level) }
        }
        // Labels go along the ray from the minimum towards the corner with the fewest path points.
        let corners = [(left, top), (right, top), (left, bottom), (right, bottom)]
        let (mx, my) = (px(best.w), py(best.b))
        let crowd = corners.map { c in drawn.flatMap(\.inside).filter { ($0.0 - mx) * (c.0 - mx) > 0 && ($0.1 - my) * (c.1 - my) > 0 }.count }
        let corner = corners[crowd.firstIndex(of: crowd.min()!)!]
        let labels = levels.map { formatCompact(Double(formatScientific($0, digits: 1)) ?? $0) }
        func gw(_ i: Double) -> Double { left + plotWidth * i / Double(n) }
        func gb(_ j: Double) -> Double { bottom - plotHeight * j / Double(n) }
        var labelMarks = ""
        for (level, label) in zip(levels, labels) {
            var d = ""
            var anchor: (Double, Double)?
            var anchorDistance = Double.infinity
            for i in 0..<n {
                for j in 0..<n {
                    let c = [(Double(i), Double(j), grid[i][j]), (Double(i + 1), Double(j), grid[i + 1][j]),
                             (Double(i + 1), Double(j + 1), grid[i + 1][j + 1]), (Double(i), Double(j + 1), grid[i][j + 1])]
                    var crossings: [(Double, Double)] = []
                    for k in 0..<4 {
                        let a = c[k], e = c[(k + 1) % 4]
                        if (a.2 < level) != (e.2 < level) {
                            let t = (level - a.2) / (e.2 - a.2)
                            crossings.append((gw(a.0 + t * (e.0 - a.0)), gb(a.1 + t * (e.1 - a.1))))
                        }
                    }
                    for s in stride(from: 0, to: crossings.count - 1, by: 2) {
                        let (p, q) = (crossings[s], crossings[s + 1])
                        d += "M\(f(p.0)),\(f(p.1))L\(f(q.0)),\(f(q.1))"
                        let mid = ((p.0 + q.0) / 2, (p.1 + q.1) / 2)
                        guard mid.0 > left + 24, mid.0 < right - 24, mid.1 > top + 12, mid.1 < bottom - 12 else { continue }
                        // Distance from the ray minimum → corner.
                        let (dx, dy) = (corner.0 - mx, corner.1 - my)
                        let along = ((mid.0 - mx) * dx + (mid.1 - my) * dy) / (dx * dx + dy * dy)
                        guard along > 0 else { continue }
                        let distance = abs((mid.0 - mx) * dy - (mid.1 - my) * dx) / (dx * dx + dy * dy).squareRoot()
                        if distance < anchorDistance { anchorDistance = distance; anchor = mid }
                    }
                }
            }
            svg += "<path class=\"contour\" data-level=\"\(label)\" clip-path=\"url(#plot)\" d=\"\(d)\" fill=\"none\" stroke=\"#c4c4c4\" stroke-width=\"1\"/>\n"
            if let anchor {
                // A white box behind the value: a halo alone left the contour line showing
                // through the gap around the decimal point, so 1.7 read as "1:7".
                let boxWidth = 6.4 * Double(label.count) + 6
                labelMarks += "<rect class=\"contour-label-box\" x=\"\(f(anchor.0 - boxWidth / 2))\" y=\"\(f(anchor.1 - 6.5))\" width=\"\(f(boxWidth))\" height=\"13\" fill=\"white\"/>"
                labelMarks += "<text class=\"contour-label\" x=\"\(f(anchor.0))\" y=\"\(f(anchor.1 + 3.5))\" text-anchor=\"middle\" font-size=\"10\" fill=\"#777\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">\(label)</text>\n"
            }
        }
        svg += labelMarks

        // Longest path first, so shorter ones stay on top; markers on every point, shape per path.
        func length(_ points: [(Double, Double)]) -> Double {
            zip(points, points.dropFirst()).map { (a, b) in ((a.0 - b.0) * (a.0 - b.0) + (a.1 - b.1) * (a.1 - b.1)).squareRoot() }.reduce(0, +)
        }
        let lengths = drawn.map { length($0.inside) }
        let order = drawn.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        for k in order {
            let color = ChartStyle.color(k), dash = ChartStyle.dash(k)
            svg += "<path class=\"series\" data-series=\"\(SVGChart.escape(paths[k].name))\" data-points=\"\(drawn[k].inside.count)\" clip-path=\"url(#plot)\" d=\"\(drawn[k].d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\""
                + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") + "/>\n"
            svg += "<g class=\"markers\" clip-path=\"url(#plot)\">"
            for p in drawn[k].inside { svg += ChartStyle.markerElement(ChartStyle.marker(k), x: p.0, y: p.1, r: 2.6, color: color) }
            svg += "</g>\n"
        }
        svg += "<g class=\"minimum\"><path d=\"M\(f(mx - 7)),\(f(my))L\(f(mx + 7)),\(f(my))M\(f(mx)),\(f(my - 7))L\(f(mx)),\(f(my + 7))\" stroke=\"black\" stroke-width=\"2\"/>"
        // The minimum's label goes where it covers the fewest path points (and stays in the plot).
        let text = "minimum (\(formatCompact((best.w * 1000).rounded() / 1000)), \(formatCompact((best.b * 1000).rounded() / 1000)))"
        let textWidth = Double(text.count) * 6.8
        let points = drawn.flatMap(\.inside)
        let candidates: [(x: Double, y: Double, end: Bool)] = [(mx + 9, my + 17, false), (mx + 9, my - 9, false), (mx - 9, my + 17, true), (mx - 9, my - 9, true)]
        let place = candidates.min { a, b in
            func cost(_ c: (x: Double, y: Double, end: Bool)) -> Double {
                let x0 = c.end ? c.x - textWidth : c.x
                let covered = points.filter { $0.0 >= x0 - 3 && $0.0 <= x0 + textWidth + 3 && $0.1 >= c.y - 14 && $0.1 <= c.y + 4 }.count
                let outside = x0 < left || x0 + textWidth > right || c.y - 12 < top || c.y > bottom ? 1000 : 0
                return Double(covered + outside)
            }
            return cost(a) < cost(b)
        }!
        svg += "<text x=\"\(f(place.x))\" y=\"\(f(place.y))\" text-anchor=\"\(place.end ? "end" : "start")\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">\(text)</text></g>\n"
        svg += SVGChart.legendBox(paths.map { [$0.name] }, x: right + 20, y: top + 20)
        for (k, note) in notes.enumerated() {
            svg += "<text class=\"note\" x=\"24\" y=\"\(f(bottom + 62 + Double(k) * 17))\" font-style=\"italic\" fill=\"#555\">\(SVGChart.escape(note))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// The part of segment p→q inside `box` (Liang–Barsky), or nil.
    static func clip(_ p: (Double, Double), _ q: (Double, Double), _ box: (x0: Double, y0: Double, x1: Double, y1: Double))
        -> ((Double, Double), (Double, Double))? {
        var t0 = 0.0, t1 = 1.0
        let dx = q.0 - p.0, dy = q.1 - p.1
        for (pk, qk) in [(-dx, p.0 - box.x0), (dx, box.x1 - p.0), (-dy, p.1 - box.y0), (dy, box.y1 - p.1)] {
            if pk == 0 {
                if qk < 0 { return nil }
            } else {
                let r = qk / pk
                if pk < 0 { t0 = max(t0, r) } else { t1 = min(t1, r) }
                if t0 > t1 { return nil }
            }
        }
        let a = t0 == 0 ? p : (p.0 + t0 * dx, p.1 + t0 * dy)
        let b = t1 == 1 ? q : (p.0 + t1 * dx, p.1 + t1 * dy)
        return (a, b)
    }
}
