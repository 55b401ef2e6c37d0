extension Collection {
    /// Writes every live document in `format`, in the order the documents
    /// were last written, from one consistent snapshot (writers may continue
    /// meanwhile). Returns the number of documents written.
    ///
    /// `write` receives one line at a time, without its newline: one per
    /// document, except ``ExportFormat/openSearch(index:)``, which writes two
    /// (the action, then the source). An error `write` throws stops the export
    /// and is rethrown unchanged.
    ///
    /// ```swift
    /// // OpenSearch bulk NDJSON with WordPiece tokens as rank_features keys.
    /// let tokens = try TokenTable(contentsOfFile: "vocab.txt")
    /// var ndjson = ""
    /// let count = try docs.export(.openSearch(index: "swift-docs"), tokens: tokens) { ndjson += $0 + "\n" }
    /// // {"index":{"_index":"swift-docs","_id":"d1"}}
    /// // {"sparse":{"swift":1.25,"##ui":0.5},"dense":[0.1,-0.2],"metadata":{"lang":"en"},"text":"…"}
    ///
    /// // Qdrant points; the point id is a UUID derived from the Fathom id.
    /// try docs.export(.qdrant) { print($0) }
    /// // {"id":"38e8a0cb-…","vector":{"dense":[0.1,-0.2],"sparse":{"indices":[7,42],"values":[1.25,0.5]}},"payload":{"fathom_id":"d1",…}}
    /// ```
    ///
    /// - Parameters:
    ///   - format: The format; see ``ExportFormat`` for each one's exact shape.
    ///   - tokens: Names of the sparse dimensions, used where the format needs
    ///     the other form than the collection stores: the keys of an
    ///     OpenSearch export of an integer-id collection (term id `i` becomes
    ///     `tokens.tokens[i]`; without a table the key is the decimal id), and
    ///     the indices of a Qdrant export of a `.vocabulary` collection
    ///     (required there). Otherwise it is not used. ``ExportFormat/jsonl``
    ///     takes none: that format must read back exactly.
    ///   - write: Called with each line.
    /// - Throws: ``FathomError/invalidArgument(reason:)`` for a token table
    ///   with ``ExportFormat/jsonl``, an invalid OpenSearch index name, a
    ///   Qdrant export of a `.vocabulary` collection without a token table,
    ///   and, while writing, for a term id beyond the token table, a term the
    ///   table lacks, or a document id longer than OpenSearch's 512 bytes
    ///   (the lines written until then stay written); storage errors; and
    ///   whatever `write` throws.
    @discardableResult
    public func export(_ format: ExportFormat, tokens: TokenTable? = nil, _ write: (String) throws -> Void) throws -> Int {
        let database = self.database
        return try withStorageErrors(path: database.path, "exporting '\(name)'") {
            try database.pool.read { connection -> Int in
                let record = try CollectionRecord.load(named: name, connection)
                let terms = record.schema.sparse == .vocabulary
                    ? try database.readerVocabularies.vocabulary(record, connection).terms : nil
                let encoder = try ExportLineEncoder(format, collection: name, schema: record.schema, terms: terms, tokens: tokens)
                return try forEachLiveDocument(record, snapshot: database.snapshots.snapshot(of: record, connection),
                                               connection) { try encoder.write($0, to: write) }
            }
        }
    }

    /// Writes every live document as one JSONL line (the format `ingest`
    /// reads), in the order they were last written, from one consistent
    /// snapshot. Returns the number of documents written. The same as
    /// ``export(_:tokens:_:)`` with ``ExportFormat/jsonl``.
    ///
    /// ```swift
    /// var lines: [String] = []
    /// try docs.exportJSONL { lines.append($0) }
    /// ```
    @discardableResult
    public func exportJSONL(_ write: (String) throws -> Void) throws -> Int {
        try export(.jsonl, write)
    }

    /// Calls `body` with each live document of the snapshot: the sealed
    /// segments' documents in segment and ordinal order, then the write
    /// buffer's in internal-id order (together, the order of their last
    /// write). Returns how many there were. The one traversal every export
    /// format shares.
    private func forEachLiveDocument(_ record: CollectionRecord, snapshot: CollectionSnapshot, _ connection: SQLiteConnection,
                                     _ body: (ExportedDocument) throws -> Void) throws -> Int {
        var visited = 0
        func visit(_ id: String, _ sparse: SparseVector?, _ dense: [Float]?, _ metadata: String?, _ text: String?) throws {
            try body(ExportedDocument(id: id, sparse: sparse.flatMap { $0.isEmpty ? nil : $0 }, dense: dense,
                                      metadata: metadata, text: text))
            visited += 1
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
                try visit(id, forward.vector(at: ordinal), dense?.vector(at: ordinal), rows.text(2), rows.text(3))
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
            try visit(id, snapshot.buffer.forward.vector(at: index), snapshot.buffer.dense?.vector(at: index),
                      buffered.text(2), buffered.text(3))
            index += 1
        }
        return visited
    }
}
