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

    /// Convex fusion of normalized scores: a document scores
    /// `alpha · norm(dense) + (1 − alpha) · norm(sparse)`. `alpha` weights the
    /// **dense** list: 1 is the dense ranking alone, 0 the sparse ranking alone.
    /// Each list is normalized on its own (``ScoreNormalization``), per query.
    ///
    /// A document missing from one list gets that list's normalized minimum (0
    /// for min-max). The lists are top-`depth` cuts, so a missing document's
    /// true score is at most the list's minimum: the minimum is the tightest
    /// value known without scoring it again. Giving it 0 under z-score would
    /// put it at the list's mean, above the retrieved documents in the lower
    /// half — rewarding absence. The price is that a missing document ties
    /// with the list's last document on that list's part.
    ///
    /// A list whose scores are all equal (one document, ties throughout, or a
    /// non-finite score, which no search path produces) normalizes to 0 for
    /// every document, so it adds nothing, and the fused scores are never NaN.
    /// A document listed twice in one list keeps its better score.
    ///
    /// Sums are computed in `Double` and rounded to `Float` once; ties go to
    /// the smaller document id, as everywhere. With `alpha` 1 (or 0) the result
    /// is the dense (or sparse) list's order, followed by the other list's
    /// documents, which tie at the normalized minimum (up to scores so close
    /// that normalizing and rounding to `Float` makes them equal).
    ///
    /// - Precondition: `alpha` is in `0...1`; `k` ≥ 1.
    static func convex(_ sparse: [ScoredDocument], _ dense: [ScoredDocument], alpha: Float,
                       normalization: ScoreNormalization, k: Int) -> [ScoredDocument] {
        precondition(alpha >= 0 && alpha <= 1, "convex fusion needs alpha in 0...1, got \(alpha)")
        let sparseScores = NormalizedList(sparse, normalization)
        let denseScores = NormalizedList(dense, normalization)
        let denseWeight = Double(alpha)
        let sparseWeight = 1 - denseWeight
        var top = TopK(k: k)
        // The two lists merged in document-id order (hashing 200 ids into two
        // dictionaries was ~15 µs of a 160 µs hybrid query on reuters21578).
        let s = sparseScores.entries, d = denseScores.entries
        var i = 0, j = 0
        while i < s.count || j < d.count {
            if j == d.count || (i < s.count && s[i].documentID < d[j].documentID) {
                top.insert(score: Float(denseWeight * denseScores.missing + sparseWeight * s[i].score), documentID: s[i].documentID)
                i += 1
            } else if i == s.count || d[j].documentID < s[i].documentID {
                top.insert(score: Float(denseWeight * d[j].score + sparseWeight * sparseScores.missing), documentID: d[j].documentID)
                j += 1
            } else {
                top.insert(score: Float(denseWeight * d[j].score + sparseWeight * s[i].score), documentID: d[j].documentID)
                i += 1
                j += 1
            }
        }
        return top.sorted()
    }

    /// One list's normalized scores by document, and the score of a document
    /// the list does not hold.
    private struct NormalizedList {
        /// Normalized scores in ascending document id, one per document.
        var entries: [(documentID: Int64, score: Double)] = []
        var missing: Double = 0

        init(_ list: [ScoredDocument], _ normalization: ScoreNormalization) {
            guard let first = list.first else { return }
            var low = Double(first.score), high = low, sum = 0.0, finite = true
            for hit in list {
                let score = Double(hit.score)
                finite = finite && score.isFinite
                low = min(low, score)
                high = max(high, score)
                sum += score
            }
            var offset = 0.0, scale = 1.0, spread = false
            // Comparing min and max (not σ against 0) catches equal scores
            // exactly: the mean of equal values can be off by an ulp, which
            // would turn rounding noise into a spread.
            if finite, high > low {
                spread = true
                switch normalization {
                case .minMax:
                    offset = low
                    scale = high - low
                case .zScore:
                    let mean = sum / Double(list.count)
                    var squares = 0.0
                    for hit in list {
                        let deviation = Double(hit.score) - mean
                        squares += deviation * deviation
                    }
                    offset = mean
                    scale = (squares / Double(list.count)).squareRoot()
                }
                missing = (low - offset) / scale
            }
            entries.reserveCapacity(list.count)
            for hit in list { entries.append((hit.documentID, spread ? (Double(hit.score) - offset) / scale : 0)) }
            // By id, the better score first, so that keeping the first of a repeated id keeps the better.
            entries.sort { $0.documentID != $1.documentID ? $0.documentID < $1.documentID : $0.score > $1.score }
            var kept = 0
            for index in entries.indices where kept == 0 || entries[kept - 1].documentID != entries[index].documentID {
                entries[kept] = entries[index]
                kept += 1
            }
            entries.removeLast(entries.count - kept)
        }
    }
}
