/// Near misses of a typed name among the valid ones: what a "did you mean" offers.
enum Suggestions {
    /// Candidates within a small edit distance of `typed` (1, or 2 for names of 8 letters or
    /// more; case ignored), then candidates that start with it (`exp` → exponential), at most
    /// three. Nothing when nothing is close: `--quiet` gets no suggestion rather than a wrong one.
    static func nearMisses(of typed: String, in candidates: [String]) -> [String] {
        let word = typed.lowercased()
        guard !word.isEmpty else { return [] }
        let limit = word.count >= 8 ? 2 : 1
        let close = candidates
            .map { (name: $0, distance: distance(word, $0.lowercased())) }
            .filter { $0.distance <= limit && $0.distance < $0.name.count }
            .sorted { $0.distance < $1.distance }
            .map(\.name)
        let prefixed = word.count >= 2 ? candidates.filter { $0.lowercased().hasPrefix(word) && !close.contains($0) } : []
        return Array((close + prefixed).prefix(3))
    }

    /// "did you mean exponential?", "did you mean a or b?"; nil without suggestions.
    static func didYouMean(_ typed: String, in candidates: [String], prefix: String = "") -> String? {
        let found = nearMisses(of: typed, in: candidates).map { prefix + $0 }
        guard let last = found.last else { return nil }
        return "did you mean " + (found.count == 1 ? last : found.dropLast().joined(separator: ", ") + " or " + last) + "?"
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    /// neighbours (`tnah` → tanh) each cost one.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
