@testable import Fathom
import FathomTestSupport
import Testing

@Suite("External-id cache")
struct ExternalIDCacheTests {
    @Test("remembers ids, and starts over at capacity without ever answering wrongly")
    func boundedAndCorrect() {
        let cache = ExternalIDCache(capacity: 3)
        #expect(cache.externalID(1) == nil)
        for id in 1...3 { cache.remember(Int64(id), "doc-\(id)") }
        #expect((1...3).map { cache.externalID(Int64($0)) } == ["doc-1", "doc-2", "doc-3"])
        cache.remember(4, "doc-4")   // over capacity: the older entries are forgotten
        #expect(cache.externalID(4) == "doc-4")
        #expect((1...3).allSatisfy { cache.externalID(Int64($0)) == nil || cache.externalID(Int64($0)) == "doc-\($0)" })
    }

    @Test("searches resolve replaced, deleted and re-added documents to their current external ids")
    func searchesStayCurrent() throws {
        let scratch = Behaviour.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(dense: DenseSchema(dimension: 2)))
        try collection.upsert([Document(id: "a", dense: [1, 0]), Document(id: "b", dense: [0, 1])])
        let query = Query(dense: [1, 0], k: 2)
        #expect(try collection.search(query).map(\.id) == ["a", "b"])
        // Replaced: "a" gets a new internal id and a vector far from the query.
        try collection.upsert([Document(id: "a", dense: [-1, 0])])
        #expect(try collection.search(query).map(\.id) == ["b", "a"])
        // Deleted, then another document takes its place.
        try collection.delete(ids: ["b"])
        try collection.upsert([Document(id: "c", dense: [1, 0.1])])
        #expect(try collection.search(query).map(\.id) == ["c", "a"])
        try collection.seal()
        #expect(try collection.search(query).map(\.id) == ["c", "a"])
    }
}
