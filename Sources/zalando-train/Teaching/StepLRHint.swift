import Optimization
import Training
import Reports
import RunRecords
import Support

extension ScheduleOptions {
    /// PyTorch's StepLR habit, `--schedule step --drop-every 1000 --factor 0.5` (or torch's own
    /// names --step-size and --gamma): here `step` is the book's γ0/(⌊j/D⌋+1), so say which
    /// of our schedules is StepLR. Nil unless `step` is given one of those flags.
    var stepLRHint: String? {
        guard schedules == [.step] else { return nil }
        let foreign = [(factor != nil, "--factor"), (gamma != nil, "--gamma"), (stepSize != nil, "--step-size")]
        guard let flag = foreign.first(where: \.0)?.1 else { return nil }
        let f = (factor ?? gamma).map(formatCompact) ?? "f"
        let period = dropEvery ?? stepSize
        let d = period?.description ?? "D"
        let milestones: String, every: String
        switch period {
        case .iterations(let n)?: (milestones, every) = ("\(n),\(2 * n),…", "\(n) updates")
        case .epochs(let n)?: (milestones, every) = ("\(n)e,\(2 * n)e,…", "\(n) epochs")
        case nil: (milestones, every) = ("D,2D,…", "D updates")
        }
        return "\(flag) is not used by --schedule step, the book's γ0/(⌊j/D⌋+1); torch's StepLR (×\(f) every \(every)) is "
            + "--schedule exponential --decay-rate \(f) --decay-steps \(d) --staircase, or --schedule multistep --milestones \(milestones) --factor \(f)"
    }
}
