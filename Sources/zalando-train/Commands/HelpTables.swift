import Optimization
import Training
import Reports
import RunRecords
import Support

/// The tables in --help: every optimizer and schedule with the flags it uses and its
/// defaults. Each command shows the ones that apply to it (train: both; path: both, without
/// plateau; lr: the schedules, without plateau). Every line fits 80 columns.
enum HelpTables {
    static let train = optimizers(recommended: true) + "\n\n" + schedules(ScheduleKind.allCases) + "\n\n"
        + "Resuming: --checkpoint FILE writes the whole state after every epoch and when\n"
        + "interrupted; --resume FILE alone continues it with the same numbers (flags\n"
        + "given beside it must be the checkpoint's; --epochs may be raised).\n\n"
        + "Exit status: 0 done (also an early stop), 1 runtime error (files; a run log\n"
        + "write that failed is rolled back), 3 the cost became NaN or infinite, 64 bad\n"
        + "flags or output paths (checked before training), 130, 143 or 129 interrupted\n"
        + "by SIGINT, SIGTERM or SIGHUP (SIGPIPE is ignored: a closed output only stops\n"
        + "the printing)."

    static let exitStatus = "Exit status: 0 done, 1 runtime error (files), 64 bad flags."

    /// lr and path draw schedules without a training run, so plateau is not theirs.
    static let withoutPlateau = ScheduleKind.allCases.filter { $0 != .plateau }

    /// The optimizer table; `recommended` adds the rate recommended for the default model.
    static func optimizers(recommended: Bool) -> String {
        var text = recommended
            ? "Optimizers (torch.optim formulas; ftrl: keras Ftrl), with the --lr default and\nthe rate recommended for the default model:\n"
            : "Optimizers (torch.optim formulas; ftrl: keras Ftrl), with the --lr default:\n"
        for kind in OptimizerKind.allCases {
            let flags = kind.hyperparameters.map(\.flag).joined(separator: " ")
            var line = "  \(kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) lr \(formatCompact(kind.defaultLearningRate))"
            if recommended {
                line += ", recommended \(formatCompact(kind.recommendedLearningRate))"
                if !kind.recommendedFlags.isEmpty { line += " with " + kind.recommendedFlags.joined(separator: " ") }
            }
            // Too long for one line of --help (80 columns): the flags go on a line of their own.
            if flags.isEmpty {
                text += line + "\n"
            } else if line.count + flags.count + 2 <= 80 {
                text += line + "; \(flags)\n"
            } else {
                text += line + "\n            \(flags)\n"
            }
            text += "            \(kind.summary)\n"
        }
        text += "  All take --l1, --clip-norm, --grad-noise, and all but ftrl --weight-decay."
        return text
    }

    static func schedules(_ kinds: [ScheduleKind]) -> String {
        var text = "Schedules (advance every update j; durations in iterations, or epochs: 5e)\n"
        for kind in kinds {
            let flags = kind.flags.map { kind.requiredFlags.contains($0) ? $0.flag : "[\($0.flag)]" }.joined(separator: " ")
            text += "  \(kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(flags.isEmpty ? "(no flags)" : flags)\n"
            text += "               \(kind.summary)\n"
        }
        text += "  Any schedule takes [--warmup-steps W]: γ0·(j+1)/W for j < W, then the\n"
        text += "  schedule at j − W."
        return text
    }
}
