import ArgumentParser

/// `--generate-completion-script SHELL`: ArgumentParser's script, plus, for bash, zsh and
/// fish, a wrapper that completes the default `train` subcommand's flags and values at the top level
/// (`zalando-train --sched<Tab>`), as if `train` had been typed.
enum Completions {
    /// The script for `arguments` when they ask for one, else nil.
    static func script(for arguments: [String]) -> String? {
        var name: String?
        if arguments.count == 2, arguments[0] == "--generate-completion-script" { name = arguments[1] }
        if arguments.count == 1, arguments[0].hasPrefix("--generate-completion-script=") {
            name = String(arguments[0].dropFirst("--generate-completion-script=".count))
        }
        guard let name, let shell = CompletionShell(rawValue: name) else { return nil }
        let base = ZalandoTrain.completionScript(for: shell)
        let subcommands = CommandCatalog.shared.subcommandNames.joined(separator: "|")
        switch shell {
        case .bash: return base + bashDefault(subcommands: subcommands)
        case .zsh: return zshDefault(base, subcommands: subcommands)
        case .fish: return fishDefault(base, subcommands: CommandCatalog.shared.subcommandNames.joined(separator: " "))
        default: return base
        }
    }

    static func bashDefault(subcommands: String) -> String {
        """

        # train is the default subcommand: when the first word is not a subcommand, complete
        # as if `train` had been typed before it.
        _zalando-train_default() {
            if [[ ${COMP_CWORD} -ge 1 ]]; then
                case "${COMP_WORDS[1]}" in
                \(subcommands)) ;;
                *)
                    if [[ ${COMP_CWORD} -gt 1 || "${COMP_WORDS[1]}" == -* ]]; then
                        local -a COMP_WORDS=("${COMP_WORDS[0]}" train "${COMP_WORDS[@]:1}")
                        local COMP_CWORD=$((COMP_CWORD + 1))
                        local COMP_LINE="${COMP_WORDS[0]} train${COMP_LINE#"${COMP_WORDS[0]}"}"
                        local COMP_POINT=$((COMP_POINT + 6))
                    fi
                    ;;
                esac
            fi
            _zalando-train "$@"
        }
        complete -o filenames -F _zalando-train_default zalando-train

        """
    }

    static func zshDefault(_ base: String, subcommands: String) -> String {
        // Insert the rewrite of `words` at the top of the generated _zalando-train function.
        let marker = "_zalando-train() {\n"
        let wrapper = """
            _zalando-train() {
                # train is the default subcommand: complete as if it had been typed.
                if (( CURRENT > 2 )) || [[ ${words[2]} == -* ]]; then
                    case "${words[2]}" in
                    \(subcommands)) ;;
                    *) words=("${words[1]}" train "${words[@]:1}"); (( CURRENT++ )) ;;
                    esac
                fi

            """
        guard let range = base.range(of: marker) else { return base }
        return base.replacingCharacters(in: range, with: wrapper)
    }

    static func fishDefault(_ base: String, subcommands: String) -> String {
        // After the tokens are read, put `train` in when the first word is not a subcommand.
        let marker = "    set -l unparsed_tokens (__zalando-train_tokens -pc)\n"
        let insertion = """
                # train is the default subcommand: complete as if it had been typed.
                if not contains -- "$unparsed_tokens[2]" \(subcommands)
                    if test (count $unparsed_tokens) -ge 2; or string match -q -- '-*' (commandline -ct)
                        set unparsed_tokens $unparsed_tokens[1] train $unparsed_tokens[2..]
                    end
                end

            """
        guard let range = base.range(of: marker) else { return base }
        return base.replacingCharacters(in: range, with: marker + insertion)
    }
}
