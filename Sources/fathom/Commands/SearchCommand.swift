import ArgumentParser
import Fathom
import Foundation

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Run the queries of a JSONL query file and print their top hits.",
        discussion: """
            Query files use the document format, with an "id" and a "sparse" and/or "dense" part.
            --json prints one line per query: {"query": ID, "hits": [{"id", "score"}, ...]}
            (plus "plan" with --explain).

              fathom search demo.fathom --query-file queries.jsonl --k 5 --mode hybrid
              fathom search demo.fathom --query-file queries.jsonl --limit 1 --mode sparse --explain
            """)

    @OptionGroup var target: DatabaseOptions
    @OptionGroup var queryOptions: QueryOptions

    @Option(name: .customLong("query-file"), help: "JSONL file of queries.")
    var queryFile: String

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
    }

    func run() throws {
        let db = try target.open(readOnly: false)
        let collection = try db.collection(target.collection)
        var queries = try QueryFile.load(path: queryFile, for: collection, k: queryOptions.k, mode: queryOptions.mode,
                                         limit: queryIDs.isEmpty ? limit : nil)
        if !queryIDs.isEmpty {
            let wanted = Set(queryIDs)
            queries = queries.filter { wanted.contains($0.id) }
            if let missing = queryIDs.first(where: { id in !queries.contains { $0.id == id } }) {
                throw FathomError.invalidArgument(reason: "no query with id '\(missing)' in \(queryFile)")
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
