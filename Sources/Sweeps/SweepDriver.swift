import IDXData
#if canImport(Glibc)
import Glibc
#endif

/// What `zalando-train sweep` was asked to do, as plain values (the executable fills it from
/// its flags).
public struct SweepRequest: Sendable {
    public enum Mode: Sendable {
        case run
        case status
        case list
        case slurm(tasks: Int?, options: [String])
        /// One run by its id (what --list prints).
        case single(String)
        /// `--worker`: take units of work (promotions, new runs) until none is left.
        case worker
        /// `--best K --seeds …` and/or `--refit` (BestConfigurations.swift).
        case best(count: Int?, seeds: [Int]?, refit: Bool)
    }

    public var directory: String
    public var specFile: String?
    public var axes: [String]
    public var jobs: Int
    public var shard: Shard?
    public var mode: Mode
    /// Runs write TensorBoard events under DIR/tensorboard/<run_id>/ (`--no-tensorboard`: false).
    public var tensorBoard = true
    /// What the commands this sweep prints (--list, --slurm) pass on of its own flags.
    var sweepFlags: [String] { tensorBoard ? [] : ["--no-tensorboard"] }

    public init(directory: String, specFile: String?, axes: [String], jobs: Int, shard: Shard?, mode: Mode) {
        self.directory = directory
        self.specFile = specFile
        self.axes = axes
        self.jobs = jobs
        self.shard = shard
        self.mode = mode
    }
}

/// The sweep command's logic: read and merge the spec, check every run with train's parser,
/// then run, list, write the Slurm script or show the status.
public enum SweepDriver {
    public struct Environment {
        /// Checks a run's flags with train's parser (see `RunValidator`).
        public var validate: RunValidator
        /// The running executable (children and printed commands run it).
        public var executable: String
        /// Whether train takes --checkpoint and --resume.
        public var checkpoints: Bool
        /// Prints compare's table for these run logs.
        public var compare: ([String]) -> Void
        public init(validate: @escaping RunValidator, executable: String, checkpoints: Bool, compare: @escaping ([String]) -> Void) {
            self.validate = validate
            self.executable = executable
            self.checkpoints = checkpoints
            self.compare = compare
        }
    }

    /// Runs the request and returns the exit status (0, 1, 128 + signal); bad specs throw.
    public static func perform(_ request: SweepRequest, environment: Environment) throws -> Int32 {
        try checkFolderName(request.directory)
        let folder = SweepFolder(request.directory)
        let spec = try resolveSpec(request, folder: folder)
        let allRuns = try SweepPlan.runs(of: spec, validate: environment.validate)
        let runs = request.shard.map { shard in allRuns.filter { shard.contains($0.runID) } } ?? allRuns
        let cwd = currentDirectory()
        if let halving = spec.halving {
            try halving.check(allRuns)
            if request.shard != nil { throw SweepError.usage("--shard: a halving sweep decides its units as it goes; run workers instead (sweep DIR --worker)") }
            if case .list = request.mode { throw SweepError.usage("--list: a halving sweep decides its units as it goes; run workers instead (seq N | parallel -j N zalando-train sweep DIR --worker)") }
            if case .single = request.mode { throw SweepError.usage("--run: a halving sweep decides its units as it goes; run workers instead (sweep DIR --worker)") }
        }

        switch request.mode {
        case .status:
            if spec.halving != nil {
                print(HalvingReport.status(runs: runs, folder: folder, halving: spec.halving), terminator: "")
            } else {
                print(StatusTable.text(runs: runs, folder: folder), terminator: "")
            }
            return 0

        case .worker:
            return try work(runs: runs, spec: spec, folder: folder, request: request, environment: environment, worker: true)

        case .best(let count, let seeds, let refit):
            return try BestConfigurations.perform(count: count, seeds: seeds, refit: refit, runs: allRuns, spec: spec,
                                                  folder: folder, request: request, environment: environment)

        case .list:
            let pending = runs.filter { [.pending, .failed].contains(folder.state(of: $0)) }
            try checkData(of: pending, workingDirectory: cwd)
            try store(spec, in: folder)
            for line in CommandList.lines(runs: pending, folder: folder, executable: environment.executable, workingDirectory: cwd,
                                          sweepFlags: request.sweepFlags) {
                print(line)
            }
            return 0

        case .slurm(let tasks, let options):
            try store(spec, in: folder)
            let count = max(1, min(tasks ?? runs.count, 1000))
            let path = try SlurmScript.write(folder: folder, tasks: count, options: options,
                                             executable: environment.executable, workingDirectory: cwd,
                                             workers: spec.halving != nil, sweepFlags: request.sweepFlags)
            print("sbatch \(shellQuote(path))")
            return 0

        case .single(let id):
            guard let run = allRuns.first(where: { $0.runID == id }) else {
                throw SweepError.usage("--run \(id): no run with this id in \(folder.specPath)")
            }
            try checkData(of: [run], workingDirectory: cwd)
            try folder.create()
            let toRun = [.pending, .failed].contains(folder.state(of: run))
            // One run per process (GNU parallel): while another process makes the copy, this
            // run reads the source rather than wait.
            let copies = toRun ? DataCopies(folder: folder).prepare([run.definition.dataFolder], patience: 0) : [:]
            let runner = LocalRunner(folder: folder, runs: [run], options: .init(jobs: 1, executable: environment.executable,
                                                                             checkpoints: environment.checkpoints, quiet: true,
                                                                             dataFolder: { copies[$0]?.folder },
                                                                             tensorBoard: request.tensorBoard))
            let summary = try runner.run()
            if !summary.elsewhere.isEmpty { writeError("sweep: \(id) is running in another process") }
            return summary.exitCode

        case .run where spec.halving != nil:
            return try work(runs: runs, spec: spec, folder: folder, request: request, environment: environment, worker: false)

        case .run:
            let todo = runs.filter { [.pending, .failed, .running].contains(folder.state(of: $0)) }
            try checkData(of: todo, workingDirectory: cwd)
            try store(spec, in: folder)
            let shardText = request.shard.map { " (shard \($0): \(runs.count) of \(allRuns.count) runs)" } ?? ""
            writeError("sweep: \(folder.path): \(runs.count) run\(runs.count == 1 ? "" : "s")\(shardText), "
                + "\(runs.count - todo.count) already done, \(todo.count) to run"
                + (todo.isEmpty ? "" : ", \(min(request.jobs, todo.count)) at a time"))
            noteRunsLeftOut(of: allRuns, folder: folder)
            // The first run starts at once, reading the data as it is, while the copy is made;
            // when every run starts at once, no run would read the copy.
            let copies = todo.count <= request.jobs ? nil
                : DataCopiesInBackground(DataCopies(folder: folder), sources: Set(todo.map(\.definition.dataFolder)))
            let runner = LocalRunner(folder: folder, runs: todo, options: .init(jobs: request.jobs, executable: environment.executable,
                                                                            checkpoints: environment.checkpoints,
                                                                            dataFolder: { copies?.folder(for: $0) },
                                                                            copying: { copies?.isMaking ?? false },
                                                                            tensorBoard: request.tensorBoard))
            var summary = try runner.run()
            // A copy still being made is let finish (a half-made one stays until the next
            // sweep removes it), but not for long, and not past a signal.
            if summary.signal == 0, let copies {
                let signals = SignalRelay.count
                copies.wait(seconds: 2)
                if SignalRelay.count != signals { summary.signal = SignalRelay.lastSignal }
            }
            summary.alreadyDone += runs.count - todo.count
            report(summary, runs: runs, folder: folder, environment: environment)
            return summary.exitCode
        }
    }

    /// Workers: units picked under DIR/lock (halving sweeps always; grid sweeps with --worker),
    /// `request.jobs` at a time. A `--worker` says one line at its end; a halving sweep run by
    /// `sweep DIR` ends with compare's table and the epochs trained against the grid's.
    static func work(runs: [PlannedRun], spec: SweepSpec, folder: SweepFolder, request: SweepRequest,
                     environment: Environment, worker: Bool) throws -> Int32 {
        let cwd = currentDirectory()
        try checkData(of: runs, workingDirectory: cwd)
        try store(spec, in: folder)
        let picker = WorkPicker(folder: folder, runs: runs, halving: spec.halving)
        let (overview, nothingLeft) = picker.overview()
        let what = spec.halving.map { h in "successive halving by \(h.metric), rungs at \(h.rungs(epochs: runs.first?.definition.epochs ?? 1).map(String.init).joined(separator: ", ")) epochs, η = \(h.reduction)" } ?? "a grid"
        writeError("sweep: \(folder.path): \(runs.count) run\(runs.count == 1 ? "" : "s") (\(what)): \(overview)"
            + (nothingLeft ? "" : "; \(request.jobs) worker\(request.jobs == 1 ? "" : "s") here"))
        let copies = nothingLeft ? nil : DataCopiesInBackground(DataCopies(folder: folder), sources: Set(runs.map(\.definition.dataFolder)))
        let runner = LocalRunner(folder: folder, runs: [], options: .init(jobs: request.jobs, executable: environment.executable,
                                                                       checkpoints: environment.checkpoints, quiet: worker,
                                                                       dataFolder: { copies?.folder(for: $0) },
                                                                       copying: { copies?.isMaking ?? false },
                                                                       tensorBoard: request.tensorBoard),
                                 source: picker)
        var summary = try runner.run()
        if summary.signal == 0, let copies {
            let signals = SignalRelay.count
            copies.wait(seconds: 2)
            if SignalRelay.count != signals { summary.signal = SignalRelay.lastSignal }
        }
        if worker {
            if summary.signal != 0 {
                writeError("sweep: worker interrupted; its units are checkpointed and another worker (or a rerun) resumes them")
            }
            for (run, message) in summary.failed { writeError("sweep: FAILED \(run.runID) \(run.label): \(message) (log: \(folder.log(run.runID)))") }
            writeError("sweep: worker done: \(summary.finished.count) unit\(summary.finished.count == 1 ? "" : "s") trained, "
                + "\(summary.diverged.count) diverged, \(summary.failed.count) failed; " + HalvingReport.epochsLine(runs: runs, folder: folder))
            return summary.exitCode
        }
        report(summary, runs: runs, folder: folder, environment: environment, countLine: false)
        if summary.signal == 0 {
            writeError("sweep: \(summary.finished.count) unit\(summary.finished.count == 1 ? "" : "s") trained, \(summary.diverged.count) diverged, "
                + "\(summary.failed.count) failed; \(picker.overview().text); folder \(folder.path)")
            writeError("sweep: " + HalvingReport.epochsLine(runs: runs, folder: folder))
        }
        return summary.exitCode
    }

    /// An empty name would be the current folder, and a newline in a path would end a line of
    /// sweep.sbatch and of the commands --list prints: both are refused.
    static func checkFolderName(_ directory: String) throws {
        if directory.isEmpty { throw SweepError.usage("sweep '': empty folder name; give the sweep folder, e.g. runs/adam") }
        if directory.contains(where: { $0 == "\n" || $0 == "\r" }) {
            throw SweepError.usage("sweep \(shellQuote(directory)): a folder name with a line break is refused")
        }
    }

    /// The spec file (or the stored spec) with the command line's axes applied.
    static func resolveSpec(_ request: SweepRequest, folder: SweepFolder) throws -> SweepSpec {
        var spec: SweepSpec
        if let file = request.specFile {
            guard let text = try readFileIfPresent(file) else { throw SweepError.runtime("\(file): no such spec file") }
            spec = try SweepSpec.parse(yaml: text, source: file)
        } else if let stored = try folder.storedSpec() {
            spec = stored
        } else if !request.axes.isEmpty {
            spec = SweepSpec()
        } else {
            throw SweepError.usage("\(folder.path) holds no sweep.yaml; give --spec FILE or axes such as lr=0.1,0.01")
        }
        var given: [String: String] = [:]
        for argument in request.axes {
            let axis = try SweepSpec.commandLineAxis(argument)
            // `lr=0.1 lr=0.2` would keep only the last: say which one is meant.
            if let first = given.updateValue(argument, forKey: axis.key) {
                throw SweepError.usage("'\(first)' and '\(argument)' both set --\(axis.key); give it once (\(axis.key)=V1,V2 for several values)")
            }
            try spec.apply(commandLine: axis)
        }
        return spec
    }

    /// One line before anything starts when a data set the runs read is missing (else every
    /// run would fail, and be retried, with the same message).
    static func checkData(of runs: [PlannedRun], workingDirectory: String) throws {
        for source in Set(runs.map(\.definition.dataFolder)).sorted() {
            for file in PlainCopy.sourceFiles(in: source) where access(file, F_OK) != 0 {
                let relative = source.hasPrefix("/") ? "" : " (relative to \(workingDirectory))"
                throw SweepError.runtime("\(file): no such file; the runs read the data set from \(source)\(relative): "
                    + "run `make download-data` in the source folder, or set data-dir: in the spec (or data-dir=PATH)")
            }
        }
    }

    /// A line when finished runs in the folder are not in the spec any more (an axis was
    /// replaced rather than grown): they stay on disk, and `compare DIR` still shows them.
    static func noteRunsLeftOut(of runs: [PlannedRun], folder: SweepFolder) {
        let planned = Set(runs.map(\.runID))
        let outside = folder.runIDs().filter { !planned.contains($0) && folder.record($0)?.state == .finished }
        guard !outside.isEmpty else { return }
        writeError("sweep: note: \(outside.count) finished run\(outside.count == 1 ? " is" : "s are") in \(folder.path) but not in the spec "
            + "as now given (an axis was replaced, not grown); the final table leaves \(outside.count == 1 ? "it" : "them") out, `compare \(folder.path)` shows every run")
    }

    static func store(_ spec: SweepSpec, in folder: SweepFolder) throws {
        try folder.create()
        try folder.store(spec)
    }

    /// The end of a sweep: what was interrupted or failed, then compare's table of its runs.
    static func report(_ summary: SweepSummary, runs: [PlannedRun], folder: SweepFolder, environment: Environment, countLine: Bool = true) {
        if summary.signal != 0 {
            let stopped = summary.interrupted.count
            let checkpointed = summary.interrupted.filter { folder.hasCheckpoint($0.runID) }.count
            writeError("sweep: interrupted; \(stopped) run\(stopped == 1 ? "" : "s") stopped, \(checkpointed) with a checkpoint to resume from. "
                + "Run `zalando-train sweep \(folder.path)` again to continue.")
            return
        }
        // Every diverged run of the spec, this time's or earlier: the table shows only runs
        // with a logged epoch.
        for run in runs where folder.state(of: run) == .diverged {
            let message = summary.diverged.first { $0.run.runID == run.runID }?.message ?? lastLine(of: folder.log(run.runID)) ?? "diverged"
            writeError("sweep: diverged \(run.runID) \(run.label): \(message)")
        }
        for (run, message) in summary.failed {
            writeError("sweep: FAILED \(run.runID) \(run.label): \(message) (log: \(folder.log(run.runID)))")
        }
        if !summary.elsewhere.isEmpty {
            writeError("sweep: \(summary.elsewhere.count) run\(summary.elsewhere.count == 1 ? " is" : "s are") running in another sweep process")
        }
        let logs = runs.map { folder.csv($0.runID) }.filter { folder.loggedEpochsAt($0) > 0 }
        if !logs.isEmpty { environment.compare(logs) }
        guard countLine else { return }
        let diverged = summary.diverged.count
        writeError("sweep: \(summary.finished.count) finished, \(diverged) diverged, \(summary.failed.count) failed, "
            + "\(summary.alreadyDone) done before; folder \(folder.path)")
    }
}

extension SweepFolder {
    func loggedEpochsAt(_ csvPath: String) -> Int {
        guard let text = try? readFileIfPresent(csvPath) else { return 0 }
        return max(0, text.split(separator: "\n").count - 1)
    }
}
