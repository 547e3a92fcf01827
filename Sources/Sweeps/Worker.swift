import Support
#if canImport(Glibc)
import Glibc
#endif

/// Where a `LocalRunner` gets its next unit of work when the work is not a fixed list: the
/// next promotion or new run of a halving sweep, or the next pending run of a grid, chosen by
/// `sweep DIR --worker` processes on any machines that share DIR.
public protocol WorkSource: AnyObject {
    /// The next unit, its run lock already held; `.wait` when units in flight elsewhere may make
    /// more work; `.done` when nothing is left.
    func next() throws -> WorkPick
}

public enum WorkPick {
    case unit(PlannedRun, RunLock)
    case wait
    case done
}

/// The unit-of-work picker: under an exclusive flock on DIR/lock it reads every run's state
/// (its state file, its run log, whether its run lock is held), asks the halving rule (or, for a
/// grid, "the next pending run") what to train next, takes that run's lock, records the unit it
/// starts (`state=interrupted epochs=<the rung's epochs>`: a unit under way, so a worker that
/// dies leaves a unit the next worker resumes from its checkpoint), and lets DIR/lock go. The
/// run lock, an flock too, dies with the process that holds it (and its child): a SIGKILLed
/// worker's run is free again, never lost, never run twice at once.
public final class WorkPicker: WorkSource {
    let folder: SweepFolder
    /// The spec's runs at their full epochs, in spec order.
    let runs: [PlannedRun]
    /// nil for a grid: one rung, the runs' epochs.
    let halving: Halving?
    /// Runs this process handed out: a failure of one of them is not retried by this worker
    /// (LocalRunner retries a failed unit once itself); a later `sweep DIR` retries it.
    private var handedOut = Set<String>()

    public init(folder: SweepFolder, runs: [PlannedRun], halving: Halving?) {
        self.folder = folder
        self.runs = runs
        self.halving = halving
    }

    public var lockPath: String { folder.path + "/lock" }

    public func next() throws -> WorkPick {
        let fd = try openFolderLock()
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw SweepError.runtime("\(lockPath): cannot lock: \(errorText())") }
        }
        let (entries, rungs) = view()
        switch decide(entries, rungs) {
        case .wait: return .wait
        case .done: return .done
        case .train(let id, let rung):
            guard let run = runs.first(where: { $0.runID == id }), let lock = try folder.lock(id) else { return .wait }
            let epochs = rungs[id]![rung]
            let previous = folder.record(id)
            try? folder.write(RunRecord(state: .interrupted, epochs: epochs, exitStatus: 0, failures: previous?.failures ?? 0), for: id)
            handedOut.insert(id)
            return .unit(run.toEpochs(epochs), lock)
        }
    }

    func decide(_ entries: [HalvingEntry], _ rungs: [String: [Int]]) -> HalvingDecision {
        guard let halving else { return gridNext(entries) }
        return halving.next(entries, rungCount: rungs.values.first?.count ?? 1)
    }

    /// What the folder holds, in words: `1 at the top rung, 8 stopped at a rung, nothing left to do`.
    public func overview() -> (text: String, nothingLeft: Bool) {
        let (entries, rungs) = view()
        let decision = decide(entries, rungs)
        var top = 0, stopped = 0, new = 0, underway = 0, out = 0
        for entry in entries {
            switch entry.status {
            case .new: new += 1
            case .stopped: stopped += 1
            case .inFlight, .resumable: underway += 1
            case .done: if entry.values.count == rungs[entry.id]?.count { top += 1 } else { out += 1 }
            }
        }
        var parts = ["\(top) finished"]
        if halving != nil { parts.append("\(stopped) stopped at a rung") }
        if out > 0 { parts.append("\(out) diverged, failed or ended early") }
        if underway > 0 { parts.append("\(underway) under way") }
        parts.append("\(new) not started")
        return (parts.joined(separator: ", ") + (decision == .done ? "; nothing left to do" : ""), decision == .done)
    }

    /// A grid's next unit: a started unit to resume, else the next new run.
    private func gridNext(_ entries: [HalvingEntry]) -> HalvingDecision {
        for entry in entries { if case .resumable = entry.status { return .train(id: entry.id, rung: 0) } }
        if let new = entries.first(where: { $0.status == .new }) { return .train(id: new.id, rung: 0) }
        return entries.contains { if case .inFlight = $0.status { return true }; return false } ? .wait : .done
    }

    /// DIR/lock: a regular file, opened without blocking (a FIFO planted there would hang open()).
    private func openFolderLock() throws -> Int32 {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0o644)
        guard fd >= 0 else { throw SweepError.runtime("\(lockPath): cannot open: \(errorText())") }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw SweepError.runtime("\(lockPath): is not a regular file")
        }
        return fd
    }

    /// Every run as the rule sees it, and each run's rungs (epochs).
    func view() -> ([HalvingEntry], [String: [Int]]) {
        var entries: [HalvingEntry] = []
        var rungsOf: [String: [Int]] = [:]
        for run in runs {
            let id = run.runID
            let full = run.definition.epochs
            let rungs = halving?.rungs(epochs: full) ?? [full]
            rungsOf[id] = rungs
            let table = RunLogTable(path: folder.csv(id))
            let logged = Set(table?.epochs ?? [])
            let metric = halving?.metric ?? "val_accuracy"
            var values: [Double] = []
            for r in rungs {
                guard logged.contains(r) else { break }
                values.append(table?.value(metric, atEpoch: r) ?? .nan)
            }
            let last = logged.max() ?? 0
            // The rung a unit toward `epochs` epochs reaches (the first rung at or past it).
            func rungIndex(_ epochs: Int) -> Int { rungs.firstIndex { $0 >= epochs } ?? rungs.count - 1 }
            let record = folder.record(id)
            let status: HalvingEntry.Status
            if folder.isRunning(id) {
                status = .inFlight(record.map { rungIndex($0.epochs) } ?? rungIndex(last + 1))
            } else if let record {
                switch record.state {
                case .diverged: status = .done
                case .interrupted: status = .resumable(rungIndex(record.epochs))
                case .failed: status = handedOut.contains(id) ? .done : .resumable(rungIndex(record.epochs))
                case .finished:
                    let reached = rungs.filter { $0 <= record.epochs }.count
                    if record.epochs >= full || last < record.epochs { status = .done } // the top, or ended early
                    else if reached == 0 { status = .resumable(0) }
                    else if values.count == reached { status = .stopped }
                    else { status = .done }
                }
            } else if folder.hasCheckpoint(id) || last > 0 {
                status = .resumable(rungIndex(last + 1))
            } else {
                status = .new
            }
            entries.append(HalvingEntry(id: id, values: values, status: status))
        }
        return (entries, rungsOf)
    }
}

// MARK: - What a halving sweep shows

/// `--status` and the end of a halving sweep: each run's rung and state, and the epochs trained
/// against the full grid's.
public enum HalvingReport {
    public static func status(runs: [PlannedRun], folder: SweepFolder, halving: Halving?) -> String {
        let picker = WorkPicker(folder: folder, runs: runs, halving: halving)
        let (entries, rungsOf) = picker.view()
        var rows: [[String]] = [["run_id", "state", "rung", "epochs", "run"]]
        var counts: [String: Int] = [:]
        for (run, entry) in zip(runs, entries) {
            let rungs = rungsOf[run.runID]!
            let reached = entry.values.count
            let state: String
            switch entry.status {
            case .new: state = "pending"
            case .stopped: state = "stopped"
            case .inFlight(let r): state = r == 0 && reached == 0 ? "running" : "promoted, running"
            case .resumable(let r): state = r == 0 && reached == 0 ? "pending (resumes)" : "promoted"
            case .done:
                let record = folder.record(run.runID)
                state = record?.state == .diverged ? "diverged" : record?.state == .failed ? "failed"
                    : reached == rungs.count ? "finished" : "stopped (ended early)"
            }
            let word = String(state.split(separator: " ").first ?? "").trimmingCharacters(in: ",")
            counts[word, default: 0] += 1
            let rung = reached == 0 ? "-" : "\(reached - 1) (\(rungs[reached - 1]))"
            rows.append([run.runID, state, rung, "\(folder.loggedEpochs(run.runID))/\(run.definition.epochs)", run.label])
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var text = rows.map { row in (0..<4).map { row[$0].padding(widths[$0]) }.joined(separator: "  ") + "  " + row[4] }
            .joined(separator: "\n") + "\n"
        let rungs = runs.first.map { rungsOf[$0.runID]! } ?? []
        let order = ["pending", "running", "stopped", "promoted", "finished", "diverged", "failed"]
        text += "\(runs.count) run\(runs.count == 1 ? "" : "s"): " + order.map { "\(counts[$0, default: 0]) \($0)" }.joined(separator: ", ")
        if let halving { text += "; rungs at \(rungs.map(String.init).joined(separator: ", ")) epochs (η = \(halving.reduction), by \(halving.metric))" }
        text += "\n" + epochsLine(runs: runs, folder: folder) + "\n"
        return text
    }

    /// `epochs trained: 39 of 81 (9 runs × 9 epochs), 48% of the grid`.
    public static func epochsLine(runs: [PlannedRun], folder: SweepFolder) -> String {
        let trained = runs.map { folder.loggedEpochs($0.runID) }.reduce(0, +)
        let grid = runs.map(\.definition.epochs).reduce(0, +)
        let epochs = Set(runs.map(\.definition.epochs))
        let shape = epochs.count == 1 ? "\(runs.count) runs × \(epochs.first!) epochs" : "\(runs.count) runs at their epochs"
        let percent = grid == 0 ? 0 : Int((100 * Double(trained) / Double(grid)).rounded())
        return "epochs trained: \(trained) of the full grid's \(grid) (\(shape)), \(percent)%"
    }
}
