import ArgumentParser
import RunRecords
import Support

/// `zalando-train --resume run.ckpt` alone continues the run (DESIGN "Interruption,
/// checkpoints and resuming"): train's other flags come from the checkpoint's `flags`, put
/// before the words the user typed. Each flag the user typed must give the checkpoint's value,
/// except --epochs (which may be raised: the session checks it) and the output-only flags;
/// otherwise every differing flag is named as typed, one line each, exit 64. A flag the user
/// did not type is the checkpoint's, so it is never reported.
///
/// This is done on the words, before train's parser sees them, because train's defaults are
/// not "not given" (`--batch-size` is 50 whether typed or not) and the typed flags alone may
/// not even make a valid command (`--momentum 0.9` without the checkpoint's `--optimizer`).
enum ResumeArguments {
    /// Flags that `flags` leaves out (RunIdentity: they do not change the numbers), and
    /// --epochs: given beside --resume, they are not compared with the checkpoint here.
    static let uncompared: Set<String> = [
        "--csv", "--save", "--run-name", "--checkpoint", "--resume", "--restore-best", "--tensorboard", "--threads",
        "--data-dir", "--timing", "--epochs", "--tensorboard-run", "--hparams",
    ]

    /// One flag as typed: its name (`--lr`), its value, and the words that gave it.
    struct Typed {
        let flag: String
        let value: String?
        let words: [String]
    }

    /// `arguments` with the checkpoint's flags before the typed words, when they are train's
    /// and hold --resume; unchanged otherwise (help, other commands, no --resume).
    static func expand(_ arguments: [String]) throws -> [String] {
        var words = arguments
        var command: [String] = []
        if let first = words.first, !first.hasPrefix("-") {
            guard first == "train" else { return arguments }
            command = [first]
            words.removeFirst()
        }
        let passThrough = ["--help", "-h", "--version", "--", "--help-hidden"]
        if words.contains(where: { passThrough.contains($0) || $0.hasPrefix("--experimental") || $0.hasPrefix("--generate-completion") }) {
            return arguments
        }
        let typed = typedFlags(words)
        guard let path = typed.last(where: { $0.flag == "--resume" })?.value, !path.isEmpty else { return arguments }
        let checkpoint = try reportingErrors { try Checkpoint.read(path: path) }
        let saved = savedTerms(checkpoint.flags)

        // Durations typed in epochs resolve with the run's epoch length, which the checkpoint
        // knows once an epoch has finished.
        let perEpoch = checkpoint.epoch > 0 ? (checkpoint.iteration - checkpoint.batchesDone) / checkpoint.epoch : nil
        let run = identity(saved.flatMap(\.words), perEpoch: perEpoch)
        var differences: [String] = []
        for flag in typed where !flag.flag.isEmpty && !uncompared.contains(flag.flag) {
            let trial = saved.filter { $0.flag != flag.flag }.flatMap(\.words) + flag.words
            if run == nil || identity(trial, perEpoch: perEpoch) != run {
                let before = saved.first { $0.flag == flag.flag }.map { $0.value ?? "set" } ?? "not given"
                differences.append("\(flag.flag): checkpoint \(before), given \(flag.value ?? "set")")
            }
        }
        if !differences.isEmpty {
            let lines = differences.map { "\($0) (--resume \(path) takes the checkpoint's flags: leave this one out)" }
            for line in lines.dropLast() { writeToStandardError("zalando-train: \(line)\n") }
            throw fail(lines.last!, status: .usage)
        }
        let typedNames = Set(typed.map(\.flag))
        return command + saved.filter { !typedNames.contains($0.flag) }.flatMap(\.words) + words
    }

    /// The canonical terms (--epochs aside) of the run train's parser makes of `words`; nil
    /// when it refuses them.
    static func identity(_ words: [String], perEpoch: Int?) -> [RunIdentity.Term]? {
        guard let train = try? Train.parse(words) else { return nil }
        let c = train.trainingConfiguration
        return RunIdentity(configuration: c, iterationsPerEpoch: perEpoch ?? c.nominalIterationsPerEpoch).terms.filter { $0.flag != "--epochs" }
    }

    /// The terms of a canonical `flags` string: each `--flag` with the value after it, if any.
    static func savedTerms(_ flags: String) -> [Typed] {
        var terms: [Typed] = []
        for token in flags.split(separator: " ").map(String.init) {
            if token.hasPrefix("--") {
                terms.append(Typed(flag: token, value: nil, words: [token]))
            } else if let last = terms.last, last.value == nil {
                terms[terms.count - 1] = Typed(flag: last.flag, value: token, words: last.words + [token])
            }
        }
        return terms
    }

    /// The flags among train's words, as typed (`--lr 0.1`, `--lr=0.1`, `--staircase`); other
    /// words get an empty name and are left to the parser, which names what is wrong with them.
    static func typedFlags(_ words: [String]) -> [Typed] {
        let catalog = CommandCatalog.shared
        var result: [Typed] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            // Not a flag, or not one of train's, or an option without its value: the parser's.
            guard word.hasPrefix("--"), let argument = catalog.argument(String(word.prefix { $0 != "=" }), in: "train"),
                  word.contains("=") || argument.kind != "option" || index + 1 < words.count else {
                result.append(Typed(flag: "", value: nil, words: [word]))
                index += 1
                continue
            }
            if let equals = word.firstIndex(of: "=") {
                result.append(Typed(flag: String(word[..<equals]), value: String(word[word.index(after: equals)...]), words: [word]))
                index += 1
            } else if argument.kind == "option" {
                result.append(Typed(flag: word, value: words[index + 1], words: [word, words[index + 1]]))
                index += 2
            } else {
                result.append(Typed(flag: word, value: nil, words: [word]))
                index += 1
            }
        }
        return result
    }
}
