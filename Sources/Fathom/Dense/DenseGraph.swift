import CFathomShims

/// An HNSW graph (Malkov & Yashunin, "Efficient and robust approximate nearest
/// neighbor search using Hierarchical Navigable Small World graphs", 2018) over
/// the rows of one ``DenseMatrix``: node `i` is local ordinal `i`.
///
/// Storage is a handful of flat arrays, no per-node objects, so a graph is
/// cheap to decode, share between threads and scan:
///
/// - `levels[i]`: the top layer of node `i`, or ``absentLevel`` when row `i`
///   has no vector (such rows are never inserted, linked or returned);
/// - layer 0: `layer0Neighbors` holds every node's list at a fixed stride of
///   `2 × m` entries, of which the first `layer0Counts[i]` are used;
/// - upper layers (CSR keyed by the ~1/m nodes that have them): `upperNodes`
///   lists those nodes in ascending order; node `upperNodes[r]`'s layers
///   `1...levels[node]` are the slots `upperLayerOffsets[r]..<upperLayerOffsets[r + 1]`,
///   and slot `s` holds `upperCounts[s]` neighbours at `upperNeighbors[(s × m)...]`.
///
/// Invariants (established by the build, checked by `DenseGraphCodec.decode`):
/// every neighbour id is an inserted node other than the list's owner, with a
/// level at least the layer of the list, and no id repeats within a list;
/// list entries past a list's count are 0; `maxLevel` is the largest level and
/// `entryPoint` a node on it (``noEntryPoint`` and level 0 for an empty graph).
///
/// Similarity is "higher is better": `DenseKernels.score` between a query and a
/// node, and between two nodes the same with both norms applied for cosine
/// (`dot × 1/‖a‖ × 1/‖b‖`); see `DenseGraph.similarity`.
struct DenseGraph: Sendable, Equatable {
    /// `levels[i]` of a row that is not in the graph.
    static let absentLevel: UInt8 = .max
    /// The highest level a node can be given (drawn levels are capped here; a
    /// level this high has probability m^-31 per node).
    static let maximumLevel = 31
    /// `entryPoint` of an empty graph.
    static let noEntryPoint: UInt32 = .max

    /// The metric the graph was built for (its edges are only good for it).
    let metric: DenseMetric
    let m: Int
    let levels: [UInt8]
    let entryPoint: UInt32
    let maxLevel: Int
    /// Nodes in the graph (rows with a vector).
    let insertedCount: Int
    let layer0Neighbors: [UInt32]
    let layer0Counts: [UInt16]
    let upperNodes: [UInt32]
    let upperLayerOffsets: [UInt32]
    let upperNeighbors: [UInt32]
    let upperCounts: [UInt16]

    /// The number of rows (ordinals) the graph spans, inserted or not.
    var nodeCount: Int { levels.count }
    /// Entries per node of `layer0Neighbors`.
    var layer0Stride: Int { 2 * m }

    /// Resident bytes of a node's layer-0 entry: 2m neighbour slots, a count
    /// and a level (upper layers add about 1/m of that again).
    static func layer0BytesPerNode(m: Int) -> Int {
        2 * m * MemoryLayout<UInt32>.size + MemoryLayout<UInt16>.size + MemoryLayout<UInt8>.size
    }

    /// The upper-layer CSR offsets of `levels`: one entry per node of level ≥ 1
    /// (ascending), offsets counting its layers. Shared by the build and the codec.
    static func upperLayout(levels: [UInt8]) -> (nodes: [UInt32], offsets: [UInt32]) {
        var nodes: [UInt32] = []
        var offsets: [UInt32] = [0]
        var total: UInt32 = 0
        for (node, level) in levels.enumerated() where level != absentLevel && level >= 1 {
            nodes.append(UInt32(node))
            total += UInt32(level)
            offsets.append(total)
        }
        return (nodes, offsets)
    }

    /// The slot of `node`'s list on `layer` (≥ 1), or nil when it has none.
    @inline(__always)
    func upperSlot(_ node: UInt32, layer: Int) -> Int? {
        var low = 0, high = upperNodes.count
        while low < high {
            let middle = (low + high) >> 1
            if upperNodes[middle] < node { low = middle + 1 } else { high = middle }
        }
        guard low < upperNodes.count, upperNodes[low] == node else { return nil }
        let slot = Int(upperLayerOffsets[low]) + layer - 1
        return slot < Int(upperLayerOffsets[low + 1]) ? slot : nil
    }

    /// The neighbours of `node` on `layer`.
    func neighbors(of node: Int, layer: Int) -> ArraySlice<UInt32> {
        if layer == 0 {
            let start = node * layer0Stride
            return layer0Neighbors[start..<(start + Int(layer0Counts[node]))]
        }
        guard let slot = upperSlot(UInt32(node), layer: layer) else { return [] }
        return upperNeighbors[(slot * m)..<(slot * m + Int(upperCounts[slot]))]
    }

    /// Prefetches every cache line of a row. Graph searches score rows in
    /// random order, so each row is a string of cache misses; requesting all
    /// of a node's unvisited neighbours' rows before scoring the first
    /// overlaps those misses (measured: build 1.45× faster at 384 dimensions
    /// than prefetching each row's first line only).
    @inline(__always)
    static func prefetch(row: UnsafePointer<Float>, dimension: Int) {
        let start = UnsafeRawPointer(row)
        var offset = 0
        while offset < dimension * MemoryLayout<Float>.size {
            fathom_prefetch(start + offset)
            offset += 64
        }
    }

    /// Node-to-node similarity, consistent with `DenseKernels.score` for a
    /// query: cosine applies both inverse norms.
    @inline(__always)
    static func similarity(_ metric: DenseMetric, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                           dimension: Int, inverseNormA: Float, inverseNormB: Float) -> Float {
        switch metric {
        case .dot: return DenseKernels.dot(a, b, count: dimension)
        case .cosine: return DenseKernels.dot(a, b, count: dimension) * inverseNormA * inverseNormB
        case .l2: return -DenseKernels.squaredL2(a, b, count: dimension)
        }
    }
}

/// A node with its similarity to the current query (or new node). Ordered
/// worst to best like ``ScoredDocument``: at equal scores the larger ordinal is
/// worse, so every heap decision, and so the graph, is deterministic.
struct GraphCandidate: Comparable {
    var score: Float
    var node: UInt32

    @inline(__always)
    static func < (lhs: GraphCandidate, rhs: GraphCandidate) -> Bool {
        lhs.score != rhs.score ? lhs.score < rhs.score : lhs.node > rhs.node
    }
}

/// What one or more graph searches did, for `QueryExplanation`-style reports.
struct DenseGraphSearchCounters: Sendable, Equatable {
    /// Nodes whose neighbour lists were read, on every layer (for an exact
    /// scan: the rows scanned).
    var nodesVisited = 0
    /// Similarities computed between the query and a row.
    var distanceComputations = 0
    /// Searches answered by a flat scan because `ef` covered the whole graph.
    var exactScans = 0
    /// Rows re-scored in float32 after a walk over int8 codes.
    var candidatesRescored = 0
}

/// Per-query working memory of a graph search, reusable across queries of one
/// graph (one per thread): a visited bitmap of `nodeCount` bits, cleared per
/// query (n/64 words), and the two heaps. Saves the allocations, not the
/// clearing; a fresh one per query costs one n-bit allocation.
struct DenseGraphSearchScratch {
    fileprivate var visited: [UInt64]
    fileprivate var candidates = CandidateHeap<BestOnTop>()
    fileprivate var results = CandidateHeap<WorstOnTop>()
    fileprivate var pending: [UInt32] = []
    /// The int16 query of a walk over int8 codes.
    fileprivate var quantizedQuery: [Int16] = []

    init(nodeCount: Int) {
        visited = [UInt64](repeating: 0, count: (nodeCount + 63) >> 6)
    }

    fileprivate mutating func reset(nodeCount: Int) {
        let words = (nodeCount + 63) >> 6
        if visited.count != words {
            visited = [UInt64](repeating: 0, count: words)
        } else {
            visited.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        candidates.removeAll()
        results.removeAll()
        pending.removeAll(keepingCapacity: true)
    }
}

extension DenseGraph {
    /// The approximate top-k rows for `query`, best first, as `ScoredDocument`s
    /// whose `documentID` is the local ordinal.
    ///
    /// Greedy descent through the upper layers, then a beam search of width
    /// `max(ef, k)` on layer 0. Rows in `excluded` (deleted documents) are
    /// traversed — they still connect the graph — but never returned; rows
    /// without a vector in `vectors` are never returned either.
    ///
    /// With `codes`, the walk scores nodes on their int8 codes and the best
    /// `max(rescoreDepth, k)` of the final beam (at most `max(ef, k)` rows) are
    /// re-scored with the float32 vectors: returned scores are exact, only the
    /// path and the shortlist can differ from a float32 walk. With
    /// `rescoreDepth` 0 nothing is re-scored: the best k come with their code
    /// scores (within `Int8Codes`' error bound of the exact ones).
    ///
    /// When `ef` is at least the number of nodes, the answer is computed by a
    /// flat scan instead, so it is exactly the brute-force top-k (same kernel,
    /// same tie order as `ExactDenseSearch`): a beam that wide would score
    /// every node anyway, and an HNSW graph is not guaranteed to be connected,
    /// so only the scan makes the promise unconditional.
    ///
    /// - Parameters:
    ///   - query: `vectors.dimension` floats; for cosine, normalised by the caller.
    ///   - vectors: The rows the graph was built over (same count and order).
    ///   - codes: Int8 codes of `vectors` to walk on, or nil to walk on the float32 rows.
    ///   - rescoreDepth: With `codes`: how many of the beam's best are re-scored (0: none).
    func search(query: UnsafePointer<Float>, k: Int, ef: Int, vectors: DenseMatrix, codes: Int8Codes? = nil,
                rescoreDepth: Int = .max, excluded: OrdinalBitmap?, scratch: inout DenseGraphSearchScratch,
                counters: inout DenseGraphSearchCounters) -> [ScoredDocument] {
        precondition(vectors.documentCount == nodeCount, "the graph spans \(nodeCount) rows, the matrix has \(vectors.documentCount)")
        guard k >= 1, insertedCount > 0, entryPoint != Self.noEntryPoint else { return [] }
        if ef >= insertedCount {
            return exactSearch(query: query, k: k, vectors: vectors, excluded: excluded, counters: &counters)
        }
        let width = max(ef, k)
        let dimension = vectors.dimension
        scratch.reset(nodeCount: nodeCount)
        return vectors.values.withUnsafeBufferPointer { values in
            vectors.inverseNorms.withUnsafeBufferPointer { norms in
                let exact = Float32GraphScorer(metric: metric, query: query, values: values.baseAddress!,
                                               inverseNorms: norms.baseAddress!, dimension: dimension)
                guard let codes else {
                    walk(exact, width: width, vectors: vectors, excluded: excluded, scratch: &scratch, counters: &counters)
                    return scratch.results.drainBestFirst(limit: k)
                }
                precondition(codes.documentCount == nodeCount && codes.dimension == dimension, "codes of other rows")
                // Taken out of the scratch for the walk (which mutates the scratch), put back after.
                var quantized: [Int16] = []
                swap(&quantized, &scratch.quantizedQuery)
                defer { swap(&quantized, &scratch.quantizedQuery) }
                if quantized.count != dimension { quantized = [Int16](repeating: 0, count: dimension) }
                quantized.withUnsafeMutableBufferPointer { storage in
                    codes.codes.withUnsafeBufferPointer { codeValues in
                        codes.scales.withUnsafeBufferPointer { scales in
                            let scorer = Int8GraphScorer(
                                query: QuantizedQuery(query, dimension: dimension, storage: storage.baseAddress!, metric: metric),
                                codes: codeValues.baseAddress!, scales: scales.baseAddress!, scoring: codes.scoring,
                                dimension: dimension)
                            walk(scorer, width: width, vectors: vectors, excluded: excluded, scratch: &scratch,
                                 counters: &counters)
                        }
                    }
                }
                guard rescoreDepth > 0 else { return scratch.results.drainBestFirst(limit: k) }
                // Re-score the final beam exactly: load every row first, then score.
                while scratch.results.count > max(rescoreDepth, k) { _ = scratch.results.pop() }
                let beam = scratch.results.items
                for candidate in beam { exact.prefetch(candidate.node) }
                var top = TopK(k: k)
                for candidate in beam { top.insert(score: exact.score(candidate.node), documentID: Int64(candidate.node)) }
                counters.candidatesRescored += beam.count
                return top.sorted()
            }
        }
    }

    /// The walk proper: greedy descent through the upper layers, then the
    /// layer-0 beam of width `width`, leaving the best `width` eligible nodes
    /// in `scratch.results` (scored by `scorer`).
    @inline(__always)
    private func walk<Scorer: GraphScorer>(_ scorer: Scorer, width: Int, vectors: DenseMatrix, excluded: OrdinalBitmap?,
                                          scratch: inout DenseGraphSearchScratch,
                                          counters: inout DenseGraphSearchCounters) {
        // Upper layers: greedy walk towards the query.
        var current = GraphCandidate(score: scorer.score(entryPoint), node: entryPoint)
        counters.distanceComputations += 1
        var layer = maxLevel
        while layer >= 1 {
            var improved = true
            while improved {
                improved = false
                counters.nodesVisited += 1
                guard let slot = upperSlot(current.node, layer: layer) else { break }
                let start = slot * m
                for i in start..<(start + Int(upperCounts[slot])) {
                    let candidate = GraphCandidate(score: scorer.score(upperNeighbors[i]), node: upperNeighbors[i])
                    counters.distanceComputations += 1
                    if current < candidate {
                        current = candidate
                        improved = true
                    }
                }
            }
            layer -= 1
        }
        // Layer 0: beam search; excluded rows enter the beam but not the results.
        @inline(__always) func eligible(_ node: UInt32) -> Bool {
            vectors.present[Int(node)] && !(excluded?.contains(Int(node)) ?? false)
        }
        scratch.visited.withUnsafeMutableBufferPointer { visited in
            @inline(__always) func visit(_ node: UInt32) -> Bool {
                let bit: UInt64 = 1 << UInt64(node & 63)
                let word = Int(node >> 6)
                if visited[word] & bit != 0 { return false }
                visited[word] |= bit
                return true
            }
            _ = visit(current.node)
            scratch.candidates.insert(current)
            if eligible(current.node) { scratch.results.insert(current) }
            let stride = layer0Stride
            layer0Neighbors.withUnsafeBufferPointer { neighbors in
                while let closest = scratch.candidates.pop() {
                    if scratch.results.count >= width, closest < scratch.results.top! { break }
                    counters.nodesVisited += 1
                    let start = Int(closest.node) * stride
                    // The next node to expand is most likely the best
                    // remaining candidate: start loading its neighbour
                    // list now, while this node's neighbours are scored.
                    if let next = scratch.candidates.top {
                        let list = UnsafeRawPointer(neighbors.baseAddress! + Int(next.node) * stride)
                        fathom_prefetch(list)
                        fathom_prefetch(list + 64)
                    }
                    scratch.pending.removeAll(keepingCapacity: true)
                    for i in start..<(start + Int(layer0Counts[Int(closest.node)])) where visit(neighbors[i]) {
                        scratch.pending.append(neighbors[i])
                        scorer.prefetch(neighbors[i])
                    }
                    counters.distanceComputations += scratch.pending.count
                    for node in scratch.pending {
                        let candidate = GraphCandidate(score: scorer.score(node), node: node)
                        guard scratch.results.count < width || scratch.results.top! < candidate else { continue }
                        scratch.candidates.insert(candidate)
                        if eligible(node) {
                            scratch.results.insert(candidate)
                            if scratch.results.count > width { _ = scratch.results.pop() }
                        }
                    }
                }
            }
        }
    }

    /// ``search(query:k:ef:vectors:codes:rescoreDepth:excluded:scratch:counters:)`` with a fresh scratch.
    func search(query: UnsafePointer<Float>, k: Int, ef: Int, vectors: DenseMatrix, codes: Int8Codes? = nil,
                rescoreDepth: Int = .max, excluded: OrdinalBitmap?,
                counters: inout DenseGraphSearchCounters) -> [ScoredDocument] {
        var scratch = DenseGraphSearchScratch(nodeCount: ef >= insertedCount ? 0 : nodeCount)
        return search(query: query, k: k, ef: ef, vectors: vectors, codes: codes, rescoreDepth: rescoreDepth,
                      excluded: excluded, scratch: &scratch, counters: &counters)
    }

    /// The exact top-k over the graph's nodes: the answer when `ef` covers them all.
    private func exactSearch(query: UnsafePointer<Float>, k: Int, vectors: DenseMatrix, excluded: OrdinalBitmap?,
                             counters: inout DenseGraphSearchCounters) -> [ScoredDocument] {
        var top = TopK(k: k)
        let dimension = vectors.dimension
        counters.exactScans += 1
        vectors.values.withUnsafeBufferPointer { values in
            for node in 0..<nodeCount where levels[node] != Self.absentLevel && vectors.present[node] {
                if let excluded, excluded.contains(node) { continue }
                let score = DenseKernels.score(metric, query: query, document: values.baseAddress! + node * dimension,
                                               dimension: dimension, inverseNorm: vectors.inverseNorms[node])
                top.insert(score: score, documentID: Int64(node))
                counters.nodesVisited += 1
                counters.distanceComputations += 1
            }
        }
        return top.sorted()
    }
}
