import Foundation

/// `lr --svg`: the rate against iteration, one line per schedule or per value of one flag.
/// The y axis is logarithmic only when the rates span more than two decades and are all
/// positive (unless told); a rate of 0 (cosine's end) stays visible on a linear axis.
public enum ScheduleChart {
    public static func svg(schedules: [(name: String, rates: [Double])], title: String? = nil, scale: ChartStyle.Scale = .auto) -> String {
        let panel = ChartPanel(title: "Learning rate per update", xLabel: "iteration j (updates made)", yLabel: "learning rate",
                               series: schedules.enumerated().map { i, s in
                                   // At most ~1500 points per line: two per pixel of the panel, small files.
                                   let step = max(1, s.rates.count / 1500)
                                   var points = stride(from: 0, to: s.rates.count, by: step).map { (x: Double($0), y: s.rates[$0]) }
                                   if let last = s.rates.indices.last, points.last?.x != Double(last) { points.append((Double(last), s.rates[last])) }
                                   return ChartSeries(name: s.name, points: points, style: i)
                               }, scale: scale)
        let defaultTitle = schedules.count == 1 ? "Learning Rate: \(schedules[0].name)" : "Learning-Rate Schedules"
        return SVGChart.document(title: title ?? defaultTitle, panels: [panel], legend: schedules.map(\.name),
                                 panelWidth: 720, panelHeight: 400)
    }
}
