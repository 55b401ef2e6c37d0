/// What one compaction of a collection did.
public struct CompactionReport: Sendable, Equatable, Codable {
    /// The collection compacted.
    public var collection: String
    /// The segments merged or rewritten (now removed), by id.
    public var mergedSegments: [Int64]
    /// The segment published in their place, or nil when nothing was left
    /// (every input document had been deleted) or nothing was to be done.
    public var publishedSegment: Int64?
    /// Live documents moved into the published segment.
    public var documents: Int
    /// Deleted or replaced documents dropped for good.
    public var droppedDocuments: Int
    /// Documents deleted or replaced while the compaction ran: they are
    /// tombstoned in the published segment, so they stay deleted.
    public var deletedDuringCompaction: Int
    /// Wall time from the first read to the removal of the merged segments, in seconds.
    public var elapsedSeconds: Double
    /// Of which the transaction that made the result visible, in seconds.
    public var publishSeconds: Double
    /// The longest of its write transactions (writing the new segment's
    /// rows, publishing, removing the merged segments), in seconds: the most
    /// a writer waited for this compaction at any one time.
    public var longestWriteSeconds: Double
}
