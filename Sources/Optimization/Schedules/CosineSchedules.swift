import Foundation

/// Keras CosineDecay (no warmup): γ0 ((1 − α) · ½(1 + cos(π · min(j, s)/s)) + α).
public struct CosineDecaySchedule: LearningRateSchedule {
    public let initialRate: Double
    public let decaySteps: Int
    public let alpha: Double
    public func rate(at j: Int) -> Double {
        let fraction = Double(min(j, decaySteps)) / Double(decaySteps)
        let cosine = 0.5 * (1 + cos(Double.pi * fraction))
        return initialRate * ((1 - alpha) * cosine + alpha)
    }
}

/// SGDR, warm restarts (Loshchilov & Hutter 2017), as Keras CosineDecayRestarts: period i lasts
/// s·t_mulⁱ updates and peaks at γ0·m_mulⁱ; the floor is γ0·α in every period.
public struct CosineRestartsSchedule: LearningRateSchedule {
    public let initialRate: Double
    public let firstDecaySteps: Int
    public let tMul: Double
    public let mMul: Double
    public let alpha: Double

    public func rate(at j: Int) -> Double {
        var fraction = Double(j) / Double(firstDecaySteps)
        let restart: Double
        if tMul == 1 {
            restart = fraction.rounded(.down)
            fraction -= restart
        } else {
            restart = (log(1 - fraction * (1 - tMul)) / log(tMul)).rounded(.down)
            let completed = (1 - pow(tMul, restart)) / (1 - tMul)
            fraction = (fraction - completed) / pow(tMul, restart)
        }
        let cosine = 0.5 * pow(mMul, restart) * (1 + cos(Double.pi * fraction))
        return initialRate * ((1 - alpha) * cosine + alpha)
    }
}
