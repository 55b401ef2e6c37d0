/// A document validated against its collection's schema, ready to store.
struct PreparedDocument: Sendable {
    var externalID: String
    var sparse: SparseVector?
    /// String terms of a `.vocabulary` collection, mapped to ids at write time.
    var sparseTerms: [(term: String, weight: Float)]?
    var dense: [Float]?
    /// Canonical JSON text of the metadata object.
    var metadata: String?
    var text: String?
}

/// The write operations on one collection. Every function runs inside the
/// caller's write transaction (`ConnectionPool.write`) and bumps nothing
/// itself; the caller bumps the collection version once per transaction.
enum CollectionWriter {
    /// Inserts or replaces documents, in order (a later document with the same
    /// id replaces an earlier one). A replaced document in a segment gets a
    /// tombstone; a replaced buffered document is removed from the buffer.
    /// The document frequencies follow (`DocumentFrequencies`).
    static func upsert(_ documents: [PreparedDocument], into record: inout CollectionRecord,
                       vocabularyCache: VocabularyCache, _ connection: SQLiteConnection) throws {
        var vocabulary = try VocabularyWriter(record, cache: vocabularyCache, connection)
        var removal = Removal(record)
        let insertDocument = try connection.statement(
            "INSERT INTO documents(collection_id, external_id, metadata, text) VALUES (?, ?, ?, ?)")
        let insertBuffer = try connection.statement(
            "INSERT INTO write_buffer(doc_id, collection_id, vectors) VALUES (?, ?, ?)")
        for document in documents {
            try removal.remove(externalID: document.externalID, connection)
            try insertDocument.bind(1, record.id)
            try insertDocument.bind(2, document.externalID)
            try insertDocument.bind(3, document.metadata)
            try insertDocument.bind(4, document.text)
            try insertDocument.run()
            let documentID = connection.lastInsertRowID

            var sparse = document.sparse
            if let terms = document.sparseTerms {
                sparse = try vocabulary.vector(for: terms)
            }
            if let sparse { removal.frequencies.add(sparse.indices) }
            let body = BufferedVectorsCodec.encode(BufferedVectors(sparse: sparse, dense: document.dense))
            let blob = BlobEnvelope.seal(body, identity: BlobIdentity(.bufferedVectors, owner: documentID), compress: false)
            try insertBuffer.bind(1, documentID)
            try insertBuffer.bind(2, record.id)
            try insertBuffer.bind(3, blob)
            try insertBuffer.run()
        }
        try vocabulary.finish(&record)
        try removal.frequencies.apply(record, connection)
    }

    /// Deletes documents by external id; returns how many existed.
    static func delete(externalIDs: [String], from record: CollectionRecord, _ connection: SQLiteConnection) throws -> Int {
        var removal = Removal(record)
        var removed = 0
        for id in externalIDs where try removal.remove(externalID: id, connection) { removed += 1 }
        try removal.frequencies.apply(record, connection)
        return removed
    }

    /// Removes documents within one write transaction, collecting the
    /// document-frequency changes of everything the transaction writes.
    private struct Removal {
        let record: CollectionRecord
        var frequencies: DocumentFrequencies.Changes
        private var vectors: RemovedVectorReader

        init(_ record: CollectionRecord) {
            self.record = record
            self.frequencies = DocumentFrequencies.Changes(termLimit: record.termLimit)
            self.vectors = RemovedVectorReader(record)
        }

        /// Removes the live document with `externalID`, if any: a tombstone
        /// when it is in a segment; its buffer row goes with it (ON DELETE
        /// CASCADE). Its sparse terms leave the document frequencies.
        @discardableResult
        mutating func remove(externalID: String, _ connection: SQLiteConnection) throws -> Bool {
            let find = try connection.statement(
                "SELECT doc_id, segment_id, ordinal FROM documents WHERE collection_id = ? AND external_id = ?")
            defer { find.reset() }
            try find.bind(1, record.id)
            try find.bind(2, externalID)
            guard try find.step() else { return false }
            let documentID = find.int64(0)
            let sealed = find.isNull(1) ? nil : (segment: find.int64(1), ordinal: find.int(2))
            find.reset()
            if let sealed {
                let tombstone = try connection.statement("INSERT INTO tombstones(segment_id, ordinal) VALUES (?, ?)")
                try tombstone.bind(1, sealed.segment)
                try tombstone.bind(2, sealed.ordinal)
                try tombstone.run()
            }
            if record.schema.sparse != nil {
                frequencies.remove(try sealed.map { try vectors.sealedTerms(segment: $0.segment, ordinal: $0.ordinal, connection) }
                    ?? vectors.bufferedTerms(documentID, connection))
            }
            let delete = try connection.statement("DELETE FROM documents WHERE doc_id = ?")
            try delete.bind(1, documentID)
            try delete.run()
            return true
        }
    }

    static func bufferedCount(_ record: CollectionRecord, _ connection: SQLiteConnection) throws -> Int {
        let statement = try connection.statement("SELECT count(*) FROM write_buffer WHERE collection_id = ?")
        defer { statement.reset() }
        try statement.bind(1, record.id)
        return try statement.step() ? statement.int(0) : 0
    }

    /// Seals the whole write buffer into one new live segment; returns its
    /// document count (0 when the buffer was empty and nothing was done).
    @discardableResult
    static func seal(_ record: CollectionRecord, _ connection: SQLiteConnection) throws -> Int {
        var documentIDs: [Int64] = []
        var forward = ForwardIndex()
        var dense = record.schema.dense.map { DenseMatrix(dimension: $0.dimension) }
        try WriteBufferImage.forEachRow(record, connection) { documentID, vectors in
            documentIDs.append(documentID)
            forward.append(vectors.sparse)
            dense?.append(vectors.dense)
        }
        guard let first = documentIDs.first, let last = documentIDs.last else { return 0 }

        let segmentID = try SegmentWriter.insertRow(
            collection: record, state: "live", documentCount: documentIDs.count, postingCount: forward.postingCount,
            firstDocumentID: first, lastDocumentID: last, connection)
        let output = try SegmentWriter.builder(for: record, segmentID: segmentID)
            .build(documentIDs: documentIDs, forward: forward, dense: dense)
        try SegmentWriter.setFormat(output.format, segmentID: segmentID, connection)
        try SegmentWriter.insert(SegmentWriter.rows(of: output)[...], segmentID: segmentID, connection)
        try SegmentWriter.assign(documentIDs, to: segmentID, connection)
        let clear = try connection.statement("DELETE FROM write_buffer WHERE collection_id = ?")
        try clear.bind(1, record.id)
        try clear.run()
        return documentIDs.count
    }

    /// Returns free pages to the file system once they exceed 4 MiB — all of
    /// them, or at most `maximumBytes` (a compaction frees a whole segment and
    /// keeps each transaction short); returns whether any were released.
    /// Sealing drains the write buffer, whose pages would otherwise stay in the file.
    @discardableResult
    static func releaseFreePages(_ connection: SQLiteConnection, maximumBytes: Int? = nil) throws -> Bool {
        let free = try connection.scalarInt("PRAGMA freelist_count") ?? 0
        let pageSize = try connection.scalarInt("PRAGMA page_size") ?? 4_096
        guard free * pageSize > 4 << 20 else { return false }
        try connection.execute("PRAGMA incremental_vacuum" + (maximumBytes.map { "(\($0 / Int(pageSize)))" } ?? ""))
        return true
    }
}
