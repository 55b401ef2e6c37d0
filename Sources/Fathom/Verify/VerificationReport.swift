/// The result of ``Database/verify()``: what was checked and every problem found.
public struct VerificationReport: Sendable, Codable, Equatable {
    /// One line per problem, naming what is broken (empty when healthy).
    public var problems: [String]
    /// SQLite's `PRAGMA integrity_check` verdict ("ok" when the file structure is sound;
    /// otherwise its messages, joined by `"; "`).
    public var sqliteIntegrity: String
    /// Collections checked: every collection in the database.
    public var collectionsChecked: Int
    /// Live segments checked, including those in which problems were found.
    public var segmentsChecked: Int
    /// Blobs whose checksum and layout were verified.
    public var blobsChecked: Int
    /// Document rows checked: those in live segments, plus the documents still in write buffers.
    public var documentsChecked: Int
    /// Segments in no manifest (state `retired`): replaced by a compaction, or written by one that
    /// has not published or was interrupted. Not a problem: readers never see them, and the next
    /// compaction removes them.
    public var retiredSegments: Int = 0

    /// Whether no problem was found.
    public var isHealthy: Bool { problems.isEmpty }
}
