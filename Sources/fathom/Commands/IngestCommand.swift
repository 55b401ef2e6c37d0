import ArgumentParser
import Fathom
import Foundation

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest a JSONL file of documents.",
        discussion: """
            One JSON object per line: {"id", "sparse", "dense", "metadata", "text"} (see docs/cli.md).
            Each batch is one transaction. An existing id is replaced (the last line wins).
            On a terminal, progress is shown; otherwise stdout gets 'committed N' (documents durable
            so far) after each committed batch, and nothing else. Use '-' to read standard input.

              fathom ingest demo.fathom corpus.jsonl --batch 2000
              zstdcat corpus.jsonl.zst | fathom ingest demo.fathom - --on-error skip
            """)

    @OptionGroup var target: DatabaseOptions

    @Argument(help: "JSONL file to ingest, or '-' for standard input.")
    var file: String

    @Option(name: .long, help: "Documents per transaction.")
    var batch: Int = IngestOptions.defaultBatchSize

    @Option(name: .customLong("on-error"), help: "abort: stop at the first bad line, keeping nothing of its batch; skip: keep good lines, report bad ones.")
    var onError: IngestOptions.ErrorPolicy = .abort

    @Flag(name: .customLong("no-seal"), help: "Leave the remaining documents in the write buffer instead of sealing a segment at the end.")
    var noSeal = false

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        let db = try target.open()
        let collection = try db.collection(target.collection)
        let terminal = Output.isTerminal
        let options = IngestOptions(batchSize: batch, onError: onError, sealAtEnd: !noSeal)
        var progressShown = false
        let report = try collection.ingest(jsonl: file, options: options) { progress in
            if terminal {
                Output.error(ProgressLine.render(progress), terminator: "\r")
                progressShown = true
            } else {
                Output.line("committed \(progress.documentsCommitted)")
            }
        }
        if progressShown { Output.error("") }
        for error in report.rejected { Output.error("skipped: \(error)") }
        if report.rejectedCount > report.rejected.count {
            Output.error("skipped: … and \(report.rejectedCount - report.rejected.count) more")
        }
        let rate = report.elapsedSeconds > 0 ? Double(report.documentsCommitted) / report.elapsedSeconds : 0
        var summary = "ingested \(Plural.count(report.documentsCommitted, "document")) from \(Plural.count(report.linesRead, "line")) in "
            + String(format: "%.2f s (%.0f docs/s)", report.elapsedSeconds, rate)
        if report.rejectedCount > 0 { summary += "; \(report.rejectedCount) bad lines skipped" }
        if report.documentsSealed > 0 { summary += "; sealed \(report.documentsSealed) into a segment" }
        Output.error(summary)
    }
}

/// The one-line progress display of a terminal ingest.
enum ProgressLine {
    static func render(_ progress: IngestProgress) -> String {
        let rate = progress.elapsedSeconds > 0 ? Double(progress.documentsCommitted) / progress.elapsedSeconds : 0
        var text = String(format: "%d docs, %.0f docs/s", progress.documentsCommitted, rate)
        if let total = progress.totalBytes, total > 0, progress.bytesRead > 0 {
            let fraction = min(1, Double(progress.bytesRead) / Double(total))
            let remaining = progress.elapsedSeconds * (1 - fraction) / max(fraction, 1e-9)
            text += String(format: ", %.0f%%, ETA %@", fraction * 100, duration(remaining))
        }
        if progress.rejected > 0 { text += ", \(progress.rejected) skipped" }
        return text + "   "
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
