import Foundation

/// The HParams plugin's session records, as TensorBoard's own `hparams/summary.py`
/// (`session_start_pb`, `session_end_pb`) and `summary_v2.py` (`hparams_pb`) write them, in
/// protobuf's wire format, encoded by hand (tensorboard/plugins/hparams/plugin_data.proto,
/// api.proto; google/protobuf/struct.proto; tensorboard/compat/proto/summary.proto, tensor.proto):
///
///     HParamsPluginData { int32 version = 1; oneof data { Experiment experiment = 2;
///                         SessionStartInfo session_start_info = 3; SessionEndInfo session_end_info = 4; } }
///     SessionStartInfo  { map<string, google.protobuf.Value> hparams = 1; string group_name = 4;
///                         double start_time_secs = 5; }
///     SessionEndInfo    { Status status = 1; double end_time_secs = 2; }
///     google.protobuf.Value { oneof kind { double number_value = 2; string string_value = 3; bool bool_value = 4; } }
///
/// Each record is a summary value whose tag is `_hparams_/session_start_info` (or `…_end_info`),
/// whose metadata names the plugin ("hparams") with the HParamsPluginData as its content, and
/// whose tensor is the plugin's empty float vector (metadata.NULL_TENSOR), in an event at step 0.
/// The version (0) is left out, as proto3 does with a zero; a oneof member is written even when
/// zero (0.0, "", false), since it is set.
///
/// With session records only and no `_hparams_/experiment` record, TensorBoard's hparams backend
/// builds the experiment itself (backend_context.py `_compute_experiment_from_runs`): one column
/// per hparam name found in any session, with its domain and whether it differs, and one metric
/// per scalar tag of the session runs; seeds of one configuration share a `group_name`.
public enum HParamsSummary {
    public static let pluginName = "hparams"
    public static let sessionStartTag = "_hparams_/session_start_info"
    public static let sessionEndTag = "_hparams_/session_end_info"

    /// An hparam's value (google.protobuf.Value's number, string and bool kinds).
    public enum Value: Equatable, Sendable {
        case number(Double)
        case string(String)
        case bool(Bool)
    }

    /// tensorboard.hparams.Status. There is no "aborted": a run stopped by a signal writes no end
    /// record, so its resumed end is the one TensorBoard reads (it keeps a tag's first metadata).
    public enum Status: UInt64, Sendable {
        case unknown = 0
        case success = 1
        case failure = 2
        case running = 3
    }

    /// HParamsPluginData holding a SessionStartInfo; hparams are written sorted by name (as
    /// protobuf's deterministic serialization orders map entries).
    public static func sessionStartContent(hparams: [(name: String, value: Value)], groupName: String, startTime: Double) -> [UInt8] {
        var info: [UInt8] = []
        for (name, value) in hparams.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            var entry: [UInt8] = []
            EventProtobuf.appendLengthDelimited(field: 1, Array(name.utf8), to: &entry)
            EventProtobuf.appendLengthDelimited(field: 2, encoded(value), to: &entry)
            EventProtobuf.appendLengthDelimited(field: 1, entry, to: &info)
        }
        if !groupName.isEmpty { EventProtobuf.appendLengthDelimited(field: 4, Array(groupName.utf8), to: &info) }
        appendDouble(field: 5, startTime, to: &info)
        var content: [UInt8] = []
        EventProtobuf.appendLengthDelimited(field: 3, info, to: &content)
        return content
    }

    /// HParamsPluginData holding a SessionEndInfo.
    public static func sessionEndContent(status: Status, endTime: Double) -> [UInt8] {
        var info: [UInt8] = []
        if status != .unknown {
            info.append(1 << 3 | 0)
            EventProtobuf.appendVarint(status.rawValue, to: &info)
        }
        appendDouble(field: 2, endTime, to: &info)
        var content: [UInt8] = []
        EventProtobuf.appendLengthDelimited(field: 4, info, to: &content)
        return content
    }

    /// The event holding one hparams summary value: Event { wall_time = 1; summary = 5 } with
    /// Summary.Value { tag = 1; tensor = 8 (NULL_TENSOR); metadata = 9 { plugin_data = 1
    /// { plugin_name = 1; content = 2 } } }.
    public static func event(wallTime: Double, tag: String, content: [UInt8]) -> [UInt8] {
        var pluginData: [UInt8] = []
        EventProtobuf.appendLengthDelimited(field: 1, Array(pluginName.utf8), to: &pluginData)
        EventProtobuf.appendLengthDelimited(field: 2, content, to: &pluginData)
        var metadata: [UInt8] = []
        EventProtobuf.appendLengthDelimited(field: 1, pluginData, to: &metadata)
        var value: [UInt8] = []
        EventProtobuf.appendLengthDelimited(field: 1, Array(tag.utf8), to: &value)
        EventProtobuf.appendLengthDelimited(field: 8, nullTensor, to: &value)
        EventProtobuf.appendLengthDelimited(field: 9, metadata, to: &value)
        var summary: [UInt8] = []
        EventProtobuf.appendLengthDelimited(field: 1, value, to: &summary)
        var event = EventProtobuf.header(wallTime: wallTime, step: 0)
        EventProtobuf.appendLengthDelimited(field: 5, summary, to: &event)
        return event
    }

    /// TensorProto { dtype = DT_FLOAT (1); tensor_shape { dim { size 0 } } }: the length-0 float
    /// vector TensorBoard's hparams summaries carry (metadata.NULL_TENSOR).
    static let nullTensor: [UInt8] = [0x08, 0x01, 0x12, 0x02, 0x12, 0x00]

    static func encoded(_ value: Value) -> [UInt8] {
        var bytes: [UInt8] = []
        switch value {
        case .number(let number):
            bytes.append(2 << 3 | 1)
            withUnsafeBytes(of: number.bitPattern.littleEndian) { bytes += $0 }
        case .string(let text):
            EventProtobuf.appendLengthDelimited(field: 3, Array(text.utf8), to: &bytes)
        case .bool(let flag):
            bytes += [4 << 3 | 0, flag ? 1 : 0]
        }
        return bytes
    }

    /// A proto3 double field: left out when zero.
    static func appendDouble(field: UInt8, _ value: Double, to bytes: inout [UInt8]) {
        guard value != 0 else { return }
        bytes.append(field << 3 | 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
    }
}

extension TensorBoardLog {
    /// `_hparams_/session_start_info`: the run's hparams and its group (the configuration id).
    public func startSession(hparams: [(name: String, value: HParamsSummary.Value)], groupName: String) throws {
        let now = Date().timeIntervalSince1970
        try write(event: HParamsSummary.event(wallTime: now, tag: HParamsSummary.sessionStartTag,
                                              content: HParamsSummary.sessionStartContent(hparams: hparams, groupName: groupName, startTime: now)))
    }

    /// `_hparams_/session_end_info`: how the run ended.
    public func endSession(status: HParamsSummary.Status) throws {
        let now = Date().timeIntervalSince1970
        try write(event: HParamsSummary.event(wallTime: now, tag: HParamsSummary.sessionEndTag,
                                              content: HParamsSummary.sessionEndContent(status: status, endTime: now)))
    }
}
