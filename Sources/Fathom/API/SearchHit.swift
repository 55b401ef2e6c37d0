/// One result of a search: the document's external id and its score
/// (higher is better; see ``DenseMetric`` and ``Query/Mode`` for what a score is).
public struct SearchHit: Sendable, Equatable, Hashable {
    /// The external id of the document (``Document/id``).
    public var id: String
    /// The document's score for the query; higher is better. A dot product of term weights in
    /// sparse mode, the collection's ``DenseMetric`` in dense mode, a reciprocal-rank-fusion score
    /// in hybrid mode.
    public var score: Float

    /// Creates a hit.
    ///
    /// - Parameters:
    ///   - id: The external id of the document.
    ///   - score: The document's score; higher is better.
    public init(id: String, score: Float) {
        self.id = id
        self.score = score
    }
}
