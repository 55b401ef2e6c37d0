import Foundation

/// Dense top-k over a snapshot, planned per segment:
///
/// - `exact`, or a segment without a graph (smaller than the graph's
///   `minimumSegmentDocuments`), or the write buffer: a flat SIMD scan of
///   every live vector — exact;
/// - `parameters.codes` set: a flat scan over that segment's compact codes,
///   the best `rescoreDepth` re-scored with the float32 vectors;
/// - otherwise the segment's HNSW graph with beam `efSearch` (exact when the
///   segment has at most `efSearch` vectors), walked on the segment's int8
///   codes with the best `rescoreDepth` of the final beam re-scored in
///   float32 (`graphPrecision` `.int8`, the default) or on the float32 rows.
///
/// Per-segment answers (local ordinals) are merged into one top-k by
/// internal document id; deleted documents are never returned.
struct DenseSearch {
    let metric: DenseMetric
    let k: Int
    let parameters: DenseQueryParameters
    let exact: Bool
    /// A graph walk over int8 codes returns its candidates with their code
    /// scores (within `Int8Codes`' error bound of the exact ones) instead of
    /// re-scoring them in float32: set for the dense candidates of a non-exact
    /// hybrid query, whose sparse candidates keep their quantized scores too.
    var codeScores = false
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
        /// Per segment: the plan, its estimated cost and its time.
        var segmentPlans: [SegmentPlan] = []
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

    /// What one segment's dense search reads, loaded (and verified) through
    /// the query's connection before the search runs, so that the search
    /// itself touches no SQLite connection and may run on another thread.
    struct SegmentParts: Sendable {
        let segment: Int64
        /// The filter's counts in this segment (nil without a filter).
        let matches: FilterPlan.SegmentMatches?
        let matrix: DenseMatrix
        let documentIDs: [Int64]
        /// Deleted documents, and those a filter rejects.
        let deleted: OrdinalBitmap?
        let graph: DenseGraph?
        let codes: (any DenseCodes)?
        /// The int8 codes the graph walk scores on (nil: it walks the float32 rows).
        var walkCodes: Int8Codes? = nil
        /// The graph's beam for this segment (widened under a filter).
        var ef: Int
        /// A filter made a flat scan of the admitted vectors cheaper than the graph.
        var prefiltered = false
    }

    /// Loads what `execute` needs from every segment of the snapshot and
    /// chooses each segment's plan; with a filter, from `PlanCosts`.
    func prepare(_ snapshot: CollectionSnapshot, filter: FilterPlan? = nil,
                 _ connection: SQLiteConnection) throws -> [SegmentParts] {
        try snapshot.segments.compactMap { segment in
            guard let matrix = try segment.denseMatrix(connection) else { return nil }
            let codes = exact ? nil : try parameters.codes.flatMap { try segment.denseCodes($0, connection) }
            var graph = exact || codes != nil ? nil : try segment.denseGraph(connection)
            var ef = max(parameters.efSearch, k)
            var prefiltered = false
            if graph != nil, let matches = filter?.segments[segment.id] {
                let flat = PlanCosts.flat(documents: matches.documents, matches: matches.matches, dimension: matrix.dimension)
                let widened = PlanCosts.graph(documents: matches.documents, matches: matches.matches, ef: ef,
                                              precision: parameters.graphPrecision)
                if flat <= widened {
                    graph = nil
                    prefiltered = true
                } else {
                    ef = PlanCosts.widenedEf(documents: matches.documents, matches: matches.matches, ef: ef)
                }
            }
            var parts = SegmentParts(segment: segment.id, matches: filter?.segments[segment.id], matrix: matrix,
                                documentIDs: try segment.documentIDs(connection),
                                deleted: snapshot.deletions[segment.id], graph: graph, codes: codes, ef: ef,
                                prefiltered: prefiltered)
            if graph != nil, parameters.graphPrecision == .int8 {
                parts.walkCodes = try segment.denseCodes(.int8, connection) as? Int8Codes
            }
            return parts
        }
    }

    func run(_ snapshot: CollectionSnapshot, _ connection: SQLiteConnection, counters: inout Counters) throws -> [ScoredDocument] {
        execute(try prepare(snapshot, connection), buffer: snapshot.buffer, bufferExcluded: snapshot.bufferExcluded,
                counters: &counters)
    }

    /// The search proper, over prepared segments and the write buffer.
    func execute(_ segments: [SegmentParts], buffer: WriteBufferImage, bufferExcluded: OrdinalBitmap? = nil,
                 counters: inout Counters) -> [ScoredDocument] {
        var top = TopK(k: k)
        for parts in segments {
            let start = DispatchTime.now().uptimeNanoseconds
            var plan = ""
            for hit in search(parts, plan: &plan, counters: &counters) {
                top.insert(score: hit.score, documentID: parts.documentIDs[Int(hit.documentID)])
            }
            counters.segmentPlans.append(SegmentPlan(
                segment: parts.segment, part: "dense", plan: plan, documents: parts.matrix.documentCount,
                admitted: parts.matches?.matches, estimatedAdmitted: parts.matches?.estimatedMatches,
                estimatedMicroseconds: estimatedCost(parts).map { $0 / 1_000 },
                actualMicroseconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000))
        }
        if let matrix = buffer.dense {
            let hits = scan(matrix, deleted: bufferExcluded, scored: &counters.documentsScored)
            for hit in hits { top.insert(score: hit.score, documentID: buffer.documentIDs[Int(hit.documentID)]) }
            if matrix.documentCount > 0 { counters.paths.insert("buffer: exact-flat") }
        }
        return top.sorted()
    }

    /// The cost model's estimate for a segment's plan, in nanoseconds (nil for codes).
    private func estimatedCost(_ parts: SegmentParts) -> Double? {
        guard parts.codes == nil else { return nil }
        let documents = parts.matrix.documentCount
        let live = parts.matches?.matches ?? (documents - (parts.deleted?.count ?? 0))
        if parts.graph != nil {
            return PlanCosts.graph(documents: documents, matches: documents, ef: parts.ef,
                                   precision: parts.walkCodes != nil ? .int8 : .float32)
        }
        return PlanCosts.flat(documents: documents, matches: live, dimension: parts.matrix.dimension)
    }

    /// One segment's top-k as (score, local ordinal); `plan` names what ran.
    private func search(_ parts: SegmentParts, plan: inout String, counters: inout Counters) -> [ScoredDocument] {
        let matrix = parts.matrix, deleted = parts.deleted
        if let codes = parts.codes, let kind = parameters.codes {
            let pool = max(parameters.rescoreDepth, k)
            var scores: [Float] = []
            let hits = query.withUnsafeBufferPointer { q in
                codes.search(query: q.baseAddress!, k: k, pool: pool, vectors: matrix, excluded: deleted, scratch: &scores)
            }
            counters.documentsScored += matrix.documentCount
            counters.candidatesRescored += min(pool, matrix.documentCount)
            plan = "\(kind.rawValue)-scan(rescore \(pool))"
            counters.paths.insert(plan)
            return hits
        }
        if let graph = parts.graph {
            let ef = parts.ef
            var graphCounters = DenseGraphSearchCounters()
            let hits = query.withUnsafeBufferPointer { q in
                graph.search(query: q.baseAddress!, k: k, ef: ef, vectors: matrix, codes: parts.walkCodes,
                             rescoreDepth: codeScores ? 0 : parameters.rescoreDepth, excluded: deleted,
                             counters: &graphCounters)
            }
            counters.nodesVisited += graphCounters.nodesVisited
            counters.distanceComputations += graphCounters.distanceComputations
            counters.candidatesRescored += graphCounters.candidatesRescored
            if graphCounters.exactScans > 0 {
                plan = "exact-flat (ef ≥ segment size)"
            } else if parts.walkCodes != nil {
                plan = codeScores ? "hnsw-int8(ef \(ef), code scores)"
                    : "hnsw-int8(ef \(ef), rescore \(min(ef, max(parameters.rescoreDepth, k))))"
            } else {
                plan = "hnsw(ef \(ef))"
            }
            counters.paths.insert(plan)
            return hits
        }
        plan = parts.prefiltered ? "prefilter-flat" : "exact-flat"
        counters.paths.insert(plan)
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
