/// The result of ``Database/verify()``: what was checked and every problem found.
public struct VerificationReport: Sendable, Codable, Equatable {
    /// One line per problem, naming what is broken (empty when healthy).
    public var problems: [String]
    /// SQLite's `PRAGMA integrity_check` verdict ("ok" when the file structure is sound).
    public var sqliteIntegrity: String
    public var collectionsChecked: Int
    public var segmentsChecked: Int
    /// Blobs whose checksum and layout were verified.
    public var blobsChecked: Int
    public var documentsChecked: Int

    public var isHealthy: Bool { problems.isEmpty }
}
