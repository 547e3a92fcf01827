import Foundation
import IDXData
import MLP
import Optimization
import Reports
import RunRecords
import Support
import Testing
import Training
@testable import TestSupport

/// Real data, in CI: the quality bars of the Training and Optimizers issues.
@Suite(.enabled(if: RealData.available("fashion") && RealData.available("mnist")))
struct TrainingQualityTests {
    static let fashion: Dataset? = try? Dataset.load(.fashion, from: TestPaths.dataDirectory("fashion"))
    static let mnist: Dataset? = try? Dataset.load(.mnist, from: TestPaths.dataDirectory("mnist"))

    static func train(_ configuration: TrainingConfiguration, on dataset: Dataset) throws -> [EpochResult] {
        let trainer = try Trainer(configuration: configuration, dataset: dataset)
        return try (1...configuration.epochs).map { try #require(try trainer.trainEpoch($0)) }
    }

    static func configuration(_ kind: OptimizerKind, lr: Double, epochs: Int, schedule: ScheduleSettings? = nil,
                              settings: OptimizerSettings? = nil) -> TrainingConfiguration {
        var c = TrainingConfiguration(optimizer: settings ?? OptimizerSettings(kind: kind),
                                      schedule: schedule ?? ScheduleSettings(kind: .constant, initialRate: lr))
        c.epochs = epochs
        return c
    }

    @Test func adamOnFashionReaches82PercentIn3Epochs() throws {
        let data = try #require(Self.fashion)
        let results = try Self.train(Self.configuration(.adam, lr: 0.001, epochs: 3), on: data)
        #expect(results.last!.test.accuracy >= 0.82, "test accuracy \(results.last!.test.accuracy)")
        #expect(results.last!.iteration == 3600)
        #expect(results.map(\.train.meanCost) == results.map(\.train.meanCost).sorted(by: >), "the cost falls every epoch")
    }

    @Test func sgdOnMNISTReaches93PercentIn3Epochs() throws {
        let data = try #require(Self.mnist)
        var c = Self.configuration(.sgd, lr: 0.1, epochs: 3)
        c.dataset = .mnist
        let results = try Self.train(c, on: data)
        #expect(results.last!.test.accuracy >= 0.93, "test accuracy \(results.last!.test.accuracy)")
    }

    /// Every optimizer, at the rate (and flags) its help recommends, reaches 75% on Fashion
    /// within 5 epochs.
    @Test(arguments: OptimizerKind.allCases)
    func recommendedRateTrains(_ kind: OptimizerKind) throws {
        let data = try #require(Self.fashion)
        let results = try Self.train(Self.configuration(kind, lr: kind.recommendedLearningRate, epochs: 5,
                                                        settings: .recommended(kind)), on: data)
        let best = results.map(\.test.accuracy).max()!
        #expect(best >= 0.75, "\(kind) at lr \(kind.recommendedLearningRate): best test accuracy \(best)")
    }

    /// Every schedule runs an epoch with a finite cost, and its rate is what the schedule says.
    @Test(arguments: ScheduleKind.allCases)
    func everyScheduleRunsAnEpoch(_ kind: ScheduleKind) throws {
        let data = try #require(Self.fashion)
        var s = ScheduleSettings(kind: kind, initialRate: 0.001)
        s.boundaries = [.iterations(600)]; s.values = [0.001, 0.0005]; s.dropEvery = .iterations(300)
        s.milestones = [.iterations(600)]; s.decayRate = 0.5; s.decaySteps = .iterations(400)
        s.maxRate = 0.003; s.stepSize = .iterations(200); s.patience = 1
        var c = Self.configuration(.adam, lr: 0.001, epochs: 1, schedule: s)
        c.validation = kind == .plateau ? 5000 : 0
        let result = try #require(try Self.train(c, on: data).first)
        #expect(result.train.meanCost.isFinite && result.test.meanCost.isFinite)
        #expect(result.test.accuracy > 0.5)
        let expectedLast = s.make(iterationsPerEpoch: result.iteration).rate(at: result.iteration - 1)
        #expect(result.learningRate == expectedLast)
    }

    @Test func batchSizesOneAndFullSetWork() throws {
        let data = try #require(Self.mnist)
        var full = Self.configuration(.adam, lr: 0.01, epochs: 2)
        full.batchSize = 60000
        let fullResults = try Self.train(full, on: data)
        #expect(fullResults.map(\.iteration) == [1, 2])
        #expect(fullResults[1].train.meanCost < fullResults[0].train.meanCost)

        var partial = Self.configuration(.sgd, lr: 0.1, epochs: 1)
        partial.batchSize = 7000  // 8 full batches and a last one of 4000
        #expect(try Self.train(partial, on: data).first?.iteration == 9)

        var single = Self.configuration(.sgd, lr: 0.01, epochs: 1)
        single.batchSize = 1
        let singleResult = try #require(try Self.train(single, on: data).first)
        #expect(singleResult.iteration == 60000)
        #expect(singleResult.test.accuracy > 0.85)
    }

    @Test func validationHoldsOutTheLastImages() throws {
        let data = try #require(Self.fashion)
        var c = Self.configuration(.adam, lr: 0.001, epochs: 1)
        c.validation = 10000
        let trainer = try Trainer(configuration: c, dataset: data)
        #expect(trainer.trainSet.count == 50000 && trainer.validationSet?.count == 10000)
        let validation = try #require(trainer.validationSet)
        #expect(Array(validation.labels) == Array(data.train.labels.suffix(10000)))
        #expect(Array(validation.pixels) == Array(data.train.pixels.suffix(10000 * 784)))
        #expect(Array(trainer.trainSet.pixels) == Array(data.train.pixels.prefix(50000 * 784)))
        let result = try #require(try trainer.trainEpoch(1))
        #expect(result.iteration == 1000)
        #expect(result.validation?.count == 10000)
        // The held-out images are evaluated from the shared storage, not from the first 10,000.
        let direct = trainer.evaluate(LabeledImages(pixels: Array(validation.pixels), labels: Array(validation.labels),
                                                    rows: 28, columns: 28))
        #expect(result.validation?.meanCost == direct.meanCost && result.validation?.correct == direct.correct)
    }
}

/// The training step allocates nothing: a malloc-counting LD_PRELOAD library (compiled here
/// with cc) sees as many allocations in an epoch of 600 updates as in one of 2,400; one
/// allocation per step would add at least 1,800. The counter is scripts/count_malloc.c.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/cc") && RealData.available("mnist")))
struct AllocationTests {
    static let library: URL? = {
        let dir = TestPaths.temporaryDirectory()
        let source = TestPaths.packageRoot.appendingPathComponent("scripts/count_malloc.c")
        let library = dir.appendingPathComponent("count_malloc.so")
        guard let result = try? runProcess("/usr/bin/cc", ["-O2", "-shared", "-fPIC", source.path, "-o", library.path, "-ldl"]),
              result.status == 0 else { return nil }
        return library
    }()

    /// One short run first, so the data set's checksum cache exists before anything is counted:
    /// the run that hashes the files allocates more than one that reads the cache, and which
    /// measured run came first would otherwise decide the difference.
    static let checksumCacheWarmed: Bool = {
        (try? runTool(["--dataset", "mnist", "--data-dir", TestPaths.dataDirectory("mnist"), "--epochs", "1",
                       "--batch-size", "60000"]))?.status == 0
    }()

    static func mallocCalls(batchSize: Int, optimizer: [String] = ["--optimizer", "adam"]) throws -> Int {
        let library = try #require(Self.library, "could not build the malloc counter")
        #expect(Self.checksumCacheWarmed, "the warm-up run failed")
        let result = try runTool(["--dataset", "mnist", "--data-dir", TestPaths.dataDirectory("mnist"), "--epochs", "1",
                                  "--batch-size", String(batchSize)] + optimizer,
                                 environment: ["LD_PRELOAD": library.path])
        #expect(result.status == 0)
        let line = try #require(result.stderr.split(separator: "\n").last { $0.hasPrefix("malloc calls: ") })
        return try #require(Int(line.dropFirst("malloc calls: ".count)))
    }

    @Test func trainingStepAllocatesNothing() throws {
        let fewerUpdates = try Self.mallocCalls(batchSize: 100)   // 600 updates
        let moreUpdates = try Self.mallocCalls(batchSize: 25)     // 2400 updates
        #expect(fewerUpdates > 1000, "the counter must see the run's setup allocations")
        // A few allocations vary with timing (runtime and thread start-up), never with the
        // number of updates.
        #expect(abs(moreUpdates - fewerUpdates) < 20, "600 updates: \(fewerUpdates) mallocs, 2400 updates: \(moreUpdates)")
    }
}
