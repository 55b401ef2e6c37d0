import ArgumentParser
import Fathom
import Foundation

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Run the queries of a JSONL query file, or one text query, and print their top hits.",
        discussion: """
            Query files use the document format, with an "id" and a "sparse" and/or "dense" part.
            --text runs one query whose sparse part is made from text by the collection's
            vocabulary (see `fathom vocab`); --from-text does that for the "text" of every query of
            a file. --json prints one line per query: {"query": ID, "hits": [{"id", "score"}, ...]}
            (plus "plan" with --explain).

              fathom search demo.fathom --query-file queries.jsonl --k 5 --mode hybrid
              fathom search demo.fathom --query-file queries.jsonl --limit 1 --mode sparse --explain
              fathom search demo.fathom --text "EventLoop futures" --k 3
              fathom search demo.fathom --query-file queries.jsonl --from-text --limit 5
            """)

    @OptionGroup var target: DatabaseOptions
    @OptionGroup var queryOptions: QueryOptions

    @Option(name: .customLong("query-file"), help: "JSONL file of queries.")
    var queryFile: String?

    @Option(name: .long, help: "One query as text: its sparse part is made by the collection's tokenizer.")
    var text: String?

    @Option(name: .customLong("dense-file"), help: "With --text: a JSON array of numbers, the dense part of the query (hybrid).")
    var denseFile: String?

    @Flag(name: .customLong("from-text"), help: "With --query-file: make each query's sparse part from its \"text\" (any \"sparse\" is ignored).")
    var fromText = false

    @Option(name: .long, help: "Run only the first N queries of the file.")
    var limit: Int?

    @Option(name: .customLong("query-id"), help: "Run only the query with this id (repeatable).")
    var queryIDs: [String] = []

    @Flag(name: .long, help: "Print the plan and counters of each query.")
    var explain = false

    @Flag(name: .long, help: "One JSON object per query on stdout.")
    var json = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if limit != nil && !queryIDs.isEmpty { throw ValidationError("--limit and --query-id are exclusive") }
        if (queryFile == nil) == (text == nil) { throw ValidationError("give --query-file or --text (one of them)") }
        if text != nil && (fromText || limit != nil || !queryIDs.isEmpty) {
            throw ValidationError("--from-text, --limit and --query-id go with --query-file, not --text")
        }
        if denseFile != nil && text == nil { throw ValidationError("--dense-file goes with --text") }
    }

    func run() throws {
        let db = try target.open(readOnly: false)
        let collection = try db.collection(target.collection)
        var queries: [QueryRecord]
        if let text {
            let dense = try denseFile.map(Self.denseVector(path:))
            queries = [QueryRecord(id: "text", query: Query(text: text, dense: dense, k: queryOptions.k, mode: queryOptions.mode),
                                   text: text)]
        } else {
            queries = try QueryFile.load(path: queryFile ?? "", for: collection, k: queryOptions.k, mode: queryOptions.mode,
                                         limit: queryIDs.isEmpty ? limit : nil, sparseFromText: fromText)
        }
        if !queryIDs.isEmpty {
            let wanted = Set(queryIDs)
            queries = queries.filter { wanted.contains($0.id) }
            if let missing = queryIDs.first(where: { id in !queries.contains { $0.id == id } }) {
                throw FathomError.invalidArgument(reason: "no query with id '\(missing)' in \(queryFile ?? "")")
            }
        }
        let filter = try queryOptions.parsedFilter()
        var output = BufferedOutput()
        for record in queries {
            var query = record.query
            queryOptions.apply(to: &query, defaults: collection.schema.index, filter: filter)
            let result = try collection.searchExplained(query)
            if json {
                output.line(JSONText.encode(SearchLine(query: record.id, hits: result.hits.map { .init(id: $0.id, score: $0.score) },
                                                       plan: explain ? result.explanation : nil)))
                continue
            }
            output.line("query \(record.id)\(record.text.map { ": \($0)" } ?? "")")
            if explain {
                let e = result.explanation
                var plan = "  plan: mode \(e.mode); \(e.paths.joined(separator: "; ")); \(Plural.count(e.segments, "segment")), "
                    + "\(e.bufferedDocuments) buffered docs; \(e.postingsScored) postings scored, "
                    + "\(e.documentsRescored) docs rescored, \(e.denseDocumentsScored) dense docs scored; "
                if let filter = e.filter {
                    plan += "filter \(filter): \(e.filterMatches ?? 0) docs admitted (estimated \(e.filterEstimatedMatches ?? 0)); "
                }
                if e.graphDistanceComputations > 0 {
                    plan += "graph: \(e.graphNodesVisited) nodes visited, \(e.graphDistanceComputations) distances; "
                }
                if e.denseCandidatesRescored > 0 { plan += "\(e.denseCandidatesRescored) dense candidates rescored; " }
                if let terms = e.textTerms, let weighting = e.textWeighting {
                    plan += "text (\(weighting.rawValue)): " + terms.map { String(format: "%@ %.3f", $0.token, $0.weight) }
                        .joined(separator: ", ")
                    if let dropped = e.textDroppedTokens, !dropped.isEmpty { plan += "; dropped \(dropped.joined(separator: " "))" }
                    plan += "; "
                }
                if let certified = e.certified {
                    plan += "seismic: \(e.blocksEvaluated) blocks evaluated, \(e.blocksSkipped) skipped, "
                        + "\(e.seismicDocumentsScored) docs scored, bound \(e.unscoredBound ?? 0), certified \(certified); "
                }
                output.line(plan + String(format: "%.3f ms", e.elapsedMilliseconds))
                for leaf in e.segmentPlans {
                    var line = "    segment \(leaf.segment) \(leaf.part): \(leaf.plan) over \(leaf.documents) docs"
                    if let admitted = leaf.admitted { line += ", \(admitted) admitted (estimated \(leaf.estimatedAdmitted ?? 0))" }
                    line += "; cost " + (leaf.estimatedMicroseconds.map { String(format: "estimated %.0f µs, ", $0) } ?? "")
                        + String(format: "actual %.0f µs", leaf.actualMicroseconds)
                    output.line(line)
                }
            }
            if result.hits.isEmpty { output.line("  (no hits)") }
            for (rank, hit) in result.hits.enumerated() {
                let snippet = try collection.document(id: hit.id)?.text.map { "  " + Self.snippet($0) } ?? ""
                output.line(String(format: "  %2d. %@  %.4f", rank + 1, hit.id, hit.score) + snippet)
            }
        }
        output.flush()
    }

    /// The dense query vector of `--dense-file`: one JSON array of numbers.
    static func denseVector(path: String) throws -> [Float] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FathomError.io(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        do {
            return try QueryFile.denseVector(json: data)
        } catch FathomError.invalidArgument(let reason) {
            throw FathomError.io(path: path, reason: reason)
        }
    }

    static func snippet(_ text: String, length: Int = 72) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > length ? String(flat.prefix(length)) + "…" : flat
    }
}

/// One line of `search --json`.
struct SearchLine: Encodable {
    struct Hit: Encodable {
        var id: String
        var score: Float
    }
    var query: String
    var hits: [Hit]
    var plan: QueryExplanation?
}
