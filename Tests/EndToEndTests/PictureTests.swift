import Foundation
import Testing
@testable import TestSupport

/// Pictures through the real binary: variants of one schedule flag, the y-scale choice and its
/// notes, PNG and PDF rendered from the SVG, refused output paths, path's fitted view, and the
/// HTML report in a real headless Chromium.
struct PictureTests {
    static func svgElements(_ path: String) throws -> [SVGElements.Element] {
        try SVGElements.parse(try String(contentsOfFile: path, encoding: .utf8))
    }

    /// Pixel y → value, interpolated between the first and last y tick (linear axes).
    static func valueAt(pixelY: Double, ticks: [SVGElements.Element]) throws -> Double {
        let y = ticks.filter { $0.attributes["data-axis"] == "y" }
        let a = try #require(y.first), b = try #require(y.last)
        let (ya, yb) = (Double(a.attributes["y"]!)! - 4, Double(b.attributes["y"]!)! - 4)
        let (va, vb) = (Double(a.text)!, Double(b.text)!)
        return va + (pixelY - ya) / (yb - ya) * (vb - va)
    }

    /// The (x, y) pixel pairs of a series path's `d`.
    static func points(_ d: String) -> [(Double, Double)] {
        d.split(whereSeparator: { $0 == "M" || $0 == "L" }).compactMap { pair in
            let xy = pair.split(separator: ",").compactMap { Double($0) }
            return xy.count == 2 ? (xy[0], xy[1]) : nil
        }
    }

    @Test func aListInOneScheduleFlagDrawsOneCurvePerValue() throws {
        let svg = TestPaths.temporaryDirectory().appendingPathComponent("step.svg").path
        let result = try runTool(["lr", "--schedule", "step", "--lr", "2", "--drop-every", "10,20,50", "--iterations", "200", "--svg", svg])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "learning-rate chart (3 curves, 200 iterations) written to \(svg)\n")
        let elements = try Self.svgElements(svg)
        #expect(elements.withClass("legend").map(\.text) == ["D=10", "D=20", "D=50"])
        let lines = elements.withClass("series")
        #expect(lines.count == 3 && lines.allSatisfy { $0.attributes["data-points"] == "200" })
        #expect(elements.withClass("axis-label").map(\.text) == ["iteration j (updates made)", "learning rate"])
        // Each curve's last point is drawn at the book's γ0 / (⌊j/D⌋ + 1) for j = 199.
        let ticks = elements.withClass("tick")
        for line in lines {
            let d = Int(line.attributes["data-series"]!.dropFirst(2))!
            let last = try #require(Self.points(line.attributes["d"]!).last)
            let drawn = try Self.valueAt(pixelY: last.1, ticks: ticks)
            let expected = 2.0 / Double(199 / d + 1)
            #expect(abs(drawn - expected) < 0.01, "D=\(d): drawn \(drawn), expected \(expected)")
        }
        // Lines differ by dash pattern, not colour alone.
        #expect(Set(lines.map { $0.attributes["stroke-dasharray"] ?? "solid" }).count == 3)

        // Without a picture: one CSV column per value.
        let rows = csvRows(try runTool(["lr", "--schedule", "step", "--lr", "2", "--drop-every", "10,20", "--iterations", "21"]).stdout)
        #expect(rows.first == ["iteration", "D=10", "D=20"])
        #expect(rows[21] == ["20", String(2.0 / 3), "1.0"])
    }

    @Test(arguments: [
        (["lr", "--schedule", "step", "--lr", "2", "--drop-every", "10,20", "--decay-steps", "5,6", "--iterations", "5"], "--drop-every"),
        (["lr", "--schedule", "step,exponential", "--lr", "2", "--drop-every", "10,20", "--decay-rate", "0.5", "--decay-steps", "5", "--iterations", "5"], "--drop-every"),
        (["lr", "--schedule", "exponential", "--lr", "2", "--decay-rate", "0.5,-1", "--decay-steps", "5", "--iterations", "5"], "--decay-rate"),
        (["--schedule", "step", "--drop-every", "10,20", "--epochs", "1"], "--drop-every"),
        (["lr", "--schedule", "cosine", "--lr", "1", "--decay-steps", "10", "--iterations", "5", "--log-y", "--linear-y"], "--log-y"),
    ] as [([String], String)])
    func listsAndScalesAreRefusedWhereTheyCannotWork(arguments: [String], flag: String) throws {
        let result = try runTool(arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").first?.contains(flag) == true, "\(result.stderr)")
    }

    @Test func theDataChooseTheScaleAndNothingIsDroppedSilently() throws {
        let dir = TestPaths.temporaryDirectory()
        // Three decades, all positive: log, ticks in one format.
        let exp = dir.appendingPathComponent("exp.svg").path
        #expect(try runTool(["lr", "--schedule", "exponential", "--lr", "1", "--decay-rate", "0.1", "--decay-steps", "100",
                             "--iterations", "400", "--svg", exp]).status == 0)
        let expElements = try Self.svgElements(exp)
        #expect(expElements.withClass("panel").first?.attributes["data-scale"] == "log")
        let yTicks = expElements.withClass("tick").filter { $0.attributes["data-axis"] == "y" }.map(\.text)
        let formats = Set(yTicks.map { $0.hasPrefix("10") && $0.count > 2 && !$0.contains(".") ? "power" : $0.contains("e") ? "scientific" : "plain" })
        #expect(formats.count == 1, "\(yTicks)")

        // Less than two decades: linear.
        let mild = dir.appendingPathComponent("mild.svg").path
        #expect(try runTool(["lr", "--schedule", "exponential", "--lr", "1", "--decay-rate", "0.5", "--decay-steps", "100",
                             "--iterations", "400", "--svg", mild]).status == 0)
        #expect(try Self.svgElements(mild).withClass("panel").first?.attributes["data-scale"] == "linear")

        // Cosine ends at 0 from j = s on: forced onto a log axis, the 500 zeros are left off and said.
        let cos = dir.appendingPathComponent("cos.svg").path
        let forced = try runTool(["lr", "--schedule", "cosine", "--lr", "1", "--decay-steps", "1000", "--iterations", "1500", "--log-y", "--svg", cos])
        #expect(forced.status == 0, "\(forced.stderr)")
        let cosElements = try Self.svgElements(cos)
        #expect(cosElements.withClass("note").map(\.text).contains { $0.contains("500 values ≤ 0 left off the log axis") })
        #expect(cosElements.withClass("series").first?.attributes["data-points"] == "1000")

        // NaN in a run log: said in a note, the rest drawn.
        let log = try SampleRunLog.write([
            "r,fashion,sgd,constant,0.01,50,20,1,1,1200,0.01,0.60,0.78,0.62,0.77,0.11",
            "r,fashion,sgd,constant,0.01,50,20,1,2,2400,0.01,nan,0.10,nan,0.10,0.11",
        ])
        let nan = dir.appendingPathComponent("nan.svg").path
        #expect(try runTool(["compare", log, "--svg", nan]).status == 0)
        let notes = try Self.svgElements(nan).withClass("note").map(\.text)
        #expect(notes.contains { $0.hasPrefix("Training Cost: 1 value NaN or infinite") }, "\(notes)")
    }

    @Test func pngAndPdfAreRenderedFromTheSameDrawing() throws {
        let dir = TestPaths.temporaryDirectory()
        let (svg, png, pdf) = (dir.appendingPathComponent("a.svg").path, dir.appendingPathComponent("a.png").path, dir.appendingPathComponent("a.pdf").path)
        let result = try runTool(["lr", "--schedule", "inverse-time", "--lr", "2", "--decay-rate", "0.01,0.1,0.8", "--decay-steps", "1",
                                  "--iterations", "100", "--svg", svg, "--png", png, "--pdf", pdf, "--title", "Inverse Time"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "learning-rate chart (3 curves, 100 iterations) written to \(svg), \(png) and \(pdf)\n")
        let root = try #require(try Self.svgElements(svg).first { $0.name == "svg" })
        let (width, height) = (Double(root.attributes["width"]!)!, Double(root.attributes["height"]!)!)
        let pngBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: png)))
        #expect(pngBytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        // IHDR: width and height, big-endian, at bytes 16 and 20; twice the SVG's pixels.
        func be32(_ at: Int) -> Int { pngBytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        #expect(be32(16) == Int((width * 2).rounded(.up)) && be32(20) == Int((height * 2).rounded(.up)))
        #expect(pngBytes.count > 20_000)
        let pdfText = String(decoding: try Data(contentsOf: URL(fileURLWithPath: pdf)), as: UTF8.self)
        #expect(pdfText.hasPrefix("%PDF-") && pdfText.contains("%%EOF"))
        // Page size in points: 0.75 per CSS pixel.
        #expect(pdfText.contains("/MediaBox [ 0 0 \(formatPoints(width * 0.75)) \(formatPoints(height * 0.75)) ]"), "\(pdfText.prefix(2000))")
        #expect(pdfText.utf8.count > 5_000)
    }

    func formatPoints(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(v)
    }

    @Test func outputPathsAreCheckedBeforeAnyWork() throws {
        let dir = TestPaths.temporaryDirectory()
        let text = dir.appendingPathComponent("notes.svg").path
        try "my notes\n".write(toFile: text, atomically: true, encoding: .utf8)
        let oldPNG = dir.appendingPathComponent("old.png").path
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]).write(to: URL(fileURLWithPath: oldPNG))
        let lr = ["lr", "--schedule", "constant", "--lr", "1", "--iterations", "10"]
        let cases: [([String], String)] = [
            (["--svg", dir.appendingPathComponent("missing/x.svg").path], "does not exist"),
            (["--svg", dir.path], "is a folder"),
            (["--svg", ""], "empty"),
            (["--png", dir.path + "/"], "folder"),
            (["--svg", dir.appendingPathComponent("chart.png").path], "the name says PNG"),
            (["--png", dir.appendingPathComponent("chart.pdf").path], "the name says PDF"),
            (["--svg", text], "not an SVG file"),
            (["--svg", oldPNG.replacingOccurrences(of: ".png", with: ".svg"), "--png", oldPNG.replacingOccurrences(of: ".png", with: ".svg")], "the name says SVG"),
            (["--svg", "/dev/null"], "not a regular file"),
        ]
        for (flags, words) in cases {
            let result = try runTool(lr + flags)
            #expect(result.status == 64, "\(flags): \(result.stderr)")
            let first = String(result.stderr.split(separator: "\n").first ?? "")
            #expect(first.contains(words) && first.contains(flags[0]), "\(flags): \(first)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try String(contentsOfFile: text, encoding: .utf8) == "my notes\n")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("chart.png").path))
        // A PNG is replaced by a PNG.
        #expect(try runTool(lr + ["--png", oldPNG]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: oldPNG)).count > 1000)
        // compare: the run log is an input, never an output.
        let log = try SampleRunLog.write(SampleRunLog.rows)
        let html = try runTool(["compare", log, "--html", log])
        #expect(html.status == 64 && html.stderr.contains("--html"), "\(html.stderr)")
        let same = try runTool(["compare", log, "--svg", dir.appendingPathComponent("c.svg").path, "--html", dir.appendingPathComponent("c.svg").path])
        #expect(same.status == 64, "\(same.stderr)")
    }

    @Test func aDivergingPathIsClippedWithANoteAndTheViewFitsTheOthers() throws {
        let svg = TestPaths.temporaryDirectory().appendingPathComponent("div.svg").path
        let result = try runTool(["path", "--optimizer", "sgd,sgd,adam", "--lr", "0.1,0.6,0.3", "--iterations", "40", "--start", "-1,0.5", "--svg", svg])
        #expect(result.status == 0, "\(result.stderr)")
        let elements = try Self.svgElements(svg)
        #expect(elements.withClass("note").map(\.text).contains { $0.hasPrefix("sgd γ=0.6 leaves the view at iteration 1") })
        // The view is the converging paths' (−1…1.1 in w), not the diverging one's.
        let ticks = elements.withClass("tick").compactMap { Double($0.text) }
        #expect(!ticks.isEmpty && ticks.allSatisfy { abs($0) < 5 }, "\(ticks)")
        // Every drawn coordinate lies near the plot (none at ±1e38).
        for line in elements.withClass("series") {
            #expect(Self.points(line.attributes["d"]!).allSatisfy { abs($0.0) < 2000 && abs($0.1) < 2000 })
        }
        #expect(elements.withClass("series").count == 3)
    }
}
