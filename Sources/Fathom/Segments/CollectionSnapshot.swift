import Synchronization

/// Everything a query of one collection reads, as of one committed version:
/// the live segments of the manifest, their tombstones, and the write buffer.
/// Taken inside the query's read transaction, so all parts agree.
struct CollectionSnapshot: Sendable {
    var record: CollectionRecord
    var segments: [Segment]
    /// Deleted ordinals per segment id (absent: nothing deleted).
    var deletions: [Int64: OrdinalBitmap]
    var buffer: WriteBufferImage
}

/// Caches snapshots by collection version and segments by id, so that a query
/// of an unchanged collection reads one row (the version) before searching.
/// Segments are immutable, so a cached `Segment` (and whatever it has decoded)
/// is shared by every snapshot that lists it.
final class SnapshotCache: Sendable {
    /// Guards the latest snapshot per collection id.
    private let snapshots = Mutex<[Int64: CollectionSnapshot]>([:])
    /// Guards the segment objects per segment id.
    private let segments = Mutex<[Int64: Segment]>([:])

    /// The snapshot of `record`'s version; `record` must have been read in the
    /// current read transaction of `connection`.
    func snapshot(of record: CollectionRecord, _ connection: SQLiteConnection) throws -> CollectionSnapshot {
        if let cached = snapshots.withLock({ $0[record.id] }), cached.record == record {
            return cached
        }
        let live = try loadSegments(record, connection)
        var deletions: [Int64: OrdinalBitmap] = [:]
        let statement = try connection.statement(
            """
            SELECT t.segment_id, t.ordinal FROM tombstones t JOIN segments s ON s.id = t.segment_id
            WHERE s.collection_id = ? AND s.state = 'live' ORDER BY t.segment_id
            """)
        defer { statement.reset() }
        try statement.bind(1, record.id)
        let counts = Dictionary(uniqueKeysWithValues: live.map { ($0.id, $0.documentCount) })
        while try statement.step() {
            let segmentID = statement.int64(0), ordinal = statement.int(1)
            guard let count = counts[segmentID], (0..<count).contains(ordinal) else {
                throw FathomError.corruption(what: "tombstones of segment \(segmentID)",
                                             detail: "ordinal \(ordinal) outside the segment")
            }
            deletions[segmentID, default: OrdinalBitmap(documentCount: count)].insert(ordinal)
        }
        let snapshot = CollectionSnapshot(record: record, segments: live, deletions: deletions,
                                          buffer: try WriteBufferImage.load(record, connection))
        snapshots.withLock { $0[record.id] = snapshot }
        return snapshot
    }

    private func loadSegments(_ record: CollectionRecord, _ connection: SQLiteConnection) throws -> [Segment] {
        let statement = try connection.statement(
            "SELECT id, doc_count, posting_count, format FROM segments WHERE collection_id = ? AND state = 'live' ORDER BY id")
        defer { statement.reset() }
        try statement.bind(1, record.id)
        var rows: [(Int64, Int, Int, Int)] = []
        while try statement.step() {
            guard SegmentFormat.readable.contains(statement.int(3)) else {
                throw FathomError.corruption(what: "segment \(statement.int64(0))",
                                             detail: "unknown segment format \(statement.int(3))")
            }
            rows.append((statement.int64(0), statement.int(1), statement.int(2), statement.int(3)))
        }
        return segments.withLock { cache in
            rows.map { id, documentCount, postingCount, format in
                if let segment = cache[id] { return segment }
                let segment = Segment(id: id, documentCount: documentCount, postingCount: postingCount,
                                      termLimit: record.termLimit, denseDimension: record.schema.dense?.dimension,
                                      hasSeismicIndex: format == SegmentFormat.withSeismic)
                cache[id] = segment
                return segment
            }
        }
    }

    /// Forgets everything (after a failed write, or for tests).
    func removeAll() {
        snapshots.withLock { $0.removeAll() }
        segments.withLock { $0.removeAll() }
    }
}

/// The layout of a segment's blobs (`segments.format`).
enum SegmentFormat {
    /// Exact structures only: document-id map, forward index, dense chunks,
    /// term directory and posting blocks.
    static let exactOnly = 1
    /// Format 1 plus one Seismic list per term (blob kind 7).
    static let withSeismic = 2
    static let readable: ClosedRange<Int> = 1...2
}
