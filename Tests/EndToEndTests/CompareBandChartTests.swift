import Foundation
import Testing
@testable import TestSupport

/// compare's picture (DESIGN.md "compare", Filters and size; issue 23 item 4): one mean line
/// with a ± sd band per configuration, a look fixed by the configuration's id, the legend in the
/// table's order with --run-name as the label, a ring at the best epoch, `data-config` on every
/// element of a configuration, --where/--top, --panels and --width — all through the binary, the
/// SVG parsed, the numbers computed here from CompareStatisticsTests' log.
struct CompareBandChartTests {
    typealias Stats = CompareStatisticsTests
    typealias Element = SVGElements.Element

    /// Draws `compare LOG arguments --svg FILE`; the parsed elements and the text.
    static func draw(_ arguments: [String], log: String? = nil) throws -> (elements: [Element], text: String) {
        let svg = TestPaths.temporaryDirectory().appendingPathComponent("bands.svg").path
        let result = try runTool(["compare", try log ?? Stats.log()] + arguments + ["--svg", svg])
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        return (try SVGElements.parse(text), text)
    }

    /// Each element with the title of the panel it is drawn in ("" outside the panels). The
    /// parsed list is flat: a panel's elements follow its group until the next panel or the legend.
    static func byPanel(_ elements: [Element]) -> [(panel: String, element: Element)] {
        var current = ""
        return elements.map { element in
            if element.attributes["class"] == "panel" { current = element.attributes["data-title"] ?? "?" }
            if element.attributes["class"] == "legend-box" { current = "" }
            return (current, element)
        }
    }

    static func numbers(_ text: String?) -> [Double] { (text ?? "").split(separator: " ").compactMap { Double($0) } }

    /// Mean and sample sd over the configuration's seeds at each epoch of `value`.
    static func bands(_ e: Stats.Expected, _ value: (Double) -> Double) -> [(mean: Double, sd: Double?)] {
        (0..<3).map { epoch in Stats.meanSD(e.runs.map { value($0.epochs[epoch].val) }) }
    }

    /// The name a configuration is labelled by: its runs' --run-name without the seed term.
    static func label(_ e: Stats.Expected) -> String {
        e.runs[0].name.split(separator: " ").filter { !$0.hasPrefix("seed=") }.joined(separator: " ")
    }

    // MARK: - Bands, rings, legend

    @Test func oneBandPerConfigurationAtMeanPlusMinusSD() throws {
        let expected = try Stats.expected()
        let (elements, _) = try Self.draw([])
        let placed = Self.byPanel(elements)
        // The log has validation: train_cost = val_cost = 1 − val_accuracy in every row.
        let panels: [(title: String, value: (Double) -> Double)] = [
            ("Training Cost", { 1 - $0 }), ("Validation Accuracy", { $0 }), ("Training and Validation Cost", { 1 - $0 }),
        ]
        #expect(elements.withClass("panel").map { $0.attributes["data-title"] } == panels.map(\.title))
        let withSeeds = expected.filter { $0.runs.count > 1 }
        for (title, value) in panels {
            let lines = placed.filter { $0.panel == title && $0.element.attributes["class"] == "series" && $0.element.attributes["data-companion"] == nil }
            #expect(Set(lines.compactMap { $0.element.attributes["data-config"] }) == Set(expected.map(\.id)) && lines.count == expected.count, "\(title)")
            let bands = placed.filter { $0.panel == title && $0.element.attributes["class"] == "band" && $0.element.attributes["data-companion"] == nil }.map(\.element)
            // One band per configuration with two seeds or more; D (one seed) has none.
            #expect(bands.count == withSeeds.count, "\(title): \(bands.map(\.attributes))")
            #expect(Set(bands.compactMap { $0.attributes["data-config"] }) == Set(withSeeds.map(\.id)), "\(title)")
            for e in withSeeds {
                let band = try #require(bands.first { $0.attributes["data-config"] == e.id }, "\(title) \(e.id)")
                let want = Self.bands(e, value)
                let (x, low, high) = (Self.numbers(band.attributes["data-x"]), Self.numbers(band.attributes["data-low"]), Self.numbers(band.attributes["data-high"]))
                #expect(x == [1, 2, 3] && low.count == 3 && high.count == 3, "\(band.attributes)")
                for (i, w) in want.enumerated() where i < low.count && i < high.count {
                    let sd = try #require(w.sd)
                    #expect(abs(low[i] - (w.mean - sd)) <= 1e-12 && abs(high[i] - (w.mean + sd)) <= 1e-12,
                            "\(title) \(e.id) epoch \(i + 1): [\(low[i]), \(high[i])] vs \(w.mean) ± \(sd)")
                }
                // The band and its line share the configuration's colour.
                let line = lines.first { $0.element.attributes["data-config"] == e.id }?.element
                #expect(band.attributes["fill"] == line?.attributes["stroke"])
            }
        }
        // Held-out cost has its own bands, dotted lines, in the third panel only.
        let companions = placed.filter { $0.element.attributes["class"] == "band" && $0.element.attributes["data-companion"] == "true" }
        #expect(companions.count == withSeeds.count && companions.allSatisfy { $0.panel == "Training and Validation Cost" })

        // A ring at each configuration's best epoch (median over seeds) on the mean line of the
        // ranking metric, D's too.
        let rings = placed.filter { $0.element.attributes["class"] == "best" }
        #expect(rings.count == expected.count && rings.allSatisfy { $0.panel == "Validation Accuracy" }, "\(rings.map(\.element.attributes))")
        for e in expected {
            let ring = try #require(rings.first { $0.element.attributes["data-config"] == e.id }?.element)
            #expect(Double(ring.attributes["data-x"] ?? "") == e.medianBestEpoch, "\(ring.attributes)")
            let epoch = Int(e.medianBestEpoch) - 1
            let mean = Stats.meanSD(e.runs.map { $0.epochs[epoch].val }).mean
            #expect(Double(ring.attributes["data-y"] ?? "").map { abs($0 - mean) <= 1e-12 } == true, "\(ring.attributes) vs \(mean)")
        }
    }

    @Test func theLegendIsTheTablesOrderLabelledByRunName() throws {
        let log = try Self.draw([]).elements
        let table = try #require(try Stats.json([try Stats.log()])["configurations"] as? [[String: Any]])
        let order = table.compactMap { $0["config_id"] as? String }
        let expected = try Stats.expected()
        #expect(order.count == expected.count)
        let legend = log.withClass("legend")
        #expect(legend.map { $0.attributes["data-config"] ?? "" } == order)
        // The runs were named (--run-name): the names, seed term aside, not "what differs".
        let names = Dictionary(uniqueKeysWithValues: expected.map { ($0.id, Self.label($0)) })
        #expect(legend.map(\.text) == order.map { names[$0] ?? "?" }, "\(legend.map(\.text))")
        #expect(legend.map(\.text).first == "adam, \"quoted\" & 50%")
        // Every line takes its label as its series name.
        for line in log.withClass("series") {
            #expect(line.attributes["data-series"] == line.attributes["data-config"].flatMap { names[$0] })
        }
        // Re-ranked (by time to a target), the legend follows the table.
        let target = ["--target", "val_accuracy=0.85", "--rank-by", "target"]
        let ranked = try #require(try Stats.json([try Stats.log()] + target)["configurations"] as? [[String: Any]])
        let rankedLegend = try Self.draw(target).elements.withClass("legend")
        #expect(rankedLegend.map { $0.attributes["data-config"] ?? "" } == ranked.compactMap { $0["config_id"] as? String })
    }

    /// Two inverse-time configurations that differ only in --decay-rate: optimizer, schedule and
    /// γ are the same, so the label adds the flag that differs (it used to add the run's name,
    /// which repeated the label), and a lone configuration is called by its name.
    @Test func labelsThatWouldCollideAddWhatDiffers() throws {
        var rows = [v2Header]
        for (k, rate) in ["0.1", "0.5"].enumerated() {
            for seed in 1...2 {
                let flags = "--dataset fashion --epochs 2 --seed \(seed) --validation 100 --optimizer sgd --lr 0.1 --schedule inverse-time --decay-rate \(rate) --decay-steps 1000"
                for epoch in 1...2 {
                    rows.append("\(k)0000000000\(seed),sgd lr=0.1 inverse-time decay-rate=\(rate) decay-steps=1000 seed=\(seed),fashion,sgd,inverse-time,0.1,50,20-20-20-20,relu,\(seed),\(epoch),\(epoch * 1200),0.1,"
                        + "0.5,0.8,0.5,0.\(7 + k)\(seed),0.5,0.8,1,\"\(flags)\"")
                }
            }
        }
        let log = TestPaths.temporaryDirectory().appendingPathComponent("decay.csv").path
        try (rows.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let legend = try Self.draw([], log: log).elements.withClass("legend").map(\.text)
        #expect(legend == ["decay-rate=0.5", "decay-rate=0.1"], "\(legend)")
        // Beside a configuration of another optimizer, the shared part is said too.
        let adam = "a00000000001,adam lr=0.001 seed=1,fashion,adam,constant,0.001,50,20-20-20-20,relu,1,1,1200,0.001,0.5,0.8,0.5,0.6,0.5,0.8,1,"
            + "\"--dataset fashion --epochs 1 --seed 1 --validation 100 --optimizer adam --lr 0.001 --schedule constant\""
        try (rows.joined(separator: "\n") + "\n" + adam + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let three = try Self.draw([], log: log).elements.withClass("legend").map(\.text)
        #expect(three == ["sgd inverse-time γ=0.1 (decay-rate=0.5)", "sgd inverse-time γ=0.1 (decay-rate=0.1)", "adam constant γ=0.001"], "\(three)")
        // (The name is longer than the legend's column: the series carries it whole.)
        let lone = try Self.draw(["--where", "decay-rate=0.5"], log: log).elements.withClass("series").map { $0.attributes["data-series"] }
        #expect(Set(lone) == ["sgd lr=0.1 inverse-time decay-rate=0.5 decay-steps=1000"], "\(lone)")
    }

    /// A configuration's look (line colour, dash, marker; the legend's too) in a picture.
    static func looks(_ elements: [Element]) -> [String: [String]] {
        var looks: [String: [String]] = [:]
        let placed = byPanel(elements)
        for id in Set(elements.compactMap { $0.attributes["data-config"] }) {
            let line = placed.first { $0.panel == "Training Cost" && $0.element.attributes["class"] == "series" && $0.element.attributes["data-config"] == id }?.element
            let markers = elements.first { $0.attributes["class"] == "markers" && $0.attributes["data-config"] == id }
            let entry = elements.first { $0.attributes["class"] == "legend-entry" && $0.attributes["data-config"] == id }
            looks[id] = [line?.attributes["stroke"] ?? "-", line?.attributes["stroke-dasharray"] ?? "solid",
                         markers?.attributes["data-marker"] ?? "-", entry?.attributes["data-marker"] ?? "-"]
        }
        return looks
    }

    @Test func aConfigurationKeepsItsLookWhateverElseIsDrawn() throws {
        let ids = try Stats.expected().map(\.id)  // A, B, D, C: best mean first
        let all = Self.looks(try Self.draw([]).elements)
        #expect(Set(all.keys) == Set(ids))
        // --where and --top choose what the picture draws, as they choose the table's rows.
        let sgd = Self.looks(try Self.draw(["--where", "optimizer=sgd"]).elements)
        #expect(Set(sgd.keys) == [ids[1], ids[3]])
        let top = Self.looks(try Self.draw(["--top", "2"]).elements)
        #expect(Set(top.keys) == [ids[0], ids[1]])
        let one = Self.looks(try Self.draw(["--where", "config=\(ids[2])"]).elements)
        #expect(Set(one.keys) == [ids[2]])
        // A log holding only C: the same look again.
        let alone = try Stats.log(Stats.runs.filter { $0.lr == "0.01" && $0.optimizer == "sgd" })
        let own = Self.looks(try Self.draw([], log: alone).elements)
        #expect(Set(own.keys) == [ids[3]])
        for picture in [sgd, top, one, own] {
            for (id, look) in picture {
                #expect(look == all[id], "\(id): \(look) vs \(all[id] ?? [])")
                #expect(!look.contains("-"), "\(id): \(look)")
            }
        }
    }

    @Test func everyElementOfAConfigurationCarriesItsID() throws {
        let ids = Set(try Stats.expected().map(\.id))
        let (elements, _) = try Self.draw(["--title", "t"])
        let colourOf = Dictionary(elements.withClass("series").compactMap { e in e.attributes["data-config"].map { ($0, e.attributes["stroke"] ?? "") } },
                                  uniquingKeysWith: { a, _ in a })
        let colours = Set(colourOf.values)
        for cls in ["series", "band", "best", "markers", "legend", "legend-entry", "band-sample"] {
            let drawn = elements.withClass(cls)
            #expect(!drawn.isEmpty, "\(cls)")
            #expect(drawn.allSatisfy { $0.attributes["data-config"].map(ids.contains) == true }, "\(cls)")
        }
        // Whatever is painted in a configuration's colour says whose it is, and is that one's colour.
        var painted = 0
        for element in elements {
            let paint = [element.attributes["stroke"], element.attributes["fill"]].compactMap { $0 }.filter(colours.contains)
            guard let colour = paint.first else { continue }
            painted += 1
            let id = element.attributes["data-config"]
            #expect(id.map { colourOf[$0] == colour } == true, "<\(element.name) \(element.attributes)>")
        }
        #expect(painted > 50)
    }

    // MARK: - --panels and --width

    @Test func panelsChooseWhatIsDrawnInThatOrder() throws {
        let two = try Self.draw(["--panels", "metric,cost"]).elements
        #expect(two.withClass("panel").map { $0.attributes["data-title"] } == ["Validation Accuracy", "Training Cost"])
        #expect(two.withClass("panel-title").map(\.text) == ["Validation Accuracy", "Training Cost"])
        #expect(Self.byPanel(two).filter { $0.element.attributes["class"] == "best" }.allSatisfy { $0.panel == "Validation Accuracy" })
        // One panel: no rings (they go on the metric's panel), and the key does not promise them.
        let overfit = try Self.draw(["--panels", "overfit"])
        #expect(overfit.elements.withClass("panel").map { $0.attributes["data-title"] } == ["Training and Validation Cost"])
        #expect(overfit.elements.withClass("best").isEmpty)
        let key = overfit.elements.filter { $0.attributes["class"] == "chart-key" }
        #expect(!key.isEmpty && !overfit.text.contains("ring: best epoch"))
        #expect(try Self.draw([]).text.contains("ring: best epoch (median)"))
        // Documented in --help, with the names.
        let help = try runTool(["compare", "--help"])
        #expect(help.stdout.contains("--panels") && help.stdout.contains("values: cost, metric, overfit"), "\(help.stdout)")
        #expect(help.stdout.contains("--width") && help.stdout.contains("values: column, paper, wide"))
    }

    /// A run log whose best configuration has a --run-name far longer than a column.
    static let longName = "Adam with the learning rate the paper recommends, three seeds each"
    static func longNamedLog() throws -> String {
        try Stats.log(Stats.runs.map { run in
            guard run.optimizer == "adam" else { return run }
            return Stats.Run(id: run.id, name: "\(longName) seed=\(run.seed)", optimizer: run.optimizer, lr: run.lr, seed: run.seed, epochs: run.epochs)
        })
    }

    static func size(_ text: String) throws -> (width: Double, height: Double) {
        let match = try #require(text.firstMatch(of: /<svg[^>]* width="([0-9.]+)" height="([0-9.]+)"/))
        return (try #require(Double(match.1)), try #require(Double(match.2)))
    }

    /// Every font size in the picture (the root's and each element's).
    static func fontSizes(_ elements: [Element]) -> [Double] { elements.compactMap { $0.attributes["font-size"].flatMap(Double.init) } }

    /// Each text line (a tspan's, or the element's own text) with its x and font size.
    static func textLines(_ text: String, rootFont: Double) -> [(x: Double, text: String, font: Double)] {
        text.matches(of: /<text([^>]*)>(.*?)<\/text>/).flatMap { match -> [(x: Double, text: String, font: Double)] in
            let attributes = String(match.1)
            guard !attributes.contains("rotate"), !attributes.contains("text-anchor") else { return [] }  // axis labels, ticks, titles are centred or right-aligned
            let font = attributes.firstMatch(of: /font-size="([0-9.]+)"/).flatMap { Double($0.1) } ?? rootFont
            let x = attributes.firstMatch(of: /\sx="([0-9.]+)"/).flatMap { Double($0.1) } ?? 0
            let spans = String(match.2).matches(of: /<tspan x="([0-9.]+)"[^>]*>(.*?)<\/tspan>/).map { (Double($0.1) ?? 0, String($0.2), font) }
            return spans.isEmpty ? [(x, String(match.2), font)] : spans
        }
    }

    @Test func columnIsThreePointFiveInchesWithNoTextUnderSevenPoints() throws {
        let dir = TestPaths.temporaryDirectory()
        let (svg, pdf) = (dir.appendingPathComponent("column.svg").path, dir.appendingPathComponent("column.pdf").path)
        let result = try runTool(["compare", try Self.longNamedLog(), "--width", "column", "--svg", svg, "--pdf", pdf])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        let elements = try SVGElements.parse(text)
        let (width, _) = try Self.size(text)
        #expect(abs(width - 3.5 * 96) <= 1, "\(width) px")
        // The PDF page is 3.5 in wide (72 pt to the inch).
        let pdfText = String(decoding: try Data(contentsOf: URL(fileURLWithPath: pdf)), as: UTF8.self)
        let box = try #require(pdfText.firstMatch(of: /MediaBox \[ ?0 0 ([0-9.]+) ([0-9.]+) ?\]/), "no MediaBox")
        let points = try #require(Double(box.1))
        #expect(abs(points / 72 - 3.5) <= 0.01, "\(points) pt")
        // At that size no text is under 7 pt (7/72 in = 9.33 px).
        let fonts = Self.fontSizes(elements)
        #expect(!fonts.isEmpty && fonts.allSatisfy { $0 >= 7.0 * 96 / 72 }, "\(fonts)")
        // Panels stacked, each as wide as the picture allows; the legend below the last one.
        let titles = elements.withClass("panel-title")
        #expect(titles.count == 3 && Set(titles.map { $0.attributes["x"] }).count == 1, "\(titles.map(\.attributes))")
        let titleYs = titles.compactMap { Double($0.attributes["y"] ?? "") }
        #expect(titleYs == titleYs.sorted() && Set(titleYs).count == 3)
        let lowestAxisLabel = elements.withClass("axis-label").compactMap { Double($0.attributes["y"] ?? "") }.max() ?? .infinity
        let legend = elements.withClass("legend")
        #expect(legend.count == 4 && legend.allSatisfy { (Double($0.attributes["y"] ?? "") ?? 0) > lowestAxisLabel })
        // Every left-aligned line (legend, keys, notes) ends inside the picture; the long
        // --run-name wraps onto several lines.
        let rootFont = try #require(elements.first { $0.name == "svg" }.flatMap { $0.attributes["font-size"] }.flatMap(Double.init))
        let lines = Self.textLines(text, rootFont: rootFont)
        #expect(lines.count >= 8)
        for line in lines {
            #expect(line.x + Double(line.text.count) * 0.6 * line.font <= width, "runs off: \(line.text)")
        }
        let long = try #require(text.firstMatch(of: /<text class="legend"[^>]*>(<tspan.*?)<\/text>/), "the long name is not wrapped")
        let parts = long.1.matches(of: /<tspan[^>]*>(.*?)<\/tspan>/).map { String($0.1).trimmingCharacters(in: .whitespaces) }
        #expect(parts.count >= 2 && parts.joined(separator: " ") == Self.longName, "\(parts)")
    }

    @Test func paperPutsThePanelsInARowAndWideKeepsTheLegendBeside() throws {
        let paper = try Self.draw(["--width", "paper"])
        let (paperWidth, _) = try Self.size(paper.text)
        #expect(abs(paperWidth - 6.5 * 96) <= 1, "\(paperWidth)")
        #expect(Self.fontSizes(paper.elements).allSatisfy { $0 >= 7.0 * 96 / 72 })
        let titles = paper.elements.withClass("panel-title")
        let xs = titles.compactMap { Double($0.attributes["x"] ?? "") }
        #expect(titles.count == 3 && Set(titles.map { $0.attributes["y"] }).count == 1 && xs == xs.sorted() && Set(xs).count == 3)
        let lowest = paper.elements.withClass("axis-label").compactMap { Double($0.attributes["y"] ?? "") }.max() ?? .infinity
        #expect(paper.elements.withClass("legend").allSatisfy { (Double($0.attributes["y"] ?? "") ?? 0) > lowest })

        // wide (the default): for a screen, wider than a page, the legend right of the panels.
        let wide = try Self.draw([])
        #expect(try Self.size(wide.text).width > 1000)
        #expect(try Self.size(try Self.draw(["--width", "wide"]).text) == Self.size(wide.text))
        let rightmostTitle = wide.elements.withClass("panel-title").compactMap { Double($0.attributes["x"] ?? "") }.max() ?? .infinity
        #expect(wide.elements.withClass("legend").allSatisfy { (Double($0.attributes["x"] ?? "") ?? 0) > rightmostTitle })
    }

    @Test(arguments: [
        (["--width", "huge", "--svg", "x.svg"], "--width huge"),
        (["--width", "3in", "--svg", "x.svg"], "--width 3in"),
        (["--panels", "cost,loss", "--svg", "x.svg"], "--panels cost,loss"),
        (["--panels", "cost,,metric", "--svg", "x.svg"], "--panels cost,,metric"),
        (["--panels", "cost,cost", "--svg", "x.svg"], "--panels cost,cost: cost is named twice"),
        (["--panels", "", "--svg", "x.svg"], "--panels"),
        (["--width", "column"], "--width column: sizes the chart"),
        (["--panels", "cost"], "--panels cost: chooses the chart's panels"),
    ] as [([String], String)])
    func badValuesAreOneLineNamingTheFlag(arguments: [String], words: String) throws {
        let dir = TestPaths.temporaryDirectory()
        let result = try runTool(["compare", try Stats.log()] + arguments, in: dir)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first.map { ($0.hasPrefix("Error: ") || $0.hasPrefix("zalando-train: ")) && $0.contains(words) } == true, "\(result.stderr)")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("Help: ") || $0.hasPrefix("Usage: ") || $0.hasPrefix("  See ") }, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.svg").path))
    }
}
