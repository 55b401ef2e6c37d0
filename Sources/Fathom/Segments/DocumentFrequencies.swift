/// The document frequency of every term of a collection: how many live
/// documents list the term in their sparse vector (a zero weight counts, as
/// in the term directory). It is what corpus IDF weighs text queries with.
///
/// Stored in `term_frequencies` (a row per term with df > 0) and kept exact
/// by the writes themselves: an upsert or delete adds its changes, summed per
/// term, to the rows in the same transaction as the documents (the increases
/// in one statement, each decrease in its own), so a reader's snapshot always sees the
/// frequencies of exactly the documents it sees. Sealing and compaction move
/// documents without changing the live set, so they leave it alone.
///
/// Why a table rather than summing each segment's term directory minus its
/// deleted documents at query time: the directory counts the segment's
/// deleted documents too, so every query term would need a pass over its
/// posting list against the tombstones (or a per-segment deleted-df kept at
/// delete time, which needs the same forward-index reads as this table); the
/// table answers with one indexed read per term and costs 3–7% of a bulk ingest
/// (docs/benchmarks.md).
enum DocumentFrequencies {
    /// Changes of one write transaction, per term.
    struct Changes {
        /// Deltas by term id when the term space is small enough to index
        /// (integer term ids below a dimension, 30,522 for BERT vocabularies):
        /// an array increment is several times cheaper than a hash update, and
        /// a bulk ingest makes one per posting.
        /// Allocated at the first change.
        private var dense: [Int32] = []
        /// The size of `dense`; 0 when the deltas go to `sparse`.
        private let denseCount: Int
        /// Deltas of string-term collections (ids grow with the vocabulary).
        private var sparse: [UInt32: Int32] = [:]
        private var touched = false

        private static let denseLimit: UInt64 = 1 << 21

        init(termLimit: UInt64) {
            denseCount = termLimit <= Self.denseLimit ? Int(termLimit) : 0
        }

        mutating func add(_ terms: [UInt32]) { change(terms, by: 1) }

        mutating func remove(_ terms: [UInt32]) { change(terms, by: -1) }

        private mutating func change(_ terms: [UInt32], by delta: Int32) {
            guard !terms.isEmpty else { return }
            touched = true
            if denseCount > 0 {
                if dense.isEmpty { dense = [Int32](repeating: 0, count: denseCount) }
                dense.withUnsafeMutableBufferPointer { counts in
                    for term in terms where Int(term) < counts.count { counts[Int(term)] &+= delta }
                }
            } else {
                for term in terms { sparse[term, default: 0] &+= delta }
            }
        }

        /// The non-zero deltas, by ascending term id.
        private var nonZero: [(term: UInt32, delta: Int32)] {
            if denseCount > 0 {
                return dense.indices.compactMap { dense[$0] != 0 ? (UInt32($0), dense[$0]) : nil }
            }
            return sparse.filter { $0.value != 0 }.map { ($0.key, $0.value) }.sorted { $0.term < $1.term }
        }

        /// Writes the changes, inside the caller's write transaction: the
        /// increases in one statement (the terms and deltas passed as one JSON
        /// array: 9,000 single-row statements per 1,000-document batch cost
        /// more than the batch's other writes), the decreases row by row (a
        /// frequency that would fall below zero means the table no longer
        /// matches the documents: that is reported as corruption, not clamped).
        func apply(_ record: CollectionRecord, _ connection: SQLiteConnection) throws {
            guard touched else { return }
            let changes = nonZero
            var increases = "["
            increases.reserveCapacity(changes.count * 12)
            for change in changes where change.delta > 0 {
                if increases.utf8.count > 1 { increases += "," }
                // term · 2³² + delta, both below 2³¹: one integer per change.
                increases += String(Int64(change.term) << 32 | Int64(change.delta))
            }
            increases += "]"
            if increases.utf8.count > 2 {
                let increase = try connection.statement(
                    """
                    INSERT INTO term_frequencies(collection_id, term_id, df)
                    SELECT ?1, value >> 32, value & 4294967295 FROM json_each(?2) WHERE true
                    ON CONFLICT(collection_id, term_id) DO UPDATE SET df = df + excluded.df
                    """)
                try increase.bind(1, record.id)
                try increase.bind(2, increases)
                try increase.run()
            }
            let decrease = try connection.statement(
                "UPDATE term_frequencies SET df = df + ?3 WHERE collection_id = ?1 AND term_id = ?2 AND df + ?3 > 0")
            let drop = try connection.statement(
                "DELETE FROM term_frequencies WHERE collection_id = ?1 AND term_id = ?2 AND df = -?3")
            for (term, delta) in changes where delta < 0 {
                try decrease.bind(1, record.id)
                try decrease.bind(2, Int64(term))
                try decrease.bind(3, Int64(delta))
                try decrease.run()
                guard connection.changes == 0 else { continue }
                // Not above zero afterwards: the row must hold exactly -delta, and goes.
                try drop.bind(1, record.id)
                try drop.bind(2, Int64(term))
                try drop.bind(3, Int64(delta))
                try drop.run()
                guard connection.changes == 1 else {
                    throw FathomError.corruption(
                        what: "document frequencies of collection '\(record.name)'",
                        detail: "term \(term) has fewer documents than the \(-delta) being removed")
                }
            }
        }
    }

    /// The stored frequencies of `terms` (0 for a term no live document has).
    static func lookup(_ terms: [UInt32], _ record: CollectionRecord, _ connection: SQLiteConnection) throws -> [Int] {
        let statement = try connection.statement("SELECT df FROM term_frequencies WHERE collection_id = ? AND term_id = ?")
        defer { statement.reset() }
        return try terms.map { term in
            statement.reset()
            try statement.bind(1, record.id)
            try statement.bind(2, Int64(term))
            return try statement.step() ? statement.int(0) : 0
        }
    }

    /// Every stored frequency of the collection.
    static func stored(_ record: CollectionRecord, _ connection: SQLiteConnection) throws -> [UInt32: Int] {
        let statement = try connection.statement("SELECT term_id, df FROM term_frequencies WHERE collection_id = ?")
        defer { statement.reset() }
        try statement.bind(1, record.id)
        var frequencies: [UInt32: Int] = [:]
        while try statement.step() { frequencies[UInt32(truncatingIfNeeded: statement.int64(0))] = statement.int(1) }
        return frequencies
    }

    /// The frequencies recounted from the stored documents: the live
    /// ordinals of `segments` (the collection's live segments, through
    /// whatever they have decoded) and the write buffer.
    static func recount(_ record: CollectionRecord, segments: [Segment],
                        _ connection: SQLiteConnection) throws -> [UInt32: Int] {
        var counts: [UInt32: Int] = [:]
        let tombstones = try connection.statement("SELECT ordinal FROM tombstones WHERE segment_id = ?")
        defer { tombstones.reset() }
        for segment in segments {
            let forward = try segment.forwardIndex(connection)
            var deleted = [Bool](repeating: false, count: segment.documentCount)
            tombstones.reset()
            try tombstones.bind(1, segment.id)
            while try tombstones.step() {
                let ordinal = tombstones.int(0)
                if deleted.indices.contains(ordinal) { deleted[ordinal] = true }
            }
            for ordinal in 0..<forward.documentCount where !deleted[ordinal] {
                for i in Int(forward.offsets[ordinal])..<Int(forward.offsets[ordinal + 1]) {
                    counts[forward.terms[i], default: 0] += 1
                }
            }
        }
        try WriteBufferImage.forEachRow(record, connection) { _, vectors in
            for term in vectors.sparse?.indices ?? [] { counts[term, default: 0] += 1 }
        }
        return counts
    }

    /// Replaces the stored frequencies by a recount (the migration from
    /// format 1, whose files have none).
    static func rebuild(_ record: CollectionRecord, _ connection: SQLiteConnection) throws {
        let segments = try SegmentRow.live(of: record, connection).map(\.segment)
        let counts = try recount(record, segments: segments, connection)
        let clear = try connection.statement("DELETE FROM term_frequencies WHERE collection_id = ?")
        try clear.bind(1, record.id)
        try clear.run()
        let insert = try connection.statement("INSERT INTO term_frequencies(collection_id, term_id, df) VALUES (?, ?, ?)")
        for (term, count) in counts.sorted(by: { $0.key < $1.key }) {
            try insert.bind(1, record.id)
            try insert.bind(2, Int64(term))
            try insert.bind(3, count)
            try insert.run()
        }
    }
}

/// Reads the sparse vectors of documents being removed inside a write
/// transaction (their terms leave the document frequencies): a buffered
/// document's from its buffer row, a sealed one's from the forward-index
/// chunk that holds it, decoded once per transaction — a replaced batch
/// usually falls in a few chunks.
struct RemovedVectorReader {
    private let record: CollectionRecord
    private var chunks: [SegmentChunk: ForwardChunk] = [:]

    private struct SegmentChunk: Hashable {
        var segment: Int64
        var chunk: Int
    }

    init(_ record: CollectionRecord) { self.record = record }

    /// The sparse terms of buffered document `documentID`.
    func bufferedTerms(_ documentID: Int64, _ connection: SQLiteConnection) throws -> [UInt32] {
        let statement = try connection.statement("SELECT vectors FROM write_buffer WHERE doc_id = ?")
        defer { statement.reset() }
        try statement.bind(1, documentID)
        guard try statement.step() else {
            throw FathomError.corruption(what: "write buffer of '\(record.name)'", detail: "document \(documentID) has no vectors")
        }
        let identity = BlobIdentity(.bufferedVectors, owner: documentID)
        let body = try statement.withBlob(0) { try BlobEnvelope.open($0, identity: identity) }
        let vectors = try BufferedVectorsCodec.decode(body, what: identity.description, termLimit: record.termLimit,
                                                      dimension: record.schema.dense?.dimension)
        return vectors.sparse?.indices ?? []
    }

    /// The sparse terms of the document at `ordinal` of segment `segmentID`.
    mutating func sealedTerms(segment segmentID: Int64, ordinal: Int, _ connection: SQLiteConnection) throws -> [UInt32] {
        let key = SegmentChunk(segment: segmentID, chunk: ordinal / SegmentBuilder.forwardChunkSize)
        let chunk: ForwardChunk
        if let cached = chunks[key] {
            chunk = cached
        } else {
            let statement = try connection.statement(
                "SELECT payload FROM segment_blobs WHERE segment_id = ? AND kind = ? AND key = ?")
            defer { statement.reset() }
            try statement.bind(1, segmentID)
            try statement.bind(2, Int64(BlobKind.forwardChunk.rawValue))
            try statement.bind(3, key.chunk)
            let identity = BlobIdentity(.forwardChunk, owner: segmentID, key: Int64(key.chunk))
            guard try statement.step() else {
                throw FathomError.corruption(what: "segment \(segmentID)", detail: "missing \(identity.description)")
            }
            let body = try statement.withBlob(0) { try BlobEnvelope.open($0, identity: identity) }
            chunk = try ForwardChunkCodec.decode(body, what: identity.description, termLimit: record.termLimit)
            chunks[key] = chunk
        }
        let local = ordinal % SegmentBuilder.forwardChunkSize
        guard local < chunk.documentCount else {
            throw FathomError.corruption(what: "segment \(segmentID)", detail: "no forward-index entry for ordinal \(ordinal)")
        }
        return Array(chunk.terms[Int(chunk.offsets[local])..<Int(chunk.offsets[local + 1])])
    }
}
