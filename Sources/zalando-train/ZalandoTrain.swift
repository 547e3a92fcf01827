import ArgumentParser
import Training
import Reports
import RunRecords
import Support

/// The command tree. `train` is the default subcommand: `zalando-train --optimizer adam` is
/// `zalando-train train --optimizer adam`.
@main
struct ZalandoTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zalando-train",
        abstract: "Train small multilayer perceptrons on MNIST and Fashion-MNIST to compare optimizers and learning-rate schedules.",
        discussion: """
            The default model is 784→20→20→20→20→10 (ReLU, softmax, cross-entropy), minibatches of 50.

            Examples:
              zalando-train --optimizer adam --lr 0.001 --epochs 20 --csv runs.csv
              zalando-train --optimizer sgd --lr 0.1 --schedule inverse-time \\
                  --decay-rate 0.1 --decay-steps 1000 --csv runs.csv
              zalando-train evaluate adam.safetensors
              zalando-train prune --model adam.safetensors --sparsity 0.5,0.9,0.95
              zalando-train lr --schedule exponential --lr 0.1 --decay-rate 0.1 \\
                  --decay-steps 1000 --iterations 5000 --summary
              zalando-train path --optimizer adam --lr 0.1 --iterations 200
            """,
        version: "0.1.0",
        subcommands: [Train.self, LearningRate.self, Path.self, LRFind.self, Compare.self, Evaluate.self, Prune.self, Sweep.self],
        defaultSubcommand: Train.self)
}
