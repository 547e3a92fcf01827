import ArgumentParser
import Training
import Reports
import RunRecords
import Support

/// --svg, --png, --pdf (several at once), --title and the y scale of the pictures lr, path and
/// compare draw. Every output is checked before any work.
struct PictureOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Write the picture as SVG.", valueName: "file"), completion: .file())
    var svg: String?
    @Option(help: ArgumentHelp("Write the picture as PNG (rendered from the SVG by librsvg, 2× resolution).", valueName: "file"), completion: .file())
    var png: String?
    @Option(help: ArgumentHelp("Write the picture as PDF (rendered from the SVG by librsvg).", valueName: "file"), completion: .file())
    var pdf: String?
    @Option(help: "Title of the picture (default: one that says what is drawn).")
    var title: String?
    @Flag(name: .customLong("log-y"), help: "Logarithmic y axis (values ≤ 0 are then left off, with a note).")
    var logY = false
    @Flag(name: .customLong("linear-y"), help: "Linear y axis. Default: log only when all values are positive and span more than two decades.")
    var linearY = false

    var outputs: [PictureOutput] {
        [(PictureFormat.svg, svg), (.png, png), (.pdf, pdf)].compactMap { format, path in path.map { PictureOutput(format, $0) } }
    }
    var scale: ChartStyle.Scale { logY ? .log : linearY ? .linear : .auto }

    func validate() throws {
        if logY && linearY { throw ValidationError("--log-y and --linear-y: choose one") }
        if let title, title.isEmpty { throw ValidationError("--title \"\": give a title or leave the flag out") }
    }

    /// Refuses (exit 64) outputs that cannot or must not be written; `extra` are further
    /// outputs of the command (compare's --html), `inputs` the files it reads.
    func check(extra: [PictureOutput] = [], inputs: [String] = []) throws {
        if let problem = PictureOutput.problem(with: outputs + extra, inputs: inputs) { throw ValidationError(problem) }
        if outputs.contains(where: { $0.format != .svg }) && !RasterOutput.isAvailable {
            let flags = outputs.filter { $0.format != .svg }.map(\.format.flag).joined(separator: ", ")
            throw ValidationError("\(flags): PNG and PDF need librsvg and cairo (Debian/Ubuntu: apt-get install librsvg2-2 libcairo2); --svg works without them")
        }
    }

    /// Writes `svg` to every output; returns what was written ("a.svg and a.png").
    func write(_ svg: String) throws -> String {
        try reportingErrors {
            for output in outputs { try output.write(svg: svg) }
        }
        return PictureOutput.describe(outputs)
    }
}
