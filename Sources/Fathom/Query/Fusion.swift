/// Combining ranked lists.
enum Fusion {
    /// Reciprocal rank fusion (Cormack, Clarke, Büttcher 2009): a document's
    /// score is Σ 1 / (constant + rank) over the lists it appears in (rank from
    /// 1). Ties go to the smaller document id, as everywhere.
    static func reciprocalRank(_ lists: [[ScoredDocument]], k: Int, constant: Float = 60) -> [ScoredDocument] {
        var fused: [Int64: Float] = [:]
        for list in lists {
            for (index, hit) in list.enumerated() {
                fused[hit.documentID, default: 0] += 1 / (constant + Float(index + 1))
            }
        }
        var top = TopK(k: k)
        for (documentID, score) in fused { top.insert(score: score, documentID: documentID) }
        return top.sorted()
    }
}
