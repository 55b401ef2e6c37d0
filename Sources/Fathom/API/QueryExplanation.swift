/// What a search did: the plan it ran and its counters (`fathom search --explain`).
public struct QueryExplanation: Sendable, Equatable, Codable {
    /// The mode run, after `auto` was resolved (a ``Query/Mode`` raw value).
    public var mode: String
    /// One line per step, for example `"sparse: exact-inverted"` (term-at-a-time
    /// over the posting blocks, made exact by rescoring), `"dense: exact-flat"`
    /// (SIMD scan), `"fusion: rrf(60.0)"`.
    public var paths: [String]
    /// Live segments searched.
    public var segments: Int
    /// Documents in the write buffer, scanned exactly.
    public var bufferedDocuments: Int
    /// Postings read by term-at-a-time scoring.
    public var postingsScored: Int
    /// Documents whose sparse score was computed exactly from the forward index.
    public var documentsRescored: Int
    /// Dense vectors compared with the query.
    public var denseDocumentsScored: Int
    /// Wall time of the search, in milliseconds.
    public var elapsedMilliseconds: Double
}

/// The hits of a search with the explanation of how they were found.
public struct SearchResult: Sendable, Equatable {
    /// Best first.
    public var hits: [SearchHit]
    /// What the search did to find them.
    public var explanation: QueryExplanation
}
