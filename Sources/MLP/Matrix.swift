import Support
import CBLAS

/// Row-major single-precision matrix products through OpenBLAS. Transposes go through the
/// BLAS flags; nothing is copied.
enum Matrix {
    /// C[m×n] = α · op(A) · op(B) + β · C, all row-major; `lda`, `ldb`, `ldc` are row strides.
    @inline(__always)
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}

/// OpenBLAS's thread pool size. One thread is fastest for the default model's small matrices.
public enum BLASThreads {
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(count)) }
    public static var current: Int { Int(openblas_get_num_threads()) }
}
