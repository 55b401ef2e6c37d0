import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Pseudo-relevance feedback")
struct FeedbackTests {
    typealias B = Behaviour

    @Test("dense feedback is the Rocchio mix of the unit query and the feedback documents' unit vectors (cosine)")
    func rocchioCosine() {
        let feedback = PseudoRelevanceFeedback(queryWeight: 0.5)
        let query = feedback.denseQuery([2, 0], feedback: [[0, 3], [0, -1]], metric: .cosine)
        // 0.5·(1, 0) + 0.25·((0, 1) + (0, −1)) = (0.5, 0)
        #expect(query == [0.5, 0])
        let dot = PseudoRelevanceFeedback(queryWeight: 0.25).denseQuery([4, 0], feedback: [[0, 8]], metric: .dot)
        #expect(dot == [1, 6])   // 0.25·(4, 0) + 0.75·(0, 8), not normalized for dot
        #expect(feedback.denseQuery([1, 2], feedback: [], metric: .cosine) == [1, 2])
    }

    @Test("sparse feedback adds the heaviest mean terms, scaled to the query's heaviest weight times the expansion weight")
    func sparseExpansion() throws {
        let feedback = PseudoRelevanceFeedback(expansionTerms: 2, expansionWeight: 0.5)
        let query = B.sparse([(1, 2.0)])
        let documents = [B.sparse([(1, 1.0), (5, 4.0), (9, 1.0)]), B.sparse([(5, 2.0), (7, 2.0)])]
        // Means: term 5 → 3, term 7 → 1, term 1 → 0.5, term 9 → 0.5; the two heaviest are 5 and 7.
        // Scale 0.5 · 2 / 3: term 5 gets 1, term 7 gets 1/3; term 1 keeps 2.
        let expanded = feedback.sparseQuery(query, feedback: documents)
        #expect(expanded.indices == [1, 5, 7])
        #expect(zip(expanded.values, [2, 1, Float(1) / 3]).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(PseudoRelevanceFeedback(expansionTerms: 0).sparseQuery(query, feedback: documents) == query)
    }

    @Test("out-of-range parameters are refused, by the search too", arguments: [
        PseudoRelevanceFeedback(documents: 0), PseudoRelevanceFeedback(documents: 101), PseudoRelevanceFeedback(queryWeight: 1.5),
        PseudoRelevanceFeedback(expansionTerms: -1), PseudoRelevanceFeedback(expansionWeight: .nan),
    ])
    func invalidParameters(feedback: PseudoRelevanceFeedback) throws {
        #expect(throws: FathomError.self) { try feedback.validate() }
        let scratch = B.Scratch()
        let corpus = SyntheticCorpus(seed: 9_000, count: 20, sparseDimension: 100, denseDimension: 8)
        let collection = try scratch.open().createCollection(schema: corpus.schema)
        try collection.upsert(corpus.documents)
        var query = corpus.queries(seed: 9_001, count: 1)[0]
        query.feedback = feedback
        #expect(throws: FathomError.self) { try collection.search(query) }
    }

    @Test("feedback that changes neither query (query weight 1, no expansion) returns the one-round hybrid ranking")
    func identityFeedback() throws {
        let scratch = B.Scratch()
        let corpus = SyntheticCorpus(seed: 9_100, count: 400, sparseDimension: 300, denseDimension: 8)
        let collection = try scratch.open().createCollection(schema: B.schema(corpus, sealThreshold: 150))
        try collection.upsert(corpus.documents)
        for var query in corpus.queries(seed: 9_101, count: 15) {
            query.mode = .hybrid
            query.exact = true
            let plain = try collection.search(query)
            query.feedback = PseudoRelevanceFeedback(interpolation: .both, queryWeight: 1, expansionTerms: 0)
            let result = try collection.searchExplained(query)
            #expect(result.hits.map(\.id) == plain.map(\.id))
            #expect(zip(result.hits, plain).allSatisfy { abs($0.score - $1.score) < 1e-5 })
            // Both rounds are explained.
            #expect(result.explanation.paths.contains { $0.hasPrefix("round 1 sparse") })
            #expect(result.explanation.paths.contains { $0.hasPrefix("feedback: both, m 3") })
            #expect(result.explanation.paths.contains { $0.hasPrefix("round 2 fusion") })
        }
    }

    @Test("feedback moves the ranking towards the feedback documents, never returns deleted ones, and without interpolation after it ranks by the dense round")
    func feedbackRound() throws {
        let scratch = B.Scratch()
        let corpus = SyntheticCorpus(seed: 9_200, count: 500, sparseDimension: 300, denseDimension: 8)
        let collection = try scratch.open().createCollection(schema: B.schema(corpus, sealThreshold: 200))
        try collection.upsert(corpus.documents)
        let deleted = (0..<100).map { "d\($0)" }
        try collection.delete(ids: deleted)
        var model = B.Model()
        model.upsert(corpus.documents.filter { !deleted.contains($0.id) })
        var changed = 0
        for var query in corpus.queries(seed: 9_201, count: 20) {
            query.mode = .hybrid
            query.exact = true
            let plain = try collection.search(query)
            query.feedback = PseudoRelevanceFeedback(documents: 3, interpolation: .both, queryWeight: 0.3, expansionTerms: 5,
                                                     expansionWeight: 1)
            let hits = try collection.search(query)
            #expect(hits.count == query.k && !hits.contains { deleted.contains($0.id) })
            if hits.map(\.id) != plain.map(\.id) { changed += 1 }
            // Without interpolation after feedback, the final list is the dense second round:
            // its scores are the new dense query's exact similarities.
            query.feedback?.interpolation = .before
            let denseRound = try collection.search(query)
            let firstRound = Array(plain.prefix(3)).compactMap { model[$0.id]?.dense }
            let moved = PseudoRelevanceFeedback(queryWeight: 0.3).denseQuery(query.dense!, feedback: firstRound, metric: .cosine)
            #expect(B.denseMismatch(denseRound, query: moved, metric: .cosine, k: query.k, model: model,
                                    live: model.documents) == nil)
        }
        #expect(changed > 0, "feedback with these weights should change some rankings")
    }
}
