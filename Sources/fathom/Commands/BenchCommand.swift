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
            --json prints one object with recall_at_k, qps, latency_ms_p50, latency_ms_p99, queries, mode.

              fathom bench demo.fathom --queries queries.jsonl --truth gt_sparse.jsonl --mode sparse --exact
            """)

    @OptionGroup var target: DatabaseOptions
    @OptionGroup var queryOptions: QueryOptions

    @Option(name: .long, help: "JSONL file of queries.")
    var queries: String

    @Option(name: .long, help: "JSONL ground-truth file.")
    var truth: String?

    @Option(name: .long, help: "Use only the first N queries.")
    var limit: Int?

    @Option(name: .long, help: "Queries run before timing starts (default: all of them once, at most 200).")
    var warmup: Int?

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @Option(name: .long, help: "Threads sharing the open database; QPS is then the total throughput.")
    var threads: Int = 1

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
        let records = try QueryFile.load(path: queries, for: collection, k: queryOptions.k, mode: queryOptions.mode, limit: limit)
        guard !records.isEmpty else { throw FathomError.invalidArgument(reason: "\(queries) holds no queries") }
        let groundTruth = try truth.map(GroundTruth.load(path:))
        let prepared: [Query] = records.map { record in
            var query = record.query
            queryOptions.apply(to: &query, defaults: collection.schema.index)
            return query
        }

        let firstStart = DispatchTime.now().uptimeNanoseconds
        _ = try collection.search(prepared[0])
        let firstQueryMilliseconds = Self.milliseconds(since: firstStart)
        for query in prepared.prefix(warmup ?? min(prepared.count, 200)) { _ = try collection.search(query) }

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
        let latency = LatencySummary(milliseconds: latencies)
        let report = BenchReport(
            queries: prepared.count, k: queryOptions.k, mode: queryOptions.mode.rawValue, exact: queryOptions.exact,
            threads: threads, recall_at_k: recalls.isEmpty ? nil : recalls.reduce(0, +) / Double(recalls.count),
            queries_with_truth: recalls.count, qps: Double(prepared.count) / passSeconds,
            latency_ms_mean: latency.meanMilliseconds, latency_ms_p50: latency.p50Milliseconds,
            latency_ms_p99: latency.p99Milliseconds, latency_ms_max: latency.maxMilliseconds,
            open_ms: openMilliseconds, first_query_ms: firstQueryMilliseconds)
        if json {
            Output.line(JSONText.encode(report))
        } else {
            Output.line("queries \(report.queries), k \(report.k), mode \(report.mode)\(report.exact ? " (exact)" : "")")
            if let recall = report.recall_at_k {
                Output.line(String(format: "recall@%d %.4f over %d queries with truth", report.k, recall, recalls.count))
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
}
