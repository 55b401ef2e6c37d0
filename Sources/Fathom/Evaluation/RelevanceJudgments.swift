import Foundation

/// Graded relevance judgments ("qrels") for a query set, and the ranking
/// metrics computed against them: nDCG@k, recall@k and reciprocal rank@k.
///
/// Where ``GroundTruth`` says what the *exact* top-k of a query is (to measure
/// an approximate index against exact search), judgments say which documents a
/// person found *relevant* (to measure the retrieval model itself, as BEIR does).
///
/// The metrics follow pytrec_eval (trec_eval), which BEIR reports, so numbers
/// are comparable with published ones:
///
/// - a document's gain is its grade (linear, not `2^grade − 1`); unjudged
///   documents gain 0;
/// - the document at rank r (from 1) is discounted by `log2(r + 1)`;
/// - the ideal DCG ranks *all* judged documents of the query by grade, so a
///   query with more relevant documents than k cannot reach 1 by luck;
/// - a document is relevant when its grade is above 0 (trec_eval's default
///   relevance level 1).
///
/// One difference: trec_eval re-sorts a run by score; here the ranked list is
/// taken in the order given, which is the order Fathom returned.
///
/// A query without any relevant judgment (unknown, or judged only with grade
/// 0) has no metric: every metric returns nil for it, and ``RelevanceMetrics``
/// leaves it out of the means rather than counting it as 0 or 1.
///
/// ```swift
/// let qrels = try RelevanceJudgments(contentsOf: "scifact/qrels/test.tsv")
/// let ndcg = qrels.ndcg(at: 10, ranked: hits.map(\.id), query: "1")
/// ```
public struct RelevanceJudgments: Sendable {
    /// One query's judgments, with the ideal ranking precomputed.
    struct Judged: Sendable {
        /// Grade by document id.
        var grades: [String: Int]
        /// Every judged grade, largest first: the gains of the ideal ranking.
        var idealGains: [Int]
        /// The number of relevant (grade > 0) documents.
        var relevant: Int

        init(grades: [String: Int]) {
            self.grades = grades
            idealGains = grades.values.sorted(by: >)
            relevant = idealGains.count { $0 > 0 }
        }
    }

    /// The header line BEIR writes; it is skipped when it is the first line.
    static let header = "query-id\tcorpus-id\tscore"

    private var queries: [String: Judged] = [:]

    /// The number of lines that judged a (query, document) pair already judged
    /// earlier in the file; the later grade replaced the earlier one.
    public private(set) var duplicatePairs = 0

    /// The ids of the judged queries, sorted.
    public var queryIDs: [String] { queries.keys.sorted() }

    /// Judgments given directly: grade by document id, by query id. Grades must
    /// not be negative.
    init(_ grades: [String: [String: Int]]) {
        for (query, documents) in grades {
            precondition(documents.values.allSatisfy { $0 >= 0 }, "relevance grades are non-negative")
            queries[query] = Judged(grades: documents)
        }
    }

    /// Reads a qrels file in BEIR's layout: one judgment per line, three
    /// tab-separated columns `query-id`, `corpus-id` and `score`, the score a
    /// non-negative integer grade (0 = judged not relevant).
    ///
    /// - The header line `query-id<TAB>corpus-id<TAB>score` is optional: when
    ///   the first line is exactly that, it is skipped; any other first line is
    ///   read as a judgment. Headerless qrels (as some tools write them) thus
    ///   load, and a different header fails on line 1 with a clear message
    ///   rather than silently dropping a judgment.
    /// - Blank lines are skipped, a trailing `\r` and a UTF-8 byte-order mark
    ///   are ignored (the lines are read by ``JSONLReader``).
    /// - A pair judged twice keeps the **last** grade, as BEIR's loader (a
    ///   dictionary assignment) and Fathom's ingest ("the last duplicate id
    ///   wins") do; ``duplicatePairs`` counts such lines so a caller can warn.
    /// - TREC's four-column, space-separated layout is not read.
    ///
    /// - Parameter path: The file's path, or `-` for standard input.
    /// - Throws: ``FathomError/io(path:reason:)`` when the file cannot be read;
    ///   ``FathomError/invalidRecord(location:field:reason:)`` naming the file,
    ///   the line and the column for a line without exactly three columns, an
    ///   empty id, or a score that is not a non-negative integer.
    public init(contentsOf path: String) throws {
        let reader = try JSONLReader(path: path)
        var grades: [String: [String: Int]] = [:]
        var first = true
        while let line = try reader.next() {
            defer { first = false }
            do throws(ValidationFailure) {
                let text = try Self.text(of: line.bytes)
                if first && text == Self.header { continue }
                let (query, document, grade) = try Self.judgment(in: text)
                if grades[query, default: [:]].updateValue(grade, forKey: document) != nil { duplicatePairs += 1 }
            } catch {
                throw error.located(at: InputLocation(file: path, line: line.number))
            }
        }
        for (query, documents) in grades { queries[query] = Judged(grades: documents) }
    }

    private static func text(of bytes: Data) throws(ValidationFailure) -> String {
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw ValidationFailure(field: "", reason: "not valid UTF-8")
        }
        return text
    }

    /// Parses one judgment line (header already handled).
    static func judgment(in text: String) throws(ValidationFailure) -> (query: String, document: String, grade: Int) {
        let columns = text.split(separator: "\t", omittingEmptySubsequences: false)
        guard columns.count == 3 else {
            throw ValidationFailure(field: "", reason: "expected 3 tab-separated columns (query-id, corpus-id, score), found \(columns.count)")
        }
        guard !columns[0].isEmpty else { throw ValidationFailure(field: "query-id", reason: "empty") }
        guard !columns[1].isEmpty else { throw ValidationFailure(field: "corpus-id", reason: "empty") }
        let score = columns[2].trimmingCharacters(in: .whitespaces)
        guard let grade = Int(score) else {
            throw ValidationFailure(field: "score", reason: "'\(score)' is not an integer grade")
        }
        guard grade >= 0 else {
            throw ValidationFailure(field: "score", reason: "grade \(grade) is negative; grades are non-negative integers")
        }
        return (String(columns[0]), String(columns[1]), grade)
    }

    /// The judged documents of `queryID` with their grades (0 = judged not
    /// relevant), or nil when the query has no judgments.
    public func judged(_ queryID: String) -> [String: Int]? {
        queries[queryID]?.grades
    }

    /// The judgments of `query` when it has a relevant document.
    private func relevantJudged(_ query: String, k: Int) -> Judged? {
        precondition(k >= 1, "a metric cut-off must be at least 1, got \(k)")
        guard let judged = queries[query], judged.relevant > 0 else { return nil }
        return judged
    }

    /// nDCG@k of a ranking: Σ grade / log2(rank + 1) over the first `k`
    /// documents, divided by the same sum for the ideal ranking of all the
    /// query's judged documents. In 0...1; a document listed twice gains only
    /// at its first rank (later ranks count as non-relevant).
    ///
    /// - Returns: nil when `query` has no relevant judgment.
    /// - Precondition: `k` ≥ 1.
    public func ndcg(at k: Int, ranked: [String], query: String) -> Double? {
        guard let judged = relevantJudged(query, k: k) else { return nil }
        var seen = Set<String>()
        var dcg = 0.0
        for (index, id) in ranked.prefix(k).enumerated() where seen.insert(id).inserted {
            if let grade = judged.grades[id], grade > 0 { dcg += Double(grade) / log2(Double(index + 2)) }
        }
        var ideal = 0.0
        for (index, grade) in judged.idealGains.prefix(k).enumerated() where grade > 0 {
            ideal += Double(grade) / log2(Double(index + 2))
        }
        return dcg / ideal
    }

    /// recall@k: the share of the query's relevant (grade > 0) documents found
    /// among the first `k` ranked ones. As in trec_eval the denominator is all
    /// relevant documents, not min(k, relevant). A document listed twice counts once.
    ///
    /// - Returns: nil when `query` has no relevant judgment.
    /// - Precondition: `k` ≥ 1.
    public func recall(at k: Int, ranked: [String], query: String) -> Double? {
        guard let judged = relevantJudged(query, k: k) else { return nil }
        let found = Set(ranked.prefix(k)).count { judged.grades[$0, default: 0] > 0 }
        return Double(found) / Double(judged.relevant)
    }

    /// The reciprocal rank cut at k (a query's contribution to MRR@k):
    /// 1 / rank of the first relevant document among the first `k`, 0 when
    /// none of them is relevant.
    ///
    /// - Returns: nil when `query` has no relevant judgment.
    /// - Precondition: `k` ≥ 1.
    public func reciprocalRank(at k: Int, ranked: [String], query: String) -> Double? {
        guard let judged = relevantJudged(query, k: k) else { return nil }
        guard let index = ranked.prefix(k).firstIndex(where: { judged.grades[$0, default: 0] > 0 }) else { return 0 }
        return 1 / Double(index + 1)
    }
}

/// The standard BEIR summary of a run against ``RelevanceJudgments``: mean
/// nDCG@10, recall@100 and MRR@10 over the queries that have a relevant
/// judgment.
///
/// Queries without one are left out of the means (and counted in
/// ``skippedQueries``); queries that are judged but absent from the run are
/// not seen at all, so run every judged query. With no counted query every
/// mean is 0.
public struct RelevanceMetrics: Sendable, Codable, Equatable {
    /// The number of queries in the means.
    public var queries: Int
    /// The number of ranked queries left out because they have no relevant judgment.
    public var skippedQueries: Int
    /// Mean nDCG@10 (linear gain, log2 discount; see ``RelevanceJudgments``).
    public var ndcgAt10: Double
    /// Mean recall@100.
    public var recallAt100: Double
    /// Mean reciprocal rank cut at 10 (MRR@10).
    public var mrrAt10: Double

    /// Evaluates `rankings`, one `(query id, document ids best first)` pair per
    /// query searched. A query listed twice is counted twice. The means are
    /// summed in the order given, so equal inputs give bit-identical results.
    public init(judgments: RelevanceJudgments, rankings: [(query: String, ranked: [String])]) {
        var queries = 0, skipped = 0
        var ndcg = 0.0, recall = 0.0, mrr = 0.0
        for (query, ranked) in rankings {
            guard let queryNDCG = judgments.ndcg(at: 10, ranked: ranked, query: query),
                  let queryRecall = judgments.recall(at: 100, ranked: ranked, query: query),
                  let queryRR = judgments.reciprocalRank(at: 10, ranked: ranked, query: query) else {
                skipped += 1
                continue
            }
            queries += 1
            ndcg += queryNDCG
            recall += queryRecall
            mrr += queryRR
        }
        let count = Double(max(queries, 1))
        self.queries = queries
        skippedQueries = skipped
        ndcgAt10 = ndcg / count
        recallAt100 = recall / count
        mrrAt10 = mrr / count
    }
}
