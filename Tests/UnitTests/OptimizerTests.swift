import Foundation
import Numerics
import Optimization
import Support
import Testing
@testable import TestSupport

struct OptimizerTests {
    /// Every optimizer, with its default hyperparameters and a modest rate, decreases a
    /// convex quadratic: a property that catches sign errors and broken state.
    @Test(arguments: OptimizerKind.allCases)
    func decreasesAQuadratic(_ kind: OptimizerKind) {
        let target: [Float] = [1, -2, 0.5, 3]
        let parameters = FloatBuffer(count: 4)
        let gradients = FloatBuffer(count: 4)
        let optimizer = OptimizerSettings(kind: kind).makeOptimizer(parameterCount: 4)
        func loss() -> Float { (0..<4).map { (parameters[$0] - target[$0]) * (parameters[$0] - target[$0]) }.reduce(0, +) }
        let initial = loss()
        let rate = kind == .adadelta ? 1.0 : kind.defaultLearningRate * 5
        for _ in 0..<300 {
            for i in 0..<4 { gradients[i] = 2 * (parameters[i] - target[i]) }
            optimizer.step(parameters: parameters, gradients: gradients, learningRate: rate)
        }
        #expect(optimizer.updateCount == 300)
        #expect(loss() < initial * 0.9, "\(kind): loss \(initial) → \(loss())")
    }

    @Test func clipNormScalesByTheGlobalNorm() {
        // g = (3, 4): ‖g‖ = 5 > c = 1 → g · 1/(5 + 1e-6).
        var transforms = GradientTransforms(clipNorm: 1)
        let p = FloatBuffer([0, 0]), g = FloatBuffer([3, 4])
        transforms.apply(parameters: p, gradients: g, update: 1)
        #expect(abs(g[0] - Float(3 / (5 + 1e-6))) < 1e-7 && abs(g[1] - Float(4 / (5 + 1e-6))) < 1e-7)
        // Below the threshold nothing changes.
        let small = FloatBuffer([0.3, 0.4])
        transforms.apply(parameters: p, gradients: small, update: 2)
        #expect(small.array == [0.3, 0.4])
    }

    @Test func l1AddsLambdaTimesSignWithSignOfZeroZero() {
        var transforms = GradientTransforms(l1: 0.1)
        let p = FloatBuffer([2, -3, 0]), g = FloatBuffer([1, 1, 1])
        transforms.apply(parameters: p, gradients: g, update: 1)
        #expect(g.array == [1.1, 0.9, 1])
    }

    @Test func l1ThenClipOrder() {
        // L1 first (g = 3.1, 4.1... here (3,4)+0.1·sign), then clip to norm 1.
        var transforms = GradientTransforms(l1: 1, clipNorm: 1)
        let p = FloatBuffer([1, 1]), g = FloatBuffer([2, 3])
        transforms.apply(parameters: p, gradients: g, update: 1)
        // (3, 4) after L1, norm 5, so (0.6, 0.8) up to the 1e-6.
        #expect(abs(g[0] - 0.6) < 1e-6 && abs(g[1] - 0.8) < 1e-6)
    }

    @Test(arguments: [1, 10, 1000])
    func gradientNoiseHasZeroMeanAndTheAnnealedVariance(_ t: Int) {
        let eta = 0.3
        var transforms = GradientTransforms(noise: eta, seed: 42)
        let n = 200_000
        let p = FloatBuffer(count: n), g = FloatBuffer(count: n)
        transforms.apply(parameters: p, gradients: g, update: t)
        let values = g.array.map(Double.init)
        let mean = values.reduce(0, +) / Double(n)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        let expected = eta / pow(1 + Double(t), 0.55)
        #expect(abs(mean) < 4 * (expected / Double(n)).squareRoot())
        #expect(abs(variance / expected - 1) < 0.02, "t \(t): variance \(variance), expected \(expected)")
    }

    @Test func adamwDecaysWeightsWithoutAGradient() {
        // Zero gradient: AdamW still shrinks θ by (1 − γλ); Adam with coupled L2 moves it by ≈ γ.
        let p = FloatBuffer([1]), g = FloatBuffer([0])
        let adamw = OptimizerSettings(kind: .adamw, weightDecay: 0.1).makeOptimizer(parameterCount: 1)
        adamw.step(parameters: p, gradients: g, learningRate: 0.5)
        #expect(abs(p[0] - 0.95) < 1e-7)
    }

    @Test func momentumVelocityStartsAtZero() {
        // DESIGN: v starts at 0, so with d = 0.5 the first step is γ(1 − d)g (torch would take γg).
        let p = FloatBuffer([0]), g = FloatBuffer([2])
        let momentum = OptimizerSettings(kind: .momentum, momentum: 0.9, dampening: 0.5).makeOptimizer(parameterCount: 1)
        momentum.step(parameters: p, gradients: g, learningRate: 0.1)
        #expect(abs(p[0] - -0.1) < 1e-7)
    }
}

struct ScheduleTests {
    @Test func plateauReducesAfterPatienceEpochsWithoutImprovement() {
        let plateau = PlateauSchedule(initialRate: 0.1, factor: 0.5, patience: 2, minRate: 0.02)
        let costs = [1.0, 0.9, 0.95, 0.91, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85]
        var rates: [Double] = []
        for c in costs { plateau.observe(cost: c); rates.append(plateau.rate(at: 0)) }
        // 0.95 and 0.91 do not beat 0.9: after the second, halve. 0.8 improves. Then every two
        // non-improving epochs halve again, down to the floor 0.02.
        #expect(rates == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02])
    }

    @Test func plateauIsAPureFunctionOfJBetweenObservations() {
        let plateau = PlateauSchedule(initialRate: 0.1, factor: 0.1, patience: 1, minRate: 0)
        #expect((0..<100).allSatisfy { plateau.rate(at: $0) == 0.1 })
    }

    @Test func warmupComposesWithAnySchedule() {
        // one-cycle has its own warm-up: the command line refuses --warmup-steps with it
        // (OneCycleCommandLineTests).
        for kind in ScheduleKind.allCases where kind != .plateau && kind != .oneCycle {
            var s = ScheduleSettings(kind: kind, initialRate: 0.1)
            s.boundaries = [.iterations(10)]; s.values = [0.1, 0.01]; s.dropEvery = .iterations(5)
            s.milestones = [.iterations(10)]; s.decayRate = 0.5; s.decaySteps = .iterations(10)
            s.maxRate = 0.5; s.stepSize = .iterations(4)
            let plain = s.make(iterationsPerEpoch: 10)
            s.warmupSteps = .iterations(4)
            let warm = s.make(iterationsPerEpoch: 10)
            let ramp = (0..<4).map { warm.rate(at: $0) }
            let expectedRamp = [0.025, 0.05, 0.075, 0.1]
            #expect(zip(ramp, expectedRamp).allSatisfy { $0.isApproximatelyEqual(to: $1, relativeTolerance: 1e-12) }, "\(kind): \(ramp)")
            #expect((4..<40).allSatisfy { warm.rate(at: $0) == plain.rate(at: $0 - 4) }, "\(kind)")
        }
    }

    @Test(arguments: ["1000", "5e", " 12 ", "0"])
    func durationsParse(_ text: String) {
        #expect(StepCount(text) != nil)
        #expect(StepCount("5e")?.iterations(perEpoch: 1200) == 6000)
    }

    @Test(arguments: ["3x", "-1", "1.5e", "e", "", "1e3"])
    func badDurationsAreRefused(_ text: String) {
        #expect(StepCount(text) == nil)
    }
}
