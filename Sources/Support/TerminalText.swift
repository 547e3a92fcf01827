/// `text` safe to print in a table on a terminal: control characters (C0, DEL, C1), which
/// could move the cursor, erase the line or hide other runs, are written as escapes (`\r`,
/// `\n`, `\t`, `\u{1B}`), and a backslash as `\\`, so the escape cannot be faked. Run names
/// come from the command line and from CSV files, so they may hold anything.
public func escapedForTerminal(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { needsEscape($0) || $0 == "\\" }) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where needsEscape(scalar): out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

private func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
}
