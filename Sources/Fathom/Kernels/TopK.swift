import HeapModule

/// A scored document during search: an internal document id and its score.
/// Ordered from worst to best: lower score is worse; at equal scores the
/// larger document id is worse, so ties go to the earlier-ingested document
/// (the order the ground-truth files use).
struct ScoredDocument: Comparable {
    var score: Float
    var documentID: Int64

    static func < (lhs: ScoredDocument, rhs: ScoredDocument) -> Bool {
        lhs.score != rhs.score ? lhs.score < rhs.score : lhs.documentID > rhs.documentID
    }
}

/// The k best documents seen so far, in a bounded min-heap (the root is the
/// current k-th best), so selection costs O(n log k) rather than a full sort.
struct TopK {
    let k: Int
    private var heap = Heap<ScoredDocument>()

    init(k: Int) {
        precondition(k >= 1)
        self.k = k
    }

    var count: Int { heap.count }
    var isFull: Bool { heap.count >= k }

    /// The score a new document must beat to enter (−∞ until k are held).
    var threshold: Float { isFull ? heap.min!.score : -.infinity }

    @inline(__always)
    mutating func insert(_ candidate: ScoredDocument) {
        if heap.count < k {
            heap.insert(candidate)
        } else if heap.min! < candidate {
            heap.replaceMin(with: candidate)
        }
    }

    mutating func insert(score: Float, documentID: Int64) {
        insert(ScoredDocument(score: score, documentID: documentID))
    }

    /// Best first.
    func sorted() -> [ScoredDocument] {
        heap.unordered.sorted(by: >)
    }
}
