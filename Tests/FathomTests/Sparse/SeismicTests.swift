@testable import Fathom
import FathomTestSupport
import Testing

/// The Seismic block index: approximate sparse search inside sealed segments,
/// checked against Fathom's exact path on seeded data.
@Suite("Seismic block index")
struct SeismicTests {
    typealias B = Behaviour

    /// A sealed collection of `count` synthetic documents with a Seismic index.
    static func collection(_ scratch: B.Scratch, count: Int = 3_000, seed: UInt64 = 31_000,
                           seismic: SeismicParameters = SeismicParameters(enabled: true, minimumSegmentDocuments: 100))
        throws -> (Collection, SyntheticCorpus)
    {
        let corpus = SyntheticCorpus(seed: seed, count: count, sparseDimension: 3_000, denseDimension: nil,
                                     termsPerDocument: 10...60)
        let collection = try scratch.open().createCollection(schema: CollectionSchema(
            sparse: .termIDs(dimension: 3_000), index: IndexParameters(sealThreshold: 100_000, seismic: seismic)))
        try collection.upsert(corpus.documents)
        #expect(try collection.seal() == count)
        return (collection, corpus)
    }

    static func exactIDs(_ collection: Collection, _ query: Query) throws -> [String] {
        var exact = query
        exact.exact = true
        return try collection.search(exact).map(\.id)
    }

    @Test("a built list round-trips through its codec exactly")
    func codecRoundTrip() throws {
        let corpus = SyntheticCorpus(seed: 31_100, count: 400, sparseDimension: 200, denseDimension: nil)
        var forward = ForwardIndex()
        for document in corpus.documents { forward.append(document.sparse) }
        var builder = SeismicBuilder(forward: forward, termLimit: 200,
                                     parameters: SeismicParameters(postingsPerTerm: 50, centroidFraction: 0.2))
        for term: UInt32 in [0, 1, 5, 40, 150] {
            var ordinals: [UInt32] = [], weights: [Float] = []
            for (ordinal, document) in corpus.documents.enumerated() {
                if let i = document.sparse!.indices.firstIndex(of: term) {
                    ordinals.append(UInt32(ordinal))
                    weights.append(document.sparse!.values[i])
                }
            }
            guard !ordinals.isEmpty else { continue }
            let list = builder.build(term: term, ordinals: ordinals[...], weights: weights[...])
            #expect(list.postingCount == min(50, ordinals.count), "static pruning keeps the λ heaviest")
            let decoded = try SeismicListCodec.decode(SeismicListCodec.encode(list), what: "test", ordinalLimit: 400,
                                                      termLimit: 200)
            #expect(decoded == list)
        }
    }

    @Test("static pruning keeps exactly the heaviest postings and records the heaviest dropped weight")
    func staticPruning() {
        var forward = ForwardIndex()
        let weights: [Float] = [0.5, 3, 1, 2.5, 0.1, 2, 0.7, 4]
        for weight in weights { forward.append(try! SparseVector(indices: [7], values: [weight])) }
        var builder = SeismicBuilder(forward: forward, termLimit: 10, parameters: SeismicParameters(postingsPerTerm: 3))
        let list = builder.build(term: 7, ordinals: Array(0..<8).map(UInt32.init)[...], weights: weights[...])
        #expect(Set(list.ordinals) == [1, 3, 7], "the weights 3, 2.5 and 4")
        #expect(list.prunedMaximum == 2)
        #expect(list.blockMaxima.max() == 4)
    }

    @Test("with no pruning and a heap factor that skips nothing, Seismic returns exactly the exact top-k")
    func noSkippingEqualsExact() throws {
        let scratch = B.Scratch()
        let (collection, corpus) = try Self.collection(
            scratch, count: 1_500, seismic: SeismicParameters(enabled: true, postingsPerTerm: 100_000, minimumSegmentDocuments: 100))
        for var query in corpus.queries(seed: 31_200, count: 60) {
            query.mode = .sparse
            query.seismic = SeismicQueryParameters(queryCut: 1_000, heapFactor: 1e9)
            let result = try collection.searchExplained(query)
            #expect(result.explanation.blocksSkipped == 0)
            #expect(result.hits.map(\.id) == (try Self.exactIDs(collection, query)))
            // Candidates are scored from the compact index, then re-scored
            // exactly: the scores returned are exact ones.
            var exact = query
            exact.exact = true
            for (hit, reference) in zip(result.hits, try collection.search(exact)) {
                #expect(abs(hit.score - reference.score) <= 1e-4 * max(1, abs(reference.score)))
            }
        }
    }

    @Test("default parameters reach recall@10 of at least 0.9 against the exact path")
    func recallWithDefaults() throws {
        let scratch = B.Scratch()
        let (collection, corpus) = try Self.collection(scratch)
        var total = 0.0
        let queries = corpus.queries(seed: 31_300, count: 100)
        var skipped = 0
        for var query in queries {
            query.mode = .sparse
            let result = try collection.searchExplained(query)
            skipped += result.explanation.blocksSkipped
            let exact = Set(try Self.exactIDs(collection, query))
            total += Double(Set(result.hits.map(\.id)).intersection(exact).count) / Double(max(1, exact.count))
        }
        #expect(total / Double(queries.count) >= 0.9, "mean recall@10 \(total / Double(queries.count))")
        #expect(skipped > 0, "the summaries let Seismic skip blocks")
    }

    @Test("a certified answer equals the exact answer, and .certified always returns the exact answer")
    func certificate() throws {
        let scratch = B.Scratch()
        let (collection, corpus) = try Self.collection(scratch, count: 2_000)
        var certifiedCount = 0
        for var query in corpus.queries(seed: 31_400, count: 80) {
            query.mode = .sparse
            query.seismic = SeismicQueryParameters(queryCut: 3, heapFactor: 0.8)   // aggressive: often not exact
            let exact = try Self.exactIDs(collection, query)
            let approximate = try collection.searchExplained(query)
            let certified = try #require(approximate.explanation.certified)
            if certified {
                certifiedCount += 1
                #expect(approximate.hits.map(\.id) == exact, "a certified answer must be exact")
            }
            #expect(approximate.explanation.unscoredBound != nil)
            query.exactness = .certified
            #expect(try collection.search(query).map(\.id) == exact)
        }
        // Record how often the certificate held (informative; any count is valid).
        print("certified \(certifiedCount) of 80 aggressive queries")
    }

    @Test("deleted and replaced documents never come back through Seismic")
    func deletes() throws {
        let scratch = B.Scratch()
        let (collection, corpus) = try Self.collection(scratch, count: 1_500)
        let deleted = Set(corpus.documents.indices.filter { $0 % 4 == 0 }.map { "d\($0)" })
        try collection.delete(ids: Array(deleted))
        var replaced = corpus.documents[1]
        replaced.sparse = B.sparse([(2_999, 1)])
        try collection.upsert([replaced])
        for var query in corpus.queries(seed: 31_500, count: 40) {
            query.mode = .sparse
            query.k = 50
            let hits = try collection.search(query).map(\.id)
            #expect(deleted.isDisjoint(with: hits))
            if hits.contains("d1") {
                #expect(query.sparse!.indices.contains(2_999), "d1 matches only through its new vector")
            }
        }
    }

    @Test("a flipped byte in a Seismic list is reported by verify and by a search that reads it")
    func corruption() throws {
        let scratch = B.Scratch()
        let (collection, corpus) = try Self.collection(scratch, count: 1_200)
        #expect(try collection.database.verify().isHealthy)
        let raw = try B.RawFile(scratch.path)
        let rows = try raw.integers("SELECT rowid, key FROM segment_blobs WHERE kind = 7 ORDER BY length(payload) DESC LIMIT 1",
                                    columns: 2)
        let row = try #require(rows.first)
        try raw.flipByte("segment_blobs", "payload", rowid: row[0], at: -3)
        let reopened = try scratch.open().collection()
        let report = try reopened.database.verify()
        #expect(report.problems.contains { $0.contains("Seismic list of term \(row[1])") }, "\(report.problems)")
        var query = Query(sparse: B.sparse([(UInt32(row[1]), 1)]), k: 10, mode: .sparse)
        query.seismic = SeismicQueryParameters(queryCut: 1, heapFactor: 1.1)
        #expect(B.kind { try reopened.search(query) } == .corruption)
        query.exact = true
        #expect(try !reopened.search(query).isEmpty, "the exact path does not read Seismic lists")
        _ = corpus
    }

    @Test("the planner uses Seismic only for explicit sparse mode; auto stays on the faster exact path")
    func plannerChoice() throws {
        let scratch = B.Scratch()
        let (collection, corpus) = try Self.collection(scratch, count: 1_200)
        var query = corpus.queries(seed: 31_800, count: 1)[0]
        query.dense = nil
        query.mode = .auto
        let auto = try collection.searchExplained(query)
        #expect(auto.explanation.certified == nil && auto.explanation.paths.contains { $0.contains("exact-inverted") })
        query.mode = .sparse
        let sparse = try collection.searchExplained(query)
        #expect(sparse.explanation.certified != nil && sparse.explanation.paths.contains { $0.contains("seismic") })
    }

    @Test("without enabling Seismic, segments get no index and sparse search is exact")
    func disabledByDefault() throws {
        let scratch = B.Scratch()
        let (collection, corpus) = try Self.collection(scratch, count: 1_200, seismic: SeismicParameters())
        let raw = try B.RawFile(scratch.path)
        #expect(try raw.integers("SELECT count(*) FROM segment_blobs WHERE kind = 7", columns: 1) == [[0]])
        var query = corpus.queries(seed: 31_700, count: 1)[0]
        query.mode = .sparse
        #expect(try collection.searchExplained(query).explanation.certified == nil)
        #expect(try collection.search(query).map(\.id) == (try Self.exactIDs(collection, query)))
    }

    @Test("segments smaller than minimumSegmentDocuments get no index and are searched exactly")
    func smallSegmentsStayExact() throws {
        let scratch = B.Scratch()
        let (collection, corpus) = try Self.collection(scratch, count: 300,
                                                      seismic: SeismicParameters(enabled: true, minimumSegmentDocuments: 1_000))
        var query = corpus.queries(seed: 31_600, count: 1)[0]
        query.mode = .sparse
        let result = try collection.searchExplained(query)
        #expect(result.explanation.certified == nil)
        #expect(result.explanation.paths.contains { $0.contains("exact-inverted") })
        #expect(result.hits.map(\.id) == (try Self.exactIDs(collection, query)))
    }
}
