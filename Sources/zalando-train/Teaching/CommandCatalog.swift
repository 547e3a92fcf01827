import ArgumentParser
import Foundation

/// The flags of each command as ArgumentParser sees them (from its JSON description of the
/// command tree), so that error messages can suggest flags and values for every option,
/// including ones added later, without a list kept by hand.
struct CommandCatalog {
    struct Argument {
        /// Long names without dashes (`schedule`).
        let names: [String]
        /// "option" (takes a value), "flag" or "positional".
        let kind: String
        /// The names an enumerated option accepts.
        let allValues: [String]
        let abstract: String
    }

    let commands: [String: [Argument]]
    let subcommandNames: [String]

    static let shared = CommandCatalog(json: ZalandoTrain._dumpHelp())

    init(json: String) {
        var commands: [String: [Argument]] = [:]
        var subcommands: [String] = []
        let root = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        let command = root?["command"] as? [String: Any] ?? [:]
        func arguments(_ command: [String: Any]) -> [Argument] {
            (command["arguments"] as? [[String: Any]] ?? []).map { argument in
                let names = (argument["names"] as? [[String: Any]] ?? [])
                    .filter { $0["kind"] as? String == "long" }.compactMap { $0["name"] as? String }
                return Argument(names: names, kind: argument["kind"] as? String ?? "",
                                allValues: argument["allValues"] as? [String] ?? [],
                                abstract: argument["abstract"] as? String ?? "")
            }
        }
        commands[""] = arguments(command)
        for sub in command["subcommands"] as? [[String: Any]] ?? [] {
            guard let name = sub["commandName"] as? String else { continue }
            subcommands.append(name)
            commands[name] = arguments(sub)
        }
        self.commands = commands
        self.subcommandNames = subcommands
    }

    /// The arguments of `command` ("" for the root, whose default subcommand is train).
    func arguments(of command: String) -> [Argument] {
        commands[command] ?? []
    }

    func argument(_ flag: String, in command: String) -> Argument? {
        let name = flag.hasPrefix("--") ? String(flag.dropFirst(2)) : flag
        return arguments(of: command).first { $0.names.contains(name) }
    }
}
