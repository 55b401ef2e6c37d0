import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Exact dense search equals brute force")
struct ExactDenseSearchTests {
    typealias B = Behaviour

    /// 700 documents with 37-d vectors (not a multiple of the SIMD width):
    /// every 9th has no dense part, two are the zero vector, some share a
    /// direction at different lengths; 3 segments and a buffer of 100.
    static func documents(seed: UInt64) -> [Document] {
        var documents = SyntheticCorpus(seed: seed, count: 700, sparseDimension: 300, denseDimension: 37).documents
        for i in stride(from: 4, to: 700, by: 9) { documents[i].dense = nil }
        documents[10].dense = [Float](repeating: 0, count: 37)
        documents[650].dense = [Float](repeating: 0, count: 37)
        for (i, scale) in [(20, Float(0.5)), (220, 2), (420, 10), (620, 0.01)] {
            documents[i].dense = documents[21].dense!.map { $0 * scale }
        }
        return documents
    }

    static func load(_ documents: [Document], metric: DenseMetric, _ scratch: B.Scratch) throws -> (Collection, B.Model) {
        let schema = CollectionSchema(dense: DenseSchema(dimension: 37, metric: metric), sparse: .termIDs(dimension: 300),
                                      index: IndexParameters(sealThreshold: 200))
        let collection = try scratch.open().createCollection(schema: schema)
        var model = B.Model()
        try B.upsert(documents, into: collection, model: &model, batchSize: 50)
        let layout = try B.layout(collection)
        #expect(layout.segments == 3 && layout.buffered == 100)
        return (collection, model)
    }

    static func mismatches(_ collection: Collection, _ model: B.Model, metric: DenseMetric,
                           queries: [[Float]]) throws -> [String] {
        let live = model.documents
        var failures: [String] = []
        for (q, query) in queries.enumerated() {
            let k = [1, 5, 10, 40, 1_000][q % 5]
            let hits = try collection.search(B.denseQuery(query, k: k))
            if let mismatch = B.denseMismatch(hits, query: query, metric: metric, k: k, model: model, live: live) {
                failures.append("query \(q) (k \(k)): \(mismatch)")
            }
        }
        return failures
    }

    static func queries(seed: UInt64, count: Int, documents: [Document]) -> [[Float]] {
        var generator = SeededGenerator(seed: seed)
        var queries = (0..<count).map { _ in SyntheticCorpus.denseVector(&generator, dimension: 37) }
        queries.append(documents[21].dense!)                    // the shared direction
        queries.append(documents[300].dense!.map { -$0 })       // the opposite of a document
        queries.append([Float](repeating: 1e-3, count: 37))     // tiny
        return queries
    }

    @Test("random queries over several segments and the buffer, for every metric", arguments: DenseMetric.allCases)
    func randomQueries(metric: DenseMetric) throws {
        let scratch = B.Scratch()
        let documents = Self.documents(seed: 8_000)
        let (collection, model) = try Self.load(documents, metric: metric, scratch)
        let queries = Self.queries(seed: 8_001, count: 80, documents: documents)
        let failures = try Self.mismatches(collection, model, metric: metric, queries: queries)
        B.expectNoFailures(failures, of: queries.count, "\(metric) queries")
        // Every document with a dense vector is ranked; none without.
        let all = try collection.search(B.denseQuery(queries[0], k: 1_000))
        #expect(all.count == documents.filter { $0.dense != nil }.count)
    }

    @Test("after deletes and replacements, for every metric, also after reopening and sealing", arguments: DenseMetric.allCases)
    func afterDeletesAndReplacements(metric: DenseMetric) throws {
        let scratch = B.Scratch()
        let documents = Self.documents(seed: 8_100)
        var (collection, model) = try Self.load(documents, metric: metric, scratch)
        var generator = SeededGenerator(seed: 8_101)
        let victims = Array(model.ids.shuffled(using: &generator).prefix(150)) + ["d21", "d220"]
        try collection.delete(ids: victims)
        model.delete(victims)
        // Replacements: some lose their dense part, some gain one.
        let replaced = model.ids.shuffled(using: &generator).prefix(60).enumerated().map { i, id in
            Document(id: id, sparse: B.sparse([(UInt32(i), 1)]),
                     dense: i % 4 == 0 ? nil : SyntheticCorpus.denseVector(&generator, dimension: 37))
        }
        try B.upsert(replaced, into: collection, model: &model, batchSize: 25)
        let queries = Self.queries(seed: 8_102, count: 60, documents: documents)
        B.expectNoFailures(try Self.mismatches(collection, model, metric: metric, queries: queries), of: queries.count,
                           "\(metric) queries after deletes")
        collection = try scratch.open().collection()
        try collection.seal()
        B.expectNoFailures(try Self.mismatches(collection, model, metric: metric, queries: Array(queries.prefix(30))),
                           of: 30, "\(metric) queries after sealing and reopening")
    }

    @Test("cosine: a zero query scores every document 0, and ties come in write order")
    func zeroQuery() throws {
        let scratch = B.Scratch()
        let documents = Self.documents(seed: 8_200)
        let (collection, model) = try Self.load(documents, metric: .cosine, scratch)
        let hits = try collection.search(B.denseQuery([Float](repeating: 0, count: 37), k: 15))
        #expect(hits.allSatisfy { $0.score == 0 })
        #expect(hits.map(\.id) == Array(model.documents.filter { $0.dense != nil }.prefix(15).map(\.id)))
    }

    @Test("cosine ignores length, dot and l2 do not")
    func metricsDifferOnLength() throws {
        for metric in DenseMetric.allCases {
            let scratch = B.Scratch()
            let documents = Self.documents(seed: 8_300)
            let (collection, _) = try Self.load(documents, metric: metric, scratch)
            let hits = try collection.search(B.denseQuery(documents[21].dense!, k: 6)).map(\.id)
            switch metric {
            case .cosine:   // same direction: all score 1 (within rounding), the five come first
                #expect(Set(hits.prefix(5)) == ["d20", "d21", "d220", "d420", "d620"])
            case .dot:      // the longest first
                #expect(hits.prefix(2) == ["d420", "d220"])
            case .l2:       // the document itself first
                #expect(hits.first == "d21")
            }
        }
    }
}
