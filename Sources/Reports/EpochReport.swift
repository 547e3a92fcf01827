import Support
import Training

/// The per-epoch line:
/// `epoch  12/100  cost 0.3106  train 88.45%  test 86.03%  lr 1.00e-03  0.14s`
/// (with `val` accuracy before `test` when a validation set is held out; then one space
/// between fields, to stay within 80 columns).
public enum EpochReport {
    public static func line(_ r: EpochResult) -> String {
        let width = String(r.epochs).count
        var fields = ["epoch " + String(r.epoch).leftPadded(to: width + 1, with: " ") + "/\(r.epochs)"]
        fields.append("cost " + formatFixed(r.train.meanCost, digits: 4))
        fields.append("train " + percent(r.train.accuracy))
        if let validation = r.validation { fields.append("val " + percent(validation.accuracy)) }
        fields.append("test " + percent(r.test.accuracy))
        fields.append("lr " + formatScientific(r.learningRate, digits: 2))
        fields.append(formatFixed(r.seconds, digits: 2) + "s")
        // Two spaces between fields, one when that would pass 80 columns (with --validation).
        let spaced = fields.joined(separator: "  ")
        return spaced.count <= 80 ? spaced : fields.joined(separator: " ")
    }

    static func percent(_ fraction: Double) -> String { formatFixed(fraction * 100, digits: 2) + "%" }
}
