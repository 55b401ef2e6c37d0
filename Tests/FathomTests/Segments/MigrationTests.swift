import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

/// Fixtures/v1-database.fathom was written by format version 1 (before text
/// queries): collection 'default' (sparse term ids < 30522, seal threshold 15)
/// holds 38 documents d00…d39 — 26 in two segments, 12 in the write buffer;
/// d03, d17 and d35 deleted, d04, d05, d35 and d36 written again — and
/// collection 'tags' (string terms) holds t1 and t2 in a segment, t3 deleted.
@Suite("Migration of format 1 files")
struct MigrationTests {
    typealias B = Behaviour

    static func copyOfVersion1(_ scratch: B.Scratch) throws -> String {
        let fixture = try #require(Bundle.module.url(forResource: "v1-database", withExtension: "fathom", subdirectory: "Fixtures"))
        try FileManager.default.copyItem(atPath: fixture.path, toPath: scratch.path)
        return scratch.path
    }

    @Test("opening a format 1 file writable migrates it to format 2 and counts the document frequencies of its live documents")
    func migrates() throws {
        let scratch = B.Scratch()
        let path = try Self.copyOfVersion1(scratch)
        #expect(try B.RawFile(path).integers("PRAGMA user_version", columns: 1) == [[1]])
        let database = try scratch.open()
        #expect(try B.RawFile(path).integers("PRAGMA user_version", columns: 1) == [[2]])
        #expect(try database.statistics().formatVersion == 2)

        for name in ["default", "tags"] {
            let collection = try database.collection(name)
            var model = B.Model()
            for line in try B.export(collection) {
                let record = try DocumentRecordDecoder.decode(DocumentRecord.self, from: Data(line.utf8))
                let prepared = try DocumentValidator.prepare(record, schema: collection.schema)
                var document = Document(id: prepared.externalID, sparse: prepared.sparse)
                if let terms = prepared.sparseTerms {
                    // String terms: count them by their ids in the collection's vocabulary.
                    let ids = try database.pool.read { connection in
                        try database.readerVocabularies.vocabulary(CollectionRecord.load(named: name, connection), connection).ids
                    }
                    document.sparse = B.sparse(terms.map { (ids[$0.term]!, $0.weight) })
                }
                model.upsert([document])
            }
            #expect(model.count == (name == "default" ? 38 : 2))
            try DocumentFrequencyTests.expectExact(collection, model, after: "migrating '\(name)'")
        }
        let report = try database.verify()
        #expect(report.isHealthy, "verify: \(report.problems.prefix(3))")
    }

    @Test("a migrated file keeps its documents and searches, takes writes that keep the frequencies exact, and answers text queries")
    func usableAfterwards() throws {
        let scratch = B.Scratch()
        _ = try Self.copyOfVersion1(scratch)
        let collection = try scratch.open().collection()
        #expect(try collection.document(id: "d04") != nil)
        #expect(try collection.document(id: "d03") == nil)
        try collection.importVocabulary(TokenizerFixtures.vocabulary)
        let oil = try #require(TokenizerFixtures.vocabulary.id(of: "oil"))
        let byText = try collection.search(Query(text: "oil", k: 40))
        let bySparse = try collection.search(Query(sparse: B.sparse([(UInt32(oil), 1)]), k: 40, mode: .sparse))
        #expect(byText.map(\.id) == bySparse.map(\.id))
        #expect(!byText.isEmpty)
        let before = try collection.textQueryTerms("oil")[0].documentFrequency ?? 0
        try collection.delete(ids: [byText[0].id])
        #expect(try collection.textQueryTerms("oil")[0].documentFrequency == before - 1)
        _ = try collection.compact()
        #expect(try collection.database.verify().isHealthy)
    }

    @Test("a format 1 file opened read-only is refused with a message asking for one writable open")
    func readOnlyNeedsMigration() throws {
        let scratch = B.Scratch()
        let path = try Self.copyOfVersion1(scratch)
        #expect(B.thrown { try Database(path: path, options: .init(readOnly: true)) }
            == .invalidArgument(reason: "\(path) has format version 1 and needs a migration; open it writable once"))
        #expect(try B.RawFile(path).integers("PRAGMA user_version", columns: 1) == [[1]])
    }
}
