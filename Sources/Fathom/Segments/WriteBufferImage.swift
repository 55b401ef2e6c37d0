import Synchronization

/// The documents of a collection's write buffer, decoded for exact scanning.
/// Rebuilt by a reader when the collection's version changes.
struct WriteBufferImage: Sendable {
    var documentIDs: [Int64] = []
    var forward = ForwardIndex()
    var dense: DenseMatrix?
    /// The buffered documents' metadata, read and built into columns when a
    /// filter first needs them (not on every snapshot: most queries have none).
    var metadata = BufferMetadata()

    var count: Int { documentIDs.count }

    static func load(_ record: CollectionRecord, _ connection: SQLiteConnection) throws -> WriteBufferImage {
        var image = WriteBufferImage()
        if let dense = record.schema.dense { image.dense = DenseMatrix(dimension: dense.dimension) }
        try forEachRow(record, connection) { documentID, vectors in
            image.documentIDs.append(documentID)
            image.forward.append(vectors.sparse)
            image.dense?.append(vectors.dense)
        }
        return image
    }

    /// Visits the buffered documents of `record` in document-id order, decoding
    /// and verifying each row.
    static func forEachRow(_ record: CollectionRecord, _ connection: SQLiteConnection,
                           _ visit: (Int64, BufferedVectors) throws -> Void) throws {
        let statement = try connection.statement(
            "SELECT doc_id, vectors FROM write_buffer WHERE collection_id = ? ORDER BY doc_id")
        defer { statement.reset() }
        try statement.bind(1, record.id)
        while try statement.step() {
            let documentID = statement.int64(0)
            let identity = BlobIdentity(.bufferedVectors, owner: documentID)
            let body = try statement.withBlob(1) { try BlobEnvelope.open($0, identity: identity) }
            let vectors = try BufferedVectorsCodec.decode(body, what: identity.description, termLimit: record.termLimit,
                                                          dimension: record.schema.dense?.dimension)
            try visit(documentID, vectors)
        }
    }
}

/// The write buffer's metadata columns, read and built on first use and
/// shared by every query of the same buffer version. Reading lazily is
/// consistent: a snapshot is cached by collection version and every write
/// changes the version, so any transaction that holds this snapshot sees the
/// same buffered documents.
final class BufferMetadata: Sendable {
    /// Guards the columns once built.
    private let columns = Mutex<MetadataColumns?>(nil)

    /// The columns of the buffered documents, in document-id order (the
    /// order of `WriteBufferImage.documentIDs`).
    func metadataColumns(_ record: CollectionRecord, documentCount: Int,
                         _ connection: SQLiteConnection) throws -> MetadataColumns {
        if let built = columns.withLock({ $0 }) { return built }
        let statement = try connection.statement(
            """
            SELECT d.metadata FROM write_buffer w JOIN documents d ON d.doc_id = w.doc_id
            WHERE w.collection_id = ? ORDER BY w.doc_id
            """)
        defer { statement.reset() }
        try statement.bind(1, record.id)
        var json: [String?] = []
        while try statement.step() { json.append(statement.text(0)) }
        guard json.count == documentCount else {
            throw FathomError.corruption(what: "write buffer of '\(record.name)'",
                                         detail: "\(documentCount) buffered vectors for \(json.count) documents")
        }
        let built = try MetadataColumns(json: json)
        columns.withLock { $0 = built }
        return built
    }
}
