import ArgumentParser
import Foundation
import Sweeps
import Training
import Reports
import RunRecords
import Support

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a grid of training runs on every core, resumably, through GNU parallel or as a Slurm job array.",
        usage: "zalando-train sweep <dir> [<key=v1,v2> ...] [--spec <file>] [<options>]",
        discussion: """
            The spec is YAML: fixed: (flags every run gets), grid: (the cartesian product of these lists) \
            or grids: (a list of grids, the union of their products); keys are train flags without --. \
            KEY=V1,V2 adds or replaces an axis. An axis may be a distribution, uniform: [a, b], \
            loguniform: [a, b] (a > 0), int: [a, b] or choice: [...], with trials: N (the configurations \
            drawn, from an Owen-scrambled Sobol sequence) and sampler-seed: S (default 0); values are \
            rounded to 4 significant digits, and growing trials keeps the configurations drawn. On the \
            command line: lr=loguniform:1e-4,1 batch-size=int:16,128 optimizer=choice:adam,sgd trials=16 \
            sampler-seed=1. DIR keeps the spec as last given (sweep DIR alone reuses \
            it) and one folder per run, named by its run_id, with its run.csv, checkpoint, model, \
            train.log and state, in DIR/tensorboard/<run_id>/ its TensorBoard events (the HParams \
            dashboard groups seeds; `tensorboard --logdir DIR/tensorboard`), and in DIR/.data a plain \
            copy of gzip data sets (about 55 MB each, so runs start faster; safe to delete). A rerun does only what is missing: finished runs \
            are skipped, interrupted ones resume, diverged ones are not retried; a failed run is \
            retried once.

            Examples:
              zalando-train sweep runs/adam --spec examples/optimizers.yaml --jobs 2
              zalando-train sweep runs/adam lr=0.01,0.001 seed=1,2,3 --status
              zalando-train sweep runs/sampled --spec examples/sampled-halving.yaml --jobs 2
              zalando-train sweep runs/adam --list | parallel -j 8 \\
                  --joblog runs/adam/joblog
              zalando-train sweep runs/adam --slurm --slurm-tasks 16 \\
                  --slurm-option '--cpus-per-task=4'

            Exit status: 0 every run finished or diverged, 1 some failed (or a spec or data file \
            is missing or unreadable), 64 bad spec or flags, 129, 130 or 143 interrupted.
            """)

    @Argument(help: ArgumentHelp("The sweep folder.", valueName: "dir"))
    var directory: String
    @Argument(help: ArgumentHelp("Axes to add or replace: lr=0.1,0.01 (one train flag, comma-separated values), a distribution lr=loguniform:1e-4,1 (uniform, loguniform, int, choice), trials=N, sampler-seed=S.", valueName: "key=v1,v2"))
    var axes: [String] = []
    @Option(help: ArgumentHelp("The YAML spec (default: DIR/sweep.yaml, the spec last given).", valueName: "file"))
    var spec: String?
    @Option(help: "Runs at once, each a child process (default: the number of cores).")
    var jobs: Int?
    @Flag(help: "Print one shell command per pending run (for GNU parallel) instead of running.")
    var list = false
    @Option(help: ArgumentHelp("Run only the I-th of N disjoint parts, by run_id (default: every run).", valueName: "I/N"))
    var shard: String?
    @Flag(help: "Write DIR/sweep.sbatch, a Slurm job array of shards, and print the sbatch command.")
    var slurm = false
    @Option(name: .customLong("slurm-tasks"), help: "Tasks in the Slurm array (default: one per run, at most 1000).")
    var slurmTasks: Int?
    @Option(name: .customLong("slurm-option"), parsing: .unconditionalSingleValue, help: ArgumentHelp("An #SBATCH line for the script, e.g. '--cpus-per-task=4' (repeatable; default: none).", valueName: "option"))
    var slurmOptions: [String] = []
    @Flag(help: "Print every run's state (pending, running, finished, diverged, failed) without running.")
    var status = false
    @Option(name: .customLong("run"), help: ArgumentHelp("Run only the run with this id, as the commands --list prints do (default: every run).", valueName: "run_id"))
    var runID: String?
    @Flag(help: "Be one worker: take the next unit of work (a promotion, else a new run) under a lock on DIR, train it, repeat until none is left; any number of workers on machines sharing DIR cooperate (default --jobs 1).")
    var worker = false
    @Option(help: ArgumentHelp("Add runs of the K best configurations (flags without --seed/--epochs, ranked by the mean of the sweep's metric at full epochs) with the seeds of --seeds (default: none added).", valueName: "K"))
    var best: Int?
    @Option(help: ArgumentHelp("Seeds for --best and --refit, comma-separated (default for --refit: the best configuration's own seeds).", valueName: "s1,s2,..."))
    var seeds: String?
    @Flag(help: "Add runs of the best configuration on the whole training set (no validation) for its median best epoch count, and report their test accuracy.")
    var refit = false
    @Flag(name: .customLong("no-tensorboard"), help: "Do not write TensorBoard events (default: each run's under DIR/tensorboard/<run_id>/, with the HParams dashboard's records).")
    var noTensorBoard = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs \(jobs): must be at least 1") }
        if let slurmTasks, slurmTasks < 1 || slurmTasks > 1000 { throw ValidationError("--slurm-tasks \(slurmTasks): must be between 1 and 1000") }
        if !slurm && (slurmTasks != nil || !slurmOptions.isEmpty) {
            throw ValidationError("--slurm-tasks and --slurm-option go with --slurm")
        }
        if let best, best < 1 { throw ValidationError("--best \(best): must be at least 1") }
        if best != nil && seeds == nil { throw ValidationError("--best needs --seeds (for example --seeds 11,12,13)") }
        if seeds != nil && best == nil && !refit { throw ValidationError("--seeds goes with --best or --refit") }
        if let seeds { _ = try parsedSeeds(seeds) }
        let modes = [list ? "--list" : nil, slurm ? "--slurm" : nil, status ? "--status" : nil, runID.map { _ in "--run" },
                     worker ? "--worker" : nil, best != nil || refit ? (best != nil ? "--best" : "--refit") : nil].compactMap { $0 }
        if modes.count > 1 { throw ValidationError("\(modes.joined(separator: " and ")): choose one") }
        if let shard { _ = try parsedShard(shard) }
        if slurm && shard != nil { throw ValidationError("--shard: --slurm writes the shards itself") }
    }

    private func parsedShard(_ text: String) throws -> Shard {
        do { return try Shard(parsing: text) } catch let error as SweepError { throw ValidationError(error.message) }
    }

    private func parsedSeeds(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var seeds: [Int] = []
        for part in parts {
            guard let seed = Int(part), seed >= 0 else { throw ValidationError("--seeds \(text): '\(part)' is not a seed (a whole number ≥ 0)") }
            if seeds.contains(seed) { throw ValidationError("--seeds \(text): seed \(seed) is given twice") }
            seeds.append(seed)
        }
        return seeds
    }

    func run() throws {
        let chosen = try seeds.map(parsedSeeds)
        let mode: SweepRequest.Mode = list ? .list : status ? .status : slurm ? .slurm(tasks: slurmTasks, options: slurmOptions)
            : worker ? .worker : best != nil || refit ? .best(count: best, seeds: chosen, refit: refit)
            : runID.map { .single($0) } ?? .run
        var request = SweepRequest(directory: directory, specFile: spec, axes: axes,
                                   jobs: jobs ?? (worker ? 1 : ProcessInfo.processInfo.activeProcessorCount),
                                   shard: try shard.map(parsedShard), mode: mode)
        request.tensorBoard = !noTensorBoard
        let environment = SweepDriver.Environment(
            validate: Sweep.define, executable: Sweep.executablePath, checkpoints: Sweep.trainTakesCheckpoints,
            compare: { logs in
                do { let compare = try Compare.parse(logs + ["--runs"]); try compare.run() } catch {
                    writeToStandardError("zalando-train: compare: \(Compare.message(for: error))\n")
                }
            })
        let code: Int32
        do {
            code = try SweepDriver.perform(request, environment: environment)
        } catch let error as SweepError {
            throw fail("sweep: " + error.message, status: ExitStatus(rawValue: error.exitCode))
        }
        if code != ExitStatus.success.rawValue { throw ExitCode(code) }
    }

    /// A run as train's own parser sees it: its canonical flags and run_id (from the nominal
    /// epoch length; the canonical flags hold durations in iterations, so the child computes
    /// the same id whatever data it loads), and the child's arguments: the canonical flags
    /// (--threads among them when not 1) plus --data-dir when the spec sets it.
    static func define(_ arguments: [String]) throws -> RunDefinition {
        let train: Train
        do {
            train = try Train.parse(arguments)
        } catch {
            // The axes are train's flags: train's own messages ("did you mean adam?").
            throw SweepError.usage(ZalandoTrain.message(for: error, command: "train"))
        }
        let c = train.trainingConfiguration
        let identity = RunIdentity(configuration: c, iterationsPerEpoch: c.nominalIterationsPerEpoch)
        // A value that starts with `-` travels as `--flag=value`, so the child's parser cannot
        // take it for a flag (`data-dir: -mnist`).
        var child = identity.terms.flatMap { term in term.value.map { optionArguments(term.flag, $0) } ?? [term.flag] }
        if let directory = train.data.dataDirectory { child += optionArguments("--data-dir", directory) }
        return RunDefinition(runID: identity.runID, flags: identity.flags, epochs: c.epochs, arguments: child,
                             dataFolder: train.data.directory)
    }

    /// This executable, for the children and for the commands --list and --slurm print.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Whether train has --checkpoint (the resume work adds it); without it an interrupted run
    /// starts again from its first epoch.
    static var trainTakesCheckpoints: Bool { (try? Train.parse(["--checkpoint", "x"])) != nil }
}
