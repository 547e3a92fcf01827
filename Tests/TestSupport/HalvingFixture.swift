import Foundation
import Testing

/// The halving sweep the end-to-end and launcher tests share: a 3 × 3 grid with halving at
/// rungs 1, 3, 9 on tiny data, and the check that every run logged each epoch once.
enum HalvingFixture {
    static let grid = "grid:\n  optimizer: [sgd, adam, momentum]\n  lr: [0.1, 0.01, 0.001]\n"

    static let halving = "halving: {metric: val_accuracy, min-epochs: 1, reduction: 3}\n"

    /// Batches of 10: 40 updates an epoch, so a rung of one epoch already tells the rates apart
    /// (with 8 updates, every run is at chance until epoch 4 on this data).
    static let fixed = "epochs: 9\nvalidation: 200\nbatch-size: 10"

    /// Every run's log has epochs 1…n once, n a rung; one unit started per rung reached; the
    /// top rung reached; nothing left to do.
    static func checkEveryEpochOnce(_ f: SweepFixture, runs: Int, rungs: [Int] = [1, 3, 9], allowRestart: Set<String> = []) throws {
        #expect(f.runFolders().count == runs)
        var top = 0
        for id in f.runFolders() {
            let rows = f.csv(id)
            let epochColumn = rows[0].firstIndex(of: "epoch")!
            let epochs = rows.dropFirst().map { Int($0[epochColumn])! }
            #expect(epochs == Array(1...max(1, epochs.count)), "run \(id): every epoch once: \(epochs)")
            #expect(rungs.contains(epochs.count), "run \(id) stopped at \(epochs.count), not a rung")
            if epochs.count == rungs.last! { top += 1 }
            let starts = f.file(id, "train.log").components(separatedBy: "sweep starts").count - 1
            let units = rungs.filter { $0 <= epochs.count }.count
            if allowRestart.contains(id) { #expect(starts == units + 1, "run \(id): \(starts) starts") } else { #expect(starts == units, "run \(id): \(starts) starts for \(units) units") }
        }
        #expect(top >= 1)
        let again = try f.sweep(["--worker"])
        #expect(again.status == 0)
        #expect(again.stderr.contains("nothing left to do"), "\(again.stderr)")
    }
}
