/// A query's metadata filter, applied to one snapshot: which documents of each
/// segment and of the write buffer it admits, measured and estimated.
///
/// A filtered search is the unfiltered search with the rejected documents
/// treated like deleted ones: every path (exact, Seismic, graph, codes, flat
/// scan) already skips deleted ordinals, so no hit can fail the filter and
/// the exact paths stay exact over the admitted documents. What changes with
/// the filter's selectivity is the plan (see `PlanCosts`).
struct FilterPlan {
    struct SegmentMatches: Sendable {
        let documents: Int
        /// Live documents the filter admits.
        let matches: Int
        /// The statistics' estimate of the filter's selectivity in this segment.
        let estimatedSelectivity: Double

        var estimatedMatches: Int { Int((estimatedSelectivity * Double(documents)).rounded()) }
    }

    let filter: MetadataFilter
    private(set) var segments: [Int64: SegmentMatches] = [:]
    private(set) var bufferMatches = 0
    private(set) var estimatedMatches = 0.0

    var totalMatches: Int { segments.values.reduce(bufferMatches) { $0 + $1.matches } }

    /// `snapshot` with every document `filter` rejects excluded, and the plan.
    static func apply(_ filter: MetadataFilter, to snapshot: CollectionSnapshot,
                      _ connection: SQLiteConnection) throws -> (CollectionSnapshot, FilterPlan) {
        var plan = FilterPlan(filter: filter)
        var filtered = snapshot
        for segment in snapshot.segments {
            let columns = try segment.metadataColumns(connection)
            let admitted = columns.rows(matching: filter)
            let excluded = Self.excluded(admitted: admitted, deleted: snapshot.deletions[segment.id],
                                         documentCount: segment.documentCount)
            filtered.deletions[segment.id] = excluded
            let selectivity = columns.statistics(for: filter).estimatedSelectivity(filter)
            plan.segments[segment.id] = SegmentMatches(documents: segment.documentCount,
                                                       matches: segment.documentCount - excluded.count,
                                                       estimatedSelectivity: selectivity)
            plan.estimatedMatches += selectivity * Double(segment.documentCount)
        }
        if snapshot.buffer.count > 0 {
            let columns = try snapshot.buffer.metadata.metadataColumns(snapshot.record, documentCount: snapshot.buffer.count,
                                                                        connection)
            let excluded = Self.excluded(admitted: columns.rows(matching: filter), deleted: nil,
                                         documentCount: snapshot.buffer.count)
            filtered.bufferExcluded = excluded
            plan.bufferMatches = snapshot.buffer.count - excluded.count
            plan.estimatedMatches += columns.statistics(for: filter).estimatedSelectivity(filter) * Double(snapshot.buffer.count)
        }
        return (filtered, plan)
    }

    /// Deleted or not admitted: the complement of `admitted`, with `deleted`.
    static func excluded(admitted: RowBitset, deleted: OrdinalBitmap?, documentCount: Int) -> OrdinalBitmap {
        var words = admitted.complemented().words
        if let deleted {
            for (i, word) in deleted.words.enumerated() { words[i] |= word }
        }
        precondition(words.count == (documentCount + 63) / 64, "one bit per document")
        return OrdinalBitmap(words: words)
    }
}

/// The cost model of the filtered plans, in nanoseconds. The constants were
/// measured on reuters21578 (19,039 documents, 384-d vectors, 172 postings
/// per document; release, one thread, docs/benchmarks.md):
///
/// - a flat dense scan costs `flatPerDimension` per dimension of each
///   admitted vector (0.68 ms / 19,039 / 384) plus `skipPerDocument` per
///   rejected one;
/// - a graph search costs `graphPerBeam` per unit of beam width walking the
///   float32 vectors (103 µs at ef 64), `graphPerBeamInt8` walking int8 codes
///   (0.63–0.68× the float32 walk's latency at ef 64–512); to return k
///   admitted documents when a fraction s is admitted, the
///   beam must widen to ef / s (the search is exact once that reaches the
///   segment's size);
/// - scoring a document through the forward index costs `forwardPerPosting`
///   per posting; term-at-a-time costs `termAtATimePerPosting` per posting of
///   the query terms' lists (~40 µs for ~20,000 postings), whatever the filter,
///   plus a pass over the segment's accumulators.
enum PlanCosts {
    static let flatPerDimension = 0.093
    static let skipPerDocument = 1.0
    static let graphPerBeam = 1_600.0
    static let graphPerBeamInt8 = 1_050.0
    static let forwardPerPosting = 1.3
    static let termAtATimePerPosting = 2.0

    /// The estimated cost of a flat scan of a segment with `matches` of `documents` admitted.
    static func flat(documents: Int, matches: Int, dimension: Int) -> Double {
        Double(matches * dimension) * flatPerDimension + Double(documents - matches) * skipPerDocument
    }

    /// The estimated cost of a graph search whose beam is widened to find k admitted documents.
    static func graph(documents: Int, matches: Int, ef: Int, precision: DenseGraphPrecision) -> Double {
        Double(widenedEf(documents: documents, matches: matches, ef: ef))
            * (precision == .int8 ? graphPerBeamInt8 : graphPerBeam)
    }

    /// ef / selectivity, at most the segment's size.
    static func widenedEf(documents: Int, matches: Int, ef: Int) -> Int {
        guard matches > 0 else { return ef }
        return min(documents, Int((Double(ef) * Double(documents) / Double(matches)).rounded(.up)))
    }

    /// The estimated cost of term-at-a-time over lists of `postings` postings in all.
    static func termAtATime(documents: Int, postings: Int) -> Double {
        Double(postings) * termAtATimePerPosting + Double(documents) * skipPerDocument
    }

    /// The estimated cost of scoring `matches` documents of `postingsPerDocument` through the forward index.
    static func forwardScan(documents: Int, matches: Int, postingsPerDocument: Double) -> Double {
        Double(matches) * postingsPerDocument * forwardPerPosting + Double(documents - matches) * skipPerDocument
    }
}
