import ArgumentParser
import Training
import Reports
import RunRecords
import Support

struct TrainingOptions: ParsableArguments {
    @Option(name: .customLong("batch-size"), help: "Minibatch size (1 = stochastic GD, 60000 = batch GD).")
    var batchSize = 50
    @Option(help: "Number of epochs.")
    var epochs = 20
    @Option(help: "Seed for initialisation, shuffling and gradient noise.")
    var seed: UInt64 = 1
    @Option(help: "Hold the last N training images out as a validation set (plateau watches its cost; without one, the training cost).")
    var validation = 0
    @Option(help: "OpenBLAS threads (1 is fastest for the default model).")
    var threads = 1

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size \(batchSize): must be at least 1") }
        guard epochs >= 1 else { throw ValidationError("--epochs \(epochs): must be at least 1") }
        // Epochs × updates per epoch must fit the update counter (and a person's patience).
        guard epochs <= 1_000_000 else { throw ValidationError("--epochs \(epochs): must be at most 1000000") }
        guard validation >= 0 else { throw ValidationError("--validation \(validation): must be zero or positive") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads \(threads): must be between 1 and 256") }
    }
}

struct OutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Append one row per epoch to this CSV run log.", valueName: "file"), completion: .file())
    var csv: String?
    @Option(name: .customLong("run-name"), help: "Name of the run in the CSV and its --tensorboard folder (default: built from the flags).")
    var runName: String?
    @Option(help: ArgumentHelp("Save the trained model as safetensors.", valueName: "file"), completion: .file())
    var save: String?
    @Option(help: ArgumentHelp("Write TensorBoard event files to DIR/<run>-<run_id>/ (created if missing): costs, accuracies and lr per epoch.",
                               valueName: "dir"), completion: .directory)
    var tensorboard: String?
    /// A sweep's: the flags that vary across its runs, its children's TensorBoard hparams.
    @Option(help: ArgumentHelp("Flags that are TensorBoard hparams (a sweep sets it; default: every flag but --seed and --epochs).", visibility: .hidden))
    var hparams: String?
    /// A sweep's: the run's folder under --tensorboard (its run_id).
    @Option(name: .customLong("tensorboard-run"), help: ArgumentHelp("The run folder under --tensorboard (a sweep sets it; default: <run>-<run_id>).", visibility: .hidden))
    var tensorBoardRun: String?
    @Flag(help: .hidden)
    var timing = false

    /// `--hparams lr,optimizer` as flag names.
    var hparamNames: [String]? { hparams.map { $0.split(separator: ",").map(String.init) } }

    func validate() throws {
        for (flag, value) in [("--hparams", hparams), ("--tensorboard-run", tensorBoardRun)] where value != nil {
            if tensorboard == nil { throw ValidationError("\(flag) goes with --tensorboard") }
        }
        if hparams?.isEmpty == true { throw ValidationError("--hparams '': names no flag") }
        if let tensorBoardRun, tensorBoardRun.isEmpty || TensorBoardLog.runFolderName(run: tensorBoardRun) != tensorBoardRun {
            throw ValidationError("--tensorboard-run \(tensorBoardRun.isEmpty ? "''" : tensorBoardRun): not a plain folder name")
        }
        if let tensorboard {
            // Both new: the run would train to the end, then fail to write the model or log
            // where TensorBoard had made its folder (the trained model lost).
            for (flag, other) in [("--csv", csv), ("--save", save)] {
                if let other, OutputPath.isSameFile(tensorboard, other) {
                    throw ValidationError("--tensorboard \(tensorboard): the same path as \(flag); TensorBoard makes a folder there")
                }
            }
            do { try TensorBoardLog.checkDirectory(tensorboard) } catch let error as FileProblem {
                throw ValidationError("--tensorboard \(tensorboard.isEmpty ? "''" : tensorboard): \(error.problem)")
            }
        }
    }
}
