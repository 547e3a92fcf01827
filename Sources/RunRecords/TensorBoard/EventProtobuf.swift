/// The few fields of TensorBoard's `Event` and `Summary` protobufs that a scalar log needs, in
/// protobuf's wire format, encoded by hand (tensorboard/compat/proto/event.proto, summary.proto):
///
///     Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
///     Summary { repeated Value value = 1; }
///     Value   { string tag = 1; float simple_value = 2; }
///
/// As proto3 does, a zero wall_time or step is left out; a field's key is (number << 3) | wire
/// type (0 varint, 1 64-bit, 2 length-delimited, 5 32-bit).
public enum EventProtobuf {
    /// The first record of every event file, naming the format version (TensorBoard's readers
    /// check it: "brain.Event:2").
    public static func fileVersionEvent(wallTime: Double, version: String = "brain.Event:2") -> [UInt8] {
        var event = header(wallTime: wallTime, step: 0)
        appendLengthDelimited(field: 3, Array(version.utf8), to: &event)
        return event
    }

    /// An event holding one summary with a `simple_value` per tag, in the order given.
    public static func scalarsEvent(wallTime: Double, step: Int64, scalars: [(tag: String, value: Float)]) -> [UInt8] {
        var summary: [UInt8] = []
        for (tag, value) in scalars {
            var entry: [UInt8] = []
            appendLengthDelimited(field: 1, Array(tag.utf8), to: &entry)
            entry.append(2 << 3 | 5)
            withUnsafeBytes(of: value.bitPattern.littleEndian) { entry += $0 }
            appendLengthDelimited(field: 1, entry, to: &summary)
        }
        var event = header(wallTime: wallTime, step: step)
        appendLengthDelimited(field: 5, summary, to: &event)
        return event
    }

    static func header(wallTime: Double, step: Int64) -> [UInt8] {
        var bytes: [UInt8] = []
        if wallTime != 0 {
            bytes.append(1 << 3 | 1)
            withUnsafeBytes(of: wallTime.bitPattern.littleEndian) { bytes += $0 }
        }
        if step != 0 {
            bytes.append(2 << 3 | 0)
            appendVarint(UInt64(bitPattern: step), to: &bytes)
        }
        return bytes
    }

    static func appendLengthDelimited(field: UInt8, _ payload: [UInt8], to bytes: inout [UInt8]) {
        bytes.append(field << 3 | 2)
        appendVarint(UInt64(payload.count), to: &bytes)
        bytes += payload
    }

    /// Base-128, least significant group first, the high bit set on all but the last byte.
    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }
}
