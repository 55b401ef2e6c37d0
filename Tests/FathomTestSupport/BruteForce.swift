import Fathom

/// The test oracle: exact scores by the definitions, in Double, over plain
/// arrays of documents (no index, no storage).
public enum BruteForce {
    public static func sparseScore(_ query: SparseVector, _ document: SparseVector) -> Double {
        var weights: [UInt32: Double] = [:]
        for (index, value) in zip(query.indices, query.values) { weights[index] = Double(value) }
        var score = 0.0
        for (index, value) in zip(document.indices, document.values) { score += (weights[index] ?? 0) * Double(value) }
        return score
    }

    public static func denseScore(_ query: [Float], _ document: [Float], metric: DenseMetric) -> Double {
        let dot = zip(query, document).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        switch metric {
        case .dot: return dot
        case .cosine:
            let nq = query.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let nd = document.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            return nq > 0 && nd > 0 ? dot / (nq * nd) : 0
        case .l2:
            return -zip(query, document).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        }
    }

    /// Exact top-k ids (ties broken by position in `documents`, like Fathom's
    /// ingest order). Sparse results exclude documents scoring 0.
    public static func sparseTopK(_ query: SparseVector, in documents: [Document], k: Int) -> [(id: String, score: Double)] {
        let scored = documents.enumerated().compactMap { i, d -> (Int, String, Double)? in
            guard let sparse = d.sparse else { return nil }
            let score = sparseScore(query, sparse)
            return score > 0 ? (i, d.id, score) : nil
        }
        return top(scored, k)
    }

    public static func denseTopK(_ query: [Float], in documents: [Document], metric: DenseMetric, k: Int) -> [(id: String, score: Double)] {
        let scored = documents.enumerated().compactMap { i, d -> (Int, String, Double)? in
            d.dense.map { (i, d.id, denseScore(query, $0, metric: metric)) }
        }
        return top(scored, k)
    }

    private static func top(_ scored: [(Int, String, Double)], _ k: Int) -> [(id: String, score: Double)] {
        scored.sorted { $0.2 != $1.2 ? $0.2 > $1.2 : $0.0 < $1.0 }.prefix(k).map { ($0.1, $0.2) }
    }

    /// recall@k of `found` against exact `truth`, counting as correct any hit
    /// whose exact score ties the k-th true score within `tolerance`.
    public static func recall(found: [String], truth: [(id: String, score: Double)], allScores: [String: Double],
                              k: Int, tolerance: Double = 1e-4) -> Double {
        let expected = min(k, truth.count)
        guard expected > 0 else { return found.isEmpty ? 1 : 0 }
        let kth = truth[expected - 1].score
        let truthIDs = Set(truth.prefix(k).map(\.id))
        let correct = Set(found.prefix(k)).filter { truthIDs.contains($0) || (allScores[$0] ?? -.infinity) >= kth - tolerance }
        return Double(min(correct.count, expected)) / Double(expected)
    }
}
