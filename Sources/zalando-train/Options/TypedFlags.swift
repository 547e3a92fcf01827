/// The long flags the user typed (`--lr`, without a value), as `main` received them: a flag
/// left out has its default in the parsed options, and `--resume CKPT` alone must take it from
/// the checkpoint instead of reporting the default as "given". Nil outside `main` (tests that
/// parse in-process), where every flag counts as typed.
enum TypedFlags {
    nonisolated(unsafe) static var names: Set<String>?

    static func names(in arguments: [String]) -> Set<String> {
        var names: Set<String> = []
        for word in arguments {
            if word == "--" { break }
            guard word.hasPrefix("--"), word.count > 2 else { continue }
            names.insert(String(word.prefix { $0 != "=" }))
        }
        return names
    }
}
