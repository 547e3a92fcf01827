import Support

/// Weight initialisation; biases start at zero.
public enum Initialization: String, CaseIterable, Sendable {
    /// He et al. 2015 (torch.nn.init.kaiming_normal_, fan_in): N(0, 2/fan_in), for ReLU.
    case he
    /// Glorot & Bengio 2010 (torch.nn.init.xavier_uniform_): U(±√(6/(fan_in + fan_out))),
    /// for sigmoid and tanh.
    case xavier

    /// The usual choice for an activation: He for ReLU, Xavier otherwise.
    public static func recommended(for activation: Activation) -> Initialization {
        activation == .relu ? .he : .xavier
    }

    func fill(_ weights: UnsafeMutablePointer<Float>, fanIn: Int, fanOut: Int, rng: inout Xoshiro256) {
        let count = fanIn * fanOut
        switch self {
        case .he:
            let std = (2.0 / Double(fanIn)).squareRoot()
            for i in 0..<count { weights[i] = Float(rng.nextGaussian() * std) }
        case .xavier:
            let bound = (6.0 / Double(fanIn + fanOut)).squareRoot()
            for i in 0..<count { weights[i] = Float((2 * rng.nextUniform() - 1) * bound) }
        }
    }
}
