import IDXData
import Optimization

/// lr-find's training side (DESIGN.md "lr-find"): a fresh model from the configuration's seed,
/// one update per minibatch with the range test's rising rate, the loss of each update's own
/// forward pass fed to `LRRangeTest`. The Trainer's minibatch step does the work (no allocation
/// per step); the configuration's schedule is not used. Nothing is saved.
public enum LRFinder {
    /// The range test's rate for update j, as a schedule the Trainer can follow.
    struct RangeSchedule: LearningRateSchedule {
        let test: LRRangeTest
        func rate(at j: Int) -> Double { test.rate(at: j) }
    }

    public static func run(configuration: TrainingConfiguration, dataset: Dataset,
                           startRate: Double, endRate: Double, iterations: Int) throws -> LRRangeTest {
        var test = LRRangeTest(startRate: startRate, endRate: endRate, iterations: iterations)
        let trainer = try Trainer(configuration: configuration, dataset: dataset, schedule: RangeSchedule(test: test))
        while test.nextRate != nil {
            test.record(loss: trainer.trainNextMinibatch())
        }
        return test
    }
}
