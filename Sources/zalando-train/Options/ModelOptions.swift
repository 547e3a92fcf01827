import ArgumentParser
import MLP

struct ModelOptions: ParsableArguments {
    @Option(help: "Hidden layer sizes, comma-separated.")
    var hidden: CommaList<Int> = CommaList([20, 20, 20, 20])
    @Option(help: "Hidden activation.")
    var activation: Activation = .relu
    @Option(name: .customLong("init"), help: "Weight initialisation (default: he for relu, xavier otherwise).")
    var initialization: Initialization?

    func validate() throws {
        for size in hidden.items where size < 1 || size > 65536 {
            throw ValidationError("--hidden \(hidden.defaultValueDescription): layer sizes must be between 1 and 65536")
        }
    }
}
