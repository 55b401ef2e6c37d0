import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Durability: what an upsert acknowledged is there after reopening")
struct DurabilityTests {
    typealias B = Behaviour

    static let schema = CollectionSchema(dense: DenseSchema(dimension: 12, metric: .cosine),
                                         sparse: .termIDs(dimension: 500),
                                         index: IndexParameters(sealThreshold: 100_000))

    /// Reopens `path` and checks that it holds exactly the model's documents.
    static func expectContents(of path: String, collection name: String = "default", _ model: B.Model,
                               deleted: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        // No background compaction: callers check the segment layout afterwards.
        let database = try Database(path: path, options: Database.Options(compaction: nil))
        let collection = try database.collection(name)
        #expect(try collection.count() == model.count, sourceLocation: sourceLocation)
        var differing: [String] = []
        for expected in model.documents where try collection.document(id: expected.id) != expected {
            differing.append(expected.id)
        }
        #expect(differing.isEmpty, "documents read back differently: \(differing.prefix(10))", sourceLocation: sourceLocation)
        for id in deleted {
            #expect(try collection.document(id: id) == nil, "deleted \(id) came back", sourceLocation: sourceLocation)
        }
    }

    @Test("documents still in the write buffer are all there, equal, after the database is released and reopened",
          arguments: [Database.Durability.full, .normal])
    func bufferedDocumentsSurviveReopening(durability: Database.Durability) throws {
        let scratch = B.Scratch()
        var model = B.Model()
        do {
            let database = try scratch.open(Database.Options(durability: durability))
            let collection = try database.createCollection(schema: Self.schema)
            let documents = B.richDocuments(seed: 1, count: 120, sparseDimension: 500, denseDimension: 12)
            try B.upsert(documents, into: collection, model: &model, batchSize: 17)
            #expect(try B.layout(collection).segments == 0)
        }
        try Self.expectContents(of: scratch.path, model)
        let layout = try B.layout(try scratch.open().collection())
        #expect(layout.segments == 0 && layout.buffered == 120)
    }

    @Test("sealed documents are all there, equal, after the database is released and reopened")
    func sealedDocumentsSurviveReopening() throws {
        let scratch = B.Scratch()
        var model = B.Model()
        do {
            let database = try scratch.open()
            let collection = try database.createCollection(schema: Self.schema)
            let documents = B.richDocuments(seed: 2, count: 150, sparseDimension: 500, denseDimension: 12)
            try B.upsert(documents, into: collection, model: &model, batchSize: 50)
            #expect(try collection.seal() == 150)
        }
        try Self.expectContents(of: scratch.path, model)
        let layout = try B.layout(try scratch.open().collection())
        #expect(layout.segments == 1 && layout.buffered == 0)
    }

    @Test("segments, write buffer, replacements and deletes all persist across repeated reopenings")
    func mixedStatePersistsAcrossReopenings() throws {
        let scratch = B.Scratch()
        var model = B.Model()
        var deleted: [String] = []
        let schema = CollectionSchema(dense: DenseSchema(dimension: 12, metric: .dot), sparse: .termIDs(dimension: 500),
                                      index: IndexParameters(sealThreshold: 40, postingBlockSize: 8))
        let all = B.richDocuments(seed: 3, count: 200, sparseDimension: 500, denseDimension: 12)
        var generator = SeededGenerator(seed: 33)
        for round in 0..<4 {
            do {
                let database = try scratch.open(Database.Options(compaction: nil))
                let collection = round == 0 ? try database.createCollection(schema: schema) : try database.collection()
                try B.upsert(Array(all[(round * 50)..<(round * 50 + 50)]), into: collection, model: &model, batchSize: 15)
                // Replace a few live documents (sealed or buffered) with new content.
                let replaced = model.ids.shuffled(using: &generator).prefix(6).map { id in
                    Document(id: id, sparse: SyntheticCorpus.sparseVector(&generator, dimension: 500, terms: 2...9),
                             metadata: ["replaced in round": .number(Double(round))], text: "replacement of \(id)")
                }
                try collection.upsert(replaced)
                model.upsert(replaced)
                let victims = Array(model.ids.shuffled(using: &generator).prefix(5))
                #expect(try collection.delete(ids: victims) == 5)
                model.delete(victims)
                deleted.append(contentsOf: victims)
                let tail = [Document(id: "tail-\(round)", dense: [Float](repeating: 1, count: 12), text: "tail")]
                try collection.upsert(tail)
                model.upsert(tail)
            }
            try Self.expectContents(of: scratch.path, model, deleted: deleted)
        }
        let layout = try B.layout(try scratch.open(Database.Options(compaction: nil)).collection())
        #expect(layout.segments >= 3, "the test should span several segments")
        #expect(layout.buffered > 0, "the test should leave documents in the write buffer")
        #expect(layout.deletedInSegments > 0, "the test should tombstone sealed documents")
    }

    @Test("a second Database opened on the same path while the first is alive sees every committed write")
    func secondHandleSeesCommittedWrites() throws {
        let scratch = B.Scratch()
        let writer = try scratch.open()
        let collection = try writer.createCollection(schema: Self.schema)
        var model = B.Model()
        try B.upsert(B.richDocuments(seed: 4, count: 30, sparseDimension: 500, denseDimension: 12),
                     into: collection, model: &model, batchSize: 10)
        try Self.expectContents(of: scratch.path, model)
        try collection.seal()
        try collection.delete(ids: ["doc-3"])
        model.delete(["doc-3"])
        try Self.expectContents(of: scratch.path, model, deleted: ["doc-3"])
    }

    @Test("metadata numbers stay numbers (0 and 1 are not read back as booleans) and booleans stay booleans")
    func metadataTypesSurvive() throws {
        let scratch = B.Scratch()
        let metadata: [String: JSONValue] = [
            "zero": 0, "one": 1, "two": 2, "t": true, "f": false, "null": nil,
            "list": [0, 1, true, false, nil, "1"], "object": ["one": 1, "true": true],
        ]
        do {
            let collection = try scratch.open().createCollection(schema: Self.schema)
            try collection.upsert([Document(id: "m", sparse: B.sparse([(1, 1)]), metadata: metadata)])
        }
        let collection = try scratch.open().collection()
        let stored = try #require(try collection.document(id: "m"))
        #expect(stored.metadata == metadata)
        #expect(stored.metadata?["one"] == .number(1))
        #expect(stored.metadata?["t"] == .bool(true))
        try collection.seal()
        #expect(try collection.document(id: "m")?.metadata == metadata)
    }
}
