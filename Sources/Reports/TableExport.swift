import Support

/// One of compare's tables in the two forms it leaves the program in: cells for people (text,
/// Markdown, LaTeX: rounded, "mean ± sd", percentages) and fields for programs (CSV, JSON: full
/// precision, every mean, sd and interval bound its own field, fractions not percentages).
public struct ExportTable: Sendable {
    public enum Value: Sendable, Equatable {
        case number(Double), integer(Int), text(String), bool(Bool), null
    }

    /// "configurations" or "runs": the JSON key.
    public let name: String
    /// What the table is, said above it in text and Markdown, as a comment in LaTeX.
    public let caption: String
    public let header: [String]
    public let cells: [[String]]
    /// Columns set flush right (numbers).
    public let rightAligned: Set<Int>
    public let fields: [String]
    public let records: [[Value]]

    public init(name: String, caption: String, header: [String], cells: [[String]], rightAligned: Set<Int>,
                fields: [String], records: [[Value]]) {
        self.name = name; self.caption = caption; self.header = header; self.cells = cells
        self.rightAligned = rightAligned; self.fields = fields; self.records = records
    }
}

/// `compare --format`: the tables as text, CSV, Markdown, LaTeX or JSON (DESIGN.md "compare",
/// Exports). One renderer per format; every table of one answer goes through the same one.
public enum TableFormat: String, CaseIterable, Sendable {
    case text, csv, markdown, latex, json

    /// The tables in this format. `notes` are the lines said under the text tables; JSON
    /// carries them as a field, and the other formats leave them to the caller (standard error),
    /// so what they print parses.
    public func render(_ tables: [ExportTable], metric: String, notes: [String] = []) -> String {
        switch self {
        case .text: return tables.map(TableFormat.text).joined(separator: "\n") + notes.map { $0 + "\n" }.joined()
        case .csv: return tables.map(TableFormat.csv).joined(separator: "\n")
        case .markdown: return tables.map(TableFormat.markdown).joined(separator: "\n")
        case .latex: return tables.map(TableFormat.latex).joined(separator: "\n")
        case .json: return TableFormat.json(tables, metric: metric, notes: notes)
        }
    }

    // MARK: - Text

    static func text(_ table: ExportTable) -> String {
        let cells = table.cells.map { $0.map(escapedForTerminal) }
        let header = table.header.map(escapedForTerminal)
        let widths = header.indices.map { c in cells.reduce(header[c].count) { max($0, $1[c].count) } }
        func line(_ row: [String]) -> String {
            row.enumerated().map { c, text in
                table.rightAligned.contains(c) ? text.leftPadded(to: widths[c], with: " ") : text.rightPadded(to: widths[c])
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return table.caption + ":\n" + ([line(header)] + cells.map(line)).joined(separator: "\n") + "\n"
    }

    // MARK: - CSV (RFC 4180; one block per table, blocks separated by an empty line)

    static func csv(_ table: ExportTable) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacingAll("\"", with: "\"\"") + "\"" : text
        }
        func value(_ v: ExportTable.Value) -> String {
            switch v {
            case .number(let x): return x.isNaN ? "" : x.isInfinite ? (x > 0 ? "inf" : "-inf") : "\(x)"
            case .integer(let i): return String(i)
            case .text(let s): return field(s)
            case .bool(let b): return b ? "true" : "false"
            case .null: return ""
            }
        }
        return ([table.fields.map(field).joined(separator: ",")] + table.records.map { $0.map(value).joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }

    // MARK: - Markdown (GitHub's pipe tables)

    static func markdown(_ table: ExportTable) -> String {
        func cell(_ text: String) -> String {
            escapedForTerminal(text).replacingAll("\\", with: "\\\\").replacingAll("|", with: "\\|")
                .replacingAll("*", with: "\\*").replacingAll("_", with: "\\_")
        }
        let rule = table.header.indices.map { table.rightAligned.contains($0) ? "---:" : "---" }
        let lines = ["| " + table.header.map(cell).joined(separator: " | ") + " |", "| " + rule.joined(separator: " | ") + " |"]
            + table.cells.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
        return "**\(cell(table.caption))**\n\n" + lines.joined(separator: "\n") + "\n"
    }

    // MARK: - LaTeX (a tabular needing no package)

    static func latex(_ table: ExportTable) -> String {
        let columns = table.header.indices.map { table.rightAligned.contains($0) ? "r" : "l" }.joined()
        let body = table.cells.map { $0.map(latexText).joined(separator: " & ") + " \\\\" }
        return (["% " + escapedForTerminal(table.caption).replacingAll("\n", with: " "), "\\begin{tabular}{\(columns)}", "\\hline",
                 table.header.map(latexText).joined(separator: " & ") + " \\\\", "\\hline"] + body + ["\\hline", "\\end{tabular}"])
            .joined(separator: "\n") + "\n"
    }

    /// Text set literally in LaTeX: its ten special characters escaped, the symbols compare's
    /// cells use in math mode, control characters dropped.
    static func latexText(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\\": out += "\\textbackslash{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\" + String(c)
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            case "±": out += "$\\pm$"
            case "≈": out += "$\\approx$"
            case "γ": out += "$\\gamma$"
            case "–": out += "--"
            case "∞": out += "$\\infty$"
            default:
                if c.value < 32 || c.value == 127 { out += " " } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    // MARK: - JSON

    static func json(_ tables: [ExportTable], metric: String, notes: [String]) -> String {
        func value(_ v: ExportTable.Value) -> String {
            switch v {
            case .number(let x): return x.isFinite ? "\(x)" : "null"
            case .integer(let i): return String(i)
            case .text(let s): return jsonString(s)
            case .bool(let b): return b ? "true" : "false"
            case .null: return "null"
            }
        }
        var parts = ["  \"metric\": \(jsonString(metric))"]
        for table in tables {
            let records = table.records.map { record in
                "    {" + zip(table.fields, record).map { "\(jsonString($0)): \(value($1))" }.joined(separator: ", ") + "}"
            }
            parts.append("  \(jsonString(table.name)): [\n" + records.joined(separator: ",\n") + (records.isEmpty ? "]" : "\n  ]"))
        }
        parts.append("  \"notes\": [" + notes.map(jsonString).joined(separator: ", ") + "]")
        return "{\n" + parts.joined(separator: ",\n") + "\n}\n"
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if c.value < 32 || c.value == 127 || (0xD800...0xDFFF).contains(c.value) {
                    out += "\\u" + String(c.value, radix: 16).leftPadded(to: 4, with: "0")
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }
}
