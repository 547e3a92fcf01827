import Foundation
@testable import zalando_train
import ArgumentParser
import Testing
@testable import TestSupport

/// Flags parsed in-process through the real command tree: usage errors exit 64 with a message
/// naming the flag.
struct CommandLineValidationTests {
    static let invalid: [(arguments: [String], names: String)] = [
        (["--lr", "-0.1"], "--lr"),
        (["--lr", "0"], "--lr"),
        (["--optimizer", "sgd", "--beta1", "0.8"], "--beta1"),
        (["--optimizer", "adam", "--momentum", "0.9"], "--momentum"),
        (["--optimizer", "adam", "--beta1", "1"], "--beta1"),
        (["--optimizer", "adam", "--beta2", "-0.1"], "--beta2"),
        (["--optimizer", "rmsprop", "--rho", "1.5"], "--rho"),
        (["--optimizer", "adam", "--centered"], "--centered"),
        (["--optimizer", "bogus"], "--optimizer"),
        (["--schedule", "piecewise", "--boundaries", "100,300", "--values", "0.1,0.05"], "--values"),
        (["--schedule", "piecewise", "--boundaries", "300,100", "--values", "0.1,0.05,0.01"], "--boundaries"),
        (["--schedule", "multistep", "--milestones", "500,200"], "--milestones"),
        (["--schedule", "multistep", "--milestones", "2e,1000"], "--milestones"),
        (["--schedule", "step", "--drop-every", "3x"], "--drop-every"),
        (["--schedule", "exponential", "--decay-rate", "0.5", "--decay-steps", "3x"], "--decay-steps"),
        (["--schedule", "exponential", "--decay-steps", "100"], "--decay-rate"),
        (["--schedule", "step", "--decay-rate", "0.5", "--drop-every", "10"], "--decay-rate"),
        (["--schedule", "constant", "--staircase"], "--staircase"),
        (["--schedule", "cyclic", "--max-lr", "0.1"], "--step-size"),
        (["--schedule", "cosine", "--decay-steps", "100", "--alpha", "2"], "--alpha"),
        (["--schedule", "plateau", "--factor", "1.5"], "--factor"),
        (["--epochs", "0"], "--epochs"),
        (["--batch-size", "0"], "--batch-size"),
        (["--hidden", "20,0"], "--hidden"),
        (["--hidden", "a,b"], "--hidden"),
        (["--clip-norm", "0"], "--clip-norm"),
        (["--weight-decay", "-1"], "--weight-decay"),
        (["lr", "--schedule", "step", "--drop-every", "10", "--iterations", "0", "--lr", "0.1"], "--iterations"),
        (["lr", "--schedule", "step", "--drop-every", "10", "--iterations", "10"], "--lr"),
        (["path", "--start", "1"], "--start"),
    ]

    @Test(arguments: invalid.indices)
    func badFlagIsAUsageErrorNamingIt(_ index: Int) {
        let (arguments, flag) = Self.invalid[index]
        do {
            var command = try ZalandoTrain.parseAsRoot(arguments)
            try command.validate()
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(ZalandoTrain.exitCode(for: error).rawValue == 64, "\(arguments)")
            let message = ZalandoTrain.message(for: error)
            #expect(message.contains(flag), "\(arguments): \(message)")
            #expect(!message.contains("\n"), "\(arguments): one line expected: \(message)")
        }
    }

    @Test func validCommandLinesParse() throws {
        for arguments in [
            ["--optimizer", "momentum", "--momentum", "0.9", "--dampening", "0.9"],
            ["--schedule", "piecewise", "--boundaries", "1e,3e", "--values", "0.2,0.02,0.002"],
            ["--schedule", "sgdr", "--decay-steps", "2e", "--t-mul", "2", "--warmup-steps", "100"],
            ["lr", "--schedule", "cyclic", "--lr", "0.001", "--max-lr", "0.01", "--step-size", "100", "--iterations", "10"],
            ["path", "--optimizer", "adam", "--start", "-1,0.5"],
        ] {
            var command = try ZalandoTrain.parseAsRoot(arguments)
            try command.validate()
        }
    }

    /// The start-up's subcommand names (from the command types) are the help tree's.
    @Test func subcommandNamesAtStartUpAreTheCatalogs() {
        #expect(SubcommandName.names == CommandCatalog.shared.subcommandNames)
        #expect(SubcommandName.canonical(["Compare", "x.csv"]) == ["compare", "x.csv"])
        #expect(SubcommandName.canonical(["LR-FIND"]) == ["lr-find"])
        #expect(SubcommandName.canonical(["runs.csv"]) == ["runs.csv"])
    }

    @Test func defaultLearningRateFollowsTheOptimizer() throws {
        let adam = try #require(try ZalandoTrain.parseAsRoot(["--optimizer", "adam"]) as? Train)
        #expect(adam.trainingConfiguration.learningRate == 0.001)
        let sgd = try #require(try ZalandoTrain.parseAsRoot(["train", "--optimizer", "sgd"]) as? Train)
        #expect(sgd.trainingConfiguration.learningRate == 0.01)
        let piecewise = try #require(try ZalandoTrain.parseAsRoot(["--schedule", "piecewise", "--boundaries", "5", "--values", "0.3,0.1"]) as? Train)
        #expect(piecewise.trainingConfiguration.learningRate == 0.3)
    }

    @Test func helpListsEveryOptimizerAndSchedule() {
        let help = ZalandoTrain.helpMessage(for: Train.self)
        for name in ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "amsgrad", "adamw", "adamax", "nadam",
                     "piecewise", "multistep", "inverse-time", "natural-exp", "polynomial", "cosine", "sgdr", "cyclic", "plateau",
                     "DATA", "MODEL", "OPTIMIZER", "LEARNING RATE AND SCHEDULE", "OUTPUT", "--warmup-steps"] {
            #expect(help.contains(name), "help lacks \(name)")
        }
    }
}
