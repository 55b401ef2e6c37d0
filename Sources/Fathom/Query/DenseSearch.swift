/// Dense top-k over a snapshot, planned per segment:
///
/// - `exact`, or a segment without a graph (smaller than the graph's
///   `minimumSegmentDocuments`), or the write buffer: a flat SIMD scan of
///   every live vector — exact;
/// - `parameters.codes` set: a flat scan over that segment's compact codes,
///   the best `rescoreDepth` re-scored with the float32 vectors;
/// - otherwise the segment's HNSW graph with beam `efSearch` (exact when the
///   segment has at most `efSearch` vectors).
///
/// Per-segment answers (local ordinals) are merged into one top-k by
/// internal document id; deleted documents are never returned.
struct DenseSearch {
    let metric: DenseMetric
    let k: Int
    let parameters: DenseQueryParameters
    let exact: Bool
    /// The query, normalised to unit length for cosine.
    private let query: [Float]

    struct Counters {
        /// Vectors scored by flat scans (float32 or codes).
        var documentsScored = 0
        /// Graph nodes whose neighbour lists were read.
        var nodesVisited = 0
        /// Similarities computed by graph searches.
        var distanceComputations = 0
        /// Candidates re-scored in float32 after a scan over codes.
        var candidatesRescored = 0
        /// One entry per plan used, e.g. `"hnsw(ef 64)"`.
        var paths: Set<String> = []
    }

    init(query: [Float], metric: DenseMetric, k: Int, parameters: DenseQueryParameters = .init(), exact: Bool = true) {
        self.metric = metric
        self.k = k
        self.parameters = parameters
        self.exact = exact
        if metric == .cosine {
            let inverse = DenseMatrix.inverseNorm(query)
            self.query = query.map { $0 * inverse }
        } else {
            self.query = query
        }
    }

    func run(_ snapshot: CollectionSnapshot, _ connection: SQLiteConnection, counters: inout Counters) throws -> [ScoredDocument] {
        var top = TopK(k: k)
        for segment in snapshot.segments {
            guard let matrix = try segment.denseMatrix(connection) else { continue }
            let documentIDs = try segment.documentIDs(connection)
            let deleted = snapshot.deletions[segment.id]
            for hit in try search(segment, matrix, deleted: deleted, connection, counters: &counters) {
                top.insert(score: hit.score, documentID: documentIDs[Int(hit.documentID)])
            }
        }
        if let matrix = snapshot.buffer.dense {
            let hits = scan(matrix, deleted: nil, scored: &counters.documentsScored)
            for hit in hits { top.insert(score: hit.score, documentID: snapshot.buffer.documentIDs[Int(hit.documentID)]) }
            if matrix.documentCount > 0 { counters.paths.insert("buffer: exact-flat") }
        }
        return top.sorted()
    }

    /// One segment's top-k as (score, local ordinal).
    private func search(_ segment: Segment, _ matrix: DenseMatrix, deleted: OrdinalBitmap?, _ connection: SQLiteConnection,
                        counters: inout Counters) throws -> [ScoredDocument] {
        if !exact, let kind = parameters.codes, let codes = try segment.denseCodes(kind, connection) {
            let pool = max(parameters.rescoreDepth, k)
            var scores: [Float] = []
            let hits = query.withUnsafeBufferPointer { q in
                codes.search(query: q.baseAddress!, k: k, pool: pool, vectors: matrix, excluded: deleted, scratch: &scores)
            }
            counters.documentsScored += matrix.documentCount
            counters.candidatesRescored += min(pool, matrix.documentCount)
            counters.paths.insert("\(kind.rawValue)-scan(rescore \(pool))")
            return hits
        }
        if !exact, let graph = try segment.denseGraph(connection) {
            let ef = max(parameters.efSearch, k)
            var graphCounters = DenseGraphSearchCounters()
            let hits = query.withUnsafeBufferPointer { q in
                graph.search(query: q.baseAddress!, k: k, ef: ef, vectors: matrix, excluded: deleted, counters: &graphCounters)
            }
            counters.nodesVisited += graphCounters.nodesVisited
            counters.distanceComputations += graphCounters.distanceComputations
            counters.paths.insert(graphCounters.exactScans > 0 ? "exact-flat (ef ≥ segment size)" : "hnsw(ef \(ef))")
            return hits
        }
        counters.paths.insert("exact-flat")
        return scan(matrix, deleted: deleted, scored: &counters.documentsScored)
    }

    /// The exact top-k of a matrix by a flat SIMD scan, as (score, local ordinal).
    private func scan(_ matrix: DenseMatrix, deleted: OrdinalBitmap?, scored: inout Int) -> [ScoredDocument] {
        var top = TopK(k: k)
        let dimension = matrix.dimension
        query.withUnsafeBufferPointer { q in
            matrix.values.withUnsafeBufferPointer { values in
                for ordinal in 0..<matrix.documentCount where matrix.present[ordinal] {
                    if let deleted, deleted.contains(ordinal) { continue }
                    let score = DenseKernels.score(metric, query: q.baseAddress!,
                                                   document: values.baseAddress! + ordinal * dimension,
                                                   dimension: dimension, inverseNorm: matrix.inverseNorms[ordinal])
                    top.insert(score: score, documentID: Int64(ordinal))
                    scored += 1
                }
            }
        }
        return top.sorted()
    }
}
