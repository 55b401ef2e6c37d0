/// What a search did: the plan it ran and its counters (`fathom search --explain`).
public struct QueryExplanation: Sendable, Equatable, Codable {
    /// The mode run, after `auto` was resolved.
    public var mode: String
    /// The path per part: `exact-inverted` (term-at-a-time over the posting
    /// blocks, made exact by rescoring), `exact-flat` (SIMD scan), `rrf`.
    public var paths: [String]
    public var segments: Int
    public var bufferedDocuments: Int
    public var postingsScored: Int
    public var documentsRescored: Int
    public var denseDocumentsScored: Int
    public var elapsedMilliseconds: Double
}

/// The hits of a search with the explanation of how they were found.
public struct SearchResult: Sendable, Equatable {
    public var hits: [SearchHit]
    public var explanation: QueryExplanation
}
