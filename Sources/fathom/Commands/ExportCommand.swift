import ArgumentParser
import Fathom

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a collection to stdout: JSONL that ingest reads back exactly, or a file OpenSearch or Qdrant bulk-loads.",
        discussion: """
              fathom export demo.fathom > backup.jsonl
              fathom export demo.fathom --collection tags | fathom ingest copy.fathom - --collection tags
              fathom export demo.fathom --format opensearch --index docs --vocab vocab.txt > bulk.ndjson
              fathom export demo.fathom --format qdrant > points.jsonl

            docs/scale-out.md shows how to create the matching OpenSearch index or Qdrant
            collection and load the file.
            """)

    /// The CLI spelling of the formats (the library's OpenSearch case carries the index).
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, opensearch, qdrant
    }

    @OptionGroup var target: DatabaseOptions

    @Option(name: .long, help: "jsonl (what ingest reads), opensearch (_bulk NDJSON) or qdrant (points JSONL).")
    var format: Format = .jsonl

    @Option(name: .long, help: "opensearch: the _index of every action line (default: the collection name).")
    var index: String?

    @Option(name: .long, help: ArgumentHelp(
        "opensearch or qdrant: a token table, one token per line, line N (from 0) naming term id N, e.g. a WordPiece vocab.txt. OpenSearch keys become tokens (for rank_features); the terms of a --vocab collection become Qdrant ids.",
        valueName: "file"))
    var vocab: String?

    func validate() throws {
        if index != nil && format != .opensearch { throw ValidationError("--index needs --format opensearch") }
        if vocab != nil && format == .jsonl {
            throw ValidationError("--vocab needs --format opensearch or qdrant (jsonl writes the collection's own terms)")
        }
    }

    func run() throws {
        let tokens = try vocab.map(TokenTable.init(contentsOfFile:))
        let db = try target.open()
        let exportFormat: ExportFormat
        switch format {
        case .jsonl: exportFormat = .jsonl
        case .opensearch: exportFormat = .openSearch(index: index ?? target.collection)
        case .qdrant: exportFormat = .qdrant
        }
        var output = BufferedOutput()
        let count = try db.collection(target.collection).export(exportFormat, tokens: tokens) { output.line($0) }
        output.flush()
        Output.error("exported \(count) documents")
    }
}
