import Foundation
@testable import zalando_train
import ArgumentParser
import Reports
import RunRecords
import Support
import Testing
import Training
@testable import TestSupport

/// SHA-256 against the FIPS 180-4 examples and the system's sha256sum.
struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func fipsVectors(message: String, digest: String) {
        #expect(SHA256.hex(message) == digest)
    }

    /// Lengths around the 55/56/64-byte padding boundaries, against coreutils.
    @Test func agreesWithSha256sum() throws {
        let folder = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for length in [1, 55, 56, 57, 63, 64, 65, 119, 120, 1000] {
            let text = String((0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            let file = folder.appendingPathComponent("m\(length)")
            try text.write(to: file, atomically: true, encoding: .utf8)
            let result = try runProcess("/usr/bin/sha256sum", [file.path])
            #expect(SHA256.hex(text) == String(result.stdout.prefix(64)), "length \(length)")
        }
    }
}

/// A run's canonical flags, run_id and default name, through the real command-line parser.
struct RunIdentityTests {
    static func identity(_ arguments: [String]) throws -> RunIdentity {
        // As the binary does: a negative number after an option is its value (--lr-power -0.5).
        let train = try Train.parse(NegativeValues.attach(arguments))
        let c = train.trainingConfiguration
        return RunIdentity(configuration: c, iterationsPerEpoch: c.nominalIterationsPerEpoch)
    }

    static let commandLines: [[String]] = [
        [],
        ["--optimizer", "sgd", "--lr", "0.1", "--schedule", "inverse-time", "--decay-rate", "0.1", "--decay-steps", "1000"],
        ["--optimizer", "rmsprop", "--centered", "--momentum", "0.5", "--schedule", "exponential", "--decay-rate", "0.5",
         "--decay-steps", "2e", "--staircase", "--warmup-steps", "1e"],
        ["--optimizer", "momentum", "--dampening", "0.9", "--schedule", "cyclic", "--max-lr", "0.1", "--step-size", "600",
         "--mode", "exp-range", "--gamma", "0.999", "--clip-norm", "5", "--batch-size", "100", "--validation", "10000"],
        ["--optimizer", "nadam", "--schedule", "sgdr", "--decay-steps", "3e", "--l1", "1e-05", "--dataset", "mnist",
         "--hidden", "64,32", "--activation", "tanh", "--seed", "7", "--epochs", "3"],
        ["--schedule", "piecewise", "--boundaries", "1e,2e", "--values", "0.1,0.01,0.001"],
        ["--optimizer", "adamw", "--schedule", "plateau", "--patience", "3", "--grad-noise", "0.01"],
        ["--optimizer", "ftrl", "--lr", "0.03", "--initial-accumulator", "0.0001", "--l1", "0.01", "--l2", "0.001",
         "--l2-shrinkage", "0.01", "--ftrl-beta", "0.5", "--lr-power", "-0.25"],
    ]

    /// `zalando-train train <flags>` reruns the run: parsing the flags gives the same flags.
    @Test(arguments: commandLines)
    func flagsReproduceTheRun(arguments: [String]) throws {
        let first = try Self.identity(arguments)
        let again = try Self.identity(first.flags.split(separator: " ").map(String.init))
        #expect(again.flags == first.flags)
        #expect(again.runID == first.runID)
        #expect(first.runID.count == 12 && first.runID.allSatisfy { "0123456789abcdef".contains($0) })
    }

    /// Defaults are written out and durations resolved: the explicit and implicit forms are one run.
    @Test func defaultsAndDurationsResolve() throws {
        let implicit = try Self.identity(["--schedule", "step", "--drop-every", "2e"])
        let explicit = try Self.identity(["--schedule", "step", "--drop-every", "2400", "--optimizer", "adam", "--lr", "0.001",
                                          "--beta2", "0.999", "--dataset", "fashion", "--hidden", "20,20,20,20", "--seed", "1"])
        #expect(implicit.flags == explicit.flags)
        #expect(implicit.flags.contains("--drop-every 2400"))
        #expect(implicit.flags.contains("--eps 1e-08"))
    }

    /// The collisions: data set and decay rate used to share a name; ids now differ.
    @Test func differentConfigurationsNeverShareAnID() throws {
        let variants: [[String]] = [
            [], ["--dataset", "mnist"], ["--seed", "2"], ["--lr", "0.01"], ["--beta1", "0.8"], ["--validation", "100"],
            ["--schedule", "exponential", "--decay-rate", "0.5", "--decay-steps", "100"],
            ["--schedule", "exponential", "--decay-rate", "0.6", "--decay-steps", "100"],
            ["--schedule", "exponential", "--decay-rate", "0.5", "--decay-steps", "100", "--staircase"],
            ["--clip-norm", "1"], ["--grad-noise", "0.1"], ["--l1", "0.001"], ["--init", "xavier"], ["--batch-size", "51"],
        ]
        let identities = try variants.map(Self.identity)
        #expect(Set(identities.map(\.runID)).count == variants.count)
        #expect(Set(identities.map(\.defaultName)).count == variants.count)
    }

    /// --epochs is part of the flags but not of the id; output-only flags are part of neither.
    @Test func epochsAndOutputsDoNotChangeTheID() throws {
        let short = try Self.identity(["--epochs", "5"])
        let long = try Self.identity(["--epochs", "100", "--csv", "x.csv", "--run-name", "mine", "--threads", "2", "--data-dir", "elsewhere"])
        #expect(short.runID == long.runID)
        #expect(short.flags != long.flags)
        #expect(!long.flags.contains("x.csv") && !long.flags.contains("mine") && !long.flags.contains("--threads"))
    }

    @Test func defaultNameShowsWhatDiffers() throws {
        #expect(try Self.identity([]).defaultName == "adam lr=0.001")
        #expect(try Self.identity(["--dataset", "mnist", "--seed", "3"]).defaultName == "adam lr=0.001 dataset=mnist seed=3")
        #expect(try Self.identity(["--optimizer", "sgd", "--lr", "0.1", "--schedule", "inverse-time", "--decay-rate", "0.1",
                                   "--decay-steps", "1000"]).defaultName == "sgd lr=0.1 inverse-time decay-rate=0.1 decay-steps=1000")
        #expect(try Self.identity(["--activation", "tanh"]).defaultName == "adam lr=0.001 activation=tanh")
    }
}
