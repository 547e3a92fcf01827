import Foundation
@testable import Optimization
import Support
import Testing
import Training
@testable import TestSupport

/// The one-cycle schedule and momentum cycling against torch's OneCycleLR and torch.optim
/// (Tests/Goldens/one-cycle, Tests/Goldens/path-one-cycle; made by scripts/golden_one_cycle.py),
/// within the tolerances of ../shared/golden/README.md. Until `lr` and `path` take
/// `--schedule one-cycle`, the cases are run in-process: the args are read here and the
/// schedule and the update are the library's own (`OneCycleSchedule`, `ParameterUpdate`).
struct OneCycleTests {
    static let goldens = TestPaths.packageRoot.appendingPathComponent("Tests/Goldens")

    static func cases(_ kind: String) -> [String] {
        let folder = goldens.appendingPathComponent(kind)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The flags of a golden args line, as DESIGN.md spells them.
    struct Flags {
        var words: [String: String] = [:]
        var switches: Set<String> = []
        init(_ line: String) {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
            var i = 0
            while i < parts.count {
                let word = parts[i]
                if i + 1 < parts.count, !parts[i + 1].hasPrefix("--") || Double(parts[i + 1]) != nil {
                    words[word] = parts[i + 1]
                    i += 2
                } else {
                    switches.insert(word)
                    i += 1
                }
            }
        }
        func double(_ flag: String) -> Double? { words[flag].flatMap(Double.init) }

        var iterations: Int { Int(words["--iterations"]!)! }

        /// T: --decay-steps (`40` or `2e` × --iterations-per-epoch, default 1200) or --iterations.
        var totalSteps: Int {
            guard let text = words["--decay-steps"], let count = StepCount(text) else { return iterations }
            return count.iterations(perEpoch: Int(words["--iterations-per-epoch"] ?? "1200")!)
        }

        var schedule: OneCycleSchedule {
            OneCycleSchedule(maxRate: double("--lr")!, totalSteps: totalSteps, pctStart: double("--pct-start") ?? 0.3,
                             divFactor: double("--div-factor") ?? 25, finalDivFactor: double("--final-div-factor") ?? 1e4,
                             anneal: OneCycleSchedule.Anneal(rawValue: words["--anneal"] ?? "cos")!,
                             threePhase: switches.contains("--three-phase"),
                             momentumRange: switches.contains("--no-cycle-momentum")
                                 ? nil : (double("--base-momentum") ?? 0.85, double("--max-momentum") ?? 0.95))
        }
    }

    static func read(_ url: URL) throws -> [[String]] {
        csvRows(try String(contentsOf: url, encoding: .utf8))
    }

    @Test func goldenCasesExist() {
        #expect(OneCycleTests.cases("one-cycle").count >= 12)
        #expect(OneCycleTests.cases("path-one-cycle").count >= 10)
    }

    @Test(arguments: cases("one-cycle"))
    func ratesAndMomentaMatchTorch(_ name: String) throws {
        let folder = OneCycleTests.goldens.appendingPathComponent("one-cycle/\(name)")
        let flags = Flags(try String(contentsOf: folder.appendingPathComponent("args"), encoding: .utf8))
        let rows = try OneCycleTests.read(folder.appendingPathComponent("expected.csv"))
        let schedule = flags.schedule
        let cycling = !flags.switches.contains("--no-cycle-momentum")
        #expect(rows[0] == (cycling ? ["iteration", "lr", "momentum"] : ["iteration", "lr"]))
        try #require(rows.count == flags.iterations + 1)
        var exact = 0
        for row in rows.dropFirst() {
            let j = Int(row[0])!
            let lr = Double(row[1])!
            let got = schedule.rate(at: j)
            #expect(abs(got - lr) <= 1e-9 + 1e-6 * abs(lr), "\(name) j=\(j): rate \(got), torch \(lr)")
            if got == lr { exact += 1 }
            if cycling {
                let m = Double(row[2])!
                let gotMomentum = try #require(schedule.momentum(at: j))
                #expect(abs(gotMomentum - m) <= 1e-9 + 1e-6 * abs(m), "\(name) j=\(j): momentum \(gotMomentum), torch \(m)")
            } else {
                #expect(schedule.momentum(at: j) == nil)
            }
        }
        // Same formulas in the same order in Double: torch's bits, not just its neighbourhood.
        #expect(exact == flags.iterations, "\(name): \(exact) of \(flags.iterations) rates bit-identical")
    }

    @Test func pastTheCycleHoldsTheLastValue() {
        for threePhase in [false, true] {
            for anneal in OneCycleSchedule.Anneal.allCases {
                let s = OneCycleSchedule(maxRate: 0.1, totalSteps: 40, anneal: anneal, threePhase: threePhase)
                #expect(abs(s.rate(at: 39) - 0.1 / 25 / 1e4) <= 1e-9 * 0.1 / 25 / 1e4)  // cos(π) + 1 is 1e-16, not 0
                #expect(s.momentum(at: 39) == 0.95)
                for j in [40, 41, 1000, Int.max] {
                    #expect(s.rate(at: j) == s.rate(at: 39))
                    #expect(s.momentum(at: j) == s.momentum(at: 39))
                }
            }
        }
    }

    @Test func aZeroLengthPhaseEndsAtItsEndValue() {
        // T = 10, pct 0.1: the warm-up ends at update 0 (torch divides 0 by 0 there).
        let s = OneCycleSchedule(maxRate: 0.5, totalSteps: 10, pctStart: 0.1)
        #expect(s.rate(at: 0) == 0.5)
        #expect(s.momentum(at: 0) == 0.85)
        #expect(s.rate(at: 1) < 0.5 && s.rate(at: 1) > s.rate(at: 2))
    }

    @Test func problemsNameTheFlag() {
        func problem(_ pct: Double = 0.3, div: Double = 25, final: Double = 1e4, base: Double = 0.85, max: Double = 0.95) -> String? {
            OneCycleSchedule.problem(maxRate: 0.1, totalSteps: 10, pctStart: pct, divFactor: div, finalDivFactor: final,
                                     momentumRange: (base, max))
        }
        #expect(problem() == nil)
        #expect(problem(1.5)?.hasPrefix("--pct-start") == true)
        #expect(problem(-0.1)?.hasPrefix("--pct-start") == true)
        #expect(problem(div: 0)?.hasPrefix("--div-factor") == true)
        #expect(problem(final: -1)?.hasPrefix("--final-div-factor") == true)
        #expect(problem(base: 1)?.hasPrefix("--base-momentum") == true)
        #expect(problem(max: .nan)?.hasPrefix("--max-momentum") == true)
        #expect(OneCycleSchedule.problem(maxRate: 0.1, totalSteps: 0, pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4,
                                         momentumRange: nil) != nil)
    }

    // MARK: - Momentum cycling on the path problem

    /// torch's optimizer for each golden (scripts/golden_one_cycle.py `make_optimizer`).
    static func settings(_ flags: Flags) -> OptimizerSettings {
        let kind = OptimizerKind(rawValue: flags.words["--optimizer"]!)!
        return OptimizerSettings(kind: kind, momentum: flags.double("--momentum"))
    }

    /// PathProblem.walk's loop (Float32 w, b; the gradient in Double), with one-cycle as the
    /// schedule of the same `ParameterUpdate` that train and path use.
    static func walk(_ problem: PathProblem, optimizer: any Optimizer, schedule: any LearningRateSchedule,
                     iterations: Int, start: (Double, Double)) -> [[Double]] {
        let parameters = FloatBuffer([Float(start.0), Float(start.1)])
        let gradients = FloatBuffer(count: 2)
        var update = ParameterUpdate(optimizer: optimizer, schedule: schedule, transforms: GradientTransforms())
        var rows: [[Double]] = []
        var rate = 0.0
        for k in 0...iterations {
            let w = Double(parameters[0]), b = Double(parameters[1])
            rows.append([Double(k), rate, w, b, problem.cost(w: w, b: b)])
            guard k < iterations else { break }
            let g = problem.gradient(w: w, b: b)
            gradients[0] = Float(g.w)
            gradients[1] = Float(g.b)
            rate = update.apply(parameters: parameters, gradients: gradients)
        }
        return rows
    }

    @Test(arguments: cases("path-one-cycle"))
    func pathMatchesTorch(_ name: String) throws {
        let folder = OneCycleTests.goldens.appendingPathComponent("path-one-cycle/\(name)")
        let flags = Flags(try String(contentsOf: folder.appendingPathComponent("args"), encoding: .utf8))
        let problem = try PathProblem.read(csv: folder.appendingPathComponent("data.csv").path)
        let start = flags.words["--start"]!.split(separator: ",").map { Double($0)! }
        let expected = try OneCycleTests.read(folder.appendingPathComponent("expected.csv"))
        #expect(expected[0] == ["iteration", "lr", "w", "b", "cost"])
        let got = OneCycleTests.walk(problem, optimizer: OneCycleTests.settings(flags).makeOptimizer(parameterCount: 2),
                                     schedule: flags.schedule, iterations: flags.iterations, start: (start[0], start[1]))
        try #require(got.count == expected.count - 1)
        var failures = 0
        for (row, values) in zip(expected.dropFirst(), got) {
            for (column, (e, g)) in zip(row.map { Double($0)! }, values).enumerated()
            where !(abs(g - e) <= 1e-6 + 1e-4 * abs(e)) {
                failures += 1
                if failures <= 3 { Issue.record("\(name) row \(row[0]) \(expected[0][column]): got \(g), torch \(e)") }
            }
        }
        #expect(failures == 0)
    }

    /// The cycled path is not the uncycled one: the momentum really reaches the optimizer.
    @Test(arguments: ["momentum", "nesterov", "adam", "nadam", "adamax", "rmsprop-momentum"])
    func cyclingChangesThePath(_ name: String) throws {
        let folder = OneCycleTests.goldens.appendingPathComponent("path-one-cycle/\(name)")
        let flags = Flags(try String(contentsOf: folder.appendingPathComponent("args"), encoding: .utf8))
        let problem = try PathProblem.read(csv: folder.appendingPathComponent("data.csv").path)
        let s = flags.schedule
        let plain = OneCycleSchedule(maxRate: s.maxRate, totalSteps: s.totalSteps, momentumRange: nil)
        func end(_ schedule: any LearningRateSchedule) -> [Double] {
            OneCycleTests.walk(problem, optimizer: OneCycleTests.settings(flags).makeOptimizer(parameterCount: 2),
                               schedule: schedule, iterations: flags.iterations, start: (0, 0)).last!
        }
        let cycled = end(s), uncycled = end(plain)
        #expect(abs(cycled[2] - uncycled[2]) > 1e-4, "\(name): w \(cycled[2]) vs \(uncycled[2])")
    }

    /// Setting the momentum to the value the optimizer was built with changes no bit; nil is the
    /// built value. Every settable optimizer, on a 37-parameter quadratic (padding included).
    @Test(arguments: [OptimizerKind.momentum, .nesterov, .rmsprop, .adam, .amsgrad, .adamw, .adamax, .nadam])
    func overrideWithTheBuiltValueIsBitIdentical(_ kind: OptimizerKind) throws {
        let settings = OptimizerSettings(kind: kind, momentum: kind == .rmsprop ? 0.7 : 0.8, beta1: 0.85)
        let built = kind == .momentum || kind == .nesterov || kind == .rmsprop ? settings.momentum : settings.beta1
        func run(override: Double?) throws -> [Float] {
            let optimizer = settings.makeOptimizer(parameterCount: 37)
            let settable = try #require(optimizer as? any MomentumSettable)
            let p = FloatBuffer((0..<37).map { Float($0) / 10 - 1 }), g = FloatBuffer(count: 37)
            for _ in 0..<25 {
                for i in 0..<37 { g[i] = 2 * (p[i] - Float(i % 5)) + Float(i) * 0.01 }
                settable.momentumOverride = override
                optimizer.step(parameters: p, gradients: g, learningRate: 0.01)
            }
            return (0..<37).map { p[$0] }
        }
        let untouched = try run(override: nil)
        #expect(try run(override: built) == untouched)
        #expect(try run(override: built * 0.9) != untouched)
    }

    /// torch's SGD skips the buffer entirely at a step whose momentum is 0; so do we.
    @Test func zeroMomentumIsAPlainStepThatKeepsTheVelocity() {
        let optimizer = Momentum(parameterCount: 1, momentum: 0.9, dampening: 0)
        let p = FloatBuffer([1]), g = FloatBuffer([0.5])
        optimizer.step(parameters: p, gradients: g, learningRate: 0.1)       // v = 0.5, θ = 0.95
        optimizer.momentumOverride = 0
        optimizer.step(parameters: p, gradients: g, learningRate: 0.1)       // θ = 0.90, v stays 0.5
        optimizer.momentumOverride = 0.5
        optimizer.step(parameters: p, gradients: g, learningRate: 0.1)       // v = 0.25 + 0.5, θ = 0.825
        #expect(abs(p[0] - 0.825) < 1e-6)
        #expect(abs(optimizer.velocity[0] - 0.75) < 1e-7)
    }

    /// An RMSProp built without momentum has no velocity: the override is ignored, no crash.
    @Test func rmspropWithoutMomentumIgnoresTheOverride() {
        let settings = OptimizerSettings(kind: .rmsprop)
        let a = settings.makeOptimizer(parameterCount: 3), b = settings.makeOptimizer(parameterCount: 3)
        (b as! any MomentumSettable).momentumOverride = 0.9
        let pa = FloatBuffer([1, 2, 3]), pb = FloatBuffer([1, 2, 3]), g = FloatBuffer([0.1, -0.2, 0.3])
        for _ in 0..<3 {
            a.step(parameters: pa, gradients: g, learningRate: 0.01)
            b.step(parameters: pb, gradients: g, learningRate: 0.01)
        }
        #expect((0..<3).map { pa[$0] } == (0..<3).map { pb[$0] })
    }
}
