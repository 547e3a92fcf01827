import ArgumentParser
import Foundation
import Training
import Reports
import RunRecords
import Support

extension ZalandoTrain {
    /// ArgumentParser's `main`, with two changes: a negative number after an option is its
    /// value (`--lr -1` is `--lr=-1`, so it reaches the check that says "must be positive"
    /// instead of "Missing value"), and usage errors get a first line that teaches
    /// (`ErrorTeacher`). Help, version, completion and exit statuses are ArgumentParser's.
    /// Before anything can open a file, a closed standard stream gets /dev/null, so no file the
    /// program opens (the run log) ever becomes its stdout or stderr.
    static func main() {
        StandardStreams.protect()
        ParentDeath.followParent()
        let arguments = SubcommandName.canonical(NegativeValues.attach(Array(CommandLine.arguments.dropFirst())))
        TypedFlags.names = TypedFlags.names(in: arguments)
        if let script = Completions.script(for: arguments) {
            print(script)
            return
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let code as ExitCode {
            // The command has said what went wrong (a sweep's usage error exits 64 too).
            Foundation.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            guard code == .validationFailure else { exit(withError: error) }
            writeToStandardError(teachingMessage(for: error, firstWord: arguments.first) + "\n")
            Foundation.exit(code.rawValue)
        }
    }

    /// The full usage error text (Error, Help and Usage lines) with the teaching first line.
    /// `firstWord` is the command line's first word, a would-be subcommand when train (which
    /// takes no arguments without a flag) refuses it. `command` names the command that parsed,
    /// when its usage text cannot (a `Train.parse` for a sweep's run).
    static func teachingMessage(for error: Error, firstWord: String? = nil, command: String? = nil) -> String {
        let full = ArgumentParserText.fullMessage(ZalandoTrain.self, error)
        let command = command ?? ErrorTeacher.command(inFullText: full, subcommands: CommandCatalog.shared.subcommandNames)
        return ErrorTeacher.rewriteFullText(full, message: ArgumentParserText.message(ZalandoTrain.self, error), command: command,
                                            firstWord: firstWord)
    }

    /// The error's message as the user sees it (the teaching first line, without "Error: "),
    /// for callers in this process such as the tests, and for `sweep`, whose axes are parsed as
    /// `command` ("train").
    static func message(for error: Error, command: String? = nil) -> String {
        let text = teachingMessage(for: error, command: command)
        guard text.hasPrefix("Error: ") else { return ArgumentParserText.message(ZalandoTrain.self, error) }
        return String(text.dropFirst("Error: ".count).prefix { $0 != "\n" })
    }
}

/// ArgumentParser's own texts (its protocol extension's methods, which `ZalandoTrain`'s
/// `message(for:)` shadows).
enum ArgumentParserText {
    static func message<T: ParsableCommand>(_ type: T.Type, _ error: Error) -> String { T.message(for: error) }
    static func fullMessage<T: ParsableCommand>(_ type: T.Type, _ error: Error) -> String { T.fullMessage(for: error, columns: 80) }
}

/// `--lr -1` → `--lr=-1`: ArgumentParser reads a word starting with a dash as an option, so
/// the value would be "missing". No option of this tool is a dash and a digit.
enum NegativeValues {
    static func attach(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word == "--" { result += arguments[index...]; break }
            if word.hasPrefix("--"), !word.contains("="), index + 1 < arguments.count, isNegativeNumber(arguments[index + 1]) {
                result.append(word + "=" + arguments[index + 1])
                index += 2
                continue
            }
            result.append(word)
            index += 1
        }
        return result
    }

    /// `-1`, `-0.5`, `-.5`, `-1e-3`, `-1,0.5`, `-inf`: a dash, then a digit, a point or inf/nan.
    static func isNegativeNumber(_ word: String) -> Bool {
        guard word.hasPrefix("-"), word.count > 1 else { return false }
        let rest = word.dropFirst()
        if let first = rest.first, first.isNumber || first == "." { return true }
        return ["inf", "infinity", "nan"].contains(rest.lowercased().prefix { $0 != "," })
    }
}

/// Subcommand names in any case (`Compare x.csv` is `compare x.csv`): only the first word, and
/// only when it is a subcommand's name but for case, so a value or a file is never changed.
enum SubcommandName {
    /// The subcommands' names as ArgumentParser derives them, from the command types: every start
    /// needs them, and the catalog (the whole help tree as JSON, 12 ms) only an error does.
    static let names = ZalandoTrain.configuration.subcommands.map { $0._commandName } + ["help"]  // and ArgumentParser's own

    static func canonical(_ arguments: [String], names: [String] = SubcommandName.names) -> [String] {
        guard let first = arguments.first, !names.contains(first),
              let name = names.first(where: { $0.lowercased() == first.lowercased() }) else { return arguments }
        return [name] + arguments.dropFirst()
    }
}
