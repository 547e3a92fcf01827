#if canImport(Glibc)
import Glibc
#endif

/// Softmax and cross-entropy fused, numerically stable through log-sum-exp:
/// loss_i = log Σ_k exp(z_ik − max_i) − (z_iy − max_i), and ∂loss/∂z_ik = softmax_ik − [k = y].
enum SoftmaxCrossEntropy {
    /// Mean loss over `rows` examples; writes (softmax − onehot)/rows into `gradient` (the
    /// gradient of the mean) when it is given.
    static func loss(logits: UnsafePointer<Float>, labels: UnsafePointer<UInt8>, rows: Int, classes: Int,
                     gradient: UnsafeMutablePointer<Float>?) -> Double {
        var total = 0.0
        let scale = 1 / Float(rows)
        for r in 0..<rows {
            let z = logits + r * classes
            var maximum = z[0]
            for k in 1..<classes { maximum = max(maximum, z[k]) }
            var sum: Float = 0
            for k in 0..<classes { sum += expf(z[k] - maximum) }
            let label = Int(labels[r])
            let logSum = logf(sum)
            total += Double(logSum - (z[label] - maximum))
            if let gradient {
                let g = gradient + r * classes
                let inverse = 1 / sum
                for k in 0..<classes { g[k] = expf(z[k] - maximum) * inverse * scale }
                g[label] -= scale
            }
        }
        return total / Double(rows)
    }

    /// Sum of the per-example losses and the predicted class of each row (ties go to the
    /// lowest index, as torch.argmax).
    static func evaluate(logits: UnsafePointer<Float>, labels: UnsafePointer<UInt8>, rows: Int, classes: Int,
                         predictions: UnsafeMutablePointer<UInt8>) -> Double {
        var total = 0.0
        for r in 0..<rows {
            let z = logits + r * classes
            var maximum = z[0]
            var best = 0
            for k in 1..<classes where z[k] > maximum { maximum = z[k]; best = k }
            var sum: Float = 0
            for k in 0..<classes { sum += expf(z[k] - maximum) }
            total += Double(logf(sum) - (z[Int(labels[r])] - maximum))
            predictions[r] = UInt8(best)
        }
        return total
    }
}
