/// How a hybrid query combines its sparse and dense result lists into one ranking.
///
/// The raw values (`rrf`, `convex`) are the spellings used on the command line and in
/// benchmark reports.
public enum FusionMethod: String, Sendable, Codable, CaseIterable {
    /// Reciprocal rank fusion: a document scores Σ 1 / (constant + rank) over the lists it
    /// appears in. It uses only ranks, so it needs no tuning of score scales and is the
    /// default; it also ignores how far apart the scores are.
    case rrf
    /// Convex combination of normalized scores: `alpha · dense + (1 − alpha) · sparse`, each
    /// list's scores first put on a common scale by a ``ScoreNormalization``. It keeps score
    /// gaps that rank fusion throws away, at the price of a weight to choose.
    case convex
}

/// How convex fusion puts a result list's scores on a common scale before weighting them.
///
/// Sparse dot products and dense similarities live on unrelated scales (a SPLADE score of 20
/// next to a cosine of 0.8), so they are normalized per list, per query. A list whose scores
/// are all equal (one document, or ties throughout) carries no ranking information and
/// normalizes to 0 for every document, under either method; no normalization ever yields NaN.
public enum ScoreNormalization: String, Sendable, Codable, CaseIterable {
    /// `(score − min) / (max − min)`: the list's best document gets 1, its worst 0.
    /// Simple and bounded, but one outlier squeezes every other score towards 0.
    case minMax = "min-max"
    /// `(score − mean) / σ`, with the population standard deviation of the list: robust to
    /// one outlier at the top, unbounded.
    case zScore = "z-score"
}
