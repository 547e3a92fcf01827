/// What the option groups shared by train, lr and path say in each command's --help: each
/// command describes only its own behaviour (`lr` requires --lr; only `path` takes a comma
/// list of optimizers).
protocol CommandHelp {
    static var learningRate: String { get }
    static var schedule: String { get }
    static var optimizer: String { get }
}

enum TrainHelp: CommandHelp {
    static let learningRate = "Initial learning rate γ0 (default: the optimizer's; see the optimizer table above)."
    static let schedule = "Learning-rate schedule (see the schedule table above)."
    static let optimizer = "Optimizer (see the optimizer table above)."
}

enum LearningRateHelp: CommandHelp {
    static let learningRate = "Initial learning rate γ0 (required; piecewise: default v0)."
    static let schedule = "Learning-rate schedule; a comma list prints several side by side (see the table above)."
    static let optimizer = ""
}

enum PathHelp: CommandHelp {
    static let learningRate = "Initial learning rate γ0, or one per optimizer (default: each optimizer's; see the optimizer table above)."
    static let schedule = "Learning-rate schedule (see the schedule table above)."
    static let optimizer = "Optimizer; a comma list runs several from the same start (see the optimizer table above)."
}
