import Foundation
@testable import RunRecords
import Support
import Testing
@testable import TestSupport

/// The HParams plugin's session records against bytes written by TensorBoard's own Python
/// writer (tensorboard 2.21: `metadata.create_summary_metadata(HParamsPluginData(...))` in a
/// `Summary.Value` with `metadata.NULL_TENSOR`, in `event_pb2.Event(wall_time=...)`, as
/// hparams/summary.py's `session_start_pb` / `session_end_pb` build them).
struct HParamsEncodingTests {
    static let hex = TensorBoardFormatTests.hex

    @Test func sessionStartIsEncodedAsTensorBoardEncodesIt() {
        let content = HParamsSummary.sessionStartContent(hparams: [("lr", .number(0.001))], groupName: "0117a037956d",
                                                         startTime: 1_796_223_589.25)
        let event = HParamsSummary.event(wallTime: 1_796_223_589.25, tag: HParamsSummary.sessionStartTag, content: content)
        #expect(event == Self.hex("09000050990cc4da412a610a5f0a1c5f68706172616d735f2f73657373696f6e5f73746172745f696e666f42060801120212004a370a350a0768706172616d73122a1a280a0f0a026c72120911fca9f1d24d62503f220c30313137613033373935366429000050990cc4da41"))
    }

    @Test func sessionEndIsEncodedAsTensorBoardEncodesIt() {
        let event = HParamsSummary.event(wallTime: 1_796_223_624.5, tag: HParamsSummary.sessionEndTag,
                                         content: HParamsSummary.sessionEndContent(status: .failure, endTime: 1_796_223_624.5))
        #expect(event == Self.hex("09000020a20cc4da412a420a400a1a5f68706172616d735f2f73657373696f6e5f656e645f696e666f42060801120212004a1a0a180a0768706172616d73120d220b080211000020a20cc4da41"))
    }

    /// google.protobuf.Value as `struct_pb2.Value(...).SerializeToString()` writes it: a set
    /// oneof member is written even when it is zero.
    @Test func valuesAreEncodedAsProtobufEncodesThem() {
        #expect(HParamsSummary.encoded(.number(0.0)) == Self.hex("110000000000000000"))
        #expect(HParamsSummary.encoded(.string("20,20")) == Self.hex("1a0532302c3230"))
        #expect(HParamsSummary.encoded(.bool(true)) == Self.hex("2001"))
    }

    /// The configuration id: the first 12 hex digits of SHA-256 (Python's hashlib) of the flags
    /// without --seed and --epochs, wherever those stand.
    @Test func configurationIDIgnoresSeedAndEpochs() {
        // hashlib.sha256(b"--lr 0.001 --centered").hexdigest()[:12]
        #expect(RunIdentity.configurationID(flags: "--lr 0.001 --centered") == "32dc9e0a7c91")
        #expect(RunIdentity.configurationID(flags: "--epochs 3 --lr 0.001 --seed 7 --centered") == "32dc9e0a7c91")
        #expect(RunIdentity.configurationID(flags: "--lr 0.01 --centered") != "32dc9e0a7c91")
    }
}
