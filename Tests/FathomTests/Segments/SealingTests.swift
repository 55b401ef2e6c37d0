import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Sealing the write buffer into segments")
struct SealingTests {
    typealias B = Behaviour

    @Test("the buffer is sealed whole when an upsert brings it to the threshold, not before")
    func sealsAtThreshold() throws {
        let scratch = B.Scratch()
        let corpus = SyntheticCorpus(seed: 16_000, count: 100, sparseDimension: 200, denseDimension: 4)
        let collection = try scratch.open().createCollection(schema: B.schema(corpus, sealThreshold: 25))
        try collection.upsert(Array(corpus.documents[0..<24]))
        #expect(try B.layout(collection) == (0, 24, 0))
        try collection.upsert(Array(corpus.documents[24..<25]))
        #expect(try B.layout(collection) == (1, 0, 0))
        try collection.upsert(Array(corpus.documents[25..<85]))   // 60 at once: one segment of 60
        #expect(try B.layout(collection) == (2, 0, 0))
        try collection.upsert(Array(corpus.documents[85..<100]))
        #expect(try B.layout(collection) == (2, 15, 0))
        // Replacing buffered documents does not grow the buffer; replacing sealed ones does.
        try collection.upsert(Array(corpus.documents[85..<95]))
        #expect(try B.layout(collection) == (2, 15, 0))
        try collection.upsert(Array(corpus.documents[0..<9]))
        #expect(try B.layout(collection) == (2, 24, 9))
        #expect(try collection.count() == 100)
        let statistics = try scratch.open().statistics().collections[0]
        #expect(statistics.documents == 100)
        #expect(statistics.postings == corpus.documents[0..<85].reduce(0) { $0 + $1.sparse!.count })
    }

    @Test("seal() seals everything buffered and returns the count; with an empty buffer it does nothing")
    func explicitSeal() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(sparse: .termIDs(dimension: 10)))
        #expect(try collection.seal() == 0)
        #expect(try B.layout(collection) == (0, 0, 0))
        try collection.upsert((0..<7).map { Document(id: "a\($0)", sparse: B.sparse([(UInt32($0), 1)])) })
        try collection.delete(ids: ["a3"])
        #expect(try collection.seal() == 6)
        #expect(try collection.seal() == 0)
        #expect(try B.layout(collection) == (1, 0, 0))
        #expect(try collection.search(Query(sparse: B.sparse((0..<10).map { (UInt32($0), 1) }), k: 10)).map(\.id)
                == ["a0", "a1", "a2", "a4", "a5", "a6"])
    }

    @Test("a segment larger than one forward chunk (1,024) and several dense chunks (256) reads back every document")
    func multiChunkSegment() throws {
        let scratch = B.Scratch()
        let corpus = SyntheticCorpus(seed: 16_100, count: 1_300, sparseDimension: 500, denseDimension: 5, termsPerDocument: 1...6)
        var documents = corpus.documents
        for i in stride(from: 0, to: documents.count, by: 17) { documents[i].dense = nil }
        for i in stride(from: 5, to: documents.count, by: 23) { documents[i].sparse = nil; documents[i].dense = documents[i].dense ?? [1, 2, 3, 4, 5] }
        let collection = try scratch.open().createCollection(schema: B.schema(corpus, metric: .l2, sealThreshold: 100_000, postingBlockSize: 64))
        var model = B.Model()
        try B.upsert(documents, into: collection, model: &model, batchSize: 650)
        #expect(try collection.seal() == 1_300)
        let reopened = try scratch.open().collection()
        // Chunk boundaries and the ends.
        for ordinal in [0, 1, 255, 256, 511, 512, 1_023, 1_024, 1_025, 1_279, 1_280, 1_299] {
            #expect(try reopened.document(id: "d\(ordinal)") == model["d\(ordinal)"], "ordinal \(ordinal)")
        }
        let raw = try B.RawFile(scratch.path)
        let chunks = try raw.integers("SELECT kind, count(*) FROM segment_blobs GROUP BY kind ORDER BY kind", columns: 2)
        #expect(chunks == [[2, 2], [3, 6], [4, 1], [5, 1]])
        let live = model.documents
        var generator = SeededGenerator(seed: 16_101)
        for q in 0..<15 {
            let dense = SyntheticCorpus.denseVector(&generator, dimension: 5)
            let hits = try reopened.search(B.denseQuery(dense, k: 30))
            #expect(B.denseMismatch(hits, query: dense, metric: .l2, k: 30, model: model, live: live) == nil, "dense query \(q)")
            let sparse = SyntheticCorpus.sparseVector(&generator, dimension: 500, terms: 1...4)
            let sparseHits = try reopened.search(B.sparseQuery(sparse, k: 30))
            #expect(B.sparseMismatch(sparseHits, query: sparse, k: 30, model: model, live: live) == nil, "sparse query \(q)")
        }
        #expect(try B.export(reopened).count == 1_300)
        #expect(try reopened.database.verify().isHealthy)
    }

    @Test("a segment whose every document is deleted or replaced contributes nothing")
    func fullyDeletedSegment() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(
            dense: DenseSchema(dimension: 2), sparse: .termIDs(dimension: 10), index: IndexParameters(sealThreshold: 5)))
        try collection.upsert((0..<5).map { Document(id: "a\($0)", sparse: B.sparse([(1, 1)]), dense: [1, 0]) })
        try collection.upsert((0..<5).map { Document(id: "b\($0)", sparse: B.sparse([(2, 1)]), dense: [0, 1]) })
        #expect(try B.layout(collection) == (2, 0, 0))
        try collection.delete(ids: ["a0", "a1", "a2"])
        try collection.upsert([Document(id: "a3", sparse: B.sparse([(3, 1)])), Document(id: "a4", dense: [-1, 0])])
        #expect(try B.layout(collection) == (2, 2, 5))
        #expect(try collection.search(Query(sparse: B.sparse([(1, 1)]), k: 10)).isEmpty)
        #expect(try collection.search(Query(dense: [1, 0], k: 10)).map(\.id) == ["b0", "b1", "b2", "b3", "b4", "a4"])
        #expect(try collection.count() == 7)
        #expect(try B.export(collection).count == 7)
        #expect(try collection.database.verify().isHealthy)
        let reopened = try scratch.open().collection()
        #expect(try reopened.search(Query(sparse: B.sparse([(1, 1), (3, 1)]), k: 10)).map(\.id) == ["a3"])
    }

    @Test("sealing a large write buffer gives its pages back to the file system and keeps every document")
    func largeSealReleasesPages() throws {
        let scratch = B.Scratch()
        let dimension = 1_024
        let collection = try scratch.open().createCollection(schema: CollectionSchema(
            dense: DenseSchema(dimension: dimension, metric: .dot), sparse: .termIDs(dimension: 100),
            index: IndexParameters(sealThreshold: 100_000)))
        var model = B.Model()
        func vector(_ i: Int) -> [Float] {
            (0..<dimension).map { (j: Int) -> Float in
                let level: Int = (i &* 7_919 &+ j &* 104_729) % 17
                return Float(level - 8) / 8
            }
        }
        let documents = (0..<1_400).map { (i: Int) -> Document in   // about 5.7 MB of write-buffer rows
            Document(id: "big\(i)", sparse: B.sparse([(UInt32(i % 100), 1)]), dense: vector(i))
        }
        try B.upsert(documents, into: collection, model: &model, batchSize: 200)
        #expect(try collection.seal() == 1_400)
        do {
            let raw = try B.RawFile(scratch.path)
            let free = try raw.integers("PRAGMA freelist_count", columns: 1)[0][0]
            let pageSize = try raw.integers("PRAGMA page_size", columns: 1)[0][0]
            #expect(free * pageSize <= 4 << 20, "\(free) free pages of \(pageSize) bytes after the seal")
        }
        let reopened = try scratch.open().collection()
        for i in [0, 1, 699, 1_399] { #expect(try reopened.document(id: "big\(i)") == model["big\(i)"]) }
        let query = documents[77].dense!
        let hits = try reopened.search(B.denseQuery(query, k: 5))
        #expect(B.denseMismatch(hits, query: query, metric: .dot, k: 5, model: model, live: model.documents) == nil)
        #expect(try reopened.database.verify().isHealthy)
    }

    @Test("sparse-only and dense-only collections seal and search")
    func singlePartCollections() throws {
        let scratch = B.Scratch()
        let database = try scratch.open()
        let sparse = try database.createCollection("sparse", schema: CollectionSchema(
            sparse: .termIDs(dimension: 20), index: IndexParameters(sealThreshold: 4, postingBlockSize: 8)))
        let dense = try database.createCollection("dense", schema: CollectionSchema(
            dense: DenseSchema(dimension: 2, metric: .dot), index: IndexParameters(sealThreshold: 4)))
        for i in 0..<10 {
            try sparse.upsert([Document(id: "s\(i)", sparse: B.sparse([(UInt32(i), Float(i + 1))]))])
            try dense.upsert([Document(id: "v\(i)", dense: [Float(i), 1])])
        }
        #expect(try B.layout(sparse) == (2, 2, 0))
        #expect(try B.layout(dense) == (2, 2, 0))
        #expect(try sparse.search(Query(sparse: B.sparse([(3, 1), (9, 1)]), k: 5)).map(\.id) == ["s9", "s3"])
        #expect(try dense.search(Query(dense: [1, 0], k: 3)).map(\.id) == ["v9", "v8", "v7"])
        #expect(try database.verify().isHealthy)
    }
}
