import CFathomShims

extension DenseGraph {
    /// Builds the graph over the rows of `vectors` that have a vector, in
    /// ordinal order (rows with `present[i] == false` are left out).
    ///
    /// Single-threaded and deterministic: levels come from a SplitMix64
    /// generator seeded with `parameters.seed`, drawn in ordinal order, and
    /// every heap decision breaks ties by ordinal. The same vectors, metric and
    /// parameters give the same graph on every machine.
    ///
    /// Throws ``FathomError/invalidSchema(reason:)`` when the parameters are
    /// out of range (see ``DenseGraphParameters/validate()``).
    static func build(vectors: DenseMatrix, metric: DenseMetric, parameters: DenseGraphParameters) throws -> DenseGraph {
        try parameters.validate()
        precondition(vectors.documentCount < Int(UInt32.max), "ordinals are 32-bit")
        let codes = Int8Codes(vectors, metric: metric)
        return vectors.values.withUnsafeBufferPointer { values in
            vectors.inverseNorms.withUnsafeBufferPointer { norms in
                codes.codes.withUnsafeBufferPointer { codeValues in
                    codes.scales.withUnsafeBufferPointer { scales in
                        var builder = DenseGraphBuilder(
                            values: values.baseAddress, inverseNorms: norms.baseAddress,
                            codes: codeValues.baseAddress, scales: scales.baseAddress, scoring: codes.scoring,
                            present: vectors.present, dimension: vectors.dimension, metric: metric, parameters: parameters)
                        defer { builder.deallocate() }
                        builder.insertAll()
                        return builder.graph()
                    }
                }
            }
        }
    }
}

/// Draws node levels from `SeededRandom`, so graphs are reproducible.
private struct LevelGenerator {
    private var random: SeededRandom
    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    /// `⌊−ln(U) / ln(m)⌋` for U uniform in (0, 1], capped: the largest l with
    /// U ≤ m^−l. Computed by repeated division rather than `log`, so the
    /// result does not depend on the platform's libm.
    mutating func level(m: Int, cap: Int) -> Int {
        let u = (Double(random.next() >> 11) + 1) * 0x1p-53
        var level = 0
        var bound = 1 / Double(m)
        while level < cap, u <= bound {
            level += 1
            bound /= Double(m)
        }
        return level
    }
}

/// Similarity between two rows of the matrix being indexed (see `DenseGraph.similarity`).
private struct NodeSimilarity {
    let values: UnsafePointer<Float>
    let inverseNorms: UnsafePointer<Float>
    let dimension: Int
    let metric: DenseMetric

    @inline(__always)
    func callAsFunction(_ a: Int, _ b: Int) -> Float {
        DenseGraph.similarity(metric, values + a * dimension, values + b * dimension, dimension: dimension,
                              inverseNormA: inverseNorms[a], inverseNormB: inverseNorms[b])
    }
}

/// The mutable state of one graph build, over manually allocated flat buffers
/// (freed by `deallocate()`), so the hot loops run without bounds, uniqueness
/// or exclusivity checks. Only `DenseGraph.build` creates one.
///
/// Insertion follows the paper's INSERT with hnswlib's choices: a new node is
/// linked to at most `m` neighbours on every layer (chosen by the heuristic
/// from an `efConstruction`-wide beam), lists hold up to `m` entries on the
/// upper layers and `2m` on layer 0, and a full list that gains a link is
/// pruned back to capacity by the same heuristic. The whole beam of one layer
/// seeds the search on the next.
///
/// As a query's walk, the new node's descent and beam search score nodes on
/// their int8 codes (`Int8GraphScorer`, the node's own row as the int16
/// query); the beam is then re-scored in float32, and the neighbour selection
/// and every pruning compare exact similarities only.
private struct DenseGraphBuilder {
    let values: UnsafePointer<Float>
    let inverseNorms: UnsafePointer<Float>
    let codes: UnsafePointer<Int8>
    let scales: UnsafePointer<Float>
    let scoring: ApproximateScoring
    /// The new node's row as an int16 query (`dimension` entries).
    let quantizedRow: UnsafeMutablePointer<Int16>
    let dimension: Int
    let metric: DenseMetric
    let similarity: NodeSimilarity
    let m: Int
    let efConstruction: Int
    let nodeCount: Int

    var levels: [UInt8]
    let upperNodes: [UInt32]
    let upperLayerOffsets: [UInt32]
    /// Per node, the slot of its layer-1 list, or −1 (dense: build-time only).
    let upperStart: UnsafeMutablePointer<Int32>
    let layer0Neighbors: UnsafeMutablePointer<UInt32>
    let layer0Counts: UnsafeMutablePointer<UInt16>
    let upperNeighbors: UnsafeMutablePointer<UInt32>
    let upperCounts: UnsafeMutablePointer<UInt16>
    let upperSlotCount: Int
    /// The nodes the current layer search has scored, one bit each (n/8
    /// bytes: stays in L2 where a per-node stamp array would not), and the
    /// same nodes as a list, so that clearing costs what the search touched.
    let visited: UnsafeMutablePointer<UInt64>
    var visitedNodes: [UInt32] = []

    var entryPoint = DenseGraph.noEntryPoint
    var maxLevel = 0
    var insertedCount = 0

    var candidates = CandidateHeap<BestOnTop>()
    var results = CandidateHeap<WorstOnTop>()
    /// The current layer's beam by code score, best first (also the next layer's entry points).
    var beam: [GraphCandidate] = []
    /// The same nodes by exact similarity, best first: what neighbours are selected from.
    var rescored: [GraphCandidate] = []
    var selected: [GraphCandidate] = []
    var pruning: [GraphCandidate] = []
    var pruned: [GraphCandidate] = []
    var pending: [UInt32] = []

    init(values: UnsafePointer<Float>?, inverseNorms: UnsafePointer<Float>?, codes: UnsafePointer<Int8>?,
         scales: UnsafePointer<Float>?, scoring: ApproximateScoring, present: [Bool], dimension: Int,
         metric: DenseMetric, parameters: DenseGraphParameters) {
        // An empty matrix has no buffers; nothing is read through these then.
        self.values = values ?? UnsafePointer(bitPattern: MemoryLayout<Float>.alignment)!
        self.inverseNorms = inverseNorms ?? UnsafePointer(bitPattern: MemoryLayout<Float>.alignment)!
        self.codes = codes ?? UnsafePointer(bitPattern: MemoryLayout<Int8>.alignment)!
        self.scales = scales ?? UnsafePointer(bitPattern: MemoryLayout<Float>.alignment)!
        self.scoring = scoring
        quantizedRow = .allocate(capacity: max(dimension, 1))
        self.dimension = dimension
        self.metric = metric
        similarity = NodeSimilarity(values: self.values, inverseNorms: self.inverseNorms, dimension: dimension, metric: metric)
        self.m = parameters.m
        self.efConstruction = parameters.efConstruction
        nodeCount = present.count

        var generator = LevelGenerator(seed: parameters.seed)
        levels = present.map { $0 ? UInt8(generator.level(m: parameters.m, cap: DenseGraph.maximumLevel)) : DenseGraph.absentLevel }
        (upperNodes, upperLayerOffsets) = DenseGraph.upperLayout(levels: levels)
        upperSlotCount = Int(upperLayerOffsets.last!)

        upperStart = .allocate(capacity: max(nodeCount, 1))
        upperStart.initialize(repeating: -1, count: max(nodeCount, 1))
        for (rank, node) in upperNodes.enumerated() { upperStart[Int(node)] = Int32(upperLayerOffsets[rank]) }
        layer0Neighbors = .allocate(capacity: max(nodeCount * 2 * m, 1))
        layer0Neighbors.initialize(repeating: 0, count: max(nodeCount * 2 * m, 1))
        layer0Counts = .allocate(capacity: max(nodeCount, 1))
        layer0Counts.initialize(repeating: 0, count: max(nodeCount, 1))
        upperNeighbors = .allocate(capacity: max(upperSlotCount * m, 1))
        upperNeighbors.initialize(repeating: 0, count: max(upperSlotCount * m, 1))
        upperCounts = .allocate(capacity: max(upperSlotCount, 1))
        upperCounts.initialize(repeating: 0, count: max(upperSlotCount, 1))
        visited = .allocate(capacity: max((nodeCount + 63) >> 6, 1))
        visited.initialize(repeating: 0, count: max((nodeCount + 63) >> 6, 1))
        beam.reserveCapacity(efConstruction + 1)
        rescored.reserveCapacity(efConstruction + 1)
        selected.reserveCapacity(2 * m + 1)
        pruning.reserveCapacity(2 * m + 1)
        pruned.reserveCapacity(2 * m + 1)
        pending.reserveCapacity(2 * m)
    }

    func deallocate() {
        quantizedRow.deallocate()
        upperStart.deallocate()
        layer0Neighbors.deallocate()
        layer0Counts.deallocate()
        upperNeighbors.deallocate()
        upperCounts.deallocate()
        visited.deallocate()
    }

    func graph() -> DenseGraph {
        DenseGraph(metric: metric, m: m, levels: levels, entryPoint: entryPoint, maxLevel: maxLevel,
                   insertedCount: insertedCount,
                   layer0Neighbors: Array(UnsafeBufferPointer(start: layer0Neighbors, count: nodeCount * 2 * m)),
                   layer0Counts: Array(UnsafeBufferPointer(start: layer0Counts, count: nodeCount)),
                   upperNodes: upperNodes, upperLayerOffsets: upperLayerOffsets,
                   upperNeighbors: Array(UnsafeBufferPointer(start: upperNeighbors, count: upperSlotCount * m)),
                   upperCounts: Array(UnsafeBufferPointer(start: upperCounts, count: upperSlotCount)))
    }

    // MARK: Lists

    @inline(__always)
    func capacity(layer: Int) -> Int { layer == 0 ? 2 * m : m }

    /// The first entry and the count of `node`'s list on `layer`.
    @inline(__always)
    func list(_ node: Int, layer: Int) -> (entries: UnsafeMutablePointer<UInt32>, count: UnsafeMutablePointer<UInt16>) {
        if layer == 0 { return (layer0Neighbors + node * 2 * m, layer0Counts + node) }
        let slot = Int(upperStart[node]) + layer - 1
        return (upperNeighbors + slot * m, upperCounts + slot)
    }

    /// Starts loading `node`'s row (see `DenseGraph.prefetch(row:dimension:)`).
    @inline(__always)
    func prefetchRow(_ node: UInt32) { DenseGraph.prefetch(row: values + Int(node) * dimension, dimension: dimension) }

    // MARK: Insertion

    mutating func insertAll() {
        for node in 0..<nodeCount where levels[node] != DenseGraph.absentLevel { insert(node) }
    }

    mutating func insert(_ node: Int) {
        let level = Int(levels[node])
        insertedCount += 1
        guard entryPoint != DenseGraph.noEntryPoint else {
            entryPoint = UInt32(node)
            maxLevel = level
            return
        }
        let scorer = Int8GraphScorer(
            query: QuantizedQuery(values + node * dimension, dimension: dimension, storage: quantizedRow, metric: metric),
            codes: codes, scales: scales, scoring: scoring, dimension: dimension)
        // Greedy descent through the layers above the new node's top.
        var current = GraphCandidate(score: scorer.score(entryPoint), node: entryPoint)
        var layer = maxLevel
        while layer > level {
            var improved = true
            while improved {
                improved = false
                let (entries, count) = list(Int(current.node), layer: layer)
                for i in 0..<Int(count.pointee) {
                    let candidate = GraphCandidate(score: scorer.score(entries[i]), node: entries[i])
                    if current < candidate {
                        current = candidate
                        improved = true
                    }
                }
            }
            layer -= 1
        }
        // Beam search and linking on every layer the node is on.
        beam.removeAll(keepingCapacity: true)
        beam.append(current)
        layer = min(level, maxLevel)
        while layer >= 0 {
            searchLayer(node, layer: layer, scorer: scorer)
            // Re-score the beam exactly: load every row first, then score.
            rescored.removeAll(keepingCapacity: true)
            for candidate in beam { prefetchRow(candidate.node) }
            for candidate in beam {
                rescored.append(GraphCandidate(score: similarity(node, Int(candidate.node)), node: candidate.node))
            }
            rescored.sort(by: >)
            Self.selectNeighbors(from: rescored, limit: m, similarity: similarity, into: &selected)
            let (entries, count) = list(node, layer: layer)
            for (i, neighbor) in selected.enumerated() { entries[i] = neighbor.node }
            count.pointee = UInt16(selected.count)
            for neighbor in selected { link(Int(neighbor.node), to: node, score: neighbor.score, layer: layer) }
            layer -= 1
        }
        if level > maxLevel {
            entryPoint = UInt32(node)
            maxLevel = level
        }
    }

    /// Marks `node` visited; false when it already was.
    @inline(__always)
    mutating func visit(_ node: UInt32) -> Bool {
        let bit: UInt64 = 1 << UInt64(node & 63)
        let word = visited + Int(node >> 6)
        if word.pointee & bit != 0 { return false }
        word.pointee |= bit
        visitedNodes.append(node)
        return true
    }

    /// The `efConstruction` nodes nearest `node` on `layer` by `scorer`
    /// reachable from the current beam (its entry points), into `beam`, best first.
    mutating func searchLayer(_ node: Int, layer: Int, scorer: Int8GraphScorer) {
        for stale in visitedNodes { visited[Int(stale >> 6)] = 0 }
        visitedNodes.removeAll(keepingCapacity: true)
        candidates.removeAll()
        results.removeAll()
        for entry in beam {
            _ = visit(entry.node)
            candidates.insert(entry)
            results.insert(entry)
        }
        while results.count > efConstruction { _ = results.pop() }
        while let closest = candidates.pop() {
            if results.count >= efConstruction, closest < results.top! { break }
            // As in a query's walk: start loading the likely next node's list.
            if let next = candidates.top {
                let upcoming = UnsafeRawPointer(list(Int(next.node), layer: layer).entries)
                fathom_prefetch(upcoming)
                fathom_prefetch(upcoming + 64)
            }
            let (entries, count) = list(Int(closest.node), layer: layer)
            pending.removeAll(keepingCapacity: true)
            for i in 0..<Int(count.pointee) where visit(entries[i]) {
                pending.append(entries[i])
                scorer.prefetch(entries[i])
            }
            for neighbor in pending {
                let candidate = GraphCandidate(score: scorer.score(neighbor), node: neighbor)
                guard results.count < efConstruction || results.top! < candidate else { continue }
                candidates.insert(candidate)
                results.insert(candidate)
                if results.count > efConstruction { _ = results.pop() }
            }
        }
        beam.removeAll(keepingCapacity: true)
        while let worst = results.pop() { beam.append(worst) }
        beam.reverse()
    }

    /// The HNSW neighbour-selection heuristic (the paper's Algorithm 4 without
    /// its optional extensions, as in hnswlib): walk `candidates` best first
    /// and keep one only if it is more similar to the base node (its `score`)
    /// than to every neighbour already kept, up to `limit`. This keeps links
    /// pointing in diverse directions, which is what keeps clustered data
    /// navigable. As in hnswlib, `limit` or fewer candidates are all kept (the
    /// first nodes of a graph would otherwise start out with very few links).
    /// Static, so that it can read one buffer of the builder and write another.
    static func selectNeighbors(from candidates: [GraphCandidate], limit: Int, similarity: NodeSimilarity,
                                into selected: inout [GraphCandidate]) {
        selected.removeAll(keepingCapacity: true)
        if candidates.count <= limit {
            selected.append(contentsOf: candidates)
            return
        }
        for candidate in candidates {
            if selected.count >= limit { break }
            var keep = true
            for chosen in selected where similarity(Int(candidate.node), Int(chosen.node)) > candidate.score {
                keep = false
                break
            }
            if keep { selected.append(candidate) }
        }
    }

    /// Adds `node` (at similarity `score`) to `owner`'s list on `layer`; a
    /// full list is pruned back to capacity by the heuristic over its entries
    /// and the new one.
    mutating func link(_ owner: Int, to node: Int, score: Float, layer: Int) {
        let (entries, count) = list(owner, layer: layer)
        let size = Int(count.pointee)
        let limit = capacity(layer: layer)
        if size < limit {
            entries[size] = UInt32(node)
            count.pointee += 1
            return
        }
        pruning.removeAll(keepingCapacity: true)
        prefetchRow(UInt32(owner))
        for i in 0..<size { prefetchRow(entries[i]) }
        for i in 0..<size { pruning.append(GraphCandidate(score: similarity(owner, Int(entries[i])), node: entries[i])) }
        pruning.append(GraphCandidate(score: score, node: UInt32(node)))
        pruning.sort(by: >)
        Self.selectNeighbors(from: pruning, limit: limit, similarity: similarity, into: &pruned)
        for (i, neighbor) in pruned.enumerated() { entries[i] = neighbor.node }
        for i in pruned.count..<size { entries[i] = 0 }
        count.pointee = UInt16(pruned.count)
    }
}
