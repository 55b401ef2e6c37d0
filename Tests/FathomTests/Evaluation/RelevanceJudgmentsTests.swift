import Foundation
@testable import Fathom
import FathomTestSupport
import Testing

@Suite("Relevance judgments: metrics")
struct RelevanceMetricTests {
    /// Graded: a 3, b 2, d 1, c judged not relevant.
    static let graded = RelevanceJudgments(["q": ["a": 3, "b": 2, "c": 0, "d": 1]])
    /// Binary: a and b relevant.
    static let binary = RelevanceJudgments(["q": ["a": 1, "b": 1]])

    static let log3 = log2(3.0)

    static func close(_ value: Double?, _ expected: Double) -> Bool {
        guard let value else { return false }
        return abs(value - expected) < 1e-12
    }

    @Test("graded nDCG: linear gain, log2(rank + 1) discount, ideal from all judged documents")
    func gradedNDCG() {
        // ranked d, a, c: DCG = 1/log2(2) + 3/log2(3) + 0/log2(4)
        // ideal a, b, d:  IDCG = 3/log2(2) + 2/log2(3) + 1/log2(4)
        let ndcg = Self.graded.ndcg(at: 3, ranked: ["d", "a", "c", "b"], query: "q")
        let expected: Double = (1 + 3 / Self.log3) / (3 + 2 / Self.log3 + 0.5)
        #expect(Self.close(ndcg, expected))
        #expect(Self.close(ndcg, 0.6074915180456525))
        #expect(Self.graded.ndcg(at: 10, ranked: ["a", "b", "d", "c"], query: "q") == 1, "the ideal order")
        #expect(Self.graded.ndcg(at: 10, ranked: ["a", "b", "d"], query: "q") == 1, "grade-0 documents add nothing to the ideal")
    }

    @Test("binary nDCG, recall and reciprocal rank with an unjudged document first")
    func binaryMetrics() {
        let ranked = ["x", "a", "y", "b"]
        // DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3)
        let expected: Double = (1 / Self.log3 + 1 / log2(5.0)) / (1 + 1 / Self.log3)
        #expect(Self.close(Self.binary.ndcg(at: 10, ranked: ranked, query: "q"), expected))
        #expect(Self.close(Self.binary.ndcg(at: 10, ranked: ranked, query: "q"), 0.6509209298071326))
        #expect(Self.binary.recall(at: 10, ranked: ranked, query: "q") == 1)
        #expect(Self.binary.recall(at: 2, ranked: ranked, query: "q") == 0.5)
        #expect(Self.binary.reciprocalRank(at: 10, ranked: ranked, query: "q") == 0.5)
        #expect(Self.binary.reciprocalRank(at: 1, ranked: ranked, query: "q") == 0, "no relevant document in the top 1")
        #expect(Self.binary.ndcg(at: 1, ranked: ranked, query: "q") == 0)
    }

    @Test("the ideal counts every relevant document, so a short cut-off or list cannot reach 1 by luck")
    func idealFromAllJudged() {
        let three = RelevanceJudgments(["q": ["a": 1, "b": 1, "c": 1]])
        #expect(three.ndcg(at: 1, ranked: ["a"], query: "q") == 1, "at k = 1 only one relevant document fits")
        let expected: Double = 1 / (1 + 1 / Self.log3 + 0.5)
        #expect(Self.close(three.ndcg(at: 3, ranked: ["a"], query: "q"), expected))
        #expect(three.recall(at: 1, ranked: ["a"], query: "q") == Double(1) / 3, "the denominator is all relevant documents, not min(k, relevant)")
    }

    @Test("grades above 0 are relevant for recall and reciprocal rank; grade 0 is not")
    func gradeZeroIsNotRelevant() {
        #expect(Self.graded.reciprocalRank(at: 10, ranked: ["c", "x", "d"], query: "q") == Double(1) / 3)
        #expect(Self.graded.recall(at: 10, ranked: ["c", "d"], query: "q") == Double(1) / 3)
    }

    @Test("a document listed twice gains and counts once")
    func duplicateHits() {
        let expected: Double = 1 / (1 + 1 / Self.log3)
        #expect(Self.close(Self.binary.ndcg(at: 10, ranked: ["a", "a"], query: "q"), expected))
        #expect(Self.binary.recall(at: 10, ranked: ["a", "a", "a"], query: "q") == 0.5)
        #expect(Self.binary.ndcg(at: 10, ranked: ["a", "a", "b", "b"], query: "q")! < 1)
    }

    @Test("an empty ranking scores 0")
    func emptyRanking() {
        #expect(Self.binary.ndcg(at: 10, ranked: [], query: "q") == 0)
        #expect(Self.binary.recall(at: 100, ranked: [], query: "q") == 0)
        #expect(Self.binary.reciprocalRank(at: 10, ranked: [], query: "q") == 0)
    }

    @Test("a query that is unknown or judged only with grade 0 has no metric")
    func queriesWithoutRelevantJudgments() {
        let judgments = RelevanceJudgments(["zero": ["a": 0]])
        for query in ["zero", "unknown"] {
            #expect(judgments.ndcg(at: 10, ranked: ["a"], query: query) == nil)
            #expect(judgments.recall(at: 10, ranked: ["a"], query: query) == nil)
            #expect(judgments.reciprocalRank(at: 10, ranked: ["a"], query: query) == nil)
        }
        #expect(judgments.judged("zero") == ["a": 0], "the grade-0 judgment is still readable")
        #expect(judgments.judged("unknown") == nil)
    }

    @Test("RelevanceMetrics averages nDCG@10, recall@100 and MRR@10 over the queries with a relevant judgment")
    func meanMetrics() throws {
        let judgments = RelevanceJudgments(["q1": ["a": 1], "q2": ["b": 2, "c": 1], "q3": ["d": 0]])
        let metrics = RelevanceMetrics(judgments: judgments, rankings: [
            (query: "q1", ranked: ["a"]),            // nDCG 1, recall 1, RR 1
            (query: "q2", ranked: ["x", "c", "b"]),  // nDCG (1/log2(3) + 2/2) / (2 + 1/log2(3)), recall 1, RR 1/2
            (query: "q3", ranked: ["d"]),            // no relevant judgment: skipped
            (query: "q4", ranked: ["a"]),            // not judged: skipped
        ])
        #expect(metrics.queries == 2)
        #expect(metrics.skippedQueries == 2)
        #expect(abs(metrics.ndcgAt10 - (1 + 0.6199062332840657) / 2) < 1e-12)
        #expect(metrics.recallAt100 == 1)
        #expect(metrics.mrrAt10 == 0.75)
        let decoded = try JSONDecoder().decode(RelevanceMetrics.self, from: JSONEncoder().encode(metrics))
        #expect(decoded == metrics)
    }

    @Test("the metric cut-offs are 10, 100 and 10")
    func cutOffs() {
        let judgments = RelevanceJudgments(["q": ["a": 1]])
        let ranked = (0..<50).map { "x\($0)" } + ["a"]   // "a" at rank 51
        let metrics = RelevanceMetrics(judgments: judgments, rankings: [(query: "q", ranked: ranked)])
        #expect(metrics.ndcgAt10 == 0)
        #expect(metrics.mrrAt10 == 0)
        #expect(metrics.recallAt100 == 1)
    }

    @Test("no counted query gives zeros, not NaN")
    func noQueries() {
        let metrics = RelevanceMetrics(judgments: RelevanceJudgments([:]), rankings: [(query: "q", ranked: ["a"])])
        #expect(metrics.queries == 0)
        #expect(metrics.skippedQueries == 1)
        #expect([metrics.ndcgAt10, metrics.recallAt100, metrics.mrrAt10] == [0, 0, 0])
    }
}

@Suite("Relevance judgments: reading qrels files")
struct RelevanceJudgmentsFileTests {
    /// Writes `contents` to a file and loads it.
    static func load(_ contents: String) throws -> RelevanceJudgments {
        let directory = TemporaryDirectory("fathom-qrels")
        let path = directory.path("qrels.tsv")
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return try withExtendedLifetime(directory) { try RelevanceJudgments(contentsOf: path) }
    }

    /// The line, field and reason of the error loading `contents` throws.
    static func failure(_ contents: String) -> (line: Int, field: String, reason: String)? {
        do {
            _ = try load(contents)
        } catch FathomError.invalidRecord(let location, let field, let reason) {
            #expect(location.file.hasSuffix("qrels.tsv"), "the error names the file")
            return (location.line, field, reason)
        } catch {
            Issue.record("unexpected error \(error)")
        }
        return nil
    }

    @Test("a BEIR file with its header loads every judgment")
    func withHeader() throws {
        let judgments = try Self.load("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\nq2\td1\t0\n")
        #expect(judgments.judged("q1") == ["d1": 1, "d2": 2])
        #expect(judgments.judged("q2") == ["d1": 0])
        #expect(judgments.queryIDs == ["q1", "q2"])
        #expect(judgments.duplicatePairs == 0)
    }

    @Test("the header is optional; CRLF endings, blank lines and a byte-order mark are accepted")
    func tolerated() throws {
        let headerless = try Self.load("q1\td1\t1\n\nq1\td2\t2")
        #expect(headerless.judged("q1") == ["d1": 1, "d2": 2])
        let windows = try Self.load("\u{FEFF}query-id\tcorpus-id\tscore\r\nq1\td1\t3\r\n\r\n")
        #expect(windows.judged("q1") == ["d1": 3])
        let spaces = try Self.load("q1\td1\t 2 \n")
        #expect(spaces.judged("q1") == ["d1": 2], "spaces around the grade are ignored")
    }

    @Test("the sample's qrels load: 150 queries, 307 judgments, all relevant")
    func sample() throws {
        let judgments = try RelevanceJudgments(contentsOf: TestPaths.sample.appendingPathComponent("qrels.tsv").path)
        #expect(judgments.queryIDs.count == 150)
        let grades = judgments.queryIDs.flatMap { judgments.judged($0)!.values }
        #expect(grades.count == 307)
        #expect(grades.allSatisfy { $0 == 1 })
        #expect(judgments.duplicatePairs == 0)
    }

    @Test("a pair judged twice keeps the last grade and is counted")
    func duplicatePairsLastWins() throws {
        let judgments = try Self.load("query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t1\nq1\td1\t0\nq2\td1\t1\n")
        #expect(judgments.judged("q1") == ["d1": 0, "d2": 1])
        #expect(judgments.duplicatePairs == 1)
        #expect(judgments.ndcg(at: 10, ranked: ["d1", "d2"], query: "q1") == 1 / log2(3.0), "d1's grade is now 0")
    }

    @Test("a line without exactly three tab-separated columns is rejected with its line number")
    func wrongColumnCount() {
        let missing = Self.failure("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\n")
        #expect(missing?.line == 3)
        #expect(missing?.field == "")
        #expect(missing?.reason == "expected 3 tab-separated columns (query-id, corpus-id, score), found 2")
        #expect(Self.failure("q1\td1\t1\t7\n")?.reason.hasSuffix("found 4") == true)
        #expect(Self.failure("q1 d1 1\n")?.reason.hasSuffix("found 1") == true, "space-separated (TREC-style) lines are not read")
        #expect(Self.failure("q1\td1\t1\t\n")?.line == 1, "a trailing tab is an extra, empty column")
    }

    @Test("an empty id is rejected, naming the column")
    func emptyIDs() {
        #expect(Self.failure("\td1\t1\n")?.field == "query-id")
        #expect(Self.failure("q1\t\t1\n")?.field == "corpus-id")
    }

    @Test("a grade that is negative, fractional or missing is rejected, naming the score column")
    func badGrades() {
        let negative = Self.failure("query-id\tcorpus-id\tscore\nq1\td1\t-1\n")
        #expect(negative?.line == 2)
        #expect(negative?.field == "score")
        #expect(negative?.reason == "grade -1 is negative; grades are non-negative integers")
        let fractional = Self.failure("q1\td1\t0.5\n")
        #expect(fractional?.field == "score")
        #expect(fractional?.reason == "'0.5' is not an integer grade")
        #expect(Self.failure("q1\td1\t\n")?.field == "score")
        #expect(Self.failure("q1\td1\t99999999999999999999\n")?.field == "score", "an overflowing grade")
    }

    @Test("blank lines are counted in line numbers")
    func lineNumbersCountBlankLines() {
        #expect(Self.failure("query-id\tcorpus-id\tscore\n\n\nq1\td1\tx\n")?.line == 4)
    }

    @Test("a header anywhere but first, or a different header, is an error on its line")
    func misplacedOrForeignHeader() {
        let late = Self.failure("q1\td1\t1\nquery-id\tcorpus-id\tscore\n")
        #expect(late?.line == 2)
        #expect(late?.field == "score")
        let foreign = Self.failure("qid\tdocid\trel\nq1\td1\t1\n")
        #expect(foreign?.line == 1)
        #expect(foreign?.reason == "'rel' is not an integer grade")
    }

    @Test("the error describes itself as file:line, column and reason")
    func description() throws {
        let directory = TemporaryDirectory("fathom-qrels")
        let path = directory.path("bad.tsv")
        try Data("q1\td1\t-2\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: FathomError.invalidRecord(location: InputLocation(file: path, line: 1), field: "score",
                                                  reason: "grade -2 is negative; grades are non-negative integers")) {
            try RelevanceJudgments(contentsOf: path)
        }
        #expect(FathomError.invalidRecord(location: InputLocation(file: path, line: 1), field: "score", reason: "r").description
            == "\(path):1: field score: r")
    }

    @Test("a missing file is an I/O error; an empty file has no judgments")
    func missingAndEmptyFiles() throws {
        #expect(throws: FathomError.io(path: "/nonexistent/qrels.tsv", reason: "no such file")) {
            try RelevanceJudgments(contentsOf: "/nonexistent/qrels.tsv")
        }
        #expect(try Self.load("").queryIDs.isEmpty)
        #expect(try Self.load("query-id\tcorpus-id\tscore\n").queryIDs.isEmpty)
    }
}
