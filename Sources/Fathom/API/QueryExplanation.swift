/// What a search did: the plan it ran and its counters (`fathom search --explain`).
public struct QueryExplanation: Sendable, Equatable, Codable {
    /// The mode run, after `auto` was resolved (a ``Query/Mode`` raw value).
    public var mode: String
    /// One line per step, for example `"sparse: exact-inverted"` (term-at-a-time
    /// over the posting blocks, made exact by rescoring), `"dense: hnsw(ef 64)"`
    /// (graph search), `"dense: exact-flat"` (SIMD scan), `"fusion: rrf(60.0)"`.
    public var paths: [String]
    /// Live segments searched.
    public var segments: Int
    /// Documents in the write buffer, scanned exactly.
    public var bufferedDocuments: Int
    /// Postings read by term-at-a-time scoring.
    public var postingsScored: Int
    /// Documents whose sparse score was computed exactly from the forward index
    /// (by the exact path's rescoring, or Seismic's re-ranking of its candidates).
    public var documentsRescored: Int
    /// Dense vectors (or their compact codes) scored by flat scans.
    public var denseDocumentsScored: Int
    /// Wall time of the search, in milliseconds.
    public var elapsedMilliseconds: Double
    /// Seismic: blocks whose documents were scored, and blocks skipped by their summary.
    public var blocksEvaluated = 0
    public var blocksSkipped = 0
    /// Seismic: block summaries scored against the query.
    public var summariesScored = 0
    /// Seismic: documents scored through the forward index (approximately,
    /// from its compact copy, when the segment's term ids fit in 16 bits).
    public var seismicDocumentsScored = 0
    /// Seismic: no document left unscored can score more than this (the exactness certificate).
    public var unscoredBound: Float?
    /// Dense graph (HNSW): nodes whose neighbour lists were read.
    public var graphNodesVisited = 0
    /// Dense graph (HNSW): similarities computed between the query and a vector.
    public var graphDistanceComputations = 0
    /// Dense codes: candidates re-scored with the float32 vectors.
    public var denseCandidatesRescored = 0
    /// The plan tree's leaves: what ran on each segment for each part, with
    /// the cost model's estimate next to the time it took.
    public var segmentPlans: [SegmentPlan] = []
    /// The metadata filter, in canonical form (nil without one).
    public var filter: String?
    /// Live documents the filter admitted, over the segments and the buffer.
    public var filterMatches: Int?
    /// What the per-field statistics estimated for ``filterMatches`` (the
    /// planner's input for `estimated` vs `actual`).
    public var filterEstimatedMatches: Int?
    /// Seismic: whether the answer is provably exact (`unscoredBound` ≤ the k-th score in every segment).
    public var certified: Bool?
    /// Text queries: how the tokens were weighted (nil for other queries).
    public var textWeighting: QueryWeighting?
    /// Text queries: the terms searched, with their weights, in the order
    /// their tokens first appear in the text.
    public var textTerms: [TextQueryTerm]?
    /// Text queries: distinct tokens left out — special tokens, `[UNK]`, and
    /// tokens without a weight (not in the supplied table, or in no document).
    public var textDroppedTokens: [String]?
}

/// The hits of a search with the explanation of how they were found.
public struct SearchResult: Sendable, Equatable {
    /// Best first.
    public var hits: [SearchHit]
    /// What the search did to find them.
    public var explanation: QueryExplanation
}

/// One part (sparse or dense) of a search on one segment: the plan the planner
/// chose, its estimated cost and the actual time (`fathom search --explain`).
public struct SegmentPlan: Sendable, Equatable, Codable {
    /// The segment's id.
    public var segment: Int64
    /// `"sparse"` or `"dense"`.
    public var part: String
    /// The plan, e.g. `"exact-inverted"`, `"hnsw(ef 198)"`, `"prefilter-flat"`.
    public var plan: String
    /// Documents in the segment.
    public var documents: Int
    /// Documents the query's filter admitted, and the statistics' estimate (nil without a filter).
    public var admitted: Int?
    public var estimatedAdmitted: Int?
    /// The cost model's estimate (`PlanCosts`), in microseconds; nil for plans
    /// it does not model (Seismic, compact codes).
    public var estimatedMicroseconds: Double?
    /// The time the plan took on this segment, in microseconds.
    public var actualMicroseconds: Double
}
