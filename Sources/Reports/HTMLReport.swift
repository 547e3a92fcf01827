import Foundation
import Support

/// `compare --html`: one self-contained page (inline CSS, SVG and script; nothing fetched):
/// the table, sortable by clicking a header; the charts with the values under the pointer;
/// and each run's flags.
public enum HTMLReport {
    public struct Table: Sendable {
        public let header: [String]
        /// Cells as shown; `numeric` columns sort by the number at the start of the cell.
        public let rows: [[String]]
        public let numeric: Set<Int>
        public init(header: [String], rows: [[String]], numeric: Set<Int>) {
            self.header = header
            self.rows = rows
            self.numeric = numeric
        }
    }

    /// `flags`: per run, its label and its flags (empty when the log has none).
    public static func page(title: String, table: Table, charts: [String], flags: [(run: String, flags: String)], notes: [String] = []) -> String {
        let e = SVGChart.escape
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
        <title>\(e(title))</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
        h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
        table { border-collapse: collapse; font-size: 13px; }
        .table-wrap { overflow-x: auto; }
        th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
        td { max-width: 24em; overflow-wrap: break-word; }
        th, td.num, th.num { white-space: nowrap; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        th { cursor: pointer; user-select: none; background: #f4f4f4; }
        th:hover { background: #e8e8e8; }
        th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
        .chart svg { max-width: 100%; height: auto; }
        .note { color: #555; font-style: italic; }
        code { font-size: 12px; background: #f6f6f6; padding: 2px 4px; word-break: break-all; }
        #tip { position: fixed; pointer-events: none; background: #222; color: #fff; padding: 3px 7px; border-radius: 3px; font-size: 12px; display: none; }
        </style>
        </head>
        <body>
        <h1>\(e(title))</h1>
        <h2>Runs</h2>
        <div class="table-wrap"><table id="runs">
        <thead><tr>
        """
        for (c, name) in table.header.enumerated() {
            html += "<th\(table.numeric.contains(c) ? " class=\"num\"" : "") data-column=\"\(c)\">\(e(name))</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            html += "<tr>" + row.enumerated().map { c, cell in
                table.numeric.contains(c) ? "<td class=\"num\">\(e(cell))</td>" : "<td>\(e(cell))</td>"
            }.joined() + "</tr>\n"
        }
        html += "</tbody>\n</table></div>\n"
        for note in notes { html += "<p class=\"note\">\(e(note))</p>\n" }
        html += "<h2>Charts</h2>\n"
        for chart in charts {
            // Inline SVG: the XML declaration is not allowed inside HTML.
            let body = chart.hasPrefix("<?xml") ? String(chart.drop { $0 != "\n" }.dropFirst()) : chart
            html += "<div class=\"chart\">\n\(body)</div>\n"
        }
        if flags.contains(where: { !$0.flags.isEmpty }) {
            html += "<h2>Flags of each run</h2>\n<ul class=\"flags\">\n"
            for (run, line) in flags { html += "<li><b>\(e(run))</b>: <code>\(e(line.isEmpty ? "(not in this log)" : line))</code></li>\n" }
            html += "</ul>\n"
        }
        html += """
        <div id="tip"></div>
        <script>
        (function () {
          var table = document.getElementById("runs");
          var headers = table.tHead.rows[0].cells;
          function key(cell, numeric) {
            var text = cell.textContent.trim();
            if (!numeric) return text.toLowerCase();
            var v = parseFloat(text);
            return isNaN(v) ? -Infinity : v;
          }
          for (var i = 0; i < headers.length; i++) {
            headers[i].addEventListener("click", function () {
              var th = this, column = +th.dataset.column, numeric = th.classList.contains("num");
              var ascending = th.getAttribute("aria-sort") !== "ascending";
              for (var k = 0; k < headers.length; k++) headers[k].removeAttribute("aria-sort");
              th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
              var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
              rows.sort(function (a, b) {
                var x = key(a.cells[column], numeric), y = key(b.cells[column], numeric);
                return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
              });
              rows.forEach(function (r) { body.appendChild(r); });
            });
          }
          // For a headless browser's test: #sort=C clicks header C (twice with #sort=C,C), #tip
          // shows the first point's values, as a pointer would.
          var sorts = /sort=([0-9,]+)/.exec(location.hash);
          if (sorts) sorts[1].split(",").filter(Boolean).forEach(function (c) { headers[+c].click(); });
          var tip = document.getElementById("tip");
          document.querySelectorAll("[data-tip]").forEach(function (el) {
            el.addEventListener("mouseenter", function (ev) { tip.textContent = el.dataset.tip; tip.style.display = "block"; });
            el.addEventListener("mousemove", function (ev) { tip.style.left = (ev.clientX + 12) + "px"; tip.style.top = (ev.clientY + 12) + "px"; });
            el.addEventListener("mouseleave", function () { tip.style.display = "none"; });
          });
          if (/tip/.test(location.hash)) {
            var first = document.querySelector("[data-tip]");
            if (first) first.dispatchEvent(new MouseEvent("mouseenter"));
          }
        })();
        </script>
        </body>
        </html>

        """
        return html
    }

    /// Writes the page atomically.
    public static func write(_ html: String, to path: String) throws { try SVGChart.write(html, to: path) }
}
