import RunRecords
@testable import zalando_train

/// The run's id as train's own parser computes it (independently of the sweep's folder names).
func runID(_ arguments: [String]) throws -> String {
    let train = try Train.parse(arguments)
    let c = train.trainingConfiguration
    return RunIdentity(configuration: c, iterationsPerEpoch: c.nominalIterationsPerEpoch).runID
}
