import Foundation
import Support

/// The book's two-parameter problem: fit y ≈ w·x + b by minimising
/// J(w, b) = (1/m) Σ (w·xᵢ + b − yᵢ)² with full-batch gradient descent, to watch an optimizer's
/// path in the (w, b) plane.
public struct PathProblem: Sendable {
    public let x: [Double]
    public let y: [Double]

    public init(x: [Double], y: [Double]) throws {
        guard x.count == y.count, !x.isEmpty else { throw FileProblem(path: "--data", line: 0, problem: "needs at least one x,y row") }
        self.x = x
        self.y = y
    }

    public func cost(w: Double, b: Double) -> Double {
        var sum = 0.0
        for i in 0..<x.count { let r = w * x[i] + b - y[i]; sum += r * r }
        return sum / Double(x.count)
    }

    /// (∂J/∂w, ∂J/∂b) = (2/m) Σ rᵢ (xᵢ, 1).
    public func gradient(w: Double, b: Double) -> (w: Double, b: Double) {
        var gw = 0.0, gb = 0.0
        for i in 0..<x.count {
            let r = w * x[i] + b - y[i]
            gw += r * x[i]
            gb += r
        }
        let scale = 2 / Double(x.count)
        return (gw * scale, gb * scale)
    }

    /// Built-in data whose least-squares minimum is exactly w = 0.5, b = 2.0: 21 points on
    /// x ∈ [0, 2] around that line, with deterministic noise made orthogonal to 1 and x so it
    /// does not move the minimum.
    public static let builtIn: PathProblem = {
        let x = (0...20).map { Double($0) / 10 }
        var noise = (0...20).map { 0.3 * sin(1.7 * Double($0) + 0.5) }
        // Remove the noise's projection on span{1, x} (Gram–Schmidt).
        let mean = noise.reduce(0, +) / Double(noise.count)
        noise = noise.map { $0 - mean }
        let xMean = x.reduce(0, +) / Double(x.count)
        let centeredX = x.map { $0 - xMean }
        let projection = zip(noise, centeredX).map(*).reduce(0, +) / centeredX.map { $0 * $0 }.reduce(0, +)
        noise = zip(noise, centeredX).map { $0 - projection * $1 }
        let y = zip(x, noise).map { 0.5 * $0 + 2.0 + $1 }
        return try! PathProblem(x: x, y: y)
    }()

    /// Reads a CSV file with header `x,y`.
    public static func read(csv path: String) throws -> PathProblem {
        let bytes = try readFileContents(path, limit: 256 << 20, what: "an x,y CSV file")
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FileProblem(path: path, problem: "is not UTF-8 text") }
        var xs: [Double] = [], ys: [Double] = []
        // In Swift "\r\n" is one Character, not "\r" then "\n": a file saved with CRLF line
        // ends (Windows, Excel) was one long line whose "header" was the whole file.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (index, line) in lines.enumerated() {
            if index == 0 {
                guard line.replacingOccurrences(of: " ", with: "") == "x,y" else {
                    throw FileProblem(path: path, line: 1, problem: "header must be x,y")
                }
                continue
            }
            if line.allSatisfy({ $0 == " " }) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 2,
                  let x = Double(fields[0].trimmingCharacters(in: .whitespaces)),
                  let y = Double(fields[1].trimmingCharacters(in: .whitespaces)), x.isFinite, y.isFinite else {
                throw FileProblem(path: path, line: index + 1, problem: "expected two finite numbers x,y, got \"\(line.prefix(60))\"")
            }
            xs.append(x); ys.append(y)
        }
        guard !xs.isEmpty else { throw FileProblem(path: path, line: lines.count, problem: "holds no data rows") }
        return try PathProblem(x: xs, y: ys)
    }

    public struct Row: Sendable {
        public let iteration: Int
        public let learningRate: Double
        public let w: Double
        public let b: Double
        public let cost: Double
    }

    /// Row 0 is the start (rate 0); row k is the state after k updates with the rate used for
    /// update k. The same update code as training (Float32 parameters). `l1` is added to the
    /// gradient except for ftrl, whose L1 is `optimizer.l1`, applied in its proximal step.
    public func run(optimizer: OptimizerSettings, schedule: ScheduleSettings, l1: Double = 0, clipNorm: Double? = nil,
                    gradientNoise: Double = 0, seed: UInt64 = 1, iterations: Int, start: (w: Double, b: Double)) -> [Row] {
        var rows: [Row] = []
        _ = walk(optimizer: optimizer, schedule: schedule, l1: l1, clipNorm: clipNorm, gradientNoise: gradientNoise,
                 seed: seed, iterations: iterations, start: start) { rows.append($0); return true }
        return rows
    }

    /// The same path, one row at a time and in constant memory: `row` gets rows 0, 1, … and
    /// returns false to stop early (the reader went away). Stops before a row whose w, b or
    /// cost is NaN or infinite and returns that row (its iteration is the update that
    /// diverged); nil when every row was finite.
    public func walk(optimizer: OptimizerSettings, schedule: ScheduleSettings, l1: Double = 0, clipNorm: Double? = nil,
                     gradientNoise: Double = 0, seed: UInt64 = 1, iterations: Int, start: (w: Double, b: Double),
                     row: (Row) throws -> Bool) rethrows -> Row? {
        let parameters = FloatBuffer([Float(start.w), Float(start.b)])
        let gradients = FloatBuffer(count: 2)
        var update = ParameterUpdate(optimizer: optimizer.makeOptimizer(parameterCount: 2),
                                     schedule: schedule.make(iterationsPerEpoch: 1, totalUpdates: iterations),
                                     transforms: GradientTransforms(l1: optimizer.kind.ownsL1 ? 0 : l1, clipNorm: clipNorm, noise: gradientNoise, seed: seed))
        func current(_ k: Int, _ rate: Double) -> Row {
            let w = Double(parameters[0]), b = Double(parameters[1])
            return Row(iteration: k, learningRate: rate, w: w, b: b, cost: cost(w: w, b: b))
        }
        var k = 0
        var rate = 0.0
        while true {
            let state = current(k, rate)
            guard state.w.isFinite, state.b.isFinite, state.cost.isFinite else { return state }
            guard try row(state), k < iterations else { return nil }
            let g = gradient(w: state.w, b: state.b)
            gradients[0] = Float(g.w)
            gradients[1] = Float(g.b)
            rate = update.apply(parameters: parameters, gradients: gradients)
            k += 1
        }
    }
}

