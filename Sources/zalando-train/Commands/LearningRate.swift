import ArgumentParser
import Optimization
import Training

struct LearningRate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lr",
        abstract: "Print a learning-rate schedule, iteration by iteration (CSV iteration,lr), without training.")

    @OptionGroup(title: "Learning rate and schedule") var schedule: ScheduleOptions
    @Option(help: "Number of iterations to print (j = 0…N−1).")
    var iterations: Int
    @Option(name: .customLong("iterations-per-epoch"), help: "Updates per epoch, for durations in epochs (5e).")
    var iterationsPerEpoch = 1200
    @Flag(help: "Print the start and end rates and when the rate falls below γ0/10, /100, /1000 instead.")
    var summary = false

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations \(iterations): must be at least 1") }
        guard iterationsPerEpoch >= 1 else { throw ValidationError("--iterations-per-epoch \(iterationsPerEpoch): must be at least 1") }
        if schedule.learningRate == nil && schedule.schedule != .piecewise {
            throw ValidationError("--lr is required (the initial rate γ0)")
        }
        try schedule.validate(iterationsPerEpoch: iterationsPerEpoch)
    }

    func run() throws {
        let γ0 = schedule.initialRate(fallback: 0.01)
        let built = schedule.settings(initialRate: γ0).make(iterationsPerEpoch: iterationsPerEpoch)
        if summary {
            for line in ScheduleSummary.lines(schedule: built, initialRate: γ0, iterations: iterations,
                                              iterationsPerEpoch: iterationsPerEpoch) {
                print(line)
            }
            return
        }
        var out = "iteration,lr\n"
        out.reserveCapacity(iterations * 24)
        for j in 0..<iterations { out += "\(j),\(built.rate(at: j))\n" }
        print(out, terminator: "")
    }
}
