import ArgumentParser
import Fathom
import Foundation
import Synchronization

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure recall@k against a truth file, queries per second and latency (single-threaded).",
        discussion: """
            Opens the database, answers the first query cold (both timed), runs a warm-up pass,
            then times every query once. Truth files hold {"query": ID, "ids": [...], "scores": [...]}
            per line, best first; hits tied with the k-th true score count as correct.
            --json prints one object with recall_at_k, qps, latency_ms_p50, latency_ms_p99, queries, mode
            (and ndcg_at_10, recall_at_100, mrr_at_10 with --qrels; tokenize_us_p50, tokenize_us_p99,
            tokens_per_second with --from-text). --from-text makes each query's sparse part from its
            "text" with the collection's tokenizer (see `fathom vocab`), ignoring its "sparse".

              fathom bench demo.fathom --queries queries.jsonl --truth gt_sparse.jsonl --mode sparse --exact
              fathom bench demo.fathom --queries queries.jsonl --qrels qrels.tsv --from-text
            """)

    @OptionGroup var target: DatabaseOptions
    @OptionGroup var queryOptions: QueryOptions

    @Option(name: .long, help: "JSONL file of queries.")
    var queries: String

    @Option(name: .long, help: "JSONL ground-truth file.")
    var truth: String?

    @Option(name: .long, help: "Relevance judgments (TSV query-id, corpus-id, grade): report nDCG@10, recall@100 and MRR@10.")
    var qrels: String?

    @Option(name: .long, help: "Use only the first N queries.")
    var limit: Int?

    @Option(name: .long, help: "Queries run before timing starts, cycling through the file (default: all of them once, at most 200); a large N makes a profile of the search path.")
    var warmup: Int?

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @Option(name: .long, help: "Threads sharing the open database; QPS is then the total throughput.")
    var threads: Int = 1

    @Flag(name: .customLong("from-text"), help: "Make each query's sparse part from its \"text\" (any \"sparse\" is ignored); also time the tokenizer.")
    var fromText = false

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be in 1...256") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let warmup, warmup < 0 { throw ValidationError("--warmup must be at least 0") }
    }

    func run() throws {
        let openStart = DispatchTime.now().uptimeNanoseconds
        let db = try target.open()
        let collection = try db.collection(target.collection)
        let openMilliseconds = Self.milliseconds(since: openStart)
        let records = try QueryFile.load(path: queries, for: collection, k: queryOptions.k, mode: queryOptions.mode, limit: limit,
                                         sparseFromText: fromText)
        guard !records.isEmpty else { throw FathomError.invalidArgument(reason: "\(queries) holds no queries") }
        let tokenizing = fromText ? try TokenizerTiming.measure(records.compactMap(\.text), of: collection) : nil
        let groundTruth = try truth.map(GroundTruth.load(path:))
        let filter = try queryOptions.parsedFilter()
        let prepared: [Query] = records.map { record in
            var query = record.query
            queryOptions.apply(to: &query, defaults: collection.schema.index, filter: filter)
            return query
        }

        let firstStart = DispatchTime.now().uptimeNanoseconds
        _ = try collection.search(prepared[0])
        let firstQueryMilliseconds = Self.milliseconds(since: firstStart)
        for index in 0..<(warmup ?? min(prepared.count, 200)) { _ = try collection.search(prepared[index % prepared.count]) }

        var recalls: [Double] = []
        let passStart = DispatchTime.now().uptimeNanoseconds
        let (results, latencies) = try Self.timedPass(prepared, on: collection, threads: threads)
        let passSeconds = Self.milliseconds(since: passStart) / 1000
        if let groundTruth {
            for (record, hits) in zip(records, results) {
                if let recall = groundTruth.recall(of: hits.map(\.id), for: record.id, k: queryOptions.k) {
                    recalls.append(recall)
                }
            }
            guard !recalls.isEmpty else {
                throw FathomError.invalidArgument(reason: "no query of \(queries) has an entry in \(truth ?? "")")
            }
        }
        // Labeled-data metrics: nDCG@10 and MRR@10 from the timed pass's
        // hits (so they describe the queries as run, fusion depth included;
        // k must be at least 10), recall@100 from an untimed pass at k 100.
        var relevance: RelevanceMetrics?
        if let qrels {
            guard queryOptions.k >= 10 else { throw ValidationError("--qrels needs --k of at least 10 (nDCG@10)") }
            let judgments = try RelevanceJudgments(contentsOf: qrels)
            let deep = prepared.map { query in
                var deeper = query
                deeper.k = max(query.k, 100)
                return deeper
            }
            let (deepHits, _) = try Self.timedPass(deep, on: collection, threads: threads)
            let asRun = RelevanceMetrics(judgments: judgments,
                                         rankings: zip(records, results).map { (query: $0.id, ranked: $1.map(\.id)) })
            let deeper = RelevanceMetrics(judgments: judgments,
                                          rankings: zip(records, deepHits).map { (query: $0.id, ranked: $1.map(\.id)) })
            guard asRun.queries > 0 else {
                throw FathomError.invalidArgument(reason: "no query of \(queries) has a relevant judgment in \(qrels)")
            }
            relevance = asRun
            relevance?.recallAt100 = deeper.recallAt100
        }
        let latency = LatencySummary(milliseconds: latencies)
        let report = BenchReport(
            queries: prepared.count, k: queryOptions.k, mode: queryOptions.mode.rawValue, exact: queryOptions.exact,
            threads: threads, recall_at_k: recalls.isEmpty ? nil : recalls.reduce(0, +) / Double(recalls.count),
            queries_with_truth: recalls.count, qps: Double(prepared.count) / passSeconds,
            latency_ms_mean: latency.meanMilliseconds, latency_ms_p50: latency.p50Milliseconds,
            latency_ms_p99: latency.p99Milliseconds, latency_ms_max: latency.maxMilliseconds,
            open_ms: openMilliseconds, first_query_ms: firstQueryMilliseconds,
            ndcg_at_10: relevance?.ndcgAt10, recall_at_100: relevance?.recallAt100, mrr_at_10: relevance?.mrrAt10,
            queries_with_qrels: relevance?.queries, from_text: fromText ? true : nil,
            tokenize_us_p50: tokenizing?.p50, tokenize_us_p99: tokenizing?.p99,
            tokens_per_query: tokenizing?.tokensPerQuery, tokens_per_second: tokenizing?.tokensPerSecond)
        if json {
            Output.line(JSONText.encode(report))
        } else {
            Output.line("queries \(report.queries), k \(report.k), mode \(report.mode)\(report.exact ? " (exact)" : "")")
            if let recall = report.recall_at_k {
                Output.line(String(format: "recall@%d %.4f over %d queries with truth", report.k, recall, recalls.count))
            }
            if let relevance {
                Output.line(String(format: "nDCG@10 %.4f, recall@100 %.4f, MRR@10 %.4f over %d judged queries",
                                   relevance.ndcgAt10, relevance.recallAt100, relevance.mrrAt10, relevance.queries))
            }
            if let tokenizing {
                Output.line(String(format: "tokenize: %.2f µs p50, %.2f µs p99 per query; %.1f tokens per query, %.2f M tokens/s",
                                   tokenizing.p50, tokenizing.p99, tokenizing.tokensPerQuery, tokenizing.tokensPerSecond / 1e6))
            }
            Output.line(String(format: "qps %.1f; latency ms mean %.3f, p50 %.3f, p99 %.3f, max %.3f",
                               report.qps, report.latency_ms_mean, report.latency_ms_p50, report.latency_ms_p99,
                               report.latency_ms_max))
            Output.line(String(format: "open %.2f ms; first query %.2f ms", report.open_ms, report.first_query_ms))
        }
    }

    /// Runs every query once: on `threads` threads, each taking the next
    /// unclaimed query, all sharing one `Collection` (and its database).
    /// Returns the hits and the latency of each query, in query order.
    static func timedPass(_ queries: [Query], on collection: Collection, threads: Int) throws
        -> (hits: [[SearchHit]], latencies: [Double])
    {
        let results = Mutex<(hits: [[SearchHit]], latencies: [Double], error: (any Error)?)>(
            (Array(repeating: [], count: queries.count), Array(repeating: 0, count: queries.count), nil))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < queries.count else { return }
                let start = DispatchTime.now().uptimeNanoseconds
                do {
                    let hits = try collection.search(queries[index])
                    let latency = milliseconds(since: start)
                    results.withLock { $0.hits[index] = hits; $0.latencies[index] = latency }
                } catch {
                    results.withLock { $0.error = error }
                    return
                }
            }
        }
        return try results.withLock { state in
            if let error = state.error { throw error }
            return (state.hits, state.latencies)
        }
    }

    static func milliseconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }
}

/// The JSON written by `bench --json` (field names are the CLI contract).
struct BenchReport: Encodable {
    var queries: Int
    var k: Int
    var mode: String
    var exact: Bool
    var threads: Int
    var recall_at_k: Double?
    var queries_with_truth: Int
    var qps: Double
    var latency_ms_mean: Double
    var latency_ms_p50: Double
    var latency_ms_p99: Double
    var latency_ms_max: Double
    var open_ms: Double
    var first_query_ms: Double
    var ndcg_at_10: Double?
    var recall_at_100: Double?
    var mrr_at_10: Double?
    var queries_with_qrels: Int?
    var from_text: Bool?
    var tokenize_us_p50: Double?
    var tokenize_us_p99: Double?
    var tokens_per_query: Double?
    var tokens_per_second: Double?
}
