import Support

/// Where one dense layer's weights W [outputs × inputs] (row-major, torch.nn.Linear's layout)
/// and bias b [outputs] live inside the flat parameter buffer.
public struct DenseLayer: Sendable, Equatable {
    public let inputs: Int
    public let outputs: Int
    public let weightOffset: Int
    public var biasOffset: Int { weightOffset + inputs * outputs }
    public var parameterCount: Int { inputs * outputs + outputs }
}

/// A multilayer perceptron: dense layers with one hidden activation, softmax output fused with
/// the cross-entropy cost. All parameters live in one flat Float32 buffer (layer by layer: W,
/// then b); gradients mirror that layout, so an optimizer is one loop over `parameterCount`.
/// Workspaces are allocated once for `batchCapacity` rows: a training step allocates nothing.
public final class MultilayerPerceptron: @unchecked Sendable {
    public let inputSize: Int
    public let hiddenSizes: [Int]
    public let classCount: Int
    public let activation: Activation
    public let layers: [DenseLayer]
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    public let batchCapacity: Int
    public var parameterCount: Int { parameters.count }
    /// Every layer's width, input to output: "784-20-20-20-20-10".
    public var widthsDescription: String {
        ([inputSize] + hiddenSizes + [classCount]).map(String.init).joined(separator: "-")
    }

    /// Hidden-layer outputs A_l [batchCapacity × width_l], kept for backpropagation.
    private let hiddenOutputs: [FloatBuffer]
    private let logits: FloatBuffer
    /// Ping-pong buffers for ∂cost/∂Z while walking back through the layers.
    private let deltaA: FloatBuffer
    private let deltaB: FloatBuffer

    public init(inputSize: Int, hiddenSizes: [Int], classCount: Int, activation: Activation, batchCapacity: Int) {
        precondition(inputSize > 0 && classCount > 1 && batchCapacity > 0 && hiddenSizes.allSatisfy { $0 > 0 })
        self.inputSize = inputSize
        self.hiddenSizes = hiddenSizes
        self.classCount = classCount
        self.activation = activation
        self.batchCapacity = batchCapacity
        let widths = [inputSize] + hiddenSizes + [classCount]
        var layers: [DenseLayer] = []
        var offset = 0
        for l in 0..<(widths.count - 1) {
            let layer = DenseLayer(inputs: widths[l], outputs: widths[l + 1], weightOffset: offset)
            layers.append(layer)
            offset += layer.parameterCount
        }
        self.layers = layers
        parameters = FloatBuffer(count: offset)
        gradients = FloatBuffer(count: offset)
        hiddenOutputs = hiddenSizes.map { FloatBuffer(count: batchCapacity * $0) }
        logits = FloatBuffer(count: batchCapacity * classCount)
        let widest = widths.dropFirst().max()!
        deltaA = FloatBuffer(count: batchCapacity * widest)
        deltaB = FloatBuffer(count: batchCapacity * widest)
    }

    /// Weights by `scheme`, biases zero.
    public func initialize(_ scheme: Initialization, rng: inout Xoshiro256) {
        parameters.fill(0)
        for layer in layers {
            scheme.fill(parameters.pointer + layer.weightOffset, fanIn: layer.inputs, fanOut: layer.outputs, rng: &rng)
        }
    }

    /// Z_l = A_{l−1} W_lᵀ + b_l, A_l = act(Z_l) for the hidden layers; leaves the output layer's
    /// Z in `logits`. `input` is rows × inputSize.
    private func forward(_ input: UnsafePointer<Float>, rows: Int) {
        precondition(rows <= batchCapacity)
        let p = parameters.pointer
        for (l, layer) in layers.enumerated() {
            let source = l == 0 ? input : UnsafePointer(hiddenOutputs[l - 1].pointer)
            let isOutput = l == layers.count - 1
            let target = isOutput ? logits.pointer : hiddenOutputs[l].pointer
            // [rows × in] · [out × in]ᵀ → [rows × out]
            Matrix.gemm(transposeA: false, transposeB: true, m: rows, n: layer.outputs, k: layer.inputs,
                        a: source, lda: layer.inputs, b: p + layer.weightOffset, ldb: layer.inputs,
                        c: target, ldc: layer.outputs)
            if isOutput {
                addBias(target, bias: p + layer.biasOffset, rows: rows, width: layer.outputs)
            } else {
                activation.addBiasAndApply(target, bias: p + layer.biasOffset, rows: rows, width: layer.outputs)
            }
        }
    }

    /// One minibatch: forward, mean cross-entropy, and backpropagation of its gradient into
    /// `gradients` (overwritten). Returns the minibatch's mean cost.
    @discardableResult
    public func lossAndGradient(input: UnsafePointer<Float>, labels: UnsafePointer<UInt8>, rows: Int) -> Double {
        forward(input, rows: rows)
        var delta = deltaA.pointer
        var spare = deltaB.pointer
        let cost = SoftmaxCrossEntropy.loss(logits: logits.pointer, labels: labels, rows: rows,
                                            classes: classCount, gradient: delta)
        let p = parameters.pointer
        let g = gradients.pointer
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[l]
            let source = l == 0 ? input : UnsafePointer(hiddenOutputs[l - 1].pointer)
            // ∂W = δᵀ A_{l−1}: [out × rows] · [rows × in] → [out × in]
            Matrix.gemm(transposeA: true, transposeB: false, m: layer.outputs, n: layer.inputs, k: rows,
                        a: delta, lda: layer.outputs, b: source, ldb: layer.inputs,
                        c: g + layer.weightOffset, ldc: layer.inputs)
            sumRows(delta, rows: rows, width: layer.outputs, into: g + layer.biasOffset)
            if l > 0 {
                // ∂A_{l−1} = δ W: [rows × out] · [out × in] → [rows × in], then through act'.
                Matrix.gemm(transposeA: false, transposeB: false, m: rows, n: layer.inputs, k: layer.outputs,
                            a: delta, lda: layer.outputs, b: p + layer.weightOffset, ldb: layer.inputs,
                            c: spare, ldc: layer.inputs)
                activation.multiplyByDerivative(spare, output: hiddenOutputs[l - 1].pointer, count: rows * layer.inputs)
                swap(&delta, &spare)
            }
        }
        return cost
    }

    /// Forward pass over a block for evaluation: returns the sum of the per-example losses,
    /// writes predictions, and raises `peakOutputs[unit]` to the largest |output| of each hidden
    /// unit (all hidden layers, concatenated); a unit whose peak stays 0 is dead.
    public func evaluateBlock(input: UnsafePointer<Float>, labels: UnsafePointer<UInt8>, rows: Int,
                              predictions: UnsafeMutablePointer<UInt8>, peakOutputs: UnsafeMutablePointer<Float>?) -> Double {
        forward(input, rows: rows)
        if let peakOutputs {
            var offset = 0
            for (l, width) in hiddenSizes.enumerated() {
                let a = hiddenOutputs[l].pointer
                let peak = peakOutputs + offset
                for r in 0..<rows {
                    let row = a + r * width
                    for u in 0..<width { peak[u] = max(peak[u], abs(row[u])) }
                }
                offset += width
            }
        }
        return SoftmaxCrossEntropy.evaluate(logits: logits.pointer, labels: labels, rows: rows,
                                            classes: classCount, predictions: predictions)
    }

    /// The outputs of the last forward pass (logits), rows × classCount: for tests.
    public func lastLogits(rows: Int) -> [Float] { Array(UnsafeBufferPointer(start: logits.pointer, count: rows * classCount)) }
}
