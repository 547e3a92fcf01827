import ArgumentParser
import Foundation
import Optimization

/// Rewrites the first line of ArgumentParser's usage errors so that it says what is wrong with
/// the value as typed and what would be right: `--epochs 5.5: must be a whole number`,
/// `--schedule exp: unknown name; did you mean exponential?`. The Help and Usage lines and
/// exit status 64 stay ArgumentParser's.
enum ErrorTeacher {
    /// The better first line for ArgumentParser's `message` in `command` ("" = root), or nil to
    /// keep the message.
    static func rewrite(_ message: String, command: String, firstWord: String? = nil, catalog: CommandCatalog = .shared) -> String? {
        let firstLine = String(message.prefix { $0 != "\n" })
        if let better = unknownCommand(firstLine, command: command, firstWord: firstWord, catalog: catalog) { return better }
        if let (value, flag, reason) = invalidValue(firstLine) {
            let argument = catalog.argument(flag, in: command)
            if let reason { return "\(flag) \(value): \(reason)" }
            return "\(flag) \(value): " + explain(value, argument: argument)
        }
        if firstLine.hasPrefix("Unknown option '"), let flag = quoted(firstLine) {
            var names = catalog.arguments(of: command).flatMap(\.names)
            if command.isEmpty { names += catalog.arguments(of: "train").flatMap(\.names) }
            let typed = String(flag.drop { $0 == "-" }.prefix { $0 != "=" })
            let where_ = command.isEmpty ? "" : " of \(command)"
            // sweep takes train's flags as axes, without the dashes.
            if command == "sweep", catalog.arguments(of: "train").flatMap(\.names).contains(typed) {
                return "unknown option \(flag); sweep takes train flags as KEY=V1,V2 axes without dashes (\(typed)=…) or in the spec"
            }
            let hint = otherToolsNames[typed].map { "did you mean \($0)?" }
                ?? Suggestions.didYouMean(typed, in: Array(Set(names)).sorted(), prefix: "--")
            return "unknown option \(flag)" + (hint.map { "; \($0)" } ?? "; see --help for the options\(where_)")
        }
        if message != firstLine { return firstLine }
        return nil
    }

    /// Options as PyTorch and Keras users spell them (SGD(nesterov=True), Adam(amsgrad=True),
    /// learning_rate=), which are optimizer names or another flag here.
    static let otherToolsNames = [
        "nesterov": "--optimizer nesterov", "amsgrad": "--optimizer amsgrad",
        "learning-rate": "--lr", "learning_rate": "--lr",
    ]

    /// `zalando-train compar x.csv`: train is the default subcommand and takes no arguments
    /// without a flag, so ArgumentParser refuses "2 unexpected arguments"; the first word was
    /// meant as a command, so name it and the nearest ones.
    static func unknownCommand(_ firstLine: String, command: String, firstWord: String?, catalog: CommandCatalog) -> String? {
        guard command.isEmpty || command == "train", let word = firstWord, !word.hasPrefix("-"),
              firstLine.lowercased().contains("unexpected argument"), quoted(firstLine) == word else { return nil }
        let names = catalog.subcommandNames
        let hint = Suggestions.didYouMean(word, in: names).map { "; \($0)" } ?? ""
        return "\(word): unknown command\(hint) (commands: \(names.joined(separator: ", ")); train takes no arguments without a flag)"
    }

    /// The full error text with its first line rewritten.
    static func rewriteFullText(_ fullText: String, message: String, command: String, firstWord: String? = nil) -> String {
        let prefix = "Error: " + message + "\n"
        guard fullText.hasPrefix(prefix), let better = rewrite(message, command: command, firstWord: firstWord) else { return fullText }
        return "Error: " + better + "\n" + fullText.dropFirst(prefix.count)
    }

    /// The subcommand named by the usage's "See 'zalando-train lr --help'" line ("" = root).
    static func command(inFullText text: String, subcommands: [String]) -> String {
        for line in text.split(separator: "\n") where line.contains("See '") {
            let words = line.split(separator: " ")
            if let index = words.firstIndex(where: { $0.hasPrefix("'") }), index + 1 < words.count,
               subcommands.contains(String(words[index + 1])) {
                return String(words[index + 1])
            }
        }
        if let usage = text.split(separator: "\n").first(where: { $0.hasPrefix("Usage: ") }) {
            let words = usage.split(separator: " ")
            if words.count > 2, subcommands.contains(String(words[2])) { return String(words[2]) }
        }
        return ""
    }

    // MARK: - Values

    /// "The value 'X' is invalid for '--flag <v>'[: reason]" → (X, --flag, reason).
    static func invalidValue(_ line: String) -> (String, String, String?)? {
        let head = "The value '"
        guard line.hasPrefix(head), let forRange = line.range(of: "' is invalid for '") else { return nil }
        let value = String(line[line.index(line.startIndex, offsetBy: head.count)..<forRange.lowerBound])
        let rest = line[forRange.upperBound...]
        guard rest.hasPrefix("--") else { return nil }
        let flag = String(rest.prefix { $0 != " " && $0 != "'" })
        var reason: String?
        if let colon = rest.range(of: "': ") {
            reason = String(rest[colon.upperBound...])
        }
        return (value, flag, reason)
    }

    static func quoted(_ line: String) -> String? {
        let parts = line.split(separator: "'", omittingEmptySubsequences: false)
        return parts.count >= 3 ? String(parts[1]) : nil
    }

    /// What is wrong with `value`, which the option's type refused.
    static func explain(_ value: String, argument: CommandCatalog.Argument?) -> String {
        let items = value.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        let several = items.count > 1
        if let argument, !argument.allValues.isEmpty {
            return unknownName(items: items, allowed: argument.allValues)
        }
        if let argument, argument.abstract.contains(DurationHelp.forms) {
            return duration(items: items)
        }
        if let pointed = DecimalComma.pointed(value) { return "use a decimal point: \(pointed)" }
        return number(items: items, several: several)
    }

    static func unknownName(items: [String], allowed: [String]) -> String {
        let bad = items.first { item in !allowed.contains { $0.lowercased() == item.lowercased() } } ?? items[0]
        let name = items.count > 1 ? "'\(bad)' is an unknown name" : "unknown name"
        let hint = Suggestions.didYouMean(bad, in: allowed).map { "; \($0)" } ?? ""
        return "\(name)\(hint) (choose from \(allowed.joined(separator: ", ")))"
    }

    static func duration(items: [String]) -> String {
        let accepted = "write an iteration count (1000) or whole epochs (5e)"
        for item in items where StepCountText.isValid(item) == false {
            let label = items.count > 1 ? "'\(item)' is " : ""
            let body = item.dropLast()
            let detail: String
            if item.hasSuffix("E"), Int(body) != nil, !body.hasPrefix("-") {
                detail = ": epochs take a lowercase e (\(body)e)"
            } else if item.lowercased().hasSuffix("e"), !body.isEmpty, Double(body) != nil, Int(body) == nil, !body.hasPrefix("-") {
                detail = ": epochs must be whole (give part of an epoch in iterations)"
            } else if item.hasPrefix("-") {
                detail = ": durations are not negative"
            } else if !item.isEmpty, item.allSatisfy(\.isNumber) || (body.allSatisfy(\.isNumber) && item.hasSuffix("e")) {
                detail = ": too large"
            } else if Double(item) != nil {
                detail = ": iterations must be whole"
            } else {
                detail = ""
            }
            return "\(label)not a duration\(detail); \(accepted)"
        }
        return accepted
    }

    /// Numbers: the type refused a value, so the item that is not a number, not whole, or
    /// negative (for counts and seeds) is the culprit.
    static func number(items: [String], several: Bool) -> String {
        func label(_ item: String) -> String { several ? "'\(item)' " : "" }
        if let bad = items.first(where: { Double($0) == nil }) {
            if bad.isEmpty { return several ? "an item is empty; give numbers separated by commas" : "must be a number" }
            return "\(label(bad))must be a number"
        }
        if let bad = items.first(where: { Int($0) == nil && Double($0)! != Double($0)!.rounded(.towardZero) }) {
            return "\(label(bad))must be a whole number"
        }
        if let bad = items.first(where: { Int($0) == nil && !$0.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) && !$0.hasPrefix("-") }) {
            return "\(label(bad))must be smaller"
        }
        if let bad = items.first(where: { Int($0) == nil }), let whole = Double(bad), abs(whole) < 1e18 {
            return "\(label(bad))must be a whole number, written without a point or exponent (\(Int(whole)))"
        }
        if let bad = items.first(where: { $0.hasPrefix("-") }) {
            return "\(label(bad))must be zero or positive"
        }
        return "is out of range for this flag"
    }
}

/// Whether a text is a duration as `StepCount` reads it.
enum StepCountText {
    static func isValid(_ text: String) -> Bool { StepCount(text) != nil }
}


/// The help of every duration flag ends with the two forms it takes; error messages use the
/// same words to recognise a duration flag.
enum DurationHelp {
    static let forms = "iterations (1000) or epochs (5e)"

    /// "`text`, in iterations (1000) or epochs (5e)."
    static func help(_ text: String, valueName: String? = nil) -> ArgumentHelp {
        ArgumentHelp("\(text), in \(forms).", valueName: valueName)
    }
}

