import ArgumentParser
import Fathom
import Foundation

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show collections, document counts, segments and sizes.",
        discussion: """
              fathom stats demo.fathom
              fathom stats demo.fathom --json
            """)

    @Argument(help: "Path of the database file.")
    var database: String

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func run() throws {
        let db = try Database(path: database, options: Database.Options(create: false, readOnly: false, compaction: nil))
        let stats = try db.statistics()
        if json {
            Output.line(JSONText.encode(stats))
            return
        }
        Output.line("database \(stats.path)")
        Output.line("  file \(Self.bytes(stats.fileBytes)), wal \(Self.bytes(stats.walBytes)); format v\(stats.formatVersion); "
            + "SQLite \(stats.sqliteVersion), journal \(stats.journalMode), synchronous \(stats.synchronous)")
        for collection in stats.collections {
            var parts: [String] = []
            if let dense = collection.schema.dense { parts.append("dense \(dense.dimension)-d \(dense.metric.rawValue)") }
            switch collection.schema.sparse {
            case .termIDs(let dimension)?: parts.append("sparse term ids < \(dimension)")
            case .vocabulary?: parts.append("sparse vocabulary of \(collection.vocabularySize) terms")
            case nil: break
            }
            Output.line("collection '\(collection.name)': \(parts.joined(separator: ", "))")
            Output.line("  documents \(collection.documents) (\(collection.bufferedDocuments) in the write buffer), "
                + "segments \(collection.segments), postings \(collection.postings), "
                + "deleted in segments \(collection.deletedInSegments)")
            let sizes = collection.bytes.sorted { $0.key < $1.key }.map { "\($0.key) \(Self.bytes($0.value))" }
            Output.line("  stored: " + sizes.joined(separator: ", "))
            if let text = collection.textQueries {
                Output.line("  text queries: WordPiece vocabulary of \(text.vocabularySize) tokens, "
                    + "\(text.lowercase ? "uncased" : "cased"), weights \(text.weighting.rawValue); "
                    + "\(collection.termsWithDocuments) terms with documents")
            }
            if let dense = collection.denseFootprint {
                let disk = dense.onDisk.sorted { $0.key < $1.key }.map { String(format: "%@ %.0f B", $0.key, $0.value) }
                let resident = dense.resident.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value) B" }
                Output.line("  dense bytes per vector (\(dense.vectors) in segments): on disk " + disk.joined(separator: ", ")
                    + "; resident " + resident.joined(separator: ", "))
            }
        }
    }

    static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
