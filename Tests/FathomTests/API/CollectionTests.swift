import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Collections and query validation")
struct CollectionTests {
    typealias B = Behaviour

    static let both = CollectionSchema(dense: DenseSchema(dimension: 8, metric: .dot), sparse: .termIDs(dimension: 50))

    @Test("creating a collection twice throws collectionExists and keeps the first one's schema and documents")
    func createTwice() throws {
        let scratch = B.Scratch()
        let database = try scratch.open()
        let first = try database.createCollection("docs", schema: Self.both)
        try first.upsert([Document(id: "a", sparse: B.sparse([(1, 1)]))])
        let other = CollectionSchema(dense: DenseSchema(dimension: 3))
        #expect(B.kind { try database.createCollection("docs", schema: Self.both) } == .collectionExists)
        #expect(B.kind { try database.createCollection("docs", schema: other) } == .collectionExists)
        let reopened = try scratch.open()
        #expect(B.kind { try reopened.createCollection("docs", schema: other) } == .collectionExists)
        #expect(try reopened.collection("docs").schema == Self.both)
        #expect(try reopened.collection("docs").count() == 1)
    }

    @Test("an unknown collection throws collectionNotFound, also through a handle whose collection is missing")
    func unknownCollection() throws {
        let scratch = B.Scratch()
        let database = try scratch.open()
        try database.createCollection("docs", schema: Self.both)
        let error = B.thrown { try database.collection("Docs") }
        #expect(error == .collectionNotFound(name: "Docs"))
        #expect(B.kind { try database.collection() } == .collectionNotFound)
        #expect(try database.collectionNames() == ["docs"])
    }

    @Test("several collections are independent and listed by name")
    func collectionsAreIndependent() throws {
        let scratch = B.Scratch()
        let database = try scratch.open()
        let a = try database.createCollection("b-second", schema: Self.both)
        let b = try database.createCollection("a-first", schema: CollectionSchema(sparse: .vocabulary))
        try a.upsert([Document(id: "same", sparse: B.sparse([(3, 1)]))])
        try b.upsert([Document(id: "same", sparseTerms: ["word": 2])])
        #expect(try database.collectionNames() == ["a-first", "b-second"])
        #expect(try a.delete(ids: ["same"]) == 1)
        #expect(try b.count() == 1)
        #expect(try b.search(Query(sparseTerms: ["word": 1], k: 5)).map(\.id) == ["same"])
    }

    static let invalidSchemas: [CollectionSchema] = [
        CollectionSchema(),
        CollectionSchema(dense: DenseSchema(dimension: 0)),
        CollectionSchema(dense: DenseSchema(dimension: -3)),
        CollectionSchema(dense: DenseSchema(dimension: 65_537)),
        CollectionSchema(sparse: .termIDs(dimension: 0)),
        CollectionSchema(sparse: .termIDs(dimension: Int(UInt32.max) + 1)),
        CollectionSchema(sparse: .vocabulary, index: IndexParameters(sealThreshold: 0)),
        CollectionSchema(sparse: .vocabulary, index: IndexParameters(postingBlockSize: 7)),
        CollectionSchema(dense: DenseSchema(dimension: 4), index: IndexParameters(postingBlockSize: 65_537)),
    ]

    @Test("invalid schemas are rejected with invalidSchema and create nothing", arguments: invalidSchemas)
    func invalidSchema(schema: CollectionSchema) throws {
        let scratch = B.Scratch()
        let database = try scratch.open()
        #expect(B.kind { try database.createCollection("bad", schema: schema) } == .invalidSchema)
        #expect(try database.collectionNames().isEmpty)
    }

    @Test("collection names must be 1 to 256 characters")
    func invalidNames() throws {
        let scratch = B.Scratch()
        let database = try scratch.open()
        #expect(B.kind { try database.createCollection("", schema: Self.both) } == .invalidArgument)
        #expect(B.kind { try database.createCollection(String(repeating: "n", count: 257), schema: Self.both) } == .invalidArgument)
        try database.createCollection(String(repeating: "n", count: 256), schema: Self.both)
        #expect(try database.collectionNames().count == 1)
    }

    @Test("queries a collection cannot answer throw invalidQuery")
    func invalidQueries() throws {
        let scratch = B.Scratch()
        let database = try scratch.open()
        let both = try database.createCollection("both", schema: Self.both)
        let denseOnly = try database.createCollection("dense", schema: CollectionSchema(dense: DenseSchema(dimension: 8)))
        let sparseOnly = try database.createCollection("sparse", schema: CollectionSchema(sparse: .termIDs(dimension: 50)))
        let vocabulary = try database.createCollection("vocabulary", schema: CollectionSchema(sparse: .vocabulary))
        try both.upsert([Document(id: "a", sparse: B.sparse([(1, 1)]), dense: [Float](repeating: 1, count: 8))])
        try vocabulary.upsert([Document(id: "a", sparseTerms: ["word": 1])])

        let sparse = B.sparse([(1, 1)])
        let dense = [Float](repeating: 1, count: 8)
        let cases: [(Collection, Query, String)] = [
            (both, Query(), "no part at all"),
            (both, Query(dense: [1, 2, 3]), "dense query of the wrong dimension"),
            (both, Query(dense: [Float](repeating: 1, count: 9)), "dense query one too long"),
            (both, Query(dense: [Float](repeating: .nan, count: 8)), "non-finite dense query"),
            (both, Query(dense: [Float](repeating: .infinity, count: 8)), "infinite dense query"),
            (both, Query(sparse: B.sparse([(50, 1)])), "sparse term outside the dimension"),
            (both, Query(sparseTerms: ["word": 1]), "string terms on an integer-term collection"),
            (both, Query(sparse: sparse, k: 0), "k = 0"),
            (both, Query(sparse: sparse, k: -1), "k < 0"),
            (both, Query(sparse: sparse, k: 100_001), "k too large"),
            (both, Query(sparse: sparse, mode: .dense), "dense mode without a dense part"),
            (both, Query(dense: dense, mode: .sparse), "sparse mode without a sparse part"),
            (both, Query(sparse: sparse, mode: .hybrid), "hybrid mode with only a sparse part"),
            (both, Query(dense: dense, mode: .hybrid), "hybrid mode with only a dense part"),
            (denseOnly, Query(sparse: sparse), "sparse query on a dense-only collection"),
            (denseOnly, Query(sparse: sparse, dense: dense), "hybrid query on a dense-only collection"),
            (sparseOnly, Query(dense: dense), "dense query on a sparse-only collection"),
            (sparseOnly, Query(sparse: sparse, dense: dense, mode: .hybrid), "hybrid query on a sparse-only collection"),
            (vocabulary, Query(sparse: sparse), "integer terms on a vocabulary collection"),
            (vocabulary, Query(sparseTerms: ["word": -1]), "negative term weight"),
            (vocabulary, Query(sparseTerms: ["word": .nan]), "NaN term weight"),
            (vocabulary, Query(sparseTerms: ["": 1]), "empty term"),
            (vocabulary, Query(sparse: sparse, sparseTerms: ["word": 1]), "both integer and string terms"),
            (both, Query(sparse: sparse, dense: dense, candidateDepth: 0), "candidate depth 0"),
            (both, Query(sparse: sparse, dense: dense, candidateDepth: 100_001), "candidate depth too large"),
            (both, Query(sparse: sparse, dense: dense, rrfConstant: 0), "RRF constant 0"),
            (both, Query(sparse: sparse, dense: dense, rrfConstant: -60), "negative RRF constant"),
            (both, Query(sparse: sparse, dense: dense, rrfConstant: .nan), "NaN RRF constant"),
            (both, Query(sparse: sparse, dense: dense, rrfConstant: .infinity), "infinite RRF constant"),
        ]
        for (collection, query, what) in cases {
            let error = B.thrown { try collection.search(query) }
            #expect(error.map(B.ErrorKind.init) == .invalidQuery, "\(what) on '\(collection.name)': \(String(describing: error))")
        }
        // Queries that are valid but match nothing return no hits.
        #expect(try vocabulary.search(Query(sparseTerms: ["unknown": 1], k: 5)).isEmpty)
        #expect(try sparseOnly.search(Query(sparse: sparse, k: 5)).isEmpty)
        #expect(try both.search(Query(sparse: B.sparse([(2, 1)]), k: 5)).isEmpty)
        #expect(try both.search(Query(sparse: sparse, k: 100_000)).map(\.id) == ["a"])
        // A part the mode does not use need not fit the collection.
        #expect(try both.search(Query(sparse: sparse, dense: [1, 2], mode: .sparse)).map(\.id) == ["a"])
        #expect(try both.search(Query(sparse: B.sparse([(999, 1)]), dense: dense, mode: .dense)).map(\.id) == ["a"])
        #expect(try sparseOnly.search(Query(sparse: sparse, dense: dense, mode: .sparse)).isEmpty)
    }
}
