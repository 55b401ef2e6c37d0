/// One result of a search: the document's external id and its score
/// (higher is better; see ``DenseMetric`` and ``Query/Mode`` for what a score is).
public struct SearchHit: Sendable, Equatable, Hashable {
    public var id: String
    public var score: Float

    public init(id: String, score: Float) {
        self.id = id
        self.score = score
    }
}
