import Foundation
import Synchronization

extension Collection {
    /// The top `query.k` documents for `query`, best first.
    ///
    /// The whole search reads one consistent snapshot of the collection
    /// (segments, tombstones and write buffer of one committed version).
    ///
    /// ```swift
    /// let hits = try docs.search(Query(sparse: try SparseVector(indices: [2054], values: [1.0]), k: 5))
    /// for hit in hits { print(hit.id, hit.score) }
    /// ```
    public func search(_ query: Query) throws -> [SearchHit] {
        try searchExplained(query).hits
    }

    /// Like ``search(_:)``, also returning what the search did.
    public func searchExplained(_ query: Query) throws -> SearchResult {
        let mode = try query.resolvedMode()
        guard (1...100_000).contains(query.k) else {
            throw FathomError.invalidQuery(reason: "k must be in 1...100000, got \(query.k)")
        }
        guard (1...100_000).contains(query.candidateDepth) else {
            throw FathomError.invalidQuery(reason: "candidateDepth must be in 1...100000, got \(query.candidateDepth)")
        }
        guard query.rrfConstant.isFinite, query.rrfConstant > 0 else {
            throw FathomError.invalidQuery(reason: "rrfConstant must be a positive number, got \(query.rrfConstant)")
        }
        guard query.alpha.isFinite, (0...1).contains(query.alpha) else {
            throw FathomError.invalidQuery(reason: "alpha must be in 0...1, got \(query.alpha)")
        }
        if let seismic = query.seismic { try seismic.validate() }
        if let dense = query.denseParameters { try dense.validate() }
        try query.feedback?.validate()
        guard [query.sparse != nil, query.sparseTerms != nil, query.text != nil].filter({ $0 }).count <= 1 else {
            throw FathomError.invalidQuery(reason: "give one of sparse (term ids), sparseTerms (strings) or text, not several")
        }
        // Only the parts the mode uses must fit the collection.
        if mode == .dense || mode == .hybrid, let dense = query.dense {
            guard let dimension = schema.dense?.dimension else {
                throw FathomError.invalidQuery(reason: "collection '\(name)' has no dense part")
            }
            guard dense.count == dimension else {
                throw FathomError.invalidQuery(reason: "dense query has \(dense.count) values, the collection's dimension is \(dimension)")
            }
            guard dense.allSatisfy(\.isFinite) else { throw FathomError.invalidQuery(reason: "dense query has a non-finite value") }
        }
        if mode == .sparse || mode == .hybrid {
            guard schema.sparse != nil else { throw FathomError.invalidQuery(reason: "collection '\(name)' has no sparse part") }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let database = self.database
        return try withStorageErrors(path: database.path, "searching '\(name)'") {
            try database.pool.read { connection in
                let record = try CollectionRecord.load(named: name, connection)
                var snapshot = try database.snapshots.snapshot(of: record, connection)
                // Text becomes a sparse vector before a filter narrows the
                // snapshot: corpus IDF counts every live document.
                var text: (vector: SparseVector, terms: [TextQueryTerm], dropped: [String], weighting: QueryWeighting)?
                if let queryText = query.text, mode == .sparse || mode == .hybrid {
                    text = try textQuery(queryText, record: record, snapshot: snapshot, connection)
                }
                var filter: FilterPlan?
                if let metadataFilter = query.filter {
                    (snapshot, filter) = try FilterPlan.apply(metadataFilter, to: snapshot, connection)
                }
                var explanation = QueryExplanation(
                    mode: mode.rawValue, paths: [], segments: snapshot.segments.count,
                    bufferedDocuments: snapshot.buffer.count, postingsScored: 0, documentsRescored: 0,
                    denseDocumentsScored: 0, elapsedMilliseconds: 0)
                if let text {
                    explanation.textWeighting = text.weighting
                    explanation.textTerms = text.terms
                    explanation.textDroppedTokens = text.dropped
                }
                let depth = mode == .hybrid ? max(query.k, query.candidateDepth) : query.k

                var sparse: SparseVector?
                if mode == .sparse || mode == .hybrid {
                    sparse = try text?.vector ?? sparseQuery(query, record: record, connection)
                }
                let denseVector = mode == .dense || mode == .hybrid ? query.dense : nil
                var (sparseHits, denseHits) = try runRound(
                    sparse: sparse, dense: denseVector, query: query, k: depth, record: record, snapshot: snapshot,
                    filter: filter, explanation: &explanation, connection)
                if let filter {
                    explanation.filter = filter.filter.description
                    explanation.filterMatches = filter.totalMatches
                    explanation.filterEstimatedMatches = Int(filter.estimatedMatches.rounded())
                }
                var ranked = fuse(mode, sparseHits, denseHits, query: query, explanation: &explanation)
                if let feedback = query.feedback {
                    // Feedback documents: from the fused list when interpolating before (or
                    // when only one part runs), else each part's own first-round list.
                    let m = feedback.documents
                    let fused = ranked.prefix(m).map(\.documentID)
                    let vectors = FeedbackVectors(snapshot: snapshot, connection: connection)
                    let fromFused = mode != .hybrid || feedback.interpolation.before
                    var newSparse = sparse, newDense = denseVector
                    var note = "feedback: \(feedback.interpolation.rawValue), m \(m)"
                    if let vector = sparse {
                        let ids = fromFused ? fused : sparseHits.prefix(m).map(\.documentID)
                        newSparse = feedback.sparseQuery(vector, feedback: try vectors.sparse(ids))
                        note += ", sparse +\((newSparse?.indices.count ?? 0) - vector.indices.count) terms from \(ids.count) documents"
                    }
                    if let vector = denseVector, let metric = schema.dense?.metric {
                        let ids = fromFused ? fused : denseHits.prefix(m).map(\.documentID)
                        newDense = feedback.denseQuery(vector, feedback: try vectors.dense(ids), metric: metric)
                        note += ", dense Rocchio(\(feedback.queryWeight)) over \(ids.count) documents"
                    }
                    explanation.paths = explanation.paths.map { "round 1 " + $0 } + [note]
                    var second = explanation
                    second.paths = []
                    (sparseHits, denseHits) = try runRound(
                        sparse: newSparse, dense: newDense, query: query, k: depth, record: record, snapshot: snapshot,
                        filter: filter, explanation: &second, connection)
                    if mode == .hybrid && !feedback.interpolation.after {
                        ranked = Array(denseHits.prefix(query.k))
                        second.paths.append("final: dense round 2 (no interpolation after feedback)")
                    } else {
                        ranked = fuse(mode, sparseHits, denseHits, query: query, explanation: &second)
                    }
                    second.paths = explanation.paths + second.paths.map { "round 2 " + $0 }
                    explanation = second
                }
                let hits = try resolve(ranked, connection)
                explanation.elapsedMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                return SearchResult(hits: hits, explanation: explanation)
            }
        }
    }

    /// One round of the query's parts (see `runParts`), with their counters
    /// and paths recorded in `explanation`.
    private func runRound(sparse: SparseVector?, dense vector: [Float]?, query: Query, k: Int, record: CollectionRecord,
                          snapshot: CollectionSnapshot, filter: FilterPlan?, explanation: inout QueryExplanation,
                          _ connection: SQLiteConnection) throws -> (sparse: [ScoredDocument], dense: [ScoredDocument]) {
        var dense: (search: DenseSearch, parts: [DenseSearch.SegmentParts])?
        if let vector, let metric = schema.dense?.metric {
            var search = DenseSearch(query: vector, metric: metric, k: k,
                                     parameters: query.denseParameters ?? record.schema.index.denseQuery,
                                     exact: query.exact)
            // Hybrid candidates keep their code scores, as the sparse ones keep
            // their quantized scores (see runParts), unless the query is exact.
            search.codeScores = sparse != nil && !query.exact
            dense = (search, try search.prepare(snapshot, filter: filter, connection))
        }
        let (sparseHits, denseHits, denseCounters) = try runParts(
            sparse: sparse, dense: dense, query: query, k: k, record: record, snapshot: snapshot,
            filter: filter, explanation: &explanation, connection)
        if dense != nil {
            explain(denseCounters, into: &explanation)
            explanation.segmentPlans += denseCounters.segmentPlans
        }
        return (sparseHits, denseHits)
    }

    /// The final ranking of a round: one part's list, or both fused.
    private func fuse(_ mode: Query.Mode, _ sparseHits: [ScoredDocument], _ denseHits: [ScoredDocument], query: Query,
                      explanation: inout QueryExplanation) -> [ScoredDocument] {
        switch mode {
        case .sparse: return Array(sparseHits.prefix(query.k))
        case .dense: return Array(denseHits.prefix(query.k))
        default:
            switch query.fusion {
            case .rrf:
                explanation.paths.append("fusion: rrf(\(query.rrfConstant))")
                return Fusion.reciprocalRank([sparseHits, denseHits], k: query.k, constant: query.rrfConstant)
            case .convex:
                explanation.paths.append("fusion: convex(alpha \(query.alpha), \(query.normalization.rawValue))")
                return Fusion.convex(sparseHits, denseHits, alpha: query.alpha, normalization: query.normalization, k: query.k)
            }
        }
    }

    /// Runs the query's parts: the sparse one on this thread (it reads
    /// through `connection`), the dense one — over segment parts `prepare`
    /// loaded through `connection` beforehand, so it touches no connection —
    /// on a second thread when both run (measured 355–383 → 220–232 µs p50
    /// for a hybrid query on reuters21578).
    private func runParts(sparse: SparseVector?, dense: (search: DenseSearch, parts: [DenseSearch.SegmentParts])?,
                          query: Query, k: Int, record: CollectionRecord, snapshot: CollectionSnapshot,
                          filter: FilterPlan?, explanation: inout QueryExplanation, _ connection: SQLiteConnection)
        throws -> (sparse: [ScoredDocument], dense: [ScoredDocument], denseCounters: DenseSearch.Counters)
    {
        var denseCounters = DenseSearch.Counters()
        guard let sparse else {
            let hits = dense.map {
                $0.search.execute($0.parts, buffer: snapshot.buffer, bufferExcluded: snapshot.bufferExcluded,
                                  counters: &denseCounters)
            }
            return ([], hits ?? [], denseCounters)
        }
        guard let dense else {
            let hits = try searchSparse(sparse, query: query, k: k, record: record, snapshot: snapshot, filter: filter,
                                        explanation: &explanation, connection)
            return (hits, [], denseCounters)
        }
        let result = Mutex<([ScoredDocument], DenseSearch.Counters)>(([], .init()))
        let buffer = snapshot.buffer, bufferExcluded = snapshot.bufferExcluded
        // The dense part reads `dense` and `buffer` until it finishes; `run`
        // returns only after both parts have, even if the sparse part throws.
        let sparseHits = try PartWorker.shared.run({
            var counters = DenseSearch.Counters()
            let hits = dense.search.execute(dense.parts, buffer: buffer, bufferExcluded: bufferExcluded, counters: &counters)
            result.withLock { $0 = (hits, counters) }
        }, alongside: {
            // Hybrid candidates keep their quantized scores (within E of the exact
            // ones; see ExactSparseSearch.quantizedScores) unless the query is exact.
            try searchSparse(sparse, query: query, k: k, record: record, snapshot: snapshot, filter: filter,
                             quantizedScores: !query.exact, explanation: &explanation, connection)
        })
        let (denseHits, counters) = result.withLock { $0 }
        return (sparseHits, denseHits, counters)
    }

    /// The sparse plan, per segment: Seismic where the segment has an index and
    /// the query asked for mode `.sparse` explicitly (not exact); the exact
    /// term-at-a-time path elsewhere, including for `.auto` and `.hybrid`: it
    /// measured faster than this Seismic implementation at every segment size
    /// tried (19k and 200k documents, docs/benchmarks.md), so the cost model
    /// has no crossover yet. The write buffer is scanned. With `.certified`, a
    /// segment whose certificate does not hold is searched exactly.
    private func searchSparse(_ vector: SparseVector, query: Query, k: Int, record: CollectionRecord,
                              snapshot: CollectionSnapshot, filter: FilterPlan?, quantizedScores: Bool = false,
                              explanation: inout QueryExplanation, _ connection: SQLiteConnection) throws -> [ScoredDocument] {
        var exact = ExactSparseSearch(query: vector, k: k, queryDimension: record.queryDimension)
        exact.strategy = query._exactSparseStrategy
        exact.quantizedScores = quantizedScores
        var exactCounters = ExactSparseSearch.Counters()
        // The Seismic search (and its dense query array) is set up only when a
        // segment can use it, not for every sparse query.
        let useSeismic = !query.exact && query.mode == .sparse
            && SeismicSearch.supports(queryDimension: record.queryDimension)
            && snapshot.segments.contains(where: \.hasSeismicIndex)
        let parameters = query.seismic ?? record.schema.index.seismicQuery
        let seismic = useSeismic
            ? SeismicSearch(query: vector, k: k, parameters: parameters, denseQuery: exact.denseQuery) : nil
        var seismicCounters = SeismicSearch.Counters()
        var top = TopK(k: k)
        var paths: Set<String> = []
        for segment in snapshot.segments {
            let deleted = snapshot.deletions[segment.id]
            let start = DispatchTime.now().uptimeNanoseconds
            let matches = filter?.segments[segment.id]
            var plan = "", estimate: Double?
            defer {
                explanation.segmentPlans.append(SegmentPlan(
                    segment: segment.id, part: "sparse", plan: plan, documents: segment.documentCount,
                    admitted: matches?.matches, estimatedAdmitted: matches?.estimatedMatches,
                    estimatedMicroseconds: estimate.map { $0 / 1_000 },
                    actualMicroseconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000))
            }
            if let seismic, segment.hasSeismicIndex {
                var segmentCounters = SeismicSearch.Counters()
                let hits = try seismic.run(segment, deleted: deleted, connection, counters: &segmentCounters)
                seismicCounters.blocksEvaluated += segmentCounters.blocksEvaluated
                seismicCounters.blocksSkipped += segmentCounters.blocksSkipped
                seismicCounters.summariesScored += segmentCounters.summariesScored
                seismicCounters.documentsScored += segmentCounters.documentsScored
                seismicCounters.documentsRescored += segmentCounters.documentsRescored
                seismicCounters.unscoredBound = max(seismicCounters.unscoredBound, segmentCounters.unscoredBound)
                if query.exactness == .certified && !segmentCounters.certified {
                    try exact.search(segment, deleted: deleted, connection, into: &top, counters: &exactCounters)
                    plan = "exact-inverted (certificate fallback)"
                    paths.insert(plan)
                    continue
                }
                seismicCounters.certified = seismicCounters.certified && segmentCounters.certified
                let documentIDs = try segment.documentIDs(connection)
                for hit in hits { top.insert(score: hit.score, documentID: documentIDs[Int(hit.documentID)]) }
                plan = "seismic(query_cut \(parameters.queryCut), heap_factor \(parameters.heapFactor))"
                paths.insert(plan)
                continue
            }
            let costs = try sparseCosts(segment, matches: matches, vector, connection)
            if matches != nil, costs.forwardScan < costs.termAtATime {
                try exact.scan(segment.forwardIndex(connection), documentIDs: segment.documentIDs(connection),
                               deleted: deleted, into: &top, counters: &exactCounters)
                plan = "prefilter-forward-scan"
                estimate = costs.forwardScan
            } else {
                try exact.search(segment, deleted: deleted, connection, into: &top, counters: &exactCounters)
                plan = query._exactSparseStrategy == .forwardScan ? "exact-forward-scan"
                    : quantizedScores ? "inverted (quantized scores)" : "exact-inverted"
                estimate = query._exactSparseStrategy == .forwardScan ? nil : costs.termAtATime
            }
            paths.insert(plan)
        }
        exact.scan(snapshot.buffer.forward, documentIDs: snapshot.buffer.documentIDs, deleted: snapshot.bufferExcluded,
                   into: &top, counters: &exactCounters)
        if snapshot.buffer.count > 0 { paths.insert("buffer: exact-scan") }
        explanation.paths.append("sparse: " + (paths.isEmpty ? "nothing to search" : paths.sorted().joined(separator: ", ")))
        explanation.postingsScored = exactCounters.postingsScored
        explanation.documentsRescored = exactCounters.documentsRescored + seismicCounters.documentsRescored
        if useSeismic {
            explanation.blocksEvaluated = seismicCounters.blocksEvaluated
            explanation.blocksSkipped = seismicCounters.blocksSkipped
            explanation.summariesScored = seismicCounters.summariesScored
            explanation.seismicDocumentsScored = seismicCounters.documentsScored
            explanation.unscoredBound = seismicCounters.unscoredBound
            explanation.certified = seismicCounters.certified
        }
        return top.sorted()
    }

    /// Records the dense plan's counters and paths (see `DenseSearch`):
    /// approximate (graph, or codes when asked for) for non-exact queries in
    /// modes `.dense`, `.auto` and `.hybrid`.
    private func explain(_ counters: DenseSearch.Counters, into explanation: inout QueryExplanation) {
        explanation.denseDocumentsScored = counters.documentsScored
        explanation.graphNodesVisited = counters.nodesVisited
        explanation.graphDistanceComputations = counters.distanceComputations
        explanation.denseCandidatesRescored = counters.candidatesRescored
        explanation.paths.append("dense: " + (counters.paths.isEmpty ? "nothing to search" : counters.paths.sorted().joined(separator: ", ")))
    }

    /// The cost model's estimates (`PlanCosts`, nanoseconds) of the two exact
    /// sparse plans on a segment: term-at-a-time over the query terms' lists
    /// (their lengths from the term directory), and scoring the admitted (or
    /// live) documents through the forward index.
    private func sparseCosts(_ segment: Segment, matches: FilterPlan.SegmentMatches?, _ vector: SparseVector,
                             _ connection: SQLiteConnection) throws -> (termAtATime: Double, forwardScan: Double) {
        let directory = try segment.termDirectory(connection)
        let postings = vector.indices.reduce(0) { $0 + Int(directory[$1]?.documentFrequency ?? 0) }
        let perDocument = Double(segment.postingCount) / Double(max(1, segment.documentCount))
        let admitted = matches?.matches ?? segment.documentCount
        return (PlanCosts.termAtATime(documents: segment.documentCount, postings: postings),
                PlanCosts.forwardScan(documents: segment.documentCount, matches: admitted, postingsPerDocument: perDocument))
    }

    private func sparseQuery(_ query: Query, record: CollectionRecord, _ connection: SQLiteConnection) throws -> SparseVector {
        if let terms = query.sparseTerms {
            guard record.schema.sparse == .vocabulary else {
                throw FathomError.invalidQuery(reason: "collection '\(name)' uses integer term ids, not string terms")
            }
            let weights: [(term: String, weight: Float)]
            do { weights = try DocumentValidator.termWeights(terms) } catch {
                throw FathomError.invalidQuery(reason: "\(error.field): \(error.reason)")
            }
            return try database.readerVocabularies.vocabulary(record, connection).queryVector(for: weights)
        }
        guard let sparse = query.sparse else { throw FathomError.invalidQuery(reason: "no sparse part") }
        if case .termIDs(let dimension)? = record.schema.sparse, let last = sparse.indices.last, Int(last) >= dimension {
            throw FathomError.invalidQuery(reason: "sparse query term \(last) is outside 0..<\(dimension)")
        }
        if record.schema.sparse == .vocabulary {
            throw FathomError.invalidQuery(reason: "collection '\(name)' maps string terms: query with sparseTerms")
        }
        return sparse
    }

    /// External ids of internal document ids, read in the same snapshot (or
    /// remembered from an earlier one: the mapping never changes).
    private func resolve(_ ranked: [ScoredDocument], _ connection: SQLiteConnection) throws -> [SearchHit] {
        let cache = database.externalIDs
        let statement = try connection.statement("SELECT external_id FROM documents WHERE doc_id = ?")
        defer { statement.reset() }
        return try ranked.map { hit in
            if let id = cache.externalID(hit.documentID) { return SearchHit(id: id, score: hit.score) }
            statement.reset()
            try statement.bind(1, hit.documentID)
            guard try statement.step(), let id = statement.text(0) else {
                throw FathomError.corruption(what: "collection '\(name)'",
                                             detail: "indexed document \(hit.documentID) has no document row")
            }
            cache.remember(hit.documentID, id)
            return SearchHit(id: id, score: hit.score)
        }
    }
}
