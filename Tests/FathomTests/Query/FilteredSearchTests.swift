import Foundation
@testable import Fathom
import FathomTestSupport
import Testing

/// Searches with a metadata filter: every path returns only admitted
/// documents, the exact paths equal brute force over the admitted ones, the
/// approximate ones keep their recall, and the planner switches plans with
/// the filter's selectivity.
@Suite("Filtered search")
struct FilteredSearchTests {
    typealias B = Behaviour

    /// 2,400 documents (clustered 32-d vectors, sparse vectors, metadata
    /// `n` = position, `even`, `tag` one of five) in a segment of 2,000 with a
    /// graph (minimum 500) and a buffer of 400.
    static func collection(_ scratch: B.Scratch) throws -> (Collection, [Document]) {
        let matrix = DenseTestData.clustered(count: 2_400, dimension: 32, seed: 41)
        let corpus = SyntheticCorpus(seed: 42, count: 2_400, sparseDimension: 500, denseDimension: nil)
        let documents = corpus.documents.enumerated().map { i, document in
            Document(id: document.id, sparse: document.sparse, dense: matrix.vector(at: i)!,
                     metadata: ["n": .number(Double(i)), "even": .bool(i % 2 == 0),
                                "tag": .string(["a", "b", "c", "d", "e"][i % 5]), "tags": .array([.string("t\(i % 7)")])])
        }
        let schema = CollectionSchema(dense: DenseSchema(dimension: 32, metric: .cosine), sparse: .termIDs(dimension: 500),
                                      index: IndexParameters(sealThreshold: 1_000_000,
                                                             denseGraph: DenseGraphParameters(minimumSegmentDocuments: 500)))
        let collection = try scratch.open().createCollection(schema: schema)
        try collection.upsert(Array(documents[..<2_000]))
        try collection.seal()
        try collection.upsert(Array(documents[2_000...]))
        return (collection, documents)
    }

    static func admitted(_ filter: String, _ documents: [Document]) throws -> Set<String> {
        let parsed = try MetadataFilter(filter)
        return Set(documents.filter { parsed.matches($0.metadata ?? [:]) }.map(\.id))
    }

    static let filters = ["n < 1200", "even", "tag IN (\"a\", \"c\") AND NOT even", "n >= 2390 OR n < 5",
                          "tags HAS \"t3\"", "n >= 100000"]

    @Test("no hit fails the filter, for every mode, exact or not, in the segment and the buffer")
    func hitsSatisfyTheFilter() throws {
        let scratch = B.Scratch()
        let (collection, documents) = try Self.collection(scratch)
        let queries = SyntheticCorpus(seed: 43, count: 1, sparseDimension: 500, denseDimension: 32).queries(seed: 44, count: 5)
        for filter in Self.filters {
            let admitted = try Self.admitted(filter, documents)
            for var query in queries {
                query.filter = try MetadataFilter(filter)
                query.k = 20
                for mode in [Query.Mode.sparse, .dense, .hybrid] {
                    for exact in [false, true] {
                        query.mode = mode
                        query.exact = exact
                        let hits = try collection.search(query).map(\.id)
                        #expect(admitted.isSuperset(of: hits), "\(filter), \(mode), exact \(exact)")
                        if admitted.isEmpty { #expect(hits.isEmpty) }
                    }
                }
            }
        }
    }

    @Test("exact filtered search equals brute force over the admitted documents")
    func exactEqualsBruteForce() throws {
        let scratch = B.Scratch()
        let (collection, documents) = try Self.collection(scratch)
        let queries = SyntheticCorpus(seed: 45, count: 1, sparseDimension: 500, denseDimension: 32).queries(seed: 46, count: 10)
        for filter in Self.filters.prefix(5) {
            let admitted = try Self.admitted(filter, documents)
            let live = documents.filter { admitted.contains($0.id) }
            for var query in queries {
                query.filter = try MetadataFilter(filter)
                query.exact = true
                query.mode = .dense
                #expect(try collection.search(query).map(\.id)
                        == BruteForce.denseTopK(query.dense!, in: live, metric: .cosine, k: 10).map(\.id), "\(filter)")
                query.mode = .sparse
                #expect(try collection.search(query).map(\.id)
                        == BruteForce.sparseTopK(query.sparse!, in: live, k: 10).map(\.id), "\(filter)")
            }
        }
    }

    @Test("approximate dense search keeps recall@10 ≥ 0.95 against exact filtered search at every selectivity, switching plans")
    func approximateRecallAndPlans() throws {
        let scratch = B.Scratch()
        let (collection, documents) = try Self.collection(scratch)
        let matrix = DenseTestData.clustered(count: 2_400, dimension: 32, seed: 41)
        let vectors = DenseTestData.queries(count: 40, like: matrix, metric: .dot, seed: 47)
        // ~50%, 10%, 1% of the 2,000 sealed documents (and some of the buffer's).
        var plans: [String: Set<String>] = [:]
        for filter in ["n < 1200", "n < 240", "n < 24"] {
            var found = 0, wanted = 0
            for vector in vectors {
                var query = Query(dense: vector, k: 10, mode: .dense)
                query.filter = try MetadataFilter(filter)
                let result = try collection.searchExplained(query)
                plans[filter, default: []].formUnion(result.explanation.paths)
                #expect(result.explanation.filterMatches == (try Self.admitted(filter, documents)).count)
                var exact = query
                exact.exact = true
                let reference = Set(try collection.search(exact).map(\.id))
                found += reference.intersection(result.hits.map(\.id)).count
                wanted += reference.count
            }
            #expect(Double(found) / Double(wanted) >= 0.95, "\(filter): recall \(Double(found) / Double(wanted))")
        }
        // 32-d vectors are so cheap to scan that the admitted ones are always
        // scanned here; at reuters21578's size the graph wins above ~50%.
        #expect(plans["n < 24"]!.contains { $0.contains("prefilter-flat") }, "a narrow filter scans the admitted: \(plans)")
        let unfiltered = try collection.searchExplained(Query(dense: vectors[0], k: 10, mode: .dense))
        #expect(unfiltered.explanation.paths.contains { $0.contains("hnsw-int8(ef 100") })
    }

    @Test("the cost model keeps the graph for broad filters on large segments and scans for narrow ones")
    func costModel() {
        // reuters21578's shape: 19,039 documents of 384 dimensions, ef 100.
        let n = 19_039
        for precision in DenseGraphPrecision.allCases {
            for (matches, graph) in [(n, true), (9_633, true), (1_920, false), (193, false), (21, false)] {
                let flat = PlanCosts.flat(documents: n, matches: matches, dimension: 384)
                let widened = PlanCosts.graph(documents: n, matches: matches, ef: 100, precision: precision)
                #expect((widened < flat) == graph, "\(precision), \(matches) admitted: flat \(flat) ns, graph \(widened) ns")
            }
        }
        #expect(PlanCosts.graph(documents: n, matches: n, ef: 64, precision: .int8)
                < PlanCosts.graph(documents: n, matches: n, ef: 64, precision: .float32))
        #expect(PlanCosts.widenedEf(documents: 1_000, matches: 100, ef: 64) == 640)
        #expect(PlanCosts.widenedEf(documents: 1_000, matches: 10, ef: 64) == 1_000, "capped at the segment: exact")
        // Sparse: 172 postings per document, 30,000 postings in the query's lists.
        let taat = PlanCosts.termAtATime(documents: n, postings: 30_000)
        #expect(PlanCosts.forwardScan(documents: n, matches: 193, postingsPerDocument: 172) < taat)
        #expect(PlanCosts.forwardScan(documents: n, matches: 1_920, postingsPerDocument: 172) > taat)
    }

    @Test("the explanation gives the filter, the admitted count and the statistics' estimate")
    func explanation() throws {
        let scratch = B.Scratch()
        let (collection, documents) = try Self.collection(scratch)
        var query = Query(dense: documents[7].dense!, k: 5)
        query.filter = try MetadataFilter("tag = \"c\"")
        let result = try collection.searchExplained(query)
        #expect(result.explanation.filter == "tag = \"c\"")
        #expect(result.explanation.filterMatches == 480)
        let estimate = try #require(result.explanation.filterEstimatedMatches)
        #expect(abs(estimate - 480) <= 48, "estimate \(estimate) within 10%")
        #expect(result.hits.first?.id == documents[7].id)
        // The plan tree: one leaf per segment and part, with the cost model's
        // estimate beside the measured time.
        let leaf = try #require(result.explanation.segmentPlans.first)
        #expect(result.explanation.segmentPlans.count == 1 && leaf.part == "dense" && leaf.plan == "prefilter-flat")
        #expect(leaf.documents == 2_000 && leaf.admitted == 400 && leaf.estimatedAdmitted != nil)
        #expect((leaf.estimatedMicroseconds ?? 0) > 0 && leaf.actualMicroseconds > 0)
        var hybrid = Query(sparse: documents[7].sparse, dense: documents[7].dense!, k: 5)
        hybrid.filter = try MetadataFilter("tag = \"c\"")
        let plans = try collection.searchExplained(hybrid).explanation.segmentPlans
        #expect(Set(plans.map(\.part)) == ["sparse", "dense"])
        #expect(plans.allSatisfy { $0.estimatedMicroseconds != nil && $0.admitted == 400 })
    }

    @Test("deleted documents stay out of filtered results")
    func deletionsAndFilters() throws {
        let scratch = B.Scratch()
        let (collection, documents) = try Self.collection(scratch)
        var query = Query(dense: documents[10].dense!, k: 10, mode: .dense)
        query.filter = try MetadataFilter("even")
        let before = try collection.search(query).map(\.id)
        #expect(before.first == documents[10].id)
        try collection.delete(ids: Array(before.prefix(3)))
        let after = try collection.search(query).map(\.id)
        #expect(Set(after).isDisjoint(with: before.prefix(3)))
        #expect(after.count == 10)
    }

    @Test("a malformed filter is refused with its position")
    func malformedFilter() throws {
        #expect(throws: FathomError.self) { try MetadataFilter("year >= ") }
        do {
            _ = try MetadataFilter("year >= AND x")
            Issue.record("accepted a malformed filter")
        } catch let FathomError.invalidFilter(_, position, reason) {
            #expect(position == 9, "\(reason)")
        }
    }
}
