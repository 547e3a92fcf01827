import ArgumentParser
import IDXData
import Training
import Reports
import RunRecords
import Support

struct CheckpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("After every epoch (and when interrupted), write the whole training state here, atomically.",
                               valueName: "file"))
    var checkpoint: String?
    @Option(help: ArgumentHelp("Continue the run saved in this checkpoint, with its flags (any given beside it must be the same; --epochs may be raised). "
                               + "Keeps checkpointing to it unless --checkpoint says elsewhere.", valueName: "file"))
    var resume: String?

    /// Where checkpoints go: --checkpoint, else the --resume file.
    var checkpointPath: String? { checkpoint ?? resume }

    /// Checks --checkpoint like every output (OutputPath): a new file or a checkpoint, never one
    /// of `inputs` (the data files, --csv, --save). A --resume file is checked by reading it.
    func check(inputs: [String]) throws {
        if resume?.isEmpty == true { throw ValidationError("--resume '': empty file name") }
        guard let checkpoint else { return }
        do {
            try OutputPath.check(checkpoint, flag: "--checkpoint", kind: .safetensors(format: Checkpoint.format), inputs: inputs)
        } catch let problem as OutputPath.Problem {
            throw ValidationError(problem.description)
        }
    }
}

struct EarlyStopOptions: ParsableArguments {
    @Option(name: .customLong("early-stop"), help: ArgumentHelp(
        "Stop after P epochs without improvement of the val cost (train cost without --validation), as Keras EarlyStopping (default: off).",
        valueName: "P"))
    var patience: Int?
    @Option(name: .customLong("min-delta"), help: ArgumentHelp("Improvement means cost < best − D (default 0).", valueName: "D"))
    var minDelta: Double?
    @Flag(name: .customLong("restore-best"), help: "--save writes the best epoch's weights (needs --early-stop and --save).")
    var restoreBest = false

    func validate() throws {
        if let patience, patience < 0 { throw ValidationError("--early-stop \(patience): must be zero or positive") }
        try check("--min-delta", minDelta, "zero or positive") { $0 >= 0 }
        if patience == nil {
            if minDelta != nil { throw ValidationError("--min-delta needs --early-stop") }
            if restoreBest { throw ValidationError("--restore-best needs --early-stop") }
        }
    }
}
