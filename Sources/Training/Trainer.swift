import IDXData
import MLP
import Optimization
import Support
#if canImport(Glibc)
import Glibc
#endif

/// The result of one epoch: what the per-epoch line and the CSV row report.
public struct EpochResult: Sendable {
    public let epoch: Int
    public let epochs: Int
    /// Updates made so far.
    public let iteration: Int
    /// The rate of the epoch's last update.
    public let learningRate: Double
    public let train: Evaluation
    public let test: Evaluation
    public let validation: Evaluation?
    /// Training and the evaluation after it, wall clock.
    public let seconds: Double
    /// The part of `seconds` spent in minibatch updates (the rest is evaluation).
    public let trainingSeconds: Double

    package init(epoch: Int, epochs: Int, iteration: Int, learningRate: Double, train: Evaluation, test: Evaluation,
                 validation: Evaluation?, seconds: Double, trainingSeconds: Double) {
        self.epoch = epoch
        self.epochs = epochs
        self.iteration = iteration
        self.learningRate = learningRate
        self.train = train
        self.test = test
        self.validation = validation
        self.seconds = seconds
        self.trainingSeconds = trainingSeconds
    }
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case diverged(epoch: Int, iteration: Int, cost: Double)
    case invalid(String)

    public var description: String {
        switch self {
        case .diverged(let epoch, let iteration, let cost):
            return "training diverged: the cost became \(cost.isNaN ? "NaN" : "infinite") in epoch \(epoch) at iteration \(iteration); "
                + "try a smaller --lr or --clip-norm"
        case .invalid(let message):
            return message
        }
    }
}

/// The minibatch training loop: reshuffle every epoch with the seeded generator, one update per
/// minibatch (the last one may be partial), then cost and accuracy over the whole training,
/// validation and test sets.
public final class Trainer {
    public let configuration: TrainingConfiguration
    public let network: MultilayerPerceptron
    public let trainSet: LabeledImages
    public let validationSet: LabeledImages?
    public let testSet: LabeledImages
    public let iterationsPerEpoch: Int
    public package(set) var update: ParameterUpdate
    /// The shuffling generator and the order it produced (each epoch reshuffles the last order).
    package var rng: Xoshiro256
    package var order: [Int32]
    /// Minibatches of the current epoch already trained: 0 between epochs; more when an
    /// interrupted epoch is resumed (its shuffle is then not repeated).
    package var batchesDone = 0
    /// The rate of the last update made.
    package var lastRate = 0.0
    private let batchInput: FloatBuffer
    private var batchLabels: [UInt8]
    private let evaluator: Evaluator
    /// The mean cost of the current epoch's minibatches so far (for the progress bar).
    public private(set) var epochMeanCost = 0.0
    /// Set from a signal handler to stop after the current update (see Interruption).
    public var shouldStop: () -> Bool = { false }

    /// `schedule` replaces the configuration's (lr-find's rising rates).
    public init(configuration: TrainingConfiguration, dataset: Dataset, schedule override: (any LearningRateSchedule)? = nil) throws {
        self.configuration = configuration
        let full = dataset.train
        guard configuration.validation >= 0, configuration.validation < full.count else {
            throw TrainingError.invalid("--validation \(configuration.validation): must leave at least one of the \(full.count) training images")
        }
        if configuration.validation > 0 {
            trainSet = full.prefix(full.count - configuration.validation)
            validationSet = full.suffix(configuration.validation)
        } else {
            trainSet = full
            validationSet = nil
        }
        testSet = dataset.test
        let batch = min(configuration.batchSize, trainSet.count)
        iterationsPerEpoch = configuration.iterationsPerEpoch(trainingCount: trainSet.count)
        let evaluationBlock = 1000
        let widths = [trainSet.pixelsPerImage] + configuration.hiddenSizes + [10]
        if let problem = MemoryBudget.shortfall(MemoryBudget.networkBytes(widths: widths, rows: max(batch, evaluationBlock))) {
            throw TrainingError.invalid("a \(widths.map(String.init).joined(separator: "-")) network in minibatches of \(batch) \(problem)")
        }
        network = MultilayerPerceptron(inputSize: trainSet.pixelsPerImage, hiddenSizes: configuration.hiddenSizes,
                                       classCount: 10, activation: configuration.activation,
                                       batchCapacity: max(batch, evaluationBlock))
        rng = Xoshiro256(seed: configuration.seed)
        network.initialize(configuration.initialization, rng: &rng)
        let optimizer = configuration.optimizer.makeOptimizer(parameterCount: network.parameterCount)
        let (totalUpdates, overflow) = configuration.epochs.multipliedReportingOverflow(by: iterationsPerEpoch)
        let schedule = override ?? configuration.schedule.make(iterationsPerEpoch: iterationsPerEpoch,
                                                               totalUpdates: overflow ? Int.max : totalUpdates)
        update = ParameterUpdate(optimizer: optimizer, schedule: schedule,
                                 transforms: GradientTransforms(l1: configuration.optimizer.kind.ownsL1 ? 0 : configuration.l1, clipNorm: configuration.clipNorm,
                                                                noise: configuration.gradientNoise, seed: configuration.seed))
        order = (0..<Int32(trainSet.count)).map { $0 }
        batchInput = FloatBuffer(count: batch * trainSet.pixelsPerImage)
        batchLabels = [UInt8](repeating: 0, count: batch)
        evaluator = Evaluator(inputSize: trainSet.pixelsPerImage, blockSize: evaluationBlock)
        BLASThreads.set(configuration.threads)
    }

    /// Trains one epoch (`epoch` from 1) and evaluates. `progress(done, total)` is called after
    /// each minibatch. Throws `TrainingError.diverged` as soon as a minibatch cost is not finite.
    /// Returns nil when `shouldStop` interrupted the epoch.
    public func trainEpoch(_ epoch: Int, progress: ((Int, Int) -> Void)? = nil) throws -> EpochResult? {
        let start = monotonicSeconds()
        if batchesDone == 0 { rng.shuffle(&order) }
        let batchSize = min(configuration.batchSize, trainSet.count)
        let width = trainSet.pixelsPerImage
        var done = batchesDone
        var first = done * batchSize
        var costSum = 0.0
        while first < trainSet.count {
            let rows = min(batchSize, trainSet.count - first)
            let cost = trainStep(first: first, rows: rows, batchSize: batchSize, width: width, rate: &lastRate)
            if !cost.isFinite {
                throw TrainingError.diverged(epoch: epoch, iteration: update.updatesMade, cost: cost)
            }
            first += rows
            done += 1
            costSum += Double(cost)
            epochMeanCost = costSum / Double(done)
            progress?(done, iterationsPerEpoch)
            if shouldStop() {
                batchesDone = done
                return nil
            }
        }
        batchesDone = 0
        let trainingSeconds = monotonicSeconds() - start
        let train = evaluator.evaluate(network, on: trainSet, trackDeadUnits: true)
        let validation = validationSet.map { evaluate($0) }
        let test = evaluate(testSet)
        if !train.meanCost.isFinite {
            throw TrainingError.diverged(epoch: epoch, iteration: update.updatesMade, cost: train.meanCost)
        }
        update.plateau?.observe(cost: validation?.meanCost ?? train.meanCost)
        return EpochResult(epoch: epoch, epochs: configuration.epochs, iteration: update.updatesMade,
                           learningRate: lastRate, train: train, test: test, validation: validation,
                           seconds: monotonicSeconds() - start, trainingSeconds: trainingSeconds)
    }

    /// One update on the next minibatch, shuffling at the start of every epoch as
    /// `trainEpoch` does; returns the minibatch's loss from its forward pass before the
    /// update (a non-finite loss makes no update). Allocates nothing (lr-find's step).
    public func trainNextMinibatch() -> Double {
        if batchesDone == 0 { rng.shuffle(&order) }
        let batchSize = min(configuration.batchSize, trainSet.count)
        let first = batchesDone * batchSize
        let rows = min(batchSize, trainSet.count - first)
        let cost = trainStep(first: first, rows: rows, batchSize: batchSize, width: trainSet.pixelsPerImage, rate: &lastRate)
        batchesDone = first + rows >= trainSet.count ? 0 : batchesDone + 1
        return cost
    }

    /// One minibatch: gather and scale its pixels, backpropagate, update. Allocates nothing.
    @inline(__always)
    private func trainStep(first: Int, rows: Int, batchSize: Int, width: Int, rate: inout Double) -> Double {
        let cost = order.withUnsafeBufferPointer { order in
            trainSet.pixels.withUnsafeBufferPointer { pixels in
                batchLabels.withUnsafeMutableBufferPointer { labels in
                    let indices = order.baseAddress! + first
                    let next = first + rows
                    let upcoming = UnsafeBufferPointer(rebasing: order[next..<min(next + batchSize, order.count)])
                    PixelBatch.gather(pixels: pixels.baseAddress!, width: width, indices: indices, rows: rows,
                                      into: batchInput.pointer, prefetching: upcoming)
                    trainSet.labels.withUnsafeBufferPointer { allLabels in
                        for r in 0..<rows { labels[r] = allLabels[Int(indices[r])] }
                    }
                    return network.lossAndGradient(input: batchInput.pointer, labels: labels.baseAddress!, rows: rows)
                }
            }
        }
        if cost.isFinite {
            rate = update.apply(parameters: network.parameters, gradients: network.gradients)
        }
        return cost
    }

    public func evaluate(_ set: LabeledImages) -> Evaluation { evaluator.evaluate(network, on: set) }

    /// A warning when half or more of some hidden layer's units output zero for every training
    /// image: the network has collapsed (dead ReLUs), typically from too large a rate. Nil when
    /// every layer is healthy.
    /// For ftrl the rate is rarely the cause (README "Sparse models"): a large
    /// --initial-accumulator wipes out the initialisation on the first step, a large --l1
    /// zeroes whole layers; the advice says so instead of sending the user to smaller rates.
    public static func collapseWarning(_ result: EpochResult, learningRate: Double, optimizer: OptimizerSettings? = nil) -> String? {
        let collapsed = result.train.deadFractions.enumerated().filter { $0.element >= 0.5 }
        guard !collapsed.isEmpty else { return nil }
        let layers = collapsed.map { "layer \($0.offset + 1) \(Int(($0.element * 100).rounded()))%" }.joined(separator: ", ")
        var advice = "the network has collapsed: try a smaller --lr than \(formatCompact(learningRate))"
        if let optimizer, optimizer.kind == .ftrl {
            if optimizer.initialAccumulator > 1e-3 {
                advice = "the network has collapsed: for ftrl the cause is --initial-accumulator \(formatCompact(optimizer.initialAccumulator)), "
                    + "whose first step wipes out the initialisation: try --lr 0.03 --initial-accumulator 1e-4"
            } else if optimizer.l1 > 0 {
                // Zeroed units are what ftrl's L1 is for; only a falling accuracy is a collapse.
                advice = "ftrl's --l1 \(formatCompact(optimizer.l1)) zeroes whole units; if the accuracy falls, try a smaller --l1"
            }
        }
        return "warning: dead units — hidden \(layers) output zero for every training image; " + advice
    }
}

extension Evaluator {
    /// Evaluates `network` on a whole set of images (the MLP module knows no data sets).
    public func evaluate(_ network: MultilayerPerceptron, on set: LabeledImages, trackDeadUnits: Bool = false) -> Evaluation {
        set.pixels.withUnsafeBufferPointer { pixels in
            set.labels.withUnsafeBufferPointer { labels in
                evaluate(network, pixels: pixels.baseAddress!, labels: labels.baseAddress!, count: set.count,
                         trackDeadUnits: trackDeadUnits)
            }
        }
    }
}
