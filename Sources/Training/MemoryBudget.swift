#if canImport(Glibc)
import Glibc
#endif
import Support

/// What a network of given widths costs in memory, computed before allocating it, and the
/// machine's physical memory to compare with: `--hidden 65536,65536` (4.3 billion parameters)
/// or a model file whose metadata claims 2³⁶ weights is refused with one line instead of
/// dying in the allocator.
public enum MemoryBudget {
    /// Physical memory of this machine (sysconf _SC_PHYS_PAGES × page size); nil if unknown.
    public static var physicalBytes: Int? {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return nil }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
        return overflow ? Int.max : bytes
    }

    /// Weights and biases of an MLP with these widths (input, hidden…, output); nil on overflow.
    public static func parameterCount(widths: [Int]) -> Int? {
        var total = 0
        for (inputs, outputs) in zip(widths, widths.dropFirst()) {
            guard let weights = multiply(inputs, outputs), let sum = add(total, weights, outputs) else { return nil }
            total = sum
        }
        return total
    }

    /// Bytes the network needs: parameters and gradients, `stateBuffers` more parameter-sized
    /// buffers (optimizer moments), and the per-row workspaces for `rows` rows (hidden outputs,
    /// logits, two delta buffers as wide as the widest layer, an input block). Nil on overflow,
    /// which is more than any machine has.
    public static func networkBytes(widths: [Int], rows: Int, stateBuffers: Int = 3) -> Int? {
        guard let parameters = parameterCount(widths: widths),
              let parameterFloats = multiply(parameters, 2 + stateBuffers) else { return nil }
        var perRow = widths.first ?? 0
        for width in widths.dropFirst() { guard let sum = add(perRow, width) else { return nil }; perRow = sum }
        guard let widest = widths.dropFirst().max(), let deltas = multiply(widest, 2), let rowFloats = add(perRow, deltas),
              let workspace = multiply(rowFloats, rows), let floats = add(parameterFloats, workspace) else { return nil }
        return multiply(floats, MemoryLayout<Float>.size)
    }

    /// Nil when `bytes` fits in physical memory; otherwise "needs about 87.0 GB of memory, more
    /// than this machine's 23.4 GB" (nil bytes meaning: beyond counting).
    public static func shortfall(_ bytes: Int?) -> String? {
        guard let physical = physicalBytes else { return nil }
        if let bytes, bytes <= physical { return nil }
        let need = bytes.map { "about \(gigabytes($0))" } ?? "more than 2^63 bytes"
        return "needs \(need) of memory, more than this machine's \(gigabytes(physical))"
    }

    static func gigabytes(_ bytes: Int) -> String { formatFixed(Double(bytes) / 1e9, digits: 1) + " GB" }

    private static func multiply(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? nil : r
    }

    private static func add(_ values: Int...) -> Int? {
        var total = 0
        for v in values {
            let (r, o) = total.addingReportingOverflow(v)
            if o { return nil }
            total = r
        }
        return total
    }
}
