import Foundation
import Support

/// `compare --html`: one self-contained page (inline CSS, SVG and script; nothing fetched) with
/// the very tables the terminal prints (ExportTable's cells: one source of numbers), each
/// sortable by clicking a header; the band charts with the values under the pointer; each run's
/// flags. Every row, line, band, marker and legend entry of a configuration carries its
/// `data-config`: pointing at any of them highlights that configuration everywhere, a click
/// keeps it highlighted (a second click lets go).
public enum HTMLReport {
    /// A run's line in the flags list.
    public struct RunFlags: Sendable {
        public let label: String
        public let config: String
        public let flags: String
        public init(label: String, config: String, flags: String) { self.label = label; self.config = config; self.flags = flags }
    }

    /// `tables`: compare's, in the terminal's order (configurations, sensitivity, runs); `notes`
    /// are said under the first (what `≈ best` means, which metric ranks).
    public static func page(title: String, tables: [ExportTable], charts: [String], runs: [RunFlags], notes: [String] = []) -> String {
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
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 16px; color: #222; max-width: 1600px; }
        h1 { font-size: 22px; margin: 4px 0 12px; } h2 { font-size: 17px; margin: 24px 0 6px; }
        p.caption { margin: 0 0 6px; color: #444; font-size: 13px; }
        table { border-collapse: collapse; font-size: 12px; }
        /* A safety net only: the tables are laid out to fit (text cells wrap between words). */
        .table-wrap { overflow-x: auto; }
        th, td { padding: 3px 5px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
        /* Text wraps between words only (a name is never cut mid-token); numbers never wrap;
           headers wrap between words, so a long one does not widen its column of numbers. */
        td { max-width: 22em; overflow-wrap: break-word; }
        td.id, td.num { white-space: nowrap; }
        td.text:last-child { min-width: 7em; }  /* "≈ best (17 seeds to tell)" in two lines, not five */
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.id { font-family: "DejaVu Sans Mono", monospace; font-size: 11.5px; }
        th { cursor: pointer; user-select: none; background: #f4f4f4; font-weight: 600; }
        th:hover { background: #e8e8e8; }
        th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
        tr[data-config] { cursor: pointer; }
        tr.on td, li.on { background: #fff1b8; }
        .chart svg { max-width: 100%; height: auto; display: block; }
        /* Highlighting: the chosen configuration's elements are .on; the others fade. */
        body.focus svg [data-config]:not(.on) { opacity: 0.13; }
        /* A faded legend entry stays readable: it is what a person points at next. */
        body.focus svg .legend-entry[data-config]:not(.on) { opacity: 0.4; }
        body.focus svg .legend-entry[data-config]:not(.on) [data-config] { opacity: 1; }
        svg path.series.on { stroke-width: 3.4; }
        svg .legend-entry { cursor: pointer; }
        svg .legend-entry.on text { font-weight: bold; }
        .note { color: #555; font-style: italic; font-size: 13px; margin: 4px 0; }
        ul.flags { font-size: 12.5px; padding-left: 18px; }
        code { font-size: 11.5px; background: #f6f6f6; padding: 1px 4px; overflow-wrap: anywhere; }
        #tip { position: fixed; pointer-events: none; background: #222; color: #fff; padding: 3px 7px; border-radius: 3px; font-size: 12px; display: none; }
        </style>
        </head>
        <body>
        <h1>\(e(title))</h1>

        """
        for (t, table) in tables.enumerated() {
            html += "<h2>\(e(heading(table)))</h2>\n<p class=\"caption\">\(e(table.caption))</p>\n"
            html += "<div class=\"table-wrap\"><table id=\"\(e(table.name))\" class=\"sortable\">\n<thead><tr>"
            let idColumn = table.header.firstIndex(of: "config_id") ?? table.header.firstIndex(of: "run_id")
            for (c, name) in table.header.enumerated() {
                // A header may also wrap after _ and = (val_<wbr>accuracy=<wbr>0.85), so it is
                // never wider than its column's numbers.
                let breakable = e(name).replacingOccurrences(of: "_", with: "_<wbr>").replacingOccurrences(of: "=", with: "=<wbr>")
                html += "<th\(table.rightAligned.contains(c) ? " class=\"num\"" : "") data-column=\"\(c)\">\(breakable)</th>"
            }
            html += "</tr></thead>\n<tbody>\n"
            let configField = table.fields.firstIndex(of: "config_id")
            for (row, cells) in table.cells.enumerated() {
                var config = ""
                if let configField, row < table.records.count, case .text(let id) = table.records[row][configField] {
                    config = " data-config=\"\(e(id))\""
                }
                html += "<tr\(config)>" + cells.enumerated().map { c, cell in
                    let cls = table.rightAligned.contains(c) ? " class=\"num\"" : c == idColumn ? " class=\"id\"" : " class=\"text\""
                    return "<td\(cls)>\(c == idColumn || table.rightAligned.contains(c) ? e(cell) : wrappable(cell))</td>"
                }.joined() + "</tr>\n"
            }
            html += "</tbody>\n</table></div>\n"
            if t == 0 { for note in notes { html += "<p class=\"note\">\(e(note))</p>\n" } }
        }
        if !charts.isEmpty { html += "<h2>Charts</h2>\n" }
        for (k, chart) in charts.enumerated() {
            // Inline SVG: the XML declaration is not allowed inside HTML. Each chart's ids get
            // its own prefix: in one page every chart's panels are clip0, clip1…, and
            // url(#clip0) would clip the sensitivity chart with the curves' first panel.
            let body = (chart.hasPrefix("<?xml") ? String(chart.drop { $0 != "\n" }.dropFirst()) : chart)
                .replacingOccurrences(of: " id=\"", with: " id=\"chart\(k)-").replacingOccurrences(of: "url(#", with: "url(#chart\(k)-")
            html += "<div class=\"chart\">\n\(body)</div>\n"
        }
        if runs.contains(where: { !$0.flags.isEmpty }) {
            html += "<h2>Flags of each run</h2>\n<ul class=\"flags\">\n"
            for run in runs {
                html += "<li data-config=\"\(e(run.config))\"><b>\(e(run.label))</b>: <code>\(e(run.flags.isEmpty ? "(not in this log)" : run.flags))</code></li>\n"
            }
            html += "</ul>\n"
        }
        html += script
        return html
    }

    /// A text cell, escaped, that may also wrap after = and , inside a long word
    /// (optimizer=<wbr>momentum, hidden=<wbr>64,<wbr>64,<wbr>64), so a table of long flags still
    /// fits; short ones (seed=3, lr=0.01) stay whole, and no word is cut anywhere else.
    static func wrappable(_ cell: String) -> String {
        cell.split(separator: " ", omittingEmptySubsequences: false).map { word in
            let escaped = SVGChart.escape(String(word))
            return word.count < 14 ? escaped
                : escaped.replacingOccurrences(of: "=", with: "=<wbr>").replacingOccurrences(of: ",", with: ",<wbr>")
        }.joined(separator: " ")
    }

    /// The section heading of one of compare's tables (its caption, more detailed, goes under it).
    static func heading(_ table: ExportTable) -> String {
        switch table.name {
        case "configurations": return "Configurations"
        case "runs": return "Runs"
        case "sensitivity": return "Sensitivity"
        default: return table.name
        }
    }

    /// Sorting, the pointer's values and highlighting. The `#…` hooks let a headless browser act
    /// as a person would (its tests): `sort=C[,C]` clicks header C of the first table,
    /// `tip` points at the first point drawn, `hover=ID` points at ID's first table row,
    /// `click=ID` clicks ID's legend entry, `measure` writes the page's width on <body>.
    static let script = """
    <div id="tip"></div>
    <script>
    (function () {
      function key(cell, numeric) {
        var text = cell.textContent.trim();
        if (!numeric) return text.toLowerCase();
        var v = parseFloat(text.replace(/^\\[/, ""));
        return isNaN(v) ? -Infinity : v;
      }
      document.querySelectorAll("table.sortable").forEach(function (table) {
        var headers = table.tHead.rows[0].cells;
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
      });

      var pinned = null, shown = null;
      function show(id) {
        if (id === shown) return;
        shown = id;
        document.querySelectorAll("[data-config].on").forEach(function (el) { el.classList.remove("on"); });
        document.body.classList.toggle("focus", id !== null);
        if (id === null) return;
        document.querySelectorAll("[data-config]").forEach(function (el) {
          if (el.getAttribute("data-config") === id) el.classList.add("on");
        });
      }
      function owner(ev) { return ev.target.closest ? ev.target.closest("[data-config]") : null; }
      document.addEventListener("mouseover", function (ev) { var el = owner(ev); if (el) show(el.getAttribute("data-config")); });
      document.addEventListener("mouseout", function (ev) {
        var el = owner(ev);
        if (el && !(ev.relatedTarget && el.contains(ev.relatedTarget))) show(pinned);
      });
      document.addEventListener("click", function (ev) {
        var el = owner(ev);
        if (!el) return;
        var id = el.getAttribute("data-config");
        pinned = pinned === id ? null : id;
        show(id);
      });

      var tip = document.getElementById("tip");
      document.querySelectorAll("[data-tip]").forEach(function (el) {
        el.addEventListener("mouseenter", function () { tip.textContent = el.dataset.tip; tip.style.display = "block"; });
        el.addEventListener("mousemove", function (ev) { tip.style.left = (ev.clientX + 12) + "px"; tip.style.top = (ev.clientY + 12) + "px"; });
        el.addEventListener("mouseleave", function () { tip.style.display = "none"; });
      });

      var hash = location.hash;
      var sorts = /sort=([0-9,]+)/.exec(hash), first = document.querySelector("table.sortable");
      if (sorts && first) sorts[1].split(",").filter(Boolean).forEach(function (c) { first.tHead.rows[0].cells[+c].click(); });
      if (/tip/.test(hash)) {
        var point = document.querySelector("[data-tip]");
        if (point) point.dispatchEvent(new MouseEvent("mouseenter"));
      }
      function find(selector, id) {
        return Array.prototype.find.call(document.querySelectorAll(selector), function (el) { return el.getAttribute("data-config") === id; });
      }
      var hover = /hover=([0-9a-f]+)/.exec(hash);
      if (hover) {
        var row = find("tr[data-config]", hover[1]);
        if (row) row.cells[0].dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
      }
      var click = /click=([0-9a-f]+)/.exec(hash);
      if (click) {
        var entry = find(".legend-entry", click[1]);
        if (entry) {
          entry.dispatchEvent(new MouseEvent("click", { bubbles: true }));
          entry.dispatchEvent(new MouseEvent("mouseout", { bubbles: true }));
        }
      }
      if (/measure/.test(hash)) {
        document.body.setAttribute("data-scroll-width", document.documentElement.scrollWidth);
        document.body.setAttribute("data-viewport-width", window.innerWidth);
        var over = Array.prototype.filter.call(document.querySelectorAll(".table-wrap"), function (w) { return w.scrollWidth > w.clientWidth; });
        document.body.setAttribute("data-overflowing-tables", over.length);
      }
    })();
    </script>
    </body>
    </html>

    """

    /// Writes the page atomically.
    public static func write(_ html: String, to path: String) throws { try SVGChart.write(html, to: path) }
}
