import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Hybrid search: fusion of the exact lists")
struct HybridSearchTests {
    typealias B = Behaviour

    /// The fused ranking by definition: Σ 1/(c + rank) over the exact sparse
    /// and dense top-`depth` lists, computed in Float in the same order as
    /// Fathom (sparse list first), ties to the earlier-written document.
    static func fused(_ query: Query, model: B.Model, metric: DenseMetric) -> [(id: String, score: Float)] {
        let live = model.documents
        let depth = max(query.k, query.candidateDepth)
        let lists = [BruteForce.sparseTopK(query.sparse!, in: live, k: depth).map(\.id),
                     BruteForce.denseTopK(query.dense!, in: live, metric: metric, k: depth).map(\.id)]
        var scores: [String: Float] = [:]
        for list in lists {
            for (index, id) in list.enumerated() { scores[id, default: 0] += 1 / (query.rrfConstant + Float(index + 1)) }
        }
        let position = Dictionary(uniqueKeysWithValues: live.enumerated().map { ($1.id, $0) })
        return scores.sorted { $0.value != $1.value ? $0.value > $1.value : position[$0.key]! < position[$1.key]! }
            .prefix(query.k).map { ($0.key, $0.value) }
    }

    @Test("an exact hybrid query equals the fusion of the brute-force lists, before and after deletes, across segments and the buffer")
    func equalsOracleFusion() throws {
        let corpus = SyntheticCorpus(seed: 9_000, count: 600, sparseDimension: 400, denseDimension: 24)
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: B.schema(corpus, metric: .dot, sealThreshold: 150, postingBlockSize: 16))
        var model = B.Model()
        try B.upsert(corpus.documents, into: collection, model: &model, batchSize: 50)
        #expect(try B.layout(collection).segments == 4)
        var generator = SeededGenerator(seed: 9_001)
        let queries = corpus.queries(seed: 9_002, count: 60).enumerated().map { i, query in
            var query = query
            query.k = [1, 10, 30][i % 3]
            query.candidateDepth = [100, 5, 50][i % 3]
            query.rrfConstant = [60, 1, 10][(i / 3) % 3]
            query.fusion = .rrf
            query.exact = true
            return query
        }
        for phase in 0..<2 {
            if phase == 1 {
                let victims = Array(model.ids.shuffled(using: &generator).prefix(150))
                try collection.delete(ids: victims)
                model.delete(victims)
                try collection.upsert([Document(id: "late", sparse: corpus.documents[0].sparse, dense: corpus.documents[0].dense)])
                model.upsert([Document(id: "late", sparse: corpus.documents[0].sparse, dense: corpus.documents[0].dense)])
            }
            var failures: [String] = []
            for (q, query) in queries.enumerated() {
                let hits = try collection.search(query)
                let expected = Self.fused(query, model: model, metric: .dot)
                if hits.map(\.id) != expected.map(\.id) || zip(hits, expected).contains(where: { $0.score != $1.score }) {
                    failures.append("phase \(phase) query \(q): \(hits.prefix(5).map { "\($0.id) \($0.score)" }) vs \(expected.prefix(5).map { "\($0.id) \($0.score)" })")
                }
            }
            B.expectNoFailures(failures, of: queries.count, "hybrid queries")
        }
    }

    /// Convex fusion, through `Fusion.convex` itself (its arithmetic is
    /// tested in ConvexFusionTests), of the exact single-mode answers at the
    /// candidate depth: what is checked here is that hybrid search feeds it
    /// those lists and maps the result back.
    static func convex(_ query: Query, in collection: Collection, model: B.Model) throws -> [String] {
        let depth = max(query.k, query.candidateDepth)
        let position = Dictionary(uniqueKeysWithValues: model.documents.enumerated().map { ($1.id, Int64($0)) })
        func list(_ mode: Query.Mode) throws -> [ScoredDocument] {
            var single = query
            single.mode = mode
            single.k = depth
            single.exact = true
            return try collection.search(single).map { ScoredDocument(score: $0.score, documentID: position[$0.id]!) }
        }
        return Fusion.convex(try list(.sparse), try list(.dense), alpha: query.alpha, normalization: query.normalization,
                             k: query.k).map { model.documents[Int($0.documentID)].id }
    }

    @Test("convex fusion (the default) of an exact hybrid query ranks like convex fusion of the brute-force lists, for both normalizations")
    func convexEqualsOracleFusion() throws {
        let corpus = SyntheticCorpus(seed: 9_200, count: 400, sparseDimension: 300, denseDimension: 16)
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: B.schema(corpus, metric: .cosine, sealThreshold: 150))
        var model = B.Model()
        try B.upsert(corpus.documents, into: collection, model: &model, batchSize: 100)
        #expect(Query().fusion == .convex && Query().normalization == .zScore && Query().alpha == 0.5)
        var failures: [String] = []
        for (i, var query) in corpus.queries(seed: 9_201, count: 40).enumerated() {
            query.normalization = i % 2 == 0 ? .zScore : .minMax
            query.alpha = [0.5, 0, 1, 0.3][i % 4]
            query.candidateDepth = [100, 20][i % 2]
            query.exact = true
            let result = try collection.searchExplained(query)
            #expect(result.explanation.paths.last == "fusion: convex(alpha \(query.alpha), \(query.normalization.rawValue))")
            let expected = try Self.convex(query, in: collection, model: model)
            if result.hits.map(\.id) != expected { failures.append("query \(i): \(result.hits.map(\.id)) vs \(expected)") }
        }
        B.expectNoFailures(failures, of: 40, "convex hybrid queries")
        var bad = corpus.queries(seed: 9_202, count: 1)[0]
        bad.alpha = 1.5
        #expect(B.kind { try collection.search(bad) } == .invalidQuery)
    }

    @Test("a non-exact hybrid query fuses the sparse candidates' quantized scores: it says so, and ranks almost as the exact one")
    func quantizedSparseCandidates() throws {
        let corpus = SyntheticCorpus(seed: 9_300, count: 500, sparseDimension: 300, denseDimension: 16)
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: B.schema(corpus, metric: .cosine, sealThreshold: 200))
        var model = B.Model()
        try B.upsert(corpus.documents, into: collection, model: &model, batchSize: 100)
        var overlap = 0.0
        let queries = corpus.queries(seed: 9_301, count: 40)
        for var query in queries {
            query.mode = .hybrid
            let approximate = try collection.searchExplained(query)
            #expect(approximate.explanation.paths.contains { $0.hasPrefix("sparse:") && $0.contains("inverted (quantized scores)") }, "\(approximate.explanation.paths)")
            query.exact = true
            let exact = try collection.searchExplained(query)
            #expect(exact.explanation.paths.contains { $0.hasPrefix("sparse:") && $0.contains("exact-inverted") }, "\(exact.explanation.paths)")
            overlap += Double(Set(approximate.hits.map(\.id)).intersection(exact.hits.map(\.id)).count) / Double(query.k)
        }
        // Quantized weights are within half a block scale of the stored ones: the
        // fused top-10 barely moves (on reuters21578 nDCG@10 0.7293 vs 0.7290).
        #expect(overlap / Double(queries.count) >= 0.95, "mean top-10 overlap \(overlap / Double(queries.count))")
    }

    @Test("auto mode runs hybrid for a query with both parts, and the explanation says so")
    func autoModeIsHybrid() throws {
        let corpus = SyntheticCorpus(seed: 9_100, count: 100, sparseDimension: 300, denseDimension: 8)
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: B.schema(corpus, sealThreshold: 60))
        try collection.upsert(Array(corpus.documents.prefix(60)))   // sealed at the threshold
        try collection.upsert(Array(corpus.documents.suffix(40)))
        let query = corpus.queries(seed: 9_101, count: 1)[0]
        let result = try collection.searchExplained(query)
        #expect(result.explanation.mode == "hybrid")
        #expect(result.explanation.paths.count == 3)
        var explicit = query
        explicit.mode = .hybrid
        #expect(try collection.search(explicit) == result.hits)
        #expect(result.explanation.segments == 1 && result.explanation.bufferedDocuments == 40)
    }
}
