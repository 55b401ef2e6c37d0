import ArgumentParser
import Fathom
import Foundation

struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Merge a collection's segments and drop deleted documents.",
        discussion: """
            By default every live segment of the collection is merged into one, without the
            deleted and replaced documents; posting blocks, Seismic clusters and summaries and the
            dense graph are rebuilt. With --policy, only what the size-tier and deleted-fraction
            policy asks for is done (what the library's background worker does).
            Searches keep running meanwhile; the result becomes visible in one transaction, after
            which stdout gets one 'published' line per merge. Killing the command at any moment
            leaves the collection as it was; the next compaction removes what it left behind.
            The write buffer is not touched.

              fathom compact demo.fathom
              fathom compact demo.fathom --policy --merge-factor 8 --deleted-fraction 0.3
            """)

    @OptionGroup var target: DatabaseOptions

    @Flag(name: .long, help: "Do only what the compaction policy asks for.")
    var policy = false

    @Option(name: .customLong("merge-factor"), help: "With --policy: segments of one size tier that trigger their merge.")
    var mergeFactor: Int = CompactionPolicy().mergeFactor

    @Option(name: .customLong("deleted-fraction"), help: "With --policy: deleted share of a segment that triggers its rewrite.")
    var deletedFraction: Double = CompactionPolicy().deletedFraction

    @Flag(name: .long, help: "Print one JSON object per merge instead of text.")
    var json = false

    func run() throws {
        let db = try target.open()
        let collection = try db.collection(target.collection)
        let reports: [CompactionReport]
        if policy {
            reports = try collection.compact(
                policy: CompactionPolicy(mergeFactor: mergeFactor, deletedFraction: deletedFraction))
        } else {
            reports = [try collection.compact()]
        }
        for report in reports where !report.mergedSegments.isEmpty {
            if json {
                Output.line(JSONText.encode(report))
                continue
            }
            let target = report.publishedSegment.map { "segment \($0)" } ?? "nothing (every document was deleted)"
            Output.line("published \(target) replacing \(Plural.count(report.mergedSegments.count, "segment")) of '\(collection.name)': "
                + "\(Plural.count(report.documents, "document")) kept, \(report.droppedDocuments) deleted dropped"
                + String(format: " (%.2f s; longest write transaction %.3f s)", report.elapsedSeconds, report.longestWriteSeconds))
        }
        if !json, reports.allSatisfy({ $0.mergedSegments.isEmpty }) {
            Output.line("nothing to compact in '\(collection.name)'")
        }
    }
}
