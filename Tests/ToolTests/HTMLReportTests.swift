import Foundation
import Testing
@testable import TestSupport

/// `compare --html` in a real browser: headless Chromium loads the page from disk (no network),
/// sorts the table by a click on a header, shows a point's values as the pointer would, logs
/// no console message, and takes a screenshot.
struct HTMLReportTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Outside CI a missing browser skips loudly; with CI=true the test runs and fails.
    static var available: Bool {
        if chromium != nil || ProcessInfo.processInfo.environment["CI"] == "true" { return true }
        print("⚠️  SKIPPING HTML report test: no chromium (apt-get install chromium)")
        return false
    }

    static func browse(_ arguments: [String]) throws -> ProcessResult {
        let browser = try #require(chromium, "chromium is not installed (apt-get install chromium)")
        let profile = TestPaths.temporaryDirectory().appendingPathComponent("profile").path
        return try runProcess(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
                                        "--enable-logging=stderr", "--v=0", "--hide-scrollbars"] + arguments)
    }

    @Test(.enabled(if: available)) func theReportSortsShowsValuesAndLoadsCleanlyInChromium() throws {
        let dir = TestPaths.temporaryDirectory()
        let log = try SampleRunLog.write(SampleRunLog.rows + [
            "third,fashion,momentum,step,0.05,50,20-20-20-20,1,1,1200,0.05,0.50,0.80,0.55,0.79,0.12",
        ])
        let html = dir.appendingPathComponent("report.html").path
        let result = try runTool(["compare", log, "--html", html, "--title", "Three Runs"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix("report written to \(html)\n"))
        let page = try String(contentsOfFile: html, encoding: .utf8)
        // Self-contained: nothing to fetch (the SVG namespace is a name, not a request).
        #expect(!page.contains("src=") && !page.contains("href=") && !page.contains("@import"))
        #expect(page.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "https?://", options: .regularExpression) == nil)

        // The table is the configurations' (one row per configuration, the terminal's cells).
        // Two clicks on "configuration" sort it by name, descending: third, sgd-run, adam.
        let headers = page.replacingOccurrences(of: "<wbr>", with: "").matches(of: /<th[^>]*data-column="([0-9]+)">([^<]*)<\/th>/).map { (String($0.1), String($0.2)) }
        let name = try #require(headers.first { $0.1 == "configuration" }?.0, "\(headers)")
        let sorted = try Self.browse(["--dump-dom", "file://\(html)#sort=\(name),\(name)&tip"])
        #expect(sorted.status == 0, "\(sorted.stderr)")
        let consoleLines = sorted.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(consoleLines.isEmpty, "\(consoleLines)")
        let body = try #require(sorted.stdout.range(of: "<tbody>").flatMap { start in
            sorted.stdout.range(of: "</tbody>", range: start.upperBound..<sorted.stdout.endIndex).map { sorted.stdout[start.upperBound..<$0.lowerBound] }
        })
        let firstCells = body.matches(of: /<tr[^>]*><td[^>]*>(.*?)<\/td>/).map { Self.unescape(String($0.1)) }
        #expect(firstCells == ["third", "sgd-run", "adam, fast"], "\(firstCells)")
        #expect(sorted.stdout.contains("aria-sort=\"descending\""))
        // One click: ascending, the ranking's order here.
        let once = try Self.browse(["--dump-dom", "file://\(html)#sort=\(name)"])
        let onceBody = try #require(once.stdout.components(separatedBy: "<tbody>").dropFirst().first)
        #expect(onceBody.matches(of: /<tr[^>]*><td[^>]*>(.*?)<\/td>/).map { Self.unescape(String($0.1)) } == ["adam, fast", "sgd-run", "third"])
        // The pointer's tooltip on the first point drawn: the longest run's (adam) first training cost.
        let tip = try #require(sorted.stdout.range(of: "<div id=\"tip\" style=\"display: block;\">"))
        let tipText = sorted.stdout[tip.upperBound...].prefix { $0 != "<" }
        #expect(tipText == "adam constant γ=0.001 · epoch 1 · training cost 0.4500", "\(tipText)")
        // The charts and the legend naming what differs are in the page.
        #expect(sorted.stdout.components(separatedBy: "class=\"series\"").count - 1 == 3 * 4)
        #expect(sorted.stdout.contains(">momentum step γ=0.05<"))

        let shot = dir.appendingPathComponent("shot.png").path
        let screenshot = try Self.browse(["--window-size=1400,1000", "--screenshot=\(shot)", "file://\(html)"])
        #expect(screenshot.status == 0, "\(screenshot.stderr)")
        #expect(screenshot.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.isEmpty)
        let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: shot)))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 30_000)
    }
}

/// The report of a small sweep (four configurations over one, two or three seeds, a validation
/// set, a target, --by lr, --runs), read back from the browser's DOM and checked against the
/// same command's JSON export, row by row: the page shows the terminal's numbers, not others.
extension HTMLReportTests {
    /// (configuration: optimizer, lr; seed; val_accuracy and test_accuracy per epoch).
    static let runs: [(optimizer: String, lr: String, seed: Int, val: [Double], test: [Double])] = [
        ("adam", "0.001", 1, [0.80, 0.86, 0.85], [0.79, 0.84, 0.86]),
        ("adam", "0.001", 2, [0.83, 0.84, 0.87], [0.80, 0.83, 0.85]),
        ("adam", "0.001", 3, [0.88, 0.88, 0.82], [0.81, 0.87, 0.80]),
        ("adam", "0.01", 1, [0.84, 0.86, 0.85], [0.83, 0.85, 0.84]),
        ("adam", "0.01", 2, [0.82, 0.83, 0.84], [0.80, 0.82, 0.83]),
        ("adam", "0.01", 3, [0.85, 0.87, 0.86], [0.84, 0.86, 0.85]),
        ("sgd", "0.1", 1, [0.60, 0.70, 0.71], [0.59, 0.69, 0.70]),
        ("sgd", "0.1", 2, [0.61, 0.69, 0.715], [0.60, 0.68, 0.71]),
        ("momentum", "0.01", 1, [0.75, 0.76, 0.77], [0.74, 0.75, 0.76]),
    ]

    static func log() throws -> String {
        var rows: [String] = []
        for (k, run) in runs.enumerated() {
            let flags = "--dataset fashion --hidden 20,20 --batch-size 50 --epochs 3 --seed \(run.seed) --validation 100 "
                + "--optimizer \(run.optimizer) --lr \(run.lr) --schedule constant"
            for epoch in 0..<3 {
                let (v, t) = (run.val[epoch], run.test[epoch])
                rows.append("\(String(format: "e%011d", k)),\(run.optimizer) lr=\(run.lr) seed=\(run.seed),fashion,\(run.optimizer),constant,\(run.lr),50,20-20,relu,"
                    + "\(run.seed),\(epoch + 1),\((epoch + 1) * 1200),\(run.lr),\(1.2 - v),\(v),\(1.1 - v),\(v),\(1.1 - t),\(t),0.5,\"\(flags)\"")
            }
        }
        let path = TestPaths.temporaryDirectory().appendingPathComponent("sweep.csv").path
        try ([v2Header] + rows).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A table of the dumped DOM: per row its data-config and its cells' text.
    static func table(_ id: String, in dom: String) throws -> [(config: String, cells: [String])] {
        let start = try #require(dom.range(of: "<table id=\"\(id)\""), "no table \(id)")
        let end = try #require(dom.range(of: "</table>", range: start.upperBound..<dom.endIndex))
        let html = String(dom[start.upperBound..<end.lowerBound])
        return html.matches(of: /<tr data-config="([^"]*)"[^>]*>(.*?)<\/tr>/.dotMatchesNewlines()).map { row in
            (String(row.1), String(row.2).matches(of: /<td[^>]*>(.*?)<\/td>/).map { unescape(String($0.1)) })
        }
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "<wbr>", with: "").replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&nbsp;", with: "\u{a0}").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Every element of the DOM that carries data-config: its tag, config and whether it is `.on`.
    static func configElements(_ dom: String) -> [(tag: String, config: String, on: Bool)] {
        dom.matches(of: /<([a-zA-Z]+)\s([^>]*data-config="[^"]*"[^>]*)>/).map { m in
            let attributes = String(m.2)
            let config = attributes.firstMatch(of: /data-config="([^"]*)"/).map { String($0.1) } ?? ""
            let classes = attributes.firstMatch(of: /class="([^"]*)"/).map { $0.1.split(separator: " ").map(String.init) } ?? []
            return (String(m.1), config, classes.contains("on"))
        }
    }

    static func noConsole(_ result: ProcessResult, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = result.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(lines.isEmpty, "\(lines)", sourceLocation: sourceLocation)
    }

    func percent(_ x: Double) -> String { String(format: "%.2f%%", x * 100) }

    @Test(.enabled(if: HTMLReportTests.available)) func theReportShowsTheExportsNumbersHighlightsAndFits1280() throws {
        let log = try Self.log()
        let dir = TestPaths.temporaryDirectory()
        let html = dir.appendingPathComponent("sweep.html").path
        let flags = [log, "--target", "val_accuracy=0.85", "--by", "lr", "--runs"]
        let made = try runTool(["compare"] + flags + ["--html", html])
        #expect(made.status == 0, "\(made.stderr)")
        let exported = try runTool(["compare"] + flags + ["--format", "json"])
        #expect(exported.status == 0, "\(exported.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [String: Any])
        let configurations = try #require(json["configurations"] as? [[String: Any]])
        #expect(configurations.count == 4)

        let loaded = try HTMLReportTests.browse(["--window-size=1280,900", "--dump-dom", "file://\(html)#measure"])
        Self.noConsole(loaded)
        let dom = loaded.stdout

        // The configuration table, row by row, against the JSON export.
        let rows = try Self.table("configurations", in: dom)
        #expect(rows.count == configurations.count)
        let header = try #require(dom.replacingOccurrences(of: "<wbr>", with: "").firstMatch(of: /<table id="configurations"[^>]*>\s*<thead><tr>(.*?)<\/tr>/)).1
            .matches(of: /<th[^>]*>([^<]*)<\/th>/).map { String($0.1) }
        func column(_ name: String) throws -> Int { try #require(header.firstIndex(of: name), "no column \(name) in \(header)") }
        let (idC, nC, meanC, ciC, testC, reachedC, vsC) = try (column("config_id"), column("n"), column("best val_accuracy (mean ± sd)"),
                                                              column("95% interval"), column("test_accuracy there"),
                                                              column("reached val_accuracy=0.85"), column("vs best"))
        #expect(header.contains("differs") && !header.contains("what differs"))
        for (k, (row, record)) in zip(rows, configurations).enumerated() {
            let id = try #require(record["config_id"] as? String)
            #expect(row.config == id && row.cells[idC] == id, "row \(k)")
            #expect(row.cells[nC] == "\(try #require(record["n"] as? Int))", "row \(k)")
            let mean = try #require(record["val_accuracy_mean"] as? Double)
            let sd = record["val_accuracy_sd"] as? Double
            #expect(row.cells[meanC] == percent(mean) + (sd.map { " ± " + percent($0) } ?? ""), "row \(k)")
            if let low = record["val_accuracy_ci95_low"] as? Double, let high = record["val_accuracy_ci95_high"] as? Double {
                #expect(row.cells[ciC] == "[\(percent(low)), \(percent(high))]", "row \(k)")
            } else {
                #expect(row.cells[ciC] == "-", "row \(k)")
            }
            let testMean = try #require(record["test_accuracy_there_mean"] as? Double)
            #expect(row.cells[testC] == percent(testMean) + ((record["test_accuracy_there_sd"] as? Double).map { " ± " + percent($0) } ?? ""), "row \(k)")
            #expect(row.cells[reachedC] == "\(try #require(record["target_reached"] as? Int))/\(try #require(record["n"] as? Int))", "row \(k)")
            let near = try #require(record["near_best"] as? Bool)
            #expect(row.cells[vsC].hasPrefix("≈ best") == near, "row \(k): \(row.cells[vsC])")
            #expect((row.cells[vsC] == "best") == (k == 0), "row \(k)")
        }
        // The sensitivity and run tables too, by their ids.
        let sensitivity = try #require(json["sensitivity"] as? [[String: Any]])
        #expect(try Self.table("sensitivity", in: dom).map(\.config) == sensitivity.map { $0["config_id"] as? String ?? "?" })
        let runRecords = try #require(json["runs"] as? [[String: Any]])
        let runRows = try Self.table("runs", in: dom)
        #expect(runRows.map(\.config) == runRecords.map { $0["config_id"] as? String ?? "?" })
        #expect(runRows.map { $0.cells[1] } == runRecords.map { $0["run_id"] as? String ?? "?" })

        // Fits 1280 px: no sideways scroll, and no table scrolled inside its box.
        let width = try #require(dom.firstMatch(of: /data-scroll-width="([0-9]+)"/).flatMap { Int($0.1) })
        #expect(dom.contains("data-viewport-width=\"1280\""))
        #expect(width <= 1280, "scrollWidth \(width)")
        #expect(dom.contains("data-overflowing-tables=\"0\""))

        // One page, many charts: every id once (a second clip0 clipped the sensitivity chart away).
        let pageIDs = dom.matches(of: /\sid="([^"]*)"/).map { String($0.1) }
        #expect(Set(pageIDs).count == pageIDs.count, "\(pageIDs)")
        #expect(dom.matches(of: /url\(#([^)]*)\)/).allSatisfy { pageIDs.contains(String($0.1)) })

        // Nothing is highlighted until the pointer says so.
        let elements = Self.configElements(dom)
        #expect(!elements.contains { $0.on })
        let ids = configurations.compactMap { $0["config_id"] as? String }
        // Every configuration is drawn: its line, band (n > 1), ring, legend entry, table rows.
        for id in ids {
            let tags = Set(elements.filter { $0.config == id }.map(\.tag))
            #expect(tags.isSuperset(of: ["path", "tr", "g", "li"]), "\(id): \(tags)")
        }

        // Pointing at the second configuration's row highlights exactly its elements everywhere.
        let second = try #require(ids.dropFirst().first)
        let hovered = try HTMLReportTests.browse(["--window-size=1280,900", "--dump-dom", "file://\(html)#hover=\(second)"])
        Self.noConsole(hovered)
        let afterHover = Self.configElements(hovered.stdout)
        #expect(afterHover.count == elements.count)
        #expect(afterHover.filter(\.on).count == afterHover.filter { $0.config == second }.count)
        #expect(afterHover.allSatisfy { $0.on == ($0.config == second) })
        #expect(hovered.stdout.contains("<body class=\"focus\""))

        // A click on the last legend entry keeps that configuration highlighted after the pointer leaves.
        let last = try #require(ids.last)
        let clicked = try HTMLReportTests.browse(["--window-size=1280,900", "--dump-dom", "file://\(html)#click=\(last)"])
        Self.noConsole(clicked)
        let afterClick = Self.configElements(clicked.stdout)
        #expect(afterClick.contains { $0.on })
        #expect(afterClick.allSatisfy { $0.on == ($0.config == last) })

        // The picture, for a person to look at.
        let shot = dir.appendingPathComponent("sweep.png").path
        let screenshot = try HTMLReportTests.browse(["--window-size=1280,2600", "--screenshot=\(shot)", "file://\(html)#hover=\(second)"])
        Self.noConsole(screenshot)
        let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: shot)))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 30_000)
        if let keep = ProcessInfo.processInfo.environment["HTML_REPORT_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: shot, toPath: keep)
        }
    }
}
