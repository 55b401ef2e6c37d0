/// Persists a built segment: its manifest row, then its blobs and posting
/// blocks. Sealing does it all inside the caller's one write transaction; a
/// compaction writes the row as `retired` (not in the manifest), its blobs in
/// several short transactions, and publishes it separately (`Compactor`).
enum SegmentWriter {
    /// Inserts the manifest row of a segment about to be built and returns its
    /// id (blob checksums cover the segment id, so the row comes first).
    static func insertRow(collection: CollectionRecord, state: String, documentCount: Int, postingCount: Int,
                          firstDocumentID: Int64, lastDocumentID: Int64, _ connection: SQLiteConnection) throws -> Int64 {
        precondition(state == "live" || state == "retired")
        let statement = try connection.statement(
            """
            INSERT INTO segments(collection_id, state, format, doc_count, posting_count, first_doc_id, last_doc_id)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.bind(1, collection.id)
        try statement.bind(2, state)
        try statement.bind(3, SegmentFormat.exactOnly.rawValue)
        try statement.bind(4, documentCount)
        try statement.bind(5, postingCount)
        try statement.bind(6, firstDocumentID)
        try statement.bind(7, lastDocumentID)
        try statement.run()
        return connection.lastInsertRowID
    }

    /// The builder a collection's schema asks for, for segment `segmentID`.
    static func builder(for record: CollectionRecord, segmentID: Int64) -> SegmentBuilder {
        var builder = SegmentBuilder(segmentID: segmentID, denseDimension: record.schema.dense?.dimension,
                                     postingBlockSize: record.schema.index.postingBlockSize,
                                     termLimit: record.termLimit,
                                     seismic: record.schema.sparse != nil && record.schema.index.seismic.enabled
                                         ? record.schema.index.seismic : nil)
        if let schema = record.schema.dense, record.schema.index.denseGraph.enabled {
            builder.denseGraph = (record.schema.index.denseGraph, schema.metric)
        }
        return builder
    }

    /// The rows of a built segment, in the order they are written.
    enum Row {
        case blob(kind: BlobKind, key: Int64, payload: [UInt8])
        case postingBlock(SegmentBuilder.PostingBlockBlob)

        var byteCount: Int {
            switch self {
            case .blob(_, _, let payload): return payload.count
            case .postingBlock(let block): return block.payload.count
            }
        }
    }

    static func rows(of output: SegmentBuilder.Output) -> [Row] {
        output.blobs.map { Row.blob(kind: $0.kind, key: $0.key, payload: $0.payload) }
            + output.postingBlocks.map(Row.postingBlock)
    }

    /// Writes `rows` of segment `segmentID` (in the caller's transaction).
    static func insert(_ rows: ArraySlice<Row>, segmentID: Int64, _ connection: SQLiteConnection) throws {
        let insertBlob = try connection.statement(
            "INSERT INTO segment_blobs(segment_id, kind, key, payload) VALUES (?, ?, ?, ?)")
        let insertBlock = try connection.statement(
            "INSERT INTO posting_blocks(segment_id, term_id, block_no, payload) VALUES (?, ?, ?, ?)")
        for row in rows {
            switch row {
            case .blob(let kind, let key, let payload):
                try insertBlob.bind(1, segmentID)
                try insertBlob.bind(2, Int64(kind.rawValue))
                try insertBlob.bind(3, key)
                try insertBlob.bind(4, payload)
                try insertBlob.run()
            case .postingBlock(let block):
                try insertBlock.bind(1, segmentID)
                try insertBlock.bind(2, Int64(block.term))
                try insertBlock.bind(3, block.blockNumber)
                try insertBlock.bind(4, block.payload)
                try insertBlock.run()
            }
        }
    }

    /// Records which optional indexes the segment has (the row starts as exact-only).
    static func setFormat(_ format: SegmentFormat, segmentID: Int64, _ connection: SQLiteConnection) throws {
        guard format != .exactOnly else { return }
        let statement = try connection.statement("UPDATE segments SET format = ? WHERE id = ?")
        try statement.bind(1, format.rawValue)
        try statement.bind(2, segmentID)
        try statement.run()
    }

    /// Points every document at its ordinal in segment `segmentID`.
    static func assign(_ documentIDs: [Int64], to segmentID: Int64, _ connection: SQLiteConnection) throws {
        let assign = try connection.statement("UPDATE documents SET segment_id = ?, ordinal = ? WHERE doc_id = ?")
        for (ordinal, documentID) in documentIDs.enumerated() {
            try assign.bind(1, segmentID)
            try assign.bind(2, ordinal)
            try assign.bind(3, documentID)
            try assign.run()
        }
    }
}
