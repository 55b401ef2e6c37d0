import Foundation
import Logging

/// An open Fathom database: one SQLite file (plus its `-wal` and `-shm`)
/// holding named collections.
///
/// `Database` is `Sendable`: share one instance between threads. Reads run
/// concurrently on pooled connections, each query inside one read transaction
/// (a consistent snapshot); writes are serialised through one writer
/// connection, and across processes by SQLite's lock (`BEGIN IMMEDIATE` with
/// a busy timeout).
///
/// ```swift
/// let db = try Database(path: "vectors.fathom")
/// let docs = try db.createCollection(schema: CollectionSchema(
///     dense: DenseSchema(dimension: 384), sparse: .termIDs(dimension: 30_522)))
/// try docs.upsert([Document(id: "a", dense: embedding)])
/// let hits = try docs.search(Query(dense: queryEmbedding, k: 10))
/// ```
public final class Database: Sendable {
    /// How a database is opened.
    public struct Options: Sendable {
        /// Create the file when it does not exist.
        public var create: Bool
        /// Open for reading only: searches work, writes throw ``FathomError/readOnly(path:)``.
        public var readOnly: Bool
        /// How long a writer waits for another process's write lock, in milliseconds.
        public var busyTimeoutMilliseconds: Int32
        /// What a committed write survives.
        public var durability: Durability
        /// The policy of the background compaction worker, or nil for none
        /// (compact on demand with ``Collection/compact()``). Ignored when read-only.
        public var compaction: CompactionPolicy?

        /// Creates options; the defaults open a database read-write, creating it when missing.
        ///
        /// - Parameters:
        ///   - create: Create the file when it does not exist. Ignored when `readOnly` is true:
        ///     a missing file then throws ``FathomError/databaseNotFound(path:)``.
        ///   - readOnly: Open for reading only.
        ///   - busyTimeoutMilliseconds: How long a writer waits for another process's write lock.
        ///   - durability: What a committed write survives.
        ///   - compaction: The background compaction policy; nil runs no worker.
        public init(create: Bool = true, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5_000,
                    durability: Durability = .full, compaction: CompactionPolicy? = CompactionPolicy()) {
            self.create = create
            self.readOnly = readOnly
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            self.durability = durability
            self.compaction = compaction
        }
    }

    /// SQLite's `synchronous` setting for commits (see docs/architecture.md).
    public enum Durability: String, Sendable {
        /// `synchronous=FULL`: a commit that returned survives a process kill
        /// and a power loss.
        case full
        /// `synchronous=NORMAL`: survives a process kill; the last commits may
        /// be lost on power loss. Faster for many small transactions.
        case normal
    }

    /// The path of the database file, as given to ``init(path:options:)``.
    public let path: String
    let pool: ConnectionPool
    let snapshots: SnapshotCache
    let externalIDs = ExternalIDCache()
    let readerVocabularies = VocabularyCache()
    let writerVocabularies = VocabularyCache()
    /// Decoded tokenizers of text queries, by collection.
    let textModels = TextQueryCache()
    let logger: Logger
    /// The background compaction worker (nil: none, or read-only).
    let compactionWorker: CompactionWorker?

    var compactionContext: CompactionContext {
        CompactionContext(path: path, pool: pool, snapshots: snapshots, logger: logger)
    }

    /// Opens the database at `path`, creating and initialising it when allowed by `options`.
    ///
    /// Opening a writable database from an older Fathom migrates its format.
    ///
    /// - Parameters:
    ///   - path: The database file; its `-wal` and `-shm` files live next to it.
    ///   - options: How to open it.
    /// - Throws: ``FathomError/databaseNotFound(path:)``, ``FathomError/notAFathomDatabase(path:reason:)``,
    ///   ``FathomError/newerFormat(path:found:supported:)``, ``FathomError/invalidArgument(reason:)`` for an
    ///   invalid compaction policy, or a storage error.
    public init(path: String, options: Options = Options()) throws {
        try options.compaction?.validate()
        self.path = path
        var logger = Logger(label: "fathom")
        logger[metadataKey: "database"] = .string(path)
        self.logger = logger
        let exists = FileManager.default.fileExists(atPath: path)
        guard exists || (options.create && !options.readOnly) else { throw FathomError.databaseNotFound(path: path) }
        let pool = ConnectionPool(path: path, readOnly: options.readOnly,
                                  busyTimeoutMilliseconds: options.busyTimeoutMilliseconds,
                                  synchronous: options.durability == .full ? "FULL" : "NORMAL")
        self.pool = pool
        let snapshots = SnapshotCache()
        self.snapshots = snapshots
        if !exists {
            // Pre-create the file owner-only: SQLite gives -wal and -shm the same mode.
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        try withStorageErrors(path: path, "opening the database") {
            if options.readOnly {
                try pool.withReader { try DatabaseSchema.checkReadable($0, path: path) }
            } else {
                try pool.withWriter { try DatabaseSchema.prepare($0, path: path, allowInitialize: !exists || options.create) }
            }
        }
        if let policy = options.compaction, !options.readOnly {
            compactionWorker = CompactionWorker(
                context: CompactionContext(path: path, pool: pool, snapshots: snapshots, logger: logger), policy: policy)
        } else {
            compactionWorker = nil
        }
    }

    deinit {
        compactionWorker?.stop()
    }

    /// Stops the background compaction worker, if one runs; a compaction in
    /// progress is abandoned safely (the collection stays as it was) and the
    /// worker has stopped when this returns. It does not start again for this
    /// `Database`; ``Collection/compact()`` still works.
    public func stopBackgroundCompaction() {
        compactionWorker?.stop()
    }

    /// The version of the SQLite library in use.
    public static var sqliteVersion: String { SQLiteConnection.libraryVersion }

    /// Creates a collection with a schema that cannot change afterwards.
    ///
    /// ```swift
    /// let images = try db.createCollection("images", schema: CollectionSchema(dense: DenseSchema(dimension: 512)))
    /// ```
    @discardableResult
    public func createCollection(_ name: String = "default", schema: CollectionSchema) throws -> Collection {
        let record = try withStorageErrors(path: path, "creating collection '\(name)'") {
            try pool.write { try CollectionRecord.create(named: name, schema: schema, $0) }
        }
        logger.debug("created collection", metadata: ["collection": .string(name)])
        return Collection(database: self, name: name, schema: record.schema)
    }

    /// An existing collection.
    public func collection(_ name: String = "default") throws -> Collection {
        let record = try withStorageErrors(path: path, "opening collection '\(name)'") {
            try pool.read { try CollectionRecord.load(named: name, $0) }
        }
        return Collection(database: self, name: name, schema: record.schema)
    }

    /// The names of all collections, sorted.
    public func collectionNames() throws -> [String] {
        try withStorageErrors(path: path, "listing collections") {
            try pool.read { try CollectionRecord.loadAll($0).map(\.name) }
        }
    }
}
