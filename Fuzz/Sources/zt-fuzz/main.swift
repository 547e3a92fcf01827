import CFuzzerDriver
import Foundation
import IDXData
import Optimization
import Reports
import RunRecords
import Support

// zt-fuzz TARGET [libFuzzer flags…], TARGET one of idx, runlog, pathdata, model, checkpoint. Each input is
// written to a file in /dev/shm and handed to the real reader: it must return a value or its
// typed error — never trap, hang or allocate without bound (ASan and libFuzzer's -rss_limit_mb
// catch those).
let target = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : ""
let scratch = "/dev/shm/zt-fuzz-\(target)-\(getpid())"

func write(_ data: UnsafePointer<UInt8>?, _ count: Int, prefix: String = "") {
    var bytes = Data(prefix.utf8)
    if let data { bytes.append(data, count: count) }
    FileManager.default.createFile(atPath: scratch, contents: bytes)
}

let callbacks: [String: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32] = [
    "idx": { data, count in
        write(data, count)
        do { _ = try IDXFile.read(path: scratch) } catch is DataError {} catch { fatalError("untyped error: \(error)") }
        return 0
    },
    "runlog": { data, count in
        // A third of the inputs get the v2 header and a third the v1 header, so the fuzzer reaches the rows.
        write(data, count, prefix: count % 3 == 0 ? RunLog.header + "\n" : count % 3 == 1 ? RunLog.headerV1 + "\n" : "")
        if let runs = try? RunLogReader.read(paths: [scratch]), !runs.isEmpty {
            _ = RunComparison.table(runs, metric: RunComparison.defaultMetric(runs).metric)
            _ = RunComparison.table(runs, metric: .valCost)
            _ = RunComparison.chart(runs, metric: .trainCost, logCost: true)
        }
        return 0
    },
    "pathdata": { data, count in
        write(data, count, prefix: count % 2 == 0 ? "x,y\n" : "")
        if let problem = try? PathProblem.read(csv: scratch) { _ = PathPicture.minimum(of: problem) }
        return 0
    },
    "model": { data, count in
        write(data, count)
        _ = try? ModelFile.load(path: scratch, batchCapacity: 4)
        return 0
    },
    "checkpoint": { data, count in
        // `--resume` reads the file first of all: every shape, offset and count in it is checked
        // before any arithmetic ([2^32, 2^32] used to trap).
        write(data, count)
        do { _ = try Checkpoint.read(path: scratch).resumingLine } catch is FileProblem {} catch { fatalError("untyped error: \(error)") }
        return 0
    },
]

guard let callback = callbacks[target] else {
    FileHandle.standardError.write(Data("usage: zt-fuzz idx|runlog|pathdata|model|checkpoint [libFuzzer flags]\n".utf8))
    exit(2)
}
// libFuzzer sees the arguments after TARGET.
var arguments = [CommandLine.arguments[0]] + CommandLine.arguments.dropFirst(2)
var argc = Int32(arguments.count)
var cStrings = arguments.map { strdup($0) } + [nil]
let status = cStrings.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
}
unlink(scratch)
exit(status)
