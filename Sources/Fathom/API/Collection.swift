/// A named collection of documents with a fixed schema.
///
/// A `Collection` is a lightweight handle (a database and a name); every call
/// reads or writes the database. It is `Sendable`.
///
/// ```swift
/// let docs = try db.collection()            // "default"
/// try docs.upsert([Document(id: "a", sparse: try SparseVector(indices: [7], values: [1.5]))])
/// try docs.delete(ids: ["a"])
/// ```
public struct Collection: Sendable {
    /// The database the collection lives in (the handle keeps it open).
    public let database: Database
    /// The collection's name, unique in its database.
    public let name: String
    /// The collection's schema, as stored when the collection was created; it never changes.
    public let schema: CollectionSchema

    init(database: Database, name: String, schema: CollectionSchema) {
        self.database = database
        self.name = name
        self.schema = schema
    }

    /// Inserts documents, replacing any existing document with the same id
    /// (atomically: readers see the old version or the new one). All documents
    /// are validated first; if any is invalid, nothing is written. Within one
    /// call, a later document with a repeated id wins. When the write buffer
    /// reaches the collection's seal threshold it is sealed into a segment.
    ///
    /// ```swift
    /// try docs.upsert([Document(id: "doc-1", dense: vector, metadata: ["lang": "en"])])
    /// ```
    public func upsert(_ documents: [Document]) throws {
        var prepared: [PreparedDocument] = []
        prepared.reserveCapacity(documents.count)
        for document in documents {
            do {
                prepared.append(try DocumentValidator.prepare(DocumentRecord(document), schema: schema))
            } catch {
                throw FathomError.invalidDocument(id: document.id, field: error.field, reason: error.reason)
            }
        }
        try write(prepared)
    }

    /// Writes validated documents in one transaction, calls `committed` once it
    /// has committed, then seals if the buffer is full (so that an ingest's
    /// acknowledgement is not held back by the seal).
    func write(_ prepared: [PreparedDocument], committed: () -> Void = {}) throws {
        guard !prepared.isEmpty else { return }
        let database = self.database
        let buffered = try withStorageErrors(path: database.path, "writing \(prepared.count) documents to '\(name)'") {
            try database.pool.write { connection -> Int in
                var record = try CollectionRecord.load(named: name, connection)
                try CollectionWriter.upsert(prepared, into: &record, vocabularyCache: database.writerVocabularies, connection)
                try record.bumpVersion(connection)
                return try CollectionWriter.bufferedCount(record, connection)
            }
        }
        committed()
        // Replacements may have tombstoned sealed documents: a rewrite may be due.
        database.compactionWorker?.notify()
        // The documents are committed (durable, searchable) at this point; a
        // failed seal does not undo that, so it is logged, not thrown, and the
        // next write tries again.
        if buffered >= schema.index.sealThreshold {
            do {
                try seal()
            } catch {
                database.logger.warning("sealing the write buffer failed; will retry on the next write",
                                        metadata: ["collection": .string(name), "error": .string("\(error)")])
            }
        }
    }

    /// Deletes documents by id. Returns how many of them existed. Deleted
    /// documents are gone from every search as soon as this returns.
    @discardableResult
    public func delete(ids: [String]) throws -> Int {
        let removed = try withStorageErrors(path: database.path, "deleting from '\(name)'") {
            try database.pool.write { connection in
                let record = try CollectionRecord.load(named: name, connection)
                let removed = try CollectionWriter.delete(externalIDs: ids, from: record, connection)
                if removed > 0 { try record.bumpVersion(connection) }
                return removed
            }
        }
        if removed > 0 { database.compactionWorker?.notify() }
        return removed
    }

    /// Seals the write buffer into an immutable segment now (it happens by
    /// itself at the seal threshold). Returns the number of documents sealed.
    @discardableResult
    public func seal() throws -> Int {
        let sealed = try withStorageErrors(path: database.path, "sealing the write buffer of '\(name)'") {
            try database.pool.write { connection in
                let record = try CollectionRecord.load(named: name, connection)
                let count = try CollectionWriter.seal(record, connection)
                if count > 0 {
                    try record.bumpVersion(connection)
                    try CollectionWriter.releaseFreePages(connection)
                }
                return count
            }
        }
        if sealed > 0 {
            database.compactionWorker?.notify()
            database.logger.debug("sealed write buffer", metadata: ["collection": .string(name), "documents": .stringConvertible(sealed)])
        }
        return sealed
    }

    /// The number of live documents.
    public func count() throws -> Int {
        try withStorageErrors(path: database.path, "counting '\(name)'") {
            try database.pool.read { connection in
                let record = try CollectionRecord.load(named: name, connection)
                let statement = try connection.statement("SELECT count(*) FROM documents WHERE collection_id = ?")
                defer { statement.reset() }
                try statement.bind(1, record.id)
                return try statement.step() ? statement.int(0) : 0
            }
        }
    }
}
