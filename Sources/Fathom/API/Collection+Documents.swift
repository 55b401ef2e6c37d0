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
}
