import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

/// The exact sparse path scores quantized posting blocks term-at-a-time and
/// makes the result exact by rescoring every document whose approximate score
/// is within the quantization error bound of the k-th exact score. These tests
/// hold it to the brute-force oracle (float64 dot products by definition) on
/// data spread over several segments and the write buffer.
@Suite("Exact sparse search equals brute force")
struct ExactSparseSearchTests {
    typealias B = Behaviour

    static let ks = [1, 3, 10, 25, 100]

    /// Loads `documents` in upserts of `batchSize` into a new collection.
    static func load(_ documents: [Document], schema: CollectionSchema, batchSize: Int,
                     _ scratch: B.Scratch) throws -> (Collection, B.Model) {
        let collection = try scratch.open().createCollection(schema: schema)
        var model = B.Model()
        try B.upsert(documents, into: collection, model: &model, batchSize: batchSize)
        return (collection, model)
    }

    /// Runs every query at the given k's and returns the mismatches with the oracle.
    static func mismatches(_ collection: Collection, _ model: B.Model, queries: [SparseVector],
                           ks: [Int] = ks) throws -> (failures: [String], total: Int) {
        let live = model.documents
        var failures: [String] = []
        var total = 0
        for (q, query) in queries.enumerated() {
            let k = ks[q % ks.count]
            let hits = try collection.search(B.sparseQuery(query, k: k))
            total += 1
            if let mismatch = B.sparseMismatch(hits, query: query, k: k, model: model, live: live) {
                failures.append("query \(q) (k \(k)): \(mismatch)")
            }
        }
        return (failures, total)
    }

    @Test("random queries over several segments and the write buffer", arguments: [8, 32, 128])
    func randomQueries(postingBlockSize: Int) throws {
        let scratch = B.Scratch()
        let corpus = SyntheticCorpus(seed: 1_000 + UInt64(postingBlockSize), count: 1_100, sparseDimension: 1_500,
                                     denseDimension: nil)
        let (collection, model) = try Self.load(
            corpus.documents, schema: B.schema(corpus, sealThreshold: 250, postingBlockSize: postingBlockSize),
            batchSize: 50, scratch)
        let layout = try B.layout(collection)
        #expect(layout.segments == 4 && layout.buffered == 100)
        let queries = corpus.queries(seed: 2_000 + UInt64(postingBlockSize), count: 150).map { $0.sparse! }
        let (failures, total) = try Self.mismatches(collection, model, queries: queries)
        B.expectNoFailures(failures, of: total, "queries")
    }

    @Test("after deletes and replacements in every segment and the buffer")
    func afterDeletesAndReplacements() throws {
        let scratch = B.Scratch()
        let corpus = SyntheticCorpus(seed: 3_000, count: 1_000, sparseDimension: 1_000, denseDimension: nil)
        var (collection, model) = try Self.load(corpus.documents, schema: B.schema(corpus, sealThreshold: 250, postingBlockSize: 16),
                                                batchSize: 50, scratch)
        var generator = SeededGenerator(seed: 3_001)
        let victims = Array(model.ids.shuffled(using: &generator).prefix(250))
        #expect(try collection.delete(ids: victims) == 250)
        model.delete(victims)
        let replaced = model.ids.shuffled(using: &generator).prefix(100).map { id in
            Document(id: id, sparse: SyntheticCorpus.sparseVector(&generator, dimension: 1_000, terms: 5...40))
        }
        try B.upsert(replaced, into: collection, model: &model, batchSize: 30)
        let layout = try B.layout(collection)
        #expect(layout.deletedInSegments >= 300 && layout.segments >= 4 && layout.buffered > 0)
        let queries = corpus.queries(seed: 3_002, count: 120).map { $0.sparse! }
        var result = try Self.mismatches(collection, model, queries: queries)
        B.expectNoFailures(result.failures, of: result.total, "queries after deletes")
        // The same after reopening (nothing cached) and after sealing the buffer.
        collection = try scratch.open().collection()
        try collection.seal()
        result = try Self.mismatches(collection, model, queries: Array(queries.prefix(60)))
        B.expectNoFailures(result.failures, of: result.total, "queries after sealing and reopening")
        // Both exact strategies (bounded term-at-a-time, forward scan) return identical hits.
        for (q, vector) in queries.prefix(40).enumerated() {
            var query = B.sparseQuery(vector, k: Self.ks[q % Self.ks.count])
            let inverted = try collection.search(query)
            query._exactSparseStrategy = .forwardScan
            #expect(try collection.search(query) == inverted, "query \(q)")
        }
    }

    @Test("many near-equal scores: weights that quantize alike but differ exactly are ranked by their exact scores")
    func nearEqualScores() throws {
        // 40 common terms, every weight 1 + up to 2% noise, 3% outliers of 8 that
        // make some blocks' quantization step (8/255) wider than the noise.
        var generator = SeededGenerator(seed: 4_000)
        func weight() -> Float { Float.random(in: 0..<1, using: &generator) < 0.03 ? 8 : 1 + Float.random(in: 0..<0.02, using: &generator) }
        let documents = (0..<1_000).map { i in
            var terms = Set<UInt32>()
            let count = Int.random(in: 4...12, using: &generator)
            while terms.count < count { terms.insert(UInt32.random(in: 0..<40, using: &generator)) }
            return Document(id: "n\(i)", sparse: B.sparse(terms.sorted().map { ($0, weight()) }))
        }
        let schema = CollectionSchema(sparse: .termIDs(dimension: 64), index: IndexParameters(sealThreshold: 250, postingBlockSize: 8))
        let scratch = B.Scratch()
        let (collection, model) = try Self.load(documents, schema: schema, batchSize: 50, scratch)
        #expect(try B.layout(collection).segments == 4)
        let queries = (0..<200).map { q -> SparseVector in
            var terms = Set<UInt32>()
            let count = Int.random(in: 2...8, using: &generator)
            while terms.count < count { terms.insert(UInt32.random(in: 0..<40, using: &generator)) }
            return B.sparse(terms.sorted().map { ($0, q % 2 == 0 ? 1 + Float.random(in: 0..<0.02, using: &generator)
                                                               : Float.random(in: 0.2...2, using: &generator)) })
        }
        let (failures, total) = try Self.mismatches(collection, model, queries: queries, ks: [1, 10, 30, 64])
        B.expectNoFailures(failures, of: total, "near-equal queries")
        // The data must exercise the bounded rescoring, not only the fallback scan.
        #expect(try B.layout(collection).buffered == 0)
        var pruned = 0
        for query in queries.prefix(50) {
            let counters = try B.sparseCounters(collection, query, k: 10)
            if counters.segmentsScanned == 0 { pruned += 1 }   // no segment needed the fallback scan
        }
        #expect(pruned >= 40, "only \(pruned) of 50 queries were answered through the error bound")
    }

    /// Per segment: a document O with weight 8 on terms 0, 1, 2 (the block's
    /// scale becomes 8/255), five documents D whose weights are 32.10...32.26
    /// steps and one document X at 32.49 steps: all quantize to 32 steps, so
    /// the approximate scores of X and the D's tie (the D's come first), while
    /// X's exact score is the highest after O's.
    @Test("a document whose quantized weights understate it the most still ranks by its exact score", arguments: [1, 2, 3, 4, 6, 7])
    func quantizationUnderstatement(k: Int) throws {
        let step: Float = 8 / 255
        var documents: [Document] = []
        for segment in 0..<3 {
            func weights(_ steps: Float) -> SparseVector { B.sparse([(0, steps * step), (1, steps * step), (2, steps * step)]) }
            documents.append(Document(id: "O\(segment)", sparse: weights(255)))
            for d in 0..<5 { documents.append(Document(id: "D\(segment)-\(d)", sparse: weights(32.1 + 0.04 * Float(d)))) }
            documents.append(Document(id: "X\(segment)", sparse: weights(32.49)))
            documents.append(Document(id: "filler\(segment)", sparse: B.sparse([(9, 1)])))
        }
        let schema = CollectionSchema(sparse: .termIDs(dimension: 16), index: IndexParameters(sealThreshold: 8, postingBlockSize: 8))
        let scratch = B.Scratch()
        let (collection, model) = try Self.load(documents, schema: schema, batchSize: 8, scratch)
        #expect(try B.layout(collection).segments == 3)
        let query = B.sparse([(0, 1), (1, 1), (2, 1)])
        let hits = try collection.search(B.sparseQuery(query, k: k))
        #expect(B.sparseMismatch(hits, query: query, k: k, model: model, live: model.documents) == nil)
        if k >= 4 { #expect(hits.map(\.id).prefix(4) == ["O0", "O1", "O2", "X0"]) }
        let counters = try B.sparseCounters(collection, query, k: 2)
        #expect(counters.segmentsScanned == 0, "the segments should be answered through the error bound")
    }

    @Test("queries matching fewer than k documents fall back to the exact scan and return every match")
    func fewerMatchesThanK() throws {
        let corpus = SyntheticCorpus(seed: 5_000, count: 700, sparseDimension: 1_000, denseDimension: nil)
        var documents = corpus.documents
        // Rare terms 1050 and 1051 in three documents: one per segment and one buffered.
        for (index, weight) in [(10, Float(0.5)), (350, 2), (690, 1)] {
            let old = documents[index].sparse!
            documents[index].sparse = B.sparse(Array(zip(old.indices, old.values)) + [(1_050, weight), (1_051, weight / 2)])
        }
        // Term 1060: an outlier of 1000 in every segment makes the bound useless (θ ≤ E).
        for index in stride(from: 3, to: 700, by: 29) {
            let old = documents[index].sparse!
            documents[index].sparse = B.sparse(Array(zip(old.indices, old.values)) + [(1_060, index % 2 == 0 ? 1_000 : 0.5 + Float(index) / 1_000)])
        }
        let scratch = B.Scratch()
        let (collection, model) = try Self.load(documents, schema: B.schema(corpus, sealThreshold: 200, postingBlockSize: 8, sparseDimension: 1_100),
                                                batchSize: 100, scratch)
        #expect(try B.layout(collection).segments == 3)
        let live = model.documents
        let queries: [(SparseVector, Int)] = [
            (B.sparse([(1_050, 1)]), 10),
            (B.sparse([(1_050, 1), (1_051, 3)]), 3),
            (B.sparse([(1_051, 0.25)]), 100),
            (B.sparse([(1_060, 1)]), 5),
            (B.sparse([(1_060, 1), (1_050, 1)]), 30),
            (B.sparse([(1_099, 1)]), 10),                       // no document has it
            (B.sparse([(0, 1), (1, 1), (2, 1)]), 700),          // k above the number of matches
            (B.sparse([(999, 1), (1_050, 0.001)]), 50),
        ]
        for (query, k) in queries {
            let hits = try collection.search(B.sparseQuery(query, k: k))
            #expect(B.sparseMismatch(hits, query: query, k: k, model: model, live: live) == nil, "query \(query.indices) k \(k)")
            #expect(hits.count <= k)
        }
        #expect(try collection.search(B.sparseQuery(B.sparse([(1_050, 1)]), k: 10)).map(\.id) == ["d350", "d690", "d10"])
        let counters = try B.sparseCounters(collection, B.sparse([(1_050, 1)]), k: 10)
        #expect(counters.segmentsScanned == 4, "three segments with fewer than k matches, and the buffer, are scanned")
    }

    @Test("exactly tied documents come in the order they were last written, across segments and the buffer")
    func exactTiesFollowWriteOrder() throws {
        let corpus = SyntheticCorpus(seed: 6_000, count: 400, sparseDimension: 500, denseDimension: nil)
        let twin = B.sparse([(600, 0.7), (601, 1.3), (602, 0.1)])
        var documents: [Document] = []
        for (i, document) in corpus.documents.enumerated() {
            documents.append(document)
            if i % 37 == 5 { documents.append(Document(id: "twin-\(i)", sparse: twin)) }
        }
        let scratch = B.Scratch()
        var (collection, model) = try Self.load(documents, schema: B.schema(corpus, sealThreshold: 120, postingBlockSize: 8, sparseDimension: 700),
                                                batchSize: 40, scratch)
        let twins = documents.map(\.id).filter { $0.hasPrefix("twin-") }
        #expect(twins.count == 11)
        #expect(try collection.search(B.sparseQuery(twin, k: 11)).map(\.id) == twins)
        #expect(try collection.search(B.sparseQuery(twin, k: 4)).map(\.id) == Array(twins.prefix(4)))
        // Rewriting the first twin moves it last; deleting one removes it.
        try collection.upsert([Document(id: twins[0], sparse: twin)])
        model.upsert([Document(id: twins[0], sparse: twin)])
        #expect(try collection.delete(ids: [twins[5]]) == 1)
        var expected = Array(twins.dropFirst()) + [twins[0]]
        expected.removeAll { $0 == twins[5] }
        #expect(try collection.search(B.sparseQuery(twin, k: 20)).map(\.id) == expected)
        collection = try scratch.open().collection()
        try collection.seal()
        #expect(try collection.search(B.sparseQuery(twin, k: 20)).map(\.id) == expected)
        let hits = try collection.search(B.sparseQuery(twin, k: 20))
        #expect(Set(hits.map(\.score)).count == 1)
    }

    @Test("zero weights contribute nothing: documents whose only shared terms weigh 0 are not results")
    func zeroWeights() throws {
        let documents = [
            Document(id: "zero", sparse: B.sparse([(1, 0), (2, 0)])),
            Document(id: "one", sparse: B.sparse([(1, 1), (2, 0)])),
            Document(id: "two", sparse: B.sparse([(1, 0), (2, 2), (3, 0.5)])),
            Document(id: "other", sparse: B.sparse([(4, 1)])),
        ]
        let schema = CollectionSchema(sparse: .termIDs(dimension: 8), index: IndexParameters(sealThreshold: 2, postingBlockSize: 8))
        let scratch = B.Scratch()
        let (collection, model) = try Self.load(documents + [Document(id: "buffered-zero", sparse: B.sparse([(1, 0)]))],
                                                schema: schema, batchSize: 2, scratch)
        for (query, expected) in [(B.sparse([(1, 1), (2, 1)]), ["two", "one"]), (B.sparse([(1, 0), (2, 0), (3, 0)]), []),
                                  (B.sparse([(1, 5), (2, 0)]), ["one"]), (B.sparse([(3, 2), (4, 0)]), ["two"])] {
            let hits = try collection.search(B.sparseQuery(query, k: 10))
            #expect(hits.map(\.id) == expected)
            #expect(B.sparseMismatch(hits, query: query, k: 10, model: model, live: model.documents) == nil)
        }
        #expect(try collection.database.verify().isHealthy)
    }

    @Test("extreme weights (the largest float, the smallest normal, a subnormal) are scored exactly, in segments and the buffer")
    func extremeWeights() throws {
        let weights: [(String, Float)] = [("subnormal", .leastNonzeroMagnitude), ("largest", .greatestFiniteMagnitude),
                                          ("normal-min", .leastNormalMagnitude), ("big", 1e38), ("one", 1)]
        var documents = weights.map { Document(id: "s-\($0.0)", sparse: B.sparse([(1, $0.1), (2, 1)])) }
        documents += weights.map { Document(id: "b-\($0.0)", sparse: B.sparse([(1, $0.1), (3, 1)])) }
        let schema = CollectionSchema(sparse: .termIDs(dimension: 8), index: IndexParameters(sealThreshold: 5, postingBlockSize: 8))
        let scratch = B.Scratch()
        let (collection, _) = try Self.load(documents, schema: schema, batchSize: 5, scratch)
        #expect(try B.layout(collection) == (2, 0, 0))
        try collection.upsert([Document(id: "buffered-largest", sparse: B.sparse([(1, .greatestFiniteMagnitude)]))])
        let hits = try collection.search(B.sparseQuery(B.sparse([(1, 1)]), k: 20))
        #expect(hits.map(\.id) == ["s-largest", "b-largest", "buffered-largest", "s-big", "b-big", "s-one", "b-one",
                                   "s-normal-min", "b-normal-min", "s-subnormal", "b-subnormal"])
        #expect(hits.map(\.score) == [.greatestFiniteMagnitude, .greatestFiniteMagnitude, .greatestFiniteMagnitude, 1e38, 1e38, 1, 1,
                                      .leastNormalMagnitude, .leastNormalMagnitude, .leastNonzeroMagnitude, .leastNonzeroMagnitude])
        // With k below the number of large scores, the bound prunes; the answer is still exact.
        #expect(try collection.search(B.sparseQuery(B.sparse([(1, 1), (2, 0.5)]), k: 2)).map(\.id) == ["s-largest", "b-largest"])
        #expect(try collection.database.verify().isHealthy)
    }

    /// The exact path builds a dense array of the query over the whole term
    /// space; a schema may declare up to 2³² − 1 term ids.
    @Test("a collection with the largest sparse dimension the schema allows can be searched")
    func largestSparseDimension() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(sparse: .termIDs(dimension: Int(UInt32.max))))
        let document = Document(id: "far", sparse: B.sparse([(7, 1), (4_000_000_000, 2)]))
        try collection.upsert([document])
        #expect(try collection.search(B.sparseQuery(B.sparse([(4_000_000_000, 1)]), k: 1)).map(\.id) == ["far"])
        try collection.seal()
        #expect(try collection.search(B.sparseQuery(B.sparse([(4_000_000_000, 1)]), k: 1)).map(\.id) == ["far"])
    }

    @Test("string-term (vocabulary) collections rank exactly like the same vectors over integer ids")
    func vocabularyCollection() throws {
        let corpus = SyntheticCorpus(seed: 7_000, count: 600, sparseDimension: 800, denseDimension: nil)
        func term(_ index: UInt32) -> String { "term-\(index)-ß" }
        func terms(_ vector: SparseVector) -> [String: Float] {
            Dictionary(uniqueKeysWithValues: zip(vector.indices.map(term), vector.values))
        }
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(
            schema: CollectionSchema(sparse: .vocabulary, index: IndexParameters(sealThreshold: 150, postingBlockSize: 16)))
        var model = B.Model()   // the integer-id twin, for the oracle
        for start in stride(from: 0, to: 600, by: 50) {
            let batch = Array(corpus.documents[start..<(start + 50)])
            try collection.upsert(batch.map { Document(id: $0.id, sparseTerms: terms($0.sparse!)) })
            model.upsert(batch)
        }
        #expect(try B.layout(collection).segments == 4)
        let victims = ["d3", "d170", "d599"]
        try collection.delete(ids: victims)
        model.delete(victims)
        let live = model.documents
        var failures: [String] = []
        let queries = corpus.queries(seed: 7_001, count: 80).map { $0.sparse! }
        for (q, query) in queries.enumerated() {
            var weights = terms(query)
            weights["never-seen-\(q)"] = 5   // unknown terms are ignored
            let k = Self.ks[q % Self.ks.count]
            let hits = try collection.search(Query(sparseTerms: weights, k: k))
            if let mismatch = B.sparseMismatch(hits, query: query, k: k, model: model, live: live) {
                failures.append("query \(q): \(mismatch)")
            }
        }
        B.expectNoFailures(failures, of: queries.count, "vocabulary queries")
        #expect(try collection.document(id: "d10")?.sparseTerms == terms(corpus.documents[10].sparse!))
    }
}
