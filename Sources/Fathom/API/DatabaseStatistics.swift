import Foundation

/// Sizes and counts of a database (`fathom stats`).
public struct DatabaseStatistics: Sendable, Codable, Equatable {
    /// The database's path, as it was opened (``Database/path``).
    public var path: String
    /// Size of the main database file, in bytes.
    public var fileBytes: Int
    /// Size of the write-ahead log (the `-wal` file), in bytes; 0 when there is none.
    public var walBytes: Int
    /// The version of the SQLite library in use (``Database/sqliteVersion``).
    public var sqliteVersion: String
    /// The file's format version (SQLite's `user_version`).
    public var formatVersion: Int
    /// SQLite's journal mode for the file, normally `"wal"`.
    public var journalMode: String
    /// The `synchronous` setting this handle commits with, `"FULL"` or `"NORMAL"`
    /// (from ``Database/Options/durability``).
    public var synchronous: String
    /// One entry per collection, sorted by name.
    public var collections: [CollectionStatistics]
}

/// Sizes and counts of one collection, as part of ``DatabaseStatistics``.
public struct CollectionStatistics: Sendable, Codable, Equatable {
    /// The collection's name.
    public var name: String
    /// The collection's schema.
    public var schema: CollectionSchema
    /// Live documents.
    public var documents: Int
    /// Live documents still in the write buffer.
    public var bufferedDocuments: Int
    /// Live (sealed) segments.
    public var segments: Int
    /// Deleted or replaced documents still held by segments (tombstoned).
    public var deletedInSegments: Int
    /// Postings (stored term–weight pairs) in live segments, including those of tombstoned documents.
    public var postings: Int
    /// The number of distinct string terms in the collection's vocabulary (0 unless the
    /// sparse part is ``SparseSchema/vocabulary``).
    public var vocabularySize: Int
    /// Stored bytes by structure, after compression: `"forward_index"`, `"dense_vectors"`,
    /// `"dense_graph"`, `"document_ids"`, `"term_directory"`, `"posting_blocks"` and
    /// `"seismic_lists"` of live segments, `"write_buffer"`, `"metadata_and_text"`, and
    /// `"other"`. Structures with nothing stored may be absent.
    public var bytes: [String: Int]
    /// Dense vectors: bytes per vector on disk and in memory, by representation
    /// (nil without a dense part). See ``DenseFootprint``.
    public var denseFootprint: DenseFootprint?
    /// How text queries are made (nil: no vocabulary stored).
    public var textQueries: TextQuerySettings?
    /// Terms with a document frequency (live documents that have them), the basis of corpus IDF.
    public var termsWithDocuments: Int = 0
}

/// What one dense vector costs, on disk (measured over the live segments) and
/// resident in memory once loaded (from the in-memory layouts), by representation.
public struct DenseFootprint: Sendable, Codable, Equatable {
    /// Dense vectors in live segments.
    public var vectors: Int
    /// Stored bytes per vector: `"float32"` (the LZ4-compressed vector chunks)
    /// and `"graph"` (the HNSW graph blobs), averaged over ``vectors``.
    public var onDisk: [String: Double]
    /// Resident bytes per vector of each representation a search may load:
    /// `"float32"` (always, with its norm), `"float16"`, `"int8"` and `"binary"`
    /// (built on first use by a query asking for those codes), and `"graph"`
    /// (the layer-0 adjacency of the default layout, upper layers excluded).
    public var resident: [String: Int]
}

extension Database {
    /// Counts and sizes of the database and each collection.
    ///
    /// ```swift
    /// let stats = try db.statistics()
    /// print(stats.collections.map { "\($0.name): \($0.documents)" })
    /// ```
    public func statistics() throws -> DatabaseStatistics {
        try withStorageErrors(path: path, "reading statistics") {
            try pool.read { connection in
                var collections: [CollectionStatistics] = []
                for record in try CollectionRecord.loadAll(connection) {
                    collections.append(try collectionStatistics(record, connection))
                }
                func size(_ file: String) -> Int {
                    ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.intValue ?? 0
                }
                return DatabaseStatistics(
                    path: path, fileBytes: size(path), walBytes: size(path + "-wal"),
                    sqliteVersion: Database.sqliteVersion,
                    formatVersion: Int(try connection.scalarInt("PRAGMA user_version") ?? 0),
                    journalMode: try connection.scalarText("PRAGMA journal_mode") ?? "?",
                    synchronous: pool.synchronousSetting,
                    collections: collections)
            }
        }
    }

    private func collectionStatistics(_ record: CollectionRecord, _ connection: SQLiteConnection) throws -> CollectionStatistics {
        func integer(_ sql: String) throws -> Int {
            let statement = try connection.statement(sql)
            defer { statement.reset() }
            try statement.bind(1, record.id)
            return try statement.step() ? statement.int(0) : 0
        }
        var bytes: [String: Int] = [:]
        let blobs = try connection.statement(
            """
            SELECT b.kind, sum(length(b.payload)) FROM segment_blobs b JOIN segments s ON s.id = b.segment_id
            WHERE s.collection_id = ? AND s.state = 'live' GROUP BY b.kind
            """)
        defer { blobs.reset() }
        try blobs.bind(1, record.id)
        while try blobs.step() {
            let name: String
            switch BlobKind(rawValue: UInt8(clamping: blobs.int(0))) {
            case .forwardChunk?: name = "forward_index"
            case .denseChunk?: name = "dense_vectors"
            case .documentIDs?: name = "document_ids"
            case .termDirectory?: name = "term_directory"
            case .seismicList?: name = "seismic_lists"
            case .denseGraph?: name = "dense_graph"
            default: name = "other"
            }
            bytes[name, default: 0] += blobs.int(1)
        }
        bytes["posting_blocks"] = try integer(
            """
            SELECT coalesce(sum(length(p.payload)), 0) FROM posting_blocks p JOIN segments s ON s.id = p.segment_id
            WHERE s.collection_id = ? AND s.state = 'live'
            """)
        bytes["write_buffer"] = try integer("SELECT coalesce(sum(length(vectors)), 0) FROM write_buffer WHERE collection_id = ?")
        bytes["metadata_and_text"] = try integer(
            "SELECT coalesce(sum(length(metadata) + coalesce(length(text), 0)), 0) FROM documents WHERE collection_id = ?")
        let textModel = try textModels.model(record, connection)
        if textModel != nil {
            bytes["tokenizer"] = try integer(
                "SELECT coalesce(sum(length(vocabulary) + coalesce(length(weights), 0)), 0) FROM tokenizers WHERE collection_id = ?")
        }
        return CollectionStatistics(
            name: record.name, schema: record.schema,
            documents: try integer("SELECT count(*) FROM documents WHERE collection_id = ?"),
            bufferedDocuments: try integer("SELECT count(*) FROM write_buffer WHERE collection_id = ?"),
            segments: try integer("SELECT count(*) FROM segments WHERE collection_id = ? AND state = 'live'"),
            deletedInSegments: try integer(
                """
                SELECT count(*) FROM tombstones t JOIN segments s ON s.id = t.segment_id
                WHERE s.collection_id = ? AND s.state = 'live'
                """),
            postings: try integer(
                "SELECT coalesce(sum(posting_count), 0) FROM segments WHERE collection_id = ? AND state = 'live'"),
            vocabularySize: record.vocabularySize,
            bytes: bytes,
            denseFootprint: try record.schema.dense.map { try denseFootprint($0, index: record.schema.index, bytes: bytes) {
                try integer($0)
            } },
            textQueries: textModel.map {
                TextQuerySettings(vocabularySize: $0.tokenizer.vocabulary.count, lowercase: $0.tokenizer.lowercase,
                                  weighting: $0.weighting)
            },
            termsWithDocuments: try integer("SELECT count(*) FROM term_frequencies WHERE collection_id = ?"))
    }

    /// Per-vector costs. Vectors in live segments are counted from their
    /// documents (a document without a dense part stores a zero row, so the
    /// per-vector disk figure slightly overstates sparse-heavy collections).
    private func denseFootprint(_ schema: DenseSchema, index: IndexParameters, bytes: [String: Int],
                                _ integer: (String) throws -> Int) throws -> DenseFootprint {
        let vectors = try integer(
            "SELECT coalesce(sum(doc_count), 0) FROM segments WHERE collection_id = ? AND state = 'live'")
        let perVector = { (key: String) in vectors > 0 ? Double(bytes[key] ?? 0) / Double(vectors) : 0 }
        let d = schema.dimension
        return DenseFootprint(
            vectors: vectors,
            onDisk: ["float32": perVector("dense_vectors"), "graph": perVector("dense_graph")],
            resident: [
                "float32": DenseMatrix.bytesPerVector(dimension: d),
                "float16": Float16Codes.bytesPerVector(dimension: d, metric: schema.metric),
                "int8": Int8Codes.bytesPerVector(dimension: d, metric: schema.metric),
                "binary": BinaryCodes.bytesPerVector(dimension: d, metric: schema.metric),
                "graph": DenseGraph.layer0BytesPerNode(m: index.denseGraph.m),
            ])
    }
}
