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
    /// Buffered documents a search must skip (those a filter rejects); nil: none.
    var bufferExcluded: OrdinalBitmap? = nil
}

/// Caches snapshots by collection version and segments by id, so that a query
/// of an unchanged collection reads one row (the version) before searching.
/// Segments are immutable, so a cached `Segment` (and whatever it has decoded)
/// is shared by every snapshot that lists it.
///
/// When a compaction retires segments, the cache drops them as soon as it
/// loads the manifest of the newest version; a query still running on an
/// older snapshot keeps its `Segment` objects (and their decoded parts)
/// alive through that snapshot until it finishes, and reads anything not yet
/// decoded in its own read transaction, where SQLite still shows the old rows.
final class SnapshotCache: Sendable {
    /// Guards the latest snapshot per collection id.
    private let snapshots = Mutex<[Int64: CollectionSnapshot]>([:])
    /// Guards the segment objects per collection id, with the newest
    /// collection version whose manifest they reflect.
    private let segments = Mutex<[Int64: (version: Int64, byID: [Int64: Segment])]>([:])

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
        // Fresh rows; a segment already cached (and what it has decoded) is kept instead.
        let rows = try SegmentRow.live(of: record, connection)
        return segments.withLock { cache in
            var entry = cache[record.id] ?? (version: record.version, byID: [:])
            let live = rows.map { row in
                if let segment = entry.byID[row.segment.id] { return segment }
                entry.byID[row.segment.id] = row.segment
                return row.segment
            }
            if record.version >= entry.version {
                // The newest manifest seen: keep exactly its segments.
                entry = (record.version, Dictionary(uniqueKeysWithValues: live.map { ($0.id, $0) }))
            }
            cache[record.id] = entry
            return live
        }
    }

    /// Forgets everything (after a failed write, or for tests).
    func removeAll() {
        snapshots.withLock { $0.removeAll() }
        segments.withLock { $0.removeAll() }
    }
}

/// The layout of a segment's blobs (`segments.format`).
struct SegmentFormat: Equatable {
    /// 1 + 1 (Seismic lists, blob kind 7) + 2 (a dense graph, blob kind 8):
    /// 1 is the exact structures only (document-id map, forward index, dense
    /// chunks, term directory, posting blocks), 2 adds Seismic, 3 a graph,
    /// 4 both.
    let rawValue: Int

    init(seismic: Bool, denseGraph: Bool) {
        rawValue = 1 + (seismic ? 1 : 0) + (denseGraph ? 2 : 0)
    }

    /// Nil for a value this version cannot read.
    init?(rawValue: Int) {
        guard Self.readable.contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    var hasSeismicIndex: Bool { (rawValue - 1) & 1 != 0 }
    var hasDenseGraph: Bool { (rawValue - 1) & 2 != 0 }

    static let exactOnly = SegmentFormat(seismic: false, denseGraph: false)
    static let readable: ClosedRange<Int> = 1...4
}
