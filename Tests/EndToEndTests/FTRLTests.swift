import Foundation
import Optimization
import Support
import Testing
@testable import TestSupport

/// FTRL-proximal (keras.optimizers.Ftrl): the sweep against an independent Double
/// implementation of the DESIGN.md formula, exact zeros from the closed-form L1, its flags'
/// range checks, and every schedule and gradient option through the real binary. The Keras
/// golden cases (../shared/golden/ftrl/path) run in GoldenTests.
struct FTRLTests {
    /// DESIGN.md's ftrl row, in Double, one parameter at a time.
    struct Reference {
        var z: [Double], n: [Double]
        let c, l1, l2, shrinkage, beta: Double
        init(count: Int, lrPower: Double, initial: Double, l1: Double, l2: Double, shrinkage: Double, beta: Double) {
            z = Array(repeating: 0, count: count); n = Array(repeating: initial, count: count)
            c = -lrPower; self.l1 = l1; self.l2 = l2; self.shrinkage = shrinkage; self.beta = beta
        }
        mutating func step(_ theta: inout [Double], _ g: [Double], lr: Double) {
            for i in theta.indices {
                let gShrunk = g[i] + 2 * shrinkage * theta[i]
                let nNew = n[i] + g[i] * g[i]
                z[i] += gShrunk - (Foundation.pow(nNew, c) - Foundation.pow(n[i], c)) / lr * theta[i]
                n[i] = nNew
                theta[i] = (min(max(z[i], -l1), l1) - z[i]) / (Foundation.pow(n[i], c) / lr + 2 * l2 + beta / lr)
            }
        }
    }

    /// 19 parameters (two SIMD vectors and a tail in the padding), random gradients, a rate
    /// that changes every step; the default power (square-root path) and another (pow path).
    @Test(arguments: [(-0.5, 0.1, 0.0, 0.0, 0.0, 0.0), (-0.5, 0.5, 0.02, 0.1, 0.05, 0.3), (-0.3, 1e-4, 0.01, 0.0, 0.2, 0.0), (0.0, 0.2, 0.0, 0.5, 0.0, 1.0)])
    func sweepMatchesTheFormula(_ p: (Double, Double, Double, Double, Double, Double)) {
        let count = 19
        let settings = OptimizerSettings(kind: .ftrl, lrPower: p.0, initialAccumulator: p.1, l1: p.2, l2: p.3, l2Shrinkage: p.4, ftrlBeta: p.5)
        let optimizer = settings.makeOptimizer(parameterCount: count)
        var reference = Reference(count: count, lrPower: p.0, initial: p.1, l1: p.2, l2: p.3, shrinkage: p.4, beta: p.5)
        var rng = Xoshiro256(seed: 7)
        var theta = (0..<count).map { _ in rng.nextGaussian() }
        let parameters = FloatBuffer(theta.map(Float.init)), gradients = FloatBuffer(count: count)
        theta = parameters.array.map(Double.init)
        for t in 0..<40 {
            let g = (0..<count).map { _ in Double(Float(rng.nextGaussian() * 0.3)) }
            for i in 0..<count { gradients[i] = Float(g[i]) }
            let lr = 0.05 * (1 + Double(t % 3))
            optimizer.step(parameters: parameters, gradients: gradients, learningRate: lr)
            reference.step(&theta, g, lr: lr)
        }
        #expect(optimizer.updateCount == 40)
        for i in 0..<count {
            let got = Double(parameters[i])
            #expect(abs(got - theta[i]) <= 1e-5 + 1e-4 * abs(theta[i]), "\(p) parameter \(i): \(got) vs \(theta[i])")
            if theta[i] == 0 { #expect(got == 0, "\(p) parameter \(i) must be exactly 0") }
        }
        // The padding (indices 19…23 of the buffer) stays zero.
        #expect((count..<parameters.paddedCount).allSatisfy { parameters.pointer[$0] == 0 })
    }

    /// --l1 is FTRL's own, in closed form: with λ1 above every |z| the step sets θ to exactly 0,
    /// whatever θ was; the torch-style --l1 (λ·sign(θ) added to the gradient) never does.
    @Test func largeL1GivesExactZeros() {
        let parameters = FloatBuffer([0.5, -1.25, 2, 0.001]), gradients = FloatBuffer([0.3, -0.2, 0.1, 0.05])
        OptimizerSettings(kind: .ftrl, l1: 10).makeOptimizer(parameterCount: 4)
            .step(parameters: parameters, gradients: gradients, learningRate: 0.1)
        #expect(parameters.array == [0, 0, 0, 0])
        #expect(OptimizerSettings(kind: .adam, l1: 10).l1 == 0, "only ftrl reads OptimizerSettings.l1")
    }

    /// A zero rate (cosine decay's end) leaves everything as it is instead of dividing by 0.
    @Test func zeroRateChangesNothing() {
        let parameters = FloatBuffer([0.5, -1.25]), gradients = FloatBuffer([0.3, -0.2])
        let ftrl = OptimizerSettings(kind: .ftrl).makeOptimizer(parameterCount: 2)
        ftrl.step(parameters: parameters, gradients: gradients, learningRate: 0.1)
        let after = parameters.array
        ftrl.step(parameters: parameters, gradients: gradients, learningRate: 0)
        #expect(parameters.array == after)
        ftrl.step(parameters: parameters, gradients: gradients, learningRate: 0.1)
        #expect(parameters.array.allSatisfy(\.isFinite) && parameters.array != after)
    }

    @Test func weightDecayIsNotFTRLs() {
        #expect(OptimizerSettings(kind: .ftrl, weightDecay: 0.1).weightDecay == 0)
        #expect(!OptimizerKind.ftrl.takesWeightDecay && OptimizerKind.ftrl.ownsL1)
        #expect(OptimizerKind.ftrl.hyperparameters.map(\.flag) == ["--lr-power", "--initial-accumulator", "--l2", "--l2-shrinkage", "--ftrl-beta"])
    }

    /// Every new flag's range (keras.optimizers.Ftrl's own checks, and β ≥ 0), through the
    /// binary: exit 64 and a first line naming the flag and the value as typed.
    static let badFlags: [(arguments: [String], names: String)] = [
        (["--lr-power", "0.1"], "--lr-power 0.1: must be zero or negative"),
        (["--lr-power", "nan"], "--lr-power nan"),
        (["--initial-accumulator", "-0.1"], "--initial-accumulator -0.1: must be zero or positive"),
        (["--initial-accumulator", "inf"], "--initial-accumulator inf"),
        (["--initial-accumulator", "0"], "--initial-accumulator 0"),
        (["--l1", "-1"], "--l1 -1: must be zero or positive"),
        (["--l2", "-1"], "--l2 -1: must be zero or positive"),
        (["--l2", "abc"], "--l2"),
        (["--l2-shrinkage", "-0.5"], "--l2-shrinkage -0.5: must be zero or positive"),
        (["--ftrl-beta", "-1"], "--ftrl-beta -1: must be zero or positive"),
        (["--weight-decay", "0.1"], "--weight-decay 0.1 is not used by ftrl: its L2 is --l2"),
    ]

    @Test(arguments: badFlags.indices)
    func badFlagIsRefused(_ index: Int) throws {
        let (arguments, names) = Self.badFlags[index]
        let result = try runTool(["path", "--optimizer", "ftrl", "--iterations", "3"] + arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").first?.contains(names) == true, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: ["--lr-power", "--initial-accumulator", "--l2", "--l2-shrinkage", "--ftrl-beta"])
    func ftrlFlagsAreRefusedForOtherOptimizers(_ flag: String) throws {
        let result = try runTool(["path", "--optimizer", "adam", "--iterations", "3", flag, "0"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: \(flag) is not used by --optimizer adam"), "\(result.stderr)")
    }

    /// Accepted edge values: n₀ = 0 with λ2 or a fixed rate, p = 0, β = 0 given explicitly.
    @Test(arguments: [["--initial-accumulator", "0", "--l2", "0.1"], ["--initial-accumulator", "0", "--lr-power", "0"],
                      ["--lr-power", "0", "--ftrl-beta", "0", "--l2-shrinkage", "0"]])
    func edgeValuesRun(_ arguments: [String]) throws {
        let result = try runTool(["path", "--optimizer", "ftrl", "--lr", "0.5", "--iterations", "20"] + arguments)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        let last = try #require(csvRows(result.stdout).last)
        #expect(last.dropFirst().allSatisfy { Double($0)?.isFinite == true }, "\(arguments): \(last)")
    }

    /// `path` with every schedule, clipping and noise: runs, and the rate column is the schedule's.
    @Test func pathRunsWithEveryScheduleClipAndNoise() throws {
        let schedules: [[String]] = [
            ["--schedule", "constant"], ["--schedule", "piecewise", "--boundaries", "5", "--values", "0.5,0.1"],
            ["--schedule", "step", "--drop-every", "5"], ["--schedule", "multistep", "--milestones", "5,10", "--factor", "0.5"],
            ["--schedule", "inverse-time", "--decay-rate", "0.5", "--decay-steps", "5"],
            ["--schedule", "exponential", "--decay-rate", "0.5", "--decay-steps", "5"],
            ["--schedule", "natural-exp", "--decay-rate", "0.5", "--decay-steps", "5"],
            ["--schedule", "polynomial", "--decay-steps", "10", "--end-lr", "0.01", "--power", "2"],
            ["--schedule", "power", "--decay-steps", "5", "--power", "1"], ["--schedule", "cosine", "--decay-steps", "10"],
            ["--schedule", "sgdr", "--decay-steps", "5"], ["--schedule", "cyclic", "--max-lr", "1", "--step-size", "4"],
            ["--schedule", "exponential", "--decay-rate", "0.5", "--decay-steps", "5", "--warmup-steps", "3"],
        ]
        for schedule in schedules {
            let args = ["path", "--optimizer", "ftrl", "--lr", "0.5", "--iterations", "20", "--clip-norm", "1", "--grad-noise", "0.01"] + schedule
            let result = try runTool(args)
            #expect(result.status == 0, "\(schedule): \(result.stderr)")
            let rows = csvRows(result.stdout)
            #expect(rows.count == 22, "\(schedule)")
            let lr = try runTool(["lr", "--lr", "0.5", "--iterations", "20"] + schedule)
            #expect(rows.dropFirst(2).map { $0[1] } == csvRows(lr.stdout).dropFirst().map { $0[1] }, "\(schedule): rates differ from lr's")
            #expect(rows.dropFirst().allSatisfy { $0.dropFirst().allSatisfy { Double($0)?.isFinite == true } }, "\(schedule)")
        }
        // The noise is really applied: another seed gives another path.
        let a = try runTool(["path", "--optimizer", "ftrl", "--lr", "0.5", "--iterations", "5", "--grad-noise", "0.5", "--seed", "1"])
        let b = try runTool(["path", "--optimizer", "ftrl", "--lr", "0.5", "--iterations", "5", "--grad-noise", "0.5", "--seed", "2"])
        #expect(a.stdout != b.stdout)
    }
}

/// FTRL on the default MLP (real data): the training step allocates nothing (both sweeps:
/// the square-root one and the pow one), and a large --l1 leaves most weights exactly zero
/// where Adam's --l1 leaves none.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/cc") && RealData.available("mnist")))
struct FTRLAllocationTests {
    @Test(arguments: [["--lr-power", "-0.5"], ["--lr-power", "-0.3", "--l1", "0.001", "--l2", "0.01", "--l2-shrinkage", "0.01", "--ftrl-beta", "0.5"]])
    func trainingStepAllocatesNothing(_ flags: [String]) throws {
        let ftrl = ["--optimizer", "ftrl", "--lr", "0.03", "--initial-accumulator", "1e-4"] + flags
        let fewerUpdates = try AllocationTests.mallocCalls(batchSize: 100, optimizer: ftrl)
        let moreUpdates = try AllocationTests.mallocCalls(batchSize: 25, optimizer: ftrl)
        #expect(fewerUpdates > 1000, "the counter must see the run's setup allocations")
        #expect(abs(moreUpdates - fewerUpdates) < 20, "600 updates: \(fewerUpdates) mallocs, 2400 updates: \(moreUpdates)")
    }
}

@Suite(.enabled(if: RealData.available("fashion")))
struct FTRLSparsityTests {
    /// Exactly-zero weights of a saved model, read straight from the safetensors file.
    static func zeroShare(_ path: String) throws -> Double {
        let tensors = try SafetensorsFile(path: path)
        let weights = tensors.names.filter { $0.hasSuffix(".weight") }.flatMap { tensors.bits($0) }
        return Double(weights.filter { $0 & 0x7FFF_FFFF == 0 }.count) / Double(weights.count)
    }

    @Test func largeL1MakesMostWeightsExactlyZeroAndEvaluateSaysSo() throws {
        let dir = TestPaths.temporaryDirectory()
        let data = TestPaths.dataDirectory("fashion")
        let ftrlModel = dir.appendingPathComponent("ftrl.safetensors").path
        let adamModel = dir.appendingPathComponent("adam.safetensors").path
        let ftrl = try runTool(["--optimizer", "ftrl", "--lr", "0.03", "--initial-accumulator", "1e-4", "--l1", "0.2",
                                "--epochs", "1", "--data-dir", data, "--save", ftrlModel])
        #expect(ftrl.status == 0, "\(ftrl.stderr)")
        let adam = try runTool(["--optimizer", "adam", "--l1", "0.2", "--epochs", "1", "--data-dir", data, "--save", adamModel])
        #expect(adam.status == 0, "\(adam.stderr)")
        let ftrlZeros = try Self.zeroShare(ftrlModel), adamZeros = try Self.zeroShare(adamModel)
        #expect(ftrlZeros > 0.5, "ftrl --l1 0.2: \(ftrlZeros) of the weights are exactly 0")
        #expect(adamZeros < 0.01, "adam --l1 0.2: \(adamZeros) of the weights are exactly 0")
        let evaluated = try runTool(["evaluate", "--model", ftrlModel, "--data-dir", data])
        #expect(evaluated.status == 0)
        let overall = try #require(evaluated.stdout.split(separator: "\n").first { $0.hasPrefix("  overall") })
        #expect(overall.contains(String(format: "%.2f%%", ftrlZeros * 100)), "\(overall) vs \(ftrlZeros)")
    }

    /// train with ftrl, a decaying schedule, clipping and noise: it learns.
    @Test func trainsWithAScheduleClipAndNoise() throws {
        let result = try runTool(["--optimizer", "ftrl", "--lr", "0.03", "--initial-accumulator", "1e-4",
                                  "--schedule", "exponential", "--decay-rate", "0.5", "--decay-steps", "1e",
                                  "--clip-norm", "5", "--grad-noise", "0.001", "--epochs", "2", "--data-dir", TestPaths.dataDirectory("fashion")])
        #expect(result.status == 0, "\(result.stderr)")
        let last = try #require(result.stdout.split(separator: "\n").last { $0.hasPrefix("epoch") })
        let test = try #require(last.split(separator: " ").firstIndex(of: "test").map { Double(last.split(separator: " ")[$0 + 1].dropLast()) ?? 0 })
        #expect(test > 70, "\(last)")
        #expect(last.contains("lr 7.50e-03"), "rate after 2 epochs of halving per epoch: \(last)")
    }
}
