import IDXData
import MLP
import Optimization

/// Everything a training run is made of, as plain values (the executable builds it from flags).
public struct TrainingConfiguration: Sendable {
    public var dataset: DatasetName = .fashion
    public var hiddenSizes: [Int] = [20, 20, 20, 20]
    public var activation: Activation = .relu
    public var initialization: Initialization = .he
    public var batchSize = 50
    public var epochs = 20
    public var seed: UInt64 = 1
    /// The last `validation` training images are held out (plateau watches their cost).
    public var validation = 0
    public var optimizer: OptimizerSettings
    public var schedule: ScheduleSettings
    public var l1 = 0.0
    public var clipNorm: Double?
    public var gradientNoise = 0.0
    /// `--early-stop P`: stop after P epochs without improvement (nil: train every epoch).
    public var earlyStopPatience: Int?
    /// `--min-delta D`: the improvement early stopping requires.
    public var minDelta = 0.0
    public var threads = 1
    public var runName: String?

    public init(optimizer: OptimizerSettings, schedule: ScheduleSettings) {
        self.optimizer = optimizer
        self.schedule = schedule
    }

    public var learningRate: Double { schedule.initialRate }

    /// Iterations (weight updates) per epoch: ⌈training images / batch size⌉.
    public func iterationsPerEpoch(trainingCount: Int) -> Int { (trainingCount + batchSize - 1) / batchSize }
}
