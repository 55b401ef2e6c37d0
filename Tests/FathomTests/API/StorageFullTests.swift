import Foundation
import Testing
@testable import Fathom
import FathomTestSupport
import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// A database that cannot grow, in process: SQLite's `PRAGMA max_page_count`
/// gives a deterministic SQLITE_FULL on any platform (the CLI tests in
/// FathomCLITests/FaultTests.swift use a real file-size limit and a real full
/// file system). And the one-line messages those real faults map to.
@Suite("A full database: clean errors, nothing half-written, writes resume in the same process")
struct StorageFullTests {
    typealias B = Behaviour

    static let schema = CollectionSchema(dense: DenseSchema(dimension: 64), sparse: .termIDs(dimension: 1_000))

    static func documents(_ range: Range<Int>, seed: UInt64) -> [Document] {
        var rng = SeededGenerator(seed: seed)
        return range.map { i in
            Document(id: "d\(i)", sparse: B.sparse([(UInt32(i % 1_000), 1)]),
                     dense: (0..<64).map { _ in Float.random(in: -1...1, using: &rng) },
                     metadata: ["i": .number(Double(i))], text: String(repeating: "padding ", count: 64))
        }
    }

    /// Sets `PRAGMA max_page_count` on the writer connection: how far the file may grow.
    static func limitGrowth(_ database: Database, extraPages: Int64?) throws {
        try database.pool.withWriter { connection in
            let pages = try connection.scalarInt("PRAGMA page_count") ?? 0
            // SQLite's default maximum, restored when extraPages is nil.
            let limit = extraPages.map { pages + $0 } ?? 4_294_967_294
            _ = try connection.scalarInt("PRAGMA max_page_count = \(limit)")
        }
    }

    @Test("an upsert that does not fit is a storage error naming the full database; committed documents stay and the next write succeeds")
    func maxPageCount() throws {
        let scratch = B.Scratch()
        let database = try scratch.open()
        let collection = try database.createCollection(schema: Self.schema)
        try collection.upsert(Self.documents(0..<50, seed: 1))
        try Self.limitGrowth(database, extraPages: 4)

        let error = B.thrown { try collection.upsert(Self.documents(50..<450, seed: 2)) }
        guard case .storage(let code, let message, let context)? = error else {
            Issue.record("expected a storage error, got \(String(describing: error))")
            return
        }
        #expect(code & 0xFF == SQLITE_FULL)
        #expect(message.hasPrefix("disk or database full"), "\(message)")
        #expect(!context.isEmpty)
        #expect(error?.description.contains("\n") == false)

        // Nothing of the failed batch is visible, in this process or another.
        #expect(try collection.count() == 50)
        #expect(try collection.document(id: "d50") == nil)
        #expect(try database.verify().isHealthy)
        #expect(try scratch.open().collection().count() == 50)

        // The writer connection is not stuck in a dead transaction: once the database may grow,
        // the same Database writes again (RocksDB #6331: test the write after the error).
        try Self.limitGrowth(database, extraPages: nil)
        try collection.upsert(Self.documents(50..<450, seed: 2))
        #expect(try collection.count() == 450)
        #expect(try collection.document(id: "d449")?.metadata?["i"] == .number(449))
        let report = try database.verify()
        #expect(report.isHealthy, "\(report.problems)")
        #expect(try scratch.open().collection().count() == 450)
    }

    @Test("a seal that does not fit fails cleanly, and the write buffer stays searchable and seals later")
    func sealDoesNotFit() throws {
        let scratch = B.Scratch()
        let database = try scratch.open()
        let collection = try database.createCollection(schema: Self.schema)
        try collection.upsert(Self.documents(0..<400, seed: 3))
        try Self.limitGrowth(database, extraPages: 2)
        #expect(B.kind { try collection.seal() } == .storage)
        #expect(try B.layout(collection).buffered == 400)
        #expect(try collection.search(B.sparseQuery(B.sparse([(7, 1)]), k: 1)).map(\.id) == ["d7"])
        #expect(try database.verify().isHealthy)
        try Self.limitGrowth(database, extraPages: nil)
        #expect(try collection.seal() == 400)
        #expect(try B.layout(collection).segments == 1)
        #expect(try collection.search(B.sparseQuery(B.sparse([(7, 1)]), k: 1)).map(\.id) == ["d7"])
        #expect(try database.verify().isHealthy)
    }

    // MARK: - Messages of the real faults

    static func mapped(code: Int32, message: String, errno: Int32) -> FathomError {
        SQLiteError(code: code, message: message, sql: "COMMIT", systemErrno: errno)
            .fathomError(path: "db.fathom", context: "writing 50 documents to 'default'")
    }

    @Test("a write past the file-size limit (EFBIG) says so, and names ulimit")
    func fileSizeLimitMessage() {
        let error = Self.mapped(code: SQLITE_IOERR | (3 << 8), message: "disk I/O error", errno: EFBIG)
        #expect(error == .storage(code: 778, message: "file size limit reached: db.fathom or its -wal file cannot grow past "
                                      + "this process's limit (ulimit -f) (disk I/O error)", context: "writing 50 documents to 'default'"))
    }

    @Test("no space left on the device (ENOSPC) is reported as a full disk, whichever SQLite code carries it")
    func diskFullMessage() {
        for code in [SQLITE_FULL, SQLITE_IOERR | (3 << 8)] {
            let error = Self.mapped(code: code, message: "database or disk is full", errno: ENOSPC)
            #expect(error.description.hasPrefix("storage error \(code) while writing 50 documents to 'default': disk full: no space left on the device for db.fathom"),
                    "\(error)")
        }
    }

    @Test("an I/O error with another cause keeps SQLite's message")
    func otherIOError() {
        #expect(Self.mapped(code: SQLITE_IOERR | (3 << 8), message: "disk I/O error", errno: EIO)
            == .storage(code: 778, message: "disk I/O error", context: "writing 50 documents to 'default'"))
    }

    @Test("a WAL database in a directory the user cannot write is an I/O error saying why, not 'read-only'")
    func readOnlyDirectoryMessage() {
        let error = Self.mapped(code: SQLITE_READONLY | (6 << 8), message: "attempt to write a readonly database", errno: 0)
        guard case .io(let path, let reason) = error else {
            Issue.record("expected an I/O error, got \(error)")
            return
        }
        #expect(path == "db.fathom")
        #expect(reason.contains("directory is not writable") && reason.contains("-wal and -shm"), "\(reason)")
        // Plain SQLITE_READONLY (the file itself is not writable) stays readOnly.
        #expect(Self.mapped(code: SQLITE_READONLY, message: "attempt to write a readonly database", errno: 0) == .readOnly(path: "db.fathom"))
    }
}
