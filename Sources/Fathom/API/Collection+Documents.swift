extension Collection {
    /// The stored document with `id`, or nil.
    public func document(id: String) throws -> Document? {
        let database = self.database
        return try withStorageErrors(path: database.path, "reading document '\(id)' of '\(name)'") {
            try database.pool.read { connection -> Document? in
                let record = try CollectionRecord.load(named: name, connection)
                let statement = try connection.statement(
                    "SELECT doc_id, segment_id, ordinal, metadata, text FROM documents WHERE collection_id = ? AND external_id = ?")
                defer { statement.reset() }
                try statement.bind(1, record.id)
                try statement.bind(2, id)
                guard try statement.step() else { return nil }
                let documentID = statement.int64(0)
                let metadata = try statement.text(3).map(CanonicalJSON.decode)
                let text = statement.text(4)
                var vectors = BufferedVectors()
                if statement.isNull(1) {
                    let snapshot = try database.snapshots.snapshot(of: record, connection)
                    guard let index = snapshot.buffer.documentIDs.firstIndex(of: documentID) else {
                        throw FathomError.corruption(what: "write buffer of '\(name)'", detail: "document \(documentID) has no vectors")
                    }
                    vectors = BufferedVectors(sparse: snapshot.buffer.forward.vector(at: index),
                                              dense: snapshot.buffer.dense?.vector(at: index))
                } else {
                    let segmentID = statement.int64(1), ordinal = statement.int(2)
                    let snapshot = try database.snapshots.snapshot(of: record, connection)
                    guard let segment = snapshot.segments.first(where: { $0.id == segmentID }),
                          ordinal < segment.documentCount
                    else {
                        throw FathomError.corruption(what: "collection '\(name)'",
                                                     detail: "document \(documentID) points to missing segment \(segmentID)")
                    }
                    vectors = BufferedVectors(sparse: try segment.forwardIndex(connection).vector(at: ordinal),
                                              dense: try segment.denseMatrix(connection)?.vector(at: ordinal))
                }
                return try makeDocument(id: id, vectors: vectors, metadata: metadata, text: text, record: record, connection)
            }
        }
    }

    private func makeDocument(id: String, vectors: BufferedVectors, metadata: [String: JSONValue]?, text: String?,
                              record: CollectionRecord, _ connection: SQLiteConnection) throws -> Document {
        var document = Document(id: id, dense: vectors.dense, metadata: metadata, text: text)
        if let sparse = vectors.sparse, !sparse.isEmpty {
            if record.schema.sparse == .vocabulary {
                let vocabulary = try database.readerVocabularies.vocabulary(record, connection)
                document.sparseTerms = Dictionary(uniqueKeysWithValues: zip(sparse.indices, sparse.values).map {
                    (vocabulary.terms[Int($0.0)], $0.1)
                })
            } else {
                document.sparse = sparse
            }
        }
        return document
    }

    /// Writes every live document as one JSONL line (the format `ingest`
    /// reads), in the order they were last written, from one consistent
    /// snapshot. Returns the number of documents written.
    ///
    /// ```swift
    /// var lines: [String] = []
    /// try docs.exportJSONL { lines.append($0) }
    /// ```
    @discardableResult
    public func exportJSONL(_ write: (String) throws -> Void) throws -> Int {
        let database = self.database
        return try withStorageErrors(path: database.path, "exporting '\(name)'") {
            try database.pool.read { connection -> Int in
                let record = try CollectionRecord.load(named: name, connection)
                let snapshot = try database.snapshots.snapshot(of: record, connection)
                let terms = record.schema.sparse == .vocabulary
                    ? try database.readerVocabularies.vocabulary(record, connection).terms : nil
                var written = 0
                func emit(_ id: String, _ sparse: SparseVector?, _ dense: [Float]?, _ metadata: String?, _ text: String?) throws {
                    let sparse = sparse.flatMap { $0.isEmpty ? nil : $0 }
                    try write(DocumentRecordEncoder.line(id: id, sparse: sparse, terms: terms, dense: dense,
                                                         metadata: metadata, text: text))
                    written += 1
                }
                let rows = try connection.statement(
                    "SELECT ordinal, external_id, metadata, text FROM documents WHERE segment_id = ? ORDER BY ordinal")
                defer { rows.reset() }
                for segment in snapshot.segments {
                    let forward = try segment.forwardIndex(connection)
                    let dense = try segment.denseMatrix(connection)
                    rows.reset()
                    try rows.bind(1, segment.id)
                    while try rows.step() {
                        let ordinal = rows.int(0)
                        guard (0..<segment.documentCount).contains(ordinal), let id = rows.text(1) else {
                            throw FathomError.corruption(what: "segment \(segment.id)", detail: "document row with ordinal \(ordinal)")
                        }
                        try emit(id, forward.vector(at: ordinal), dense?.vector(at: ordinal), rows.text(2), rows.text(3))
                    }
                }
                let buffered = try connection.statement(
                    "SELECT doc_id, external_id, metadata, text FROM documents WHERE collection_id = ? AND segment_id IS NULL ORDER BY doc_id")
                defer { buffered.reset() }
                try buffered.bind(1, record.id)
                var index = 0
                while try buffered.step() {
                    guard index < snapshot.buffer.count, snapshot.buffer.documentIDs[index] == buffered.int64(0),
                          let id = buffered.text(1)
                    else {
                        throw FathomError.corruption(what: "write buffer of '\(name)'",
                                                     detail: "document \(buffered.int64(0)) has no buffered vectors")
                    }
                    try emit(id, snapshot.buffer.forward.vector(at: index), snapshot.buffer.dense?.vector(at: index),
                             buffered.text(2), buffered.text(3))
                    index += 1
                }
                return written
            }
        }
    }
}
