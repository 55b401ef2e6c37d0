import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Document frequencies: exact through every write")
struct DocumentFrequencyTests {
    typealias B = Behaviour

    /// The stored frequencies of `collection`, read as a search would.
    static func stored(_ collection: Collection) throws -> [UInt32: Int] {
        let database = collection.database
        return try database.pool.read { connection in
            try DocumentFrequencies.stored(try CollectionRecord.load(named: collection.name, connection), connection)
        }
    }

    /// The frequencies recounted by the test from the documents it knows are live.
    static func recount(_ model: B.Model) -> [UInt32: Int] {
        var counts: [UInt32: Int] = [:]
        for document in model.documents {
            for term in document.sparse?.indices ?? [] { counts[term, default: 0] += 1 }
        }
        return counts
    }

    static func expectExact(_ collection: Collection, _ model: B.Model, after step: String,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let stored = try Self.stored(collection), expected = Self.recount(model)
        let differing = Set(stored.keys).union(expected.keys).filter { stored[$0] != expected[$0] }.sorted()
        #expect(differing.isEmpty,
                "after \(step): \(differing.count) terms differ, first \(differing.prefix(3).map { "\($0): \(stored[$0] ?? 0) vs \(expected[$0] ?? 0)" })",
                sourceLocation: sourceLocation)
    }

    @Test("after every insert, replacement, delete, seal and compaction the stored frequencies equal a recount of the live documents")
    func exactThroughEveryWrite() throws {
        let scratch = B.Scratch()
        let schema = CollectionSchema(dense: DenseSchema(dimension: 4), sparse: .termIDs(dimension: 300),
                                      index: IndexParameters(sealThreshold: 40, postingBlockSize: 16))
        let collection = try scratch.open().createCollection(schema: schema)
        var model = B.Model()
        var generator = SeededGenerator(seed: 7_301)
        func documents(_ ids: [String]) -> [Document] {
            ids.map { id in
                // A few documents without a sparse part, so that those are not counted.
                let dense = SyntheticCorpus.denseVector(&generator, dimension: 4)
                guard Int.random(in: 0..<10, using: &generator) > 0 else { return Document(id: id, dense: dense) }
                return Document(id: id, sparse: SyntheticCorpus.sparseVector(&generator, dimension: 300, terms: 1...25),
                                dense: dense)
            }
        }
        var nextID = 0
        for step in 0..<60 {
            let live = model.ids
            switch Int.random(in: 0..<10, using: &generator) {
            case 0...3:  // new documents (seals happen at 40 buffered)
                let ids = (0..<Int.random(in: 1...15, using: &generator)).map { _ in nextID += 1; return "d\(nextID)" }
                let batch = documents(ids)
                try collection.upsert(batch)
                model.upsert(batch)
            case 4...5 where !live.isEmpty:  // replacements, sealed or buffered, some repeated within the batch
                let ids = (0..<Int.random(in: 1...10, using: &generator)).map { _ in live.randomElement(using: &generator)! }
                let batch = documents(ids)
                try collection.upsert(batch)
                model.upsert(batch)
            case 6...7 where !live.isEmpty:  // deletes, with ids that do not exist
                let ids = (0..<Int.random(in: 1...8, using: &generator)).map { _ in live.randomElement(using: &generator)! }
                    + ["missing-\(step)"]
                #expect(try collection.delete(ids: ids) == model.delete(ids))
            case 8:
                try collection.seal()
            default:
                _ = try collection.compact()
            }
            try Self.expectExact(collection, model, after: "step \(step)")
        }
        let last = documents(["last-1", "last-2"])
        try collection.upsert(last)
        model.upsert(last)
        try Self.expectExact(collection, model, after: "the last upsert")
        let layout = try B.layout(collection)
        #expect(layout.segments >= 1 && layout.buffered > 0, "the run ends with segments and a buffer: \(layout)")
        let report = try collection.database.verify()
        #expect(report.isHealthy, "verify: \(report.problems.prefix(3))")
    }

    @Test("a compaction that drops deleted documents leaves the frequencies of the live ones unchanged")
    func compactionKeepsFrequencies() throws {
        let scratch = B.Scratch()
        let corpus = SyntheticCorpus(seed: 7_302, count: 300, sparseDimension: 200, denseDimension: nil)
        let collection = try scratch.open().createCollection(schema: B.schema(corpus, sealThreshold: 100))
        var model = B.Model()
        try B.upsert(corpus.documents, into: collection, model: &model, batchSize: 100)
        let deleted = model.ids.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        try collection.delete(ids: deleted)
        model.delete(deleted)
        let before = try Self.stored(collection)
        let report = try collection.compact()
        #expect(report.droppedDocuments == deleted.count)
        #expect(try Self.stored(collection) == before)
        try Self.expectExact(collection, model, after: "compaction")
    }

    @Test("string-term collections count their vocabulary's term ids the same way")
    func stringTerms() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(sparse: .vocabulary))
        try collection.upsert([
            Document(id: "a", sparseTerms: ["oil": 1, "gold": 0.5]),
            Document(id: "b", sparseTerms: ["oil": 2]),
        ])
        try collection.seal()
        try collection.upsert([Document(id: "a", sparseTerms: ["wheat": 1]), Document(id: "c", sparseTerms: ["gold": 1])])
        try collection.delete(ids: ["b"])
        let stored = try Self.stored(collection)
        let ids = try collection.database.pool.read { connection in
            try collection.database.readerVocabularies.vocabulary(CollectionRecord.load(named: collection.name, connection),
                                                                  connection).ids
        }
        #expect(stored == [ids["wheat"]!: 1, ids["gold"]!: 1])
        #expect(try collection.database.verify().isHealthy)
    }

    @Test("verify reports stored frequencies that differ from the live documents")
    func verifyFindsDrift() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(sparse: .termIDs(dimension: 100)))
        try collection.upsert([Document(id: "a", sparse: B.sparse([(3, 1), (7, 2)])),
                               Document(id: "b", sparse: B.sparse([(7, 1)]))])
        try B.RawFile(scratch.path).execute("UPDATE term_frequencies SET df = 5 WHERE term_id = 7")
        let report = try collection.database.verify()
        #expect(report.problems == ["document frequencies of 'default': 1 terms differ from the live documents, first term 7: stored 5, counted 2"])
    }

    @Test("a removal that would take a frequency below zero is reported as corruption and changes nothing")
    func negativeIsCorruption() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(sparse: .termIDs(dimension: 100)))
        try collection.upsert([Document(id: "a", sparse: B.sparse([(3, 1)]))])
        try B.RawFile(scratch.path).execute("DELETE FROM term_frequencies WHERE term_id = 3")
        #expect(B.kind { try collection.delete(ids: ["a"]) } == .corruption)
        #expect(try collection.count() == 1)
    }
}
