import Foundation

/// torch.optim.lr_scheduler.CyclicLR (Smith 2017), rate only (no momentum cycling), stepped per
/// update, step_size_up = step_size_down = s:
///   cycle = ⌊1 + j/2s⌋, x = 1 + j/2s − cycle, scale = x/½ rising or (x − 1)/(½ − 1) falling,
///   rate = γ0 + (max − γ0) · scale · f, f = 1 (triangular), 1/2^(cycle−1) (triangular2),
///   γ^j (exp-range).
public struct CyclicSchedule: LearningRateSchedule {
    public let baseRate: Double
    public let maxRate: Double
    public let stepSize: Int
    public let mode: CyclicMode
    public let gamma: Double

    public func rate(at j: Int) -> Double {
        let total = 2 * Double(stepSize)  // in Double: 2·s cannot overflow
        let stepRatio = Double(stepSize) / total
        let cycle = (1 + Double(j) / total).rounded(.down)
        let x = 1 + Double(j) / total - cycle
        let scale = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1)
        let height = (maxRate - baseRate) * scale
        switch mode {
        case .triangular: return baseRate + height
        case .triangular2: return baseRate + height * (1 / pow(2, cycle - 1))
        case .expRange: return baseRate + height * pow(gamma, Double(j))
        }
    }
}
