import Foundation
import Testing

/// scipy's Student-t quantiles, the truth compare's intervals are checked against (the committed
/// golden Tests/Goldens/student-t/quantiles.csv, made by scripts/golden_student_t.py).
enum StudentTGolden {
    static let path = TestPaths.packageRoot.appendingPathComponent("Tests/Goldens/student-t/quantiles.csv").path

    /// (ν, p, scipy.stats.t.ppf(p, ν)), every line of the golden.
    static func cases() throws -> [(nu: Double, p: Double, quantile: Double)] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") && !$0.hasPrefix("degrees") }
            .map { line in
                let f = line.split(separator: ",").compactMap { Double($0) }
                try #require(f.count == 3, "\(path): \(line)")
                return (f[0], f[1], f[2])
            }
    }

    /// scipy's t(0.975, ν) for a whole ν.
    static func t975(_ nu: Int) throws -> Double {
        try #require(try cases().first { $0.nu == Double(nu) && $0.p == 0.975 }?.quantile, "no t(0.975, \(nu)) in \(path)")
    }
}
