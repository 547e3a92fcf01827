import Support
#if canImport(Glibc)
import Glibc
#endif

/// Hidden-layer nonlinearities. Each derivative is written in terms of the layer's output A
/// (relu' = [A > 0], σ' = A(1 − A), tanh' = 1 − A²), so backpropagation keeps only A.
public enum Activation: String, CaseIterable, Sendable {
    case relu, sigmoid, tanh

    /// Z[rows×width] ← act(Z + bias), in place, one pass.
    func addBiasAndApply(_ z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width: Int) {
        switch self {
        case .relu:
            for r in 0..<rows {
                let row = z + r * width
                for c in 0..<width { row[c] = max(row[c] + bias[c], 0) }
            }
        case .sigmoid:
            for r in 0..<rows {
                let row = z + r * width
                for c in 0..<width { row[c] = 1 / (1 + expf(-(row[c] + bias[c]))) }
            }
        case .tanh:
            for r in 0..<rows {
                let row = z + r * width
                for c in 0..<width { row[c] = tanhf(row[c] + bias[c]) }
            }
        }
    }

    /// dA[count] ← dA ⊙ act'(A): turns the gradient with respect to the output into the
    /// gradient with respect to the pre-activation.
    func multiplyByDerivative(_ gradient: UnsafeMutablePointer<Float>, output a: UnsafePointer<Float>, count: Int) {
        switch self {
        case .relu:
            // A > 0 exactly where ReLU passed its input. Vectorised explicitly (the scalar loop
            // did not vectorise); the buffers are FloatBuffers, padded to whole vectors.
            let zero = FloatVector()
            let a = UnsafeMutablePointer(mutating: a)
            for i in stride(from: 0, to: count, by: FloatVector.scalarCount) {
                gradient.setVector(zero.replacing(with: gradient.vector(at: i), where: a.vector(at: i) .> zero), at: i)
            }
        case .sigmoid:
            for i in 0..<count { gradient[i] *= a[i] * (1 - a[i]) }
        case .tanh:
            for i in 0..<count { gradient[i] *= 1 - a[i] * a[i] }
        }
    }
}

/// Adds `bias` to every row of Z (the output layer, whose softmax is fused with the loss).
@inline(__always)
func addBias(_ z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width: Int) {
    for r in 0..<rows {
        let row = z + r * width
        for c in 0..<width { row[c] += bias[c] }
    }
}

/// db[width] = Σ over rows of dZ[rows×width].
@inline(__always)
func sumRows(_ dz: UnsafePointer<Float>, rows: Int, width: Int, into db: UnsafeMutablePointer<Float>) {
    db.update(repeating: 0, count: width)
    for r in 0..<rows {
        let row = dz + r * width
        for c in 0..<width { db[c] += row[c] }
    }
}
