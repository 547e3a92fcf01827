import Foundation
import Testing
@testable import TestSupport

/// scripts/download-data.sh against a local mirror and a loopback HTTP server (the public
/// hosts are unreachable here). Uses MNIST's small label files to stay fast.
@Suite(.serialized)
struct DownloadScriptTests {
    static let script = TestPaths.packageRoot.appendingPathComponent("scripts/download-data.sh").path
    static let mirror = TestPaths.shared.appendingPathComponent("data").path

    /// A mirror holding only the small files, copied from the shared one.
    static func makeMirror(corrupt: Bool = false) throws -> URL {
        let dir = TestPaths.temporaryDirectory()
        let mnist = dir.appendingPathComponent("mnist")
        try FileManager.default.createDirectory(at: mnist, withIntermediateDirectories: true)
        for stem in ["train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte", "t10k-images-idx3-ubyte"] {
            let source = URL(fileURLWithPath: "\(mirror)/mnist/\(stem).gz")
            let target = mnist.appendingPathComponent("\(stem).gz")
            var data = try Data(contentsOf: source)
            if corrupt && stem == "t10k-labels-idx1-ubyte" {
                // A valid gzip of different content: passes gzip -t, fails the checksum.
                data = try gzipped(Data("not the labels".utf8))
            }
            try data.write(to: target)
        }
        return dir
    }

    static func gzipped(_ data: Data) throws -> Data {
        let dir = TestPaths.temporaryDirectory()
        let plain = dir.appendingPathComponent("x")
        try data.write(to: plain)
        _ = try runProcess("/bin/sh", ["-c", "gzip -9n '\(plain.path)'"])
        return try Data(contentsOf: dir.appendingPathComponent("x.gz"))
    }

    func runScript(dataDir: URL, environment: [String: String]) throws -> ProcessResult {
        var env = ["DATA_DIR": dataDir.path, "DATASETS": "mnist", "SYSTEM_DATASETS": "/nonexistent",
                   "FASHION_URLS": "", "MNIST_URLS": "", "DATA_MIRROR": ""]
        env.merge(environment) { $1 }
        return try runProcess("/bin/sh", [Self.script], environment: env)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: mirror + "/mnist")))
    func mirrorInstallsVerifiedFilesAndSecondRunFetchesNothing() throws {
        let mirror = try Self.makeMirror()
        let data = TestPaths.temporaryDirectory()
        let first = try runScript(dataDir: data, environment: ["DATA_MIRROR": mirror.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.components(separatedBy: "verified, from DATA_MIRROR").count - 1 == 4)
        let second = try runScript(dataDir: data, environment: ["DATA_MIRROR": mirror.path])
        #expect(second.status == 0)
        #expect(second.stderr.components(separatedBy: "already here and verified").count - 1 == 4)
        #expect(!second.stderr.contains("from DATA_MIRROR"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("mnist").path).filter { $0.contains("part") }
        #expect(leftovers.isEmpty)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: mirror + "/mnist")))
    func corruptMirrorFileIsRejectedAndGoodFileStays() throws {
        let good = try Self.makeMirror()
        let data = TestPaths.temporaryDirectory()
        #expect(try runScript(dataDir: data, environment: ["DATA_MIRROR": good.path]).status == 0)
        let installed = data.appendingPathComponent("mnist/t10k-labels-idx1-ubyte.gz")
        let before = try Data(contentsOf: installed)

        // The file in place is damaged; the mirror's copy is corrupt too: nothing may replace it
        // with a bad file, and the script must fail naming the file.
        try Data(before.prefix(100)).write(to: installed)
        let damaged = try Data(contentsOf: installed)
        let bad = try Self.makeMirror(corrupt: true)
        let result = try runScript(dataDir: data, environment: ["DATA_MIRROR": bad.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("mnist/t10k-labels-idx1-ubyte: DATA_MIRROR copy"))
        #expect(result.stderr.contains("fails the SHA-256 check"))
        #expect(try Data(contentsOf: installed) == damaged)

        // A good file in place is never touched by a corrupt mirror.
        #expect(try runScript(dataDir: data, environment: ["DATA_MIRROR": good.path]).status == 0)
        #expect(try Data(contentsOf: installed) == before)
        let again = try runScript(dataDir: data, environment: ["DATA_MIRROR": bad.path])
        #expect(again.status == 0)
        #expect(try Data(contentsOf: installed) == before)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: mirror + "/mnist")))
    func downloadsThroughLoopbackHTTPServer() throws {
        let served = try Self.makeMirror(corrupt: false)
        let port = 18000 + Int.random(in: 0..<2000)
        let data = TestPaths.temporaryDirectory()
        // Server and script in one shell: the server is bounded by `timeout`, silenced, and
        // killed on exit; the first URL serves nothing (404), so the script falls through.
        let log = data.appendingPathComponent("script.log").path
        let shell = """
            exec </dev/null >'\(log)' 2>&1
            python3 -m http.server \(port) --bind 127.0.0.1 --directory '\(served.path)' >/dev/null 2>&1 &
            server=$!
            for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:\(port)/ && break; sleep 0.1; done
            DATA_DIR='\(data.path)' DATASETS=mnist SYSTEM_DATASETS=/nonexistent DATA_MIRROR= FASHION_URLS= \\
              MNIST_URLS='http://127.0.0.1:\(port)/missing http://127.0.0.1:\(port)/mnist' sh '\(Self.script)'
            status=$?
            kill -9 $server; wait $server 2>/dev/null  # SIGKILL: the test runner's children inherit a mask blocking SIGTERM
            exit $status
            """
        let run = try runProcess("/bin/sh", ["-c", shell])
        let result = ProcessResult(status: run.status, stdout: "", stderr: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.components(separatedBy: "verified, downloaded from http://127.0.0.1").count - 1 == 4)
        #expect(result.stderr.contains("download from http://127.0.0.1:\(port)/missing/train-images-idx3-ubyte.gz failed"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("mnist").path)
        #expect(leftovers.sorted() == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"])
    }
}
