import Foundation

/// `path --svg`: contour lines of J(w, b) with each optimizer's path as connected points and
/// the least-squares minimum marked.
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

    public static func svg(problem: PathProblem, paths: [Path]) -> String {
        let best = minimum(of: problem)
        let points = (paths.flatMap { $0.rows.map { ($0.w, $0.b) } } + [best])
            .filter { SVGChart.Axis.plottable($0.0, log: false) && SVGChart.Axis.plottable($0.1, log: false) }
        guard !points.isEmpty else { return SVGChart.header(width: 200, height: 40) + "<text x=\"10\" y=\"24\">no finite path to draw</text>\n</svg>\n" }
        var wLow = points.map(\.0).min()!, wHigh = points.map(\.0).max()!
        var bLow = points.map(\.1).min()!, bHigh = points.map(\.1).max()!
        let wPad = max((wHigh - wLow) * 0.15, 0.25), bPad = max((bHigh - bLow) * 0.15, 0.25)
        wLow -= wPad; wHigh += wPad; bLow -= bPad; bHigh += bPad
        let wAxis = SVGChart.Axis(values: [wLow, wHigh], log: false)
        let bAxis = SVGChart.Axis(values: [bLow, bHigh], log: false)

        let width = 640.0, height = 560.0
        let left = 70.0, right = width - 20, top = 40.0, bottom = height - 60 - Double((paths.count + 1) / 2) * 20
        func px(_ w: Double) -> Double { left + wAxis.position(w) * (right - left) }
        func py(_ b: Double) -> Double { bottom - bAxis.position(b) * (bottom - top) }

        var svg = SVGChart.header(width: width, height: height)
        svg += "<text class=\"title\" x=\"\(SVGChart.fmt(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">"
            + "Paths on J(w, b) = mean((w·x + b − y)²)</text>\n"
        svg += "<defs><clipPath id=\"plot\"><rect x=\"\(SVGChart.fmt(left))\" y=\"\(SVGChart.fmt(top))\" width=\"\(SVGChart.fmt(right - left))\" height=\"\(SVGChart.fmt(bottom - top))\"/></clipPath></defs>\n"

        svg += SVGChart.frame(xAxis: wAxis, yAxis: bAxis, left: left, right: right, top: top, bottom: bottom,
                              xLabel: "w (slope)", yLabel: "b (intercept)", yLabelX: 18)

        // Contours by marching squares on a grid over the visible rectangle.
        let n = 80
        var grid = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n + 1)
        for i in 0...n {
            for j in 0...n {
                let w = wAxis.low + (wAxis.high - wAxis.low) * Double(i) / Double(n)
                let b = bAxis.low + (bAxis.high - bAxis.low) * Double(j) / Double(n)
                grid[i][j] = problem.cost(w: w, b: b)
            }
        }
        let jMin = problem.cost(w: best.w, b: best.b), jMax = grid.flatMap { $0 }.max()!
        let levels = (1...12).map { k in jMin + (jMax - jMin) * pow(Double(k) / 13, 2) }
        func gw(_ i: Double) -> Double { px(wAxis.low + (wAxis.high - wAxis.low) * i / Double(n)) }
        func gb(_ j: Double) -> Double { py(bAxis.low + (bAxis.high - bAxis.low) * j / Double(n)) }
        for level in levels {
            var d = ""
            for i in 0..<n {
                for j in 0..<n {
                    let corners = [(Double(i), Double(j), grid[i][j]), (Double(i + 1), Double(j), grid[i + 1][j]),
                                   (Double(i + 1), Double(j + 1), grid[i + 1][j + 1]), (Double(i), Double(j + 1), grid[i][j + 1])]
                    var crossings: [(Double, Double)] = []
                    for k in 0..<4 {
                        let a = corners[k], c = corners[(k + 1) % 4]
                        if (a.2 < level) != (c.2 < level) {
                            let t = (level - a.2) / (c.2 - a.2)
                            crossings.append((gw(a.0 + t * (c.0 - a.0)), gb(a.1 + t * (c.1 - a.1))))
                        }
                    }
                    for s in stride(from: 0, to: crossings.count - 1, by: 2) {
                        d += "M\(SVGChart.fmt(crossings[s].0)),\(SVGChart.fmt(crossings[s].1))L\(SVGChart.fmt(crossings[s + 1].0)),\(SVGChart.fmt(crossings[s + 1].1))"
                    }
                }
            }
            svg += "<path class=\"contour\" data-level=\"\(formatFixed(level, digits: 4))\" clip-path=\"url(#plot)\" d=\"\(d)\" fill=\"none\" stroke=\"#c8c8c8\" stroke-width=\"1\"/>\n"
        }

        for (k, path) in paths.enumerated() {
            let color = SVGChart.palette[k % SVGChart.palette.count]
            let visible = path.rows.filter { SVGChart.Axis.plottable($0.w, log: false) && SVGChart.Axis.plottable($0.b, log: false) }
            let line = visible.map { "\(SVGChart.fmt(px($0.w))),\(SVGChart.fmt(py($0.b)))" }.joined(separator: " ")
            svg += "<polyline class=\"series\" data-series=\"\(SVGChart.escape(path.name))\" clip-path=\"url(#plot)\" points=\"\(line)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
            for row in visible {
                svg += "<circle cx=\"\(SVGChart.fmt(px(row.w)))\" cy=\"\(SVGChart.fmt(py(row.b)))\" r=\"2\" fill=\"\(color)\" clip-path=\"url(#plot)\"/>\n"
            }
        }
        let (mx, my) = (px(best.w), py(best.b))
        svg += "<g class=\"minimum\"><path d=\"M\(SVGChart.fmt(mx - 7)),\(SVGChart.fmt(my))L\(SVGChart.fmt(mx + 7)),\(SVGChart.fmt(my))M\(SVGChart.fmt(mx)),\(SVGChart.fmt(my - 7))L\(SVGChart.fmt(mx)),\(SVGChart.fmt(my + 7))\" stroke=\"black\" stroke-width=\"2\"/>"
        svg += "<text x=\"\(SVGChart.fmt(mx + 9))\" y=\"\(SVGChart.fmt(my - 8))\">minimum (\(formatFixed(best.w, digits: 3)), \(formatFixed(best.b, digits: 3)))</text></g>\n"
        svg += SVGChart.legend(paths.map(\.name), x: 70, y: bottom + 60, columnWidth: (width - 100) / 2)
        return svg + "</svg>\n"
    }
}

/// `lr --svg`: the rate against iteration on a log scale, one line per schedule.
public enum ScheduleChart {
    public static func svg(schedules: [(name: String, rates: [Double])]) -> String {
        let panel = ChartPanel(title: "Learning rate per update", xLabel: "iteration j (updates made)", yLabel: "learning rate (log scale)",
                               series: schedules.map { s in
                                   // At most ~2000 points per line: enough for the eye, small files.
                                   let step = max(1, s.rates.count / 2000)
                                   var points = stride(from: 0, to: s.rates.count, by: step).map { (Double($0), s.rates[$0]) }
                                   if let last = s.rates.indices.last, points.last?.0 != Double(last) { points.append((Double(last), s.rates[last])) }
                                   return ChartSeries(name: s.name, points: points)
                               }, logY: true)
        return SVGChart.document(panels: [panel], title: "zalando-train lr", panelWidth: 760, panelHeight: 380)
    }
}
