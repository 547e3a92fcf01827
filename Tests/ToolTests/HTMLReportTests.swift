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

        // Click "epochs" (found by name: run log v2 added run_id before it): ascending after one
        // click is 1, 2, 3 epochs (third, sgd-run, adam).
        let headers = page.matches(of: /<th[^>]*data-column="([0-9]+)">([^<]*)<\/th>/).map { (String($0.1), String($0.2)) }
        let epochs = try #require(headers.first { $0.1 == "epochs" }?.0, "\(headers)")
        let sorted = try Self.browse(["--dump-dom", "file://\(html)#sort=\(epochs)&tip"])
        #expect(sorted.status == 0, "\(sorted.stderr)")
        let consoleLines = sorted.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(consoleLines.isEmpty, "\(consoleLines)")
        let body = try #require(sorted.stdout.range(of: "<tbody>").flatMap { start in
            sorted.stdout.range(of: "</tbody>", range: start.upperBound..<sorted.stdout.endIndex).map { sorted.stdout[start.upperBound..<$0.lowerBound] }
        })
        let firstCells = body.components(separatedBy: "<tr><td>").dropFirst().map { String($0.prefix { $0 != "<" }) }
        #expect(firstCells == ["third", "sgd-run", "adam, fast"], "\(firstCells)")
        #expect(sorted.stdout.contains("aria-sort=\"ascending\""))
        // Two clicks: descending.
        let twice = try Self.browse(["--dump-dom", "file://\(html)#sort=\(epochs),\(epochs)"])
        let twiceBody = try #require(twice.stdout.components(separatedBy: "<tbody>").last)
        #expect(twiceBody.components(separatedBy: "<tr><td>").dropFirst().map { String($0.prefix { $0 != "<" }) } == ["adam, fast", "sgd-run", "third"])
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
