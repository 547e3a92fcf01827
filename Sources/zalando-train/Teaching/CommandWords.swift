import ArgumentParser
import Foundation

/// The first word of the command line when it is not a flag: a subcommand in any case
/// (`Compare` → compare), or a mistake. train, the default subcommand, takes no word that is
/// not a flag, so a first word that names no subcommand is refused here with a suggestion
/// (`compar`: did you mean compare?) instead of ArgumentParser's "2 unexpected arguments".
enum SubcommandWord {
    static func resolve(_ arguments: [String], subcommands: [String] = CommandCatalog.shared.subcommandNames) throws -> [String] {
        guard let first = arguments.first, !first.hasPrefix("-"), !subcommands.contains(first), first != "help" else { return arguments }
        if let name = subcommands.first(where: { $0.lowercased() == first.lowercased() }) {
            return [name] + arguments.dropFirst()
        }
        let hint = Suggestions.didYouMean(first, in: subcommands)
            ?? "the commands are \(subcommands.filter { $0 != "help" }.joined(separator: ", ")); train is the default (zalando-train --optimizer adam)"
        throw ValidationError("unknown command '\(first)'; \(hint)")
    }
}

/// `--lr 0,01`: a number written with a decimal comma. Most number flags take comma lists
/// (`--lr 0.1,0.01` with path), so the comma is only taken for a decimal one when the usage
/// error is about that flag's value and the same command line with a decimal point gets past
/// it: then the first line says "--lr 0,01: use a decimal point: 0.01".
enum DecimalComma {
    /// The better first line for the usage error `line` (without "Error: "), or nil.
    static func hint(for line: String, arguments: [String], parse: ([String]) -> String?) -> String? {
        let words = line.split(separator: " ", maxSplits: 2).map(String.init)
        guard words.count >= 2, words[0].hasPrefix("--"), words[1].hasSuffix(":") else { return nil }
        let flag = words[0], shown = String(words[1].dropLast())
        for (index, value) in values(of: flag, in: arguments) where isDecimalComma(value) {
            let items = value.split(separator: ",").compactMap { Double($0) }
            // The message names the value as typed or one of its items as the list was read.
            guard shown == value || items.contains(where: { Double(shown) == $0 }) else { continue }
            let dotted = value.replacingOccurrences(of: ",", with: ".")
            var fixed = arguments
            fixed[index] = fixed[index].hasPrefix(flag + "=") ? flag + "=" + dotted : dotted
            if let problem = parse(fixed), problem.hasPrefix(flag + " ") { continue }
            return "\(flag) \(value): use a decimal point: \(dotted)"
        }
        return nil
    }

    /// `0,01`, `-2,5`: digits, one comma, digits.
    static func isDecimalComma(_ value: String) -> Bool {
        let body = value.hasPrefix("-") || value.hasPrefix("+") ? value.dropFirst() : Substring(value)
        let parts = body.split(separator: ",", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    /// Each value given to `flag` (`--flag V` or `--flag=V`) with the index of the word holding it.
    static func values(of flag: String, in arguments: [String]) -> [(Int, String)] {
        var found: [(Int, String)] = []
        for (index, word) in arguments.enumerated() {
            if word == "--" { break }
            if word == flag, index + 1 < arguments.count { found.append((index + 1, arguments[index + 1])) }
            if word.hasPrefix(flag + "=") { found.append((index, String(word.dropFirst(flag.count + 1)))) }
        }
        return found
    }
}
