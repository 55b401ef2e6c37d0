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

/// The approximate dense plans through the public API: which plan each
/// segment gets, recall against the exact path, and the cases where the
/// approximate plans must equal it.
@Suite("Approximate dense search: graph and codes")
struct ApproximateDenseSearchTests {
    typealias B = Behaviour

    /// A collection of clustered 32-d vectors (20 clusters) sealed into one
    /// segment of `count` with a graph (minimum 500 documents), plus a buffer of `buffered`.
    static func collection(_ scratch: B.Scratch, count: Int = 2_000, buffered: Int = 0, metric: DenseMetric = .cosine,
                           graph: DenseGraphParameters = DenseGraphParameters(m: 12, efConstruction: 64,
                                                                             minimumSegmentDocuments: 500))
        throws -> (Collection, DenseMatrix)
    {
        let matrix = DenseTestData.clustered(count: count + buffered, dimension: 32, seed: 77)
        let schema = CollectionSchema(dense: DenseSchema(dimension: 32, metric: metric),
                                      index: IndexParameters(sealThreshold: 1_000_000, denseGraph: graph))
        let collection = try scratch.open().createCollection(schema: schema)
        let documents = (0..<(count + buffered)).map { Document(id: "v\($0)", dense: matrix.vector(at: $0)!) }
        try collection.upsert(Array(documents[..<count]))
        #expect(try collection.seal() == count)
        if buffered > 0 { try collection.upsert(Array(documents[count...])) }
        return (collection, matrix)
    }

    static func queries(_ matrix: DenseMatrix, count: Int, seed: UInt64) -> [[Float]] {
        DenseTestData.queries(count: count, like: matrix, metric: .dot, seed: seed)
    }

    static func exact(_ collection: Collection, _ query: Query) throws -> [SearchHit] {
        var exact = query
        exact.exact = true
        return try collection.search(exact)
    }

    @Test("a large segment is searched through its graph, the write buffer by a flat scan")
    func planPerSegment() throws {
        let scratch = B.Scratch()
        let (collection, matrix) = try Self.collection(scratch, buffered: 50)
        let query = Query(dense: Self.queries(matrix, count: 1, seed: 1)[0], k: 10)
        let result = try collection.searchExplained(query)
        #expect(result.explanation.paths.contains {
            $0.contains("hnsw-int8(ef 100, rescore 100)") && $0.contains("buffer: exact-flat")
        }, "\(result.explanation.paths)")
        #expect(result.explanation.denseCandidatesRescored == 100, "the int8 walk re-scores its final beam")
        #expect(result.explanation.graphDistanceComputations > 0)
        #expect(result.explanation.denseDocumentsScored == 50, "only the buffer is scanned")
        let exact = try collection.searchExplained({ var q = query; q.exact = true; return q }())
        #expect(exact.explanation.paths == ["dense: buffer: exact-flat, exact-flat"])
        #expect(exact.explanation.graphDistanceComputations == 0)
    }

    @Test("with the graph disabled, sealed segments get none and dense search scans them exactly")
    func graphDisabled() throws {
        let scratch = B.Scratch()
        let (collection, matrix) = try Self.collection(scratch, count: 600, graph: DenseGraphParameters(enabled: false))
        let statistics = try collection.database.statistics().collections[0]
        #expect(statistics.bytes["dense_graph"] == nil)
        let query = Query(dense: Self.queries(matrix, count: 1, seed: 9)[0], k: 10)
        let result = try collection.searchExplained(query)
        #expect(result.explanation.paths == ["dense: exact-flat"])
        #expect(result.hits == (try Self.exact(collection, query)))
    }

    @Test("segments below minimumSegmentDocuments get no graph and are scanned exactly")
    func smallSegmentsScan() throws {
        let scratch = B.Scratch()
        let (collection, matrix) = try Self.collection(scratch, count: 400)
        for vector in Self.queries(matrix, count: 10, seed: 2) {
            let query = Query(dense: vector, k: 10)
            let result = try collection.searchExplained(query)
            #expect(result.explanation.paths == ["dense: exact-flat"])
            #expect(result.hits == (try Self.exact(collection, query)))
        }
    }

    @Test("graph search reaches recall@10 of at least 0.95 against the exact path at the default ef, for every metric and walk",
          arguments: DenseMetric.allCases, DenseGraphPrecision.allCases)
    func recall(metric: DenseMetric, precision: DenseGraphPrecision) throws {
        let scratch = B.Scratch()
        let (collection, matrix) = try Self.collection(scratch, metric: metric)
        var total = 0.0
        let queries = Self.queries(matrix, count: 100, seed: 3)
        for vector in queries {
            var query = Query(dense: vector, k: 10, mode: .dense)
            query.denseParameters = DenseQueryParameters(graphPrecision: precision)
            let result = try collection.searchExplained(query)
            #expect(result.explanation.paths == [precision == .int8 ? "dense: hnsw-int8(ef 100, rescore 100)" : "dense: hnsw(ef 100)"])
            let approximate = Set(result.hits.map(\.id))
            let exact = try Self.exact(collection, query)
            total += Double(approximate.intersection(exact.map(\.id)).count) / Double(exact.count)
            // Whatever the walk, returned scores are the exact ones.
            let exactScores = Dictionary(uniqueKeysWithValues: exact.map { ($0.id, $0.score) })
            for hit in result.hits where exactScores[hit.id] != nil { #expect(exactScores[hit.id] == hit.score, "\(hit.id)") }
        }
        #expect(total / Double(queries.count) >= 0.95, "recall@10 \(total / Double(queries.count))")
    }

    @Test("with efSearch at least the segment size, graph search returns exactly the exact hits and scores")
    func wideBeamIsExact() throws {
        let scratch = B.Scratch()
        let (collection, matrix) = try Self.collection(scratch, count: 800)
        for vector in Self.queries(matrix, count: 20, seed: 4) {
            var query = Query(dense: vector, k: 25, mode: .dense)
            query.denseParameters = DenseQueryParameters(efSearch: 800)
            #expect(try collection.search(query) == (try Self.exact(collection, query)))
        }
    }

    @Test("code scans with a re-scoring pool covering the segment equal the exact path, for every code",
          arguments: DenseCodeKind.allCases)
    func codesWithFullPoolAreExact(kind: DenseCodeKind) throws {
        let scratch = B.Scratch()
        let (collection, matrix) = try Self.collection(scratch, count: 800, buffered: 30)
        for vector in Self.queries(matrix, count: 10, seed: 5) {
            var query = Query(dense: vector, k: 10, mode: .dense)
            query.denseParameters = DenseQueryParameters(codes: kind, rescoreDepth: 800)
            let result = try collection.searchExplained(query)
            #expect(result.explanation.paths.contains { $0.contains("\(kind.rawValue)-scan(rescore 800)") })
            #expect(result.explanation.denseCandidatesRescored == 800)
            #expect(result.hits == (try Self.exact(collection, query)))
        }
    }

    @Test("float16 and int8 scans keep recall@10 at 1 with a pool of 50 on clustered data")
    func codesRecall() throws {
        let scratch = B.Scratch()
        let (collection, matrix) = try Self.collection(scratch, count: 1_500)
        for kind in [DenseCodeKind.float16, .int8] {
            var found = 0, wanted = 0
            for vector in Self.queries(matrix, count: 30, seed: 6) {
                var query = Query(dense: vector, k: 10, mode: .dense)
                query.denseParameters = DenseQueryParameters(codes: kind, rescoreDepth: 50)
                let exact = Set(try Self.exact(collection, query).map(\.id))
                found += exact.intersection(try collection.search(query).map(\.id)).count
                wanted += exact.count
            }
            #expect(found == wanted, "\(kind): \(found) of \(wanted)")
        }
    }

    @Test("deleted and replaced documents never come back through the graph or the codes")
    func deletions() throws {
        let scratch = B.Scratch()
        let (collection, matrix) = try Self.collection(scratch)
        let queries = Self.queries(matrix, count: 20, seed: 7)
        // Delete every document that is some query's exact best hit, and move another far away.
        var deleted = Set<String>()
        for vector in queries { deleted.formUnion(try Self.exact(collection, Query(dense: vector, k: 3)).map(\.id)) }
        try collection.delete(ids: Array(deleted))
        try collection.upsert([Document(id: "v7", dense: [Float](repeating: -1, count: 32))])
        for vector in queries {
            for parameters in [DenseQueryParameters(), DenseQueryParameters(graphPrecision: .float32),
                               DenseQueryParameters(codes: .int8, rescoreDepth: 30)] {
                var query = Query(dense: vector, k: 10, mode: .dense)
                query.denseParameters = parameters
                let hits = try collection.search(query).map(\.id)
                #expect(deleted.isDisjoint(with: hits))
                #expect(hits.count == 10)
            }
        }
    }

    @Test("hybrid queries use the graph for their dense part")
    func hybridUsesGraph() throws {
        let scratch = B.Scratch()
        let matrix = DenseTestData.clustered(count: 1_000, dimension: 32, seed: 8)
        let schema = CollectionSchema(dense: DenseSchema(dimension: 32), sparse: .termIDs(dimension: 100),
                                      index: IndexParameters(denseGraph: DenseGraphParameters(minimumSegmentDocuments: 500)))
        let collection = try scratch.open().createCollection(schema: schema)
        try collection.upsert((0..<1_000).map {
            Document(id: "h\($0)", sparse: try! SparseVector(indices: [UInt32($0 % 100)], values: [1]), dense: matrix.vector(at: $0)!)
        })
        try collection.seal()
        let query = Query(sparse: try SparseVector(indices: [3], values: [1]), dense: matrix.vector(at: 3)!, k: 5)
        let result = try collection.searchExplained(query)
        #expect(result.explanation.mode == "hybrid")
        // Its candidates keep their code scores, as the sparse ones keep their quantized scores.
        #expect(result.explanation.paths.contains("dense: hnsw-int8(ef 100, code scores)"), "\(result.explanation.paths)")
        #expect(result.explanation.denseCandidatesRescored == 0)
        #expect(result.hits.first?.id == "h3")
        var float32 = query
        float32.denseParameters = DenseQueryParameters(graphPrecision: .float32)
        let walked = try collection.searchExplained(float32)
        #expect(walked.explanation.paths.contains("dense: hnsw(ef 100)"), "\(walked.explanation.paths)")
        #expect(Set(walked.hits.map(\.id)).intersection(result.hits.map(\.id)).count >= 4, "\(walked.hits) vs \(result.hits)")
    }

    @Test("invalid dense query parameters are refused with a clear error")
    func invalidParameters() throws {
        let scratch = B.Scratch()
        let (collection, matrix) = try Self.collection(scratch, count: 100)
        for parameters in [DenseQueryParameters(efSearch: 0), DenseQueryParameters(codes: .int8, rescoreDepth: 0)] {
            var query = Query(dense: matrix.vector(at: 0)!, k: 10)
            query.denseParameters = parameters
            #expect(B.kind { try collection.search(query) } == .invalidQuery)
        }
        let bad = CollectionSchema(dense: DenseSchema(dimension: 4), index: IndexParameters(denseGraph: DenseGraphParameters(m: 1)))
        #expect(B.kind { try scratch.open().createCollection("bad", schema: bad) } == .invalidSchema)
    }

    @Test("a flipped byte in a dense graph is reported by verify and by a dense search; exact search still answers")
    func corruption() throws {
        let scratch = B.Scratch()
        let (collection, matrix) = try Self.collection(scratch, count: 1_000)
        #expect(try collection.database.verify().isHealthy)
        let raw = try B.RawFile(scratch.path)
        let row = try #require(try raw.integers("SELECT rowid, segment_id FROM segment_blobs WHERE kind = 8", columns: 2).first)
        try raw.flipByte("segment_blobs", "payload", rowid: row[0], at: -5)
        let reopened = try scratch.open().collection()
        let report = try reopened.database.verify()
        #expect(report.problems.contains { $0.contains("dense graph of segment \(row[1])") }, "\(report.problems)")
        var query = Query(dense: matrix.vector(at: 0)!, k: 10, mode: .dense)
        #expect(B.kind { try reopened.search(query) } == .corruption)
        query.exact = true
        #expect(try reopened.search(query).count == 10, "the exact path does not read the graph")
    }
}
