/// Exact dense top-k: a flat SIMD scan of every live document's vector.
struct ExactDenseSearch {
    let metric: DenseMetric
    let k: Int
    /// The query, normalised to unit length for cosine.
    private let query: [Float]

    init(query: [Float], metric: DenseMetric, k: Int) {
        self.metric = metric
        self.k = k
        if metric == .cosine {
            let inverse = DenseMatrix.inverseNorm(query)
            self.query = query.map { $0 * inverse }
        } else {
            self.query = query
        }
    }

    func run(_ snapshot: CollectionSnapshot, _ connection: SQLiteConnection, documentsScored: inout Int) throws -> [ScoredDocument] {
        var top = TopK(k: k)
        for segment in snapshot.segments {
            guard let matrix = try segment.denseMatrix(connection) else { continue }
            scan(matrix, documentIDs: try segment.documentIDs(connection), deleted: snapshot.deletions[segment.id],
                 into: &top, scored: &documentsScored)
        }
        if let matrix = snapshot.buffer.dense {
            scan(matrix, documentIDs: snapshot.buffer.documentIDs, deleted: nil, into: &top, scored: &documentsScored)
        }
        return top.sorted()
    }

    private func scan(_ matrix: DenseMatrix, documentIDs: [Int64], deleted: OrdinalBitmap?,
                      into top: inout TopK, scored: inout Int) {
        let dimension = matrix.dimension
        query.withUnsafeBufferPointer { q in
            matrix.values.withUnsafeBufferPointer { values in
                for ordinal in 0..<matrix.documentCount where matrix.present[ordinal] {
                    if let deleted, deleted.contains(ordinal) { continue }
                    let score = DenseKernels.score(metric, query: q.baseAddress!,
                                                   document: values.baseAddress! + ordinal * dimension,
                                                   dimension: dimension, inverseNorm: matrix.inverseNorms[ordinal])
                    top.insert(score: score, documentID: documentIDs[ordinal])
                    scored += 1
                }
            }
        }
    }
}
