import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Opening a database file")
struct OpeningTests {
    typealias B = Behaviour

    static let schema = CollectionSchema(dense: DenseSchema(dimension: 4), sparse: .termIDs(dimension: 100))

    /// A database with one collection of three documents, released.
    static func makeDatabase(_ scratch: B.Scratch) throws {
        let collection = try scratch.open().createCollection(schema: schema)
        try collection.upsert((0..<3).map {
            Document(id: "d\($0)", sparse: B.sparse([(UInt32($0), 1)]), dense: [1, Float($0), 0, 0])
        })
    }

    @Test("a file that is not SQLite is refused with notAFathomDatabase, writable or read-only, whatever its size",
          arguments: [12, 100, 511, 4_096, 70_000])
    func nonSQLiteFile(size: Int) throws {
        let scratch = B.Scratch()
        let text = String(repeating: "not a database, just some text. ", count: size / 32 + 1).prefix(size)
        try text.write(toFile: scratch.path, atomically: true, encoding: .utf8)
        for options in [Database.Options(), Database.Options(create: false), Database.Options(readOnly: true)] {
            #expect(B.kind { try Database(path: scratch.path, options: options) } == .notAFathomDatabase)
        }
        // The file is left as it was.
        #expect(try String(contentsOfFile: scratch.path, encoding: .utf8) == String(text))
    }

    @Test("an SQLite database of another application is refused with notAFathomDatabase, and left untouched")
    func otherApplicationsSQLite() throws {
        let scratch = B.Scratch()
        do {
            let raw = try B.RawFile(scratch.path, create: true)
            try raw.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('hello')")
        }
        for options in [Database.Options(), Database.Options(create: false), Database.Options(readOnly: true)] {
            let error = B.thrown { try Database(path: scratch.path, options: options) }
            #expect(error.map(B.ErrorKind.init) == .notAFathomDatabase)
            #expect(error?.description.contains(scratch.path) == true)
        }
        let raw = try B.RawFile(scratch.path)
        #expect(try raw.integers("SELECT count(*) FROM sqlite_schema", columns: 1) == [[1]])
        #expect(try raw.integers("PRAGMA user_version", columns: 1) == [[0]])
    }

    @Test("a file whose format version is newer than this build's is refused with newerFormat")
    func newerFormat() throws {
        let scratch = B.Scratch()
        try Self.makeDatabase(scratch)
        do {
            let raw = try B.RawFile(scratch.path)
            try raw.execute("PRAGMA user_version = \(DatabaseSchema.currentVersion + 1)")
        }
        for options in [Database.Options(), Database.Options(readOnly: true)] {
            let error = B.thrown { try Database(path: scratch.path, options: options) }
            guard case .newerFormat(let path, let found, let supported)? = error else {
                Issue.record("opening with readOnly=\(options.readOnly) threw \(String(describing: error)), expected newerFormat")
                continue
            }
            #expect(path == scratch.path)
            #expect(found == DatabaseSchema.currentVersion + 1)
            #expect(supported == DatabaseSchema.currentVersion)
        }
        // Refusing did not downgrade the file.
        #expect(try B.RawFile(scratch.path).integers("PRAGMA user_version", columns: 1) == [[Int64(DatabaseSchema.currentVersion + 1)]])
    }

    @Test("a missing path is databaseNotFound with create: false or readOnly, and nothing is created")
    func missingPath() throws {
        let scratch = B.Scratch()
        for options in [Database.Options(create: false), Database.Options(readOnly: true),
                        Database.Options(create: true, readOnly: true)] {
            #expect(B.kind { try Database(path: scratch.path, options: options) } == .databaseNotFound)
            #expect(!FileManager.default.fileExists(atPath: scratch.path))
        }
        // The default creates it.
        _ = try scratch.open()
        #expect(FileManager.default.fileExists(atPath: scratch.path))
        _ = try scratch.open(Database.Options(create: false))
    }

    @Test("read-only: searches, reads, export and verify work; every write throws readOnly and changes nothing",
          arguments: [false, true])
    func readOnly(writerStillOpen: Bool) throws {
        let scratch = B.Scratch()
        try Self.makeDatabase(scratch)
        let writer = writerStillOpen ? try scratch.open() : nil
        let database = try scratch.open(Database.Options(readOnly: true))
        let collection = try database.collection()
        #expect(try collection.search(B.sparseQuery(B.sparse([(1, 1)]), k: 3)).map(\.id) == ["d1"])
        #expect(try collection.search(B.denseQuery([1, 2, 0, 0], k: 3)).map(\.id).first == "d2")
        #expect(try collection.count() == 3)
        #expect(try collection.document(id: "d0")?.dense == [1, 0, 0, 0])
        #expect(try B.export(collection).count == 3)
        #expect(try database.verify().isHealthy)
        #expect(try database.collectionNames() == ["default"])

        let document = Document(id: "new", sparse: B.sparse([(5, 1)]))
        #expect(B.kind { try collection.upsert([document]) } == .readOnly)
        #expect(B.kind { try collection.delete(ids: ["d0"]) } == .readOnly)
        #expect(B.kind { try collection.seal() } == .readOnly)
        #expect(B.kind { try database.createCollection("other", schema: Self.schema) } == .readOnly)
        let jsonl = scratch.file("one.jsonl")
        try B.writeLines([#"{"id":"x","sparse":{"indices":[1],"values":[1]}}"#], to: jsonl)
        #expect(B.kind { try collection.ingest(jsonl: jsonl) } == .readOnly)

        #expect(try collection.count() == 3)
        #expect(try collection.document(id: "new") == nil)
        withExtendedLifetime(writer) {}
        let reopened = try scratch.open().collection()
        #expect(try reopened.count() == 3)
        #expect(try reopened.document(id: "d0") != nil)
    }

    @Test("a directory, or a path in a missing directory, is refused with an error (not a crash)")
    func unusablePaths() throws {
        let scratch = B.Scratch()
        let directory = scratch.file("a-directory")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(B.kind { try Database(path: directory) } == .io)
        // Read-only, SQLite opens the directory and fails on the first read: a storage (I/O) error.
        #expect([.io, .storage].contains(B.kind { try Database(path: directory, options: Database.Options(readOnly: true)) }))
        let nowhere = scratch.file("missing/sub/dir/db.fathom")
        #expect(B.kind { try Database(path: nowhere) } == .io)
        #expect(!FileManager.default.fileExists(atPath: nowhere))
    }

    @Test("an empty existing file becomes a database when creation is allowed, and is refused otherwise")
    func emptyFile() throws {
        let scratch = B.Scratch()
        FileManager.default.createFile(atPath: scratch.path, contents: Data())
        #expect(B.kind { try Database(path: scratch.path, options: Database.Options(create: false)) } == .notAFathomDatabase)
        #expect(B.kind { try Database(path: scratch.path, options: Database.Options(readOnly: true)) } == .notAFathomDatabase)
        let collection = try scratch.open().createCollection(schema: Self.schema)
        try collection.upsert([Document(id: "a", dense: [1, 0, 0, 0])])
        #expect(try scratch.open(Database.Options(create: false)).collection().count() == 1)
    }
}
