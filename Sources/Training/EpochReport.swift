/// The per-epoch line:
/// `epoch  12/100  cost 0.3106  train 88.45%  test 86.03%  lr 1.00e-03  0.14s`
/// (with `val` accuracy before `test` when a validation set is held out).
public enum EpochReport {
    public static func line(_ r: EpochResult) -> String {
        let width = String(r.epochs).count
        var text = "epoch " + String(r.epoch).leftPadded(to: width + 1, with: " ") + "/\(r.epochs)"
        text += "  cost " + formatFixed(r.train.meanCost, digits: 4)
        text += "  train " + percent(r.train.accuracy)
        if let validation = r.validation { text += "  val " + percent(validation.accuracy) }
        text += "  test " + percent(r.test.accuracy)
        text += "  lr " + formatScientific(r.learningRate, digits: 2)
        text += "  " + formatFixed(r.seconds, digits: 2) + "s"
        return text
    }

    static func percent(_ fraction: Double) -> String { formatFixed(fraction * 100, digits: 2) + "%" }
}

extension String {
    func leftPadded(to width: Int, with pad: Character) -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
    func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
