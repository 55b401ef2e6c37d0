/// Builds the Seismic lists of one segment: static pruning, clustering of each
/// pruned list into blocks, and a quantized summary per block.
///
/// Clustering is one round of random k-means, as in the reference
/// implementation: `max(1, ⌊centroidFraction × length⌋)` documents of the list,
/// drawn with a generator seeded by the term, become centroids; every document
/// joins the centroid with the largest inner product, computed on the
/// document's `clusteringDocCut` largest components against the centroids' 32
/// largest (an inverted index of the centroids, so the cost grows with the
/// overlap, not with the number of centroids).
struct SeismicBuilder {
    let forward: ForwardIndex
    let parameters: SeismicParameters
    let lambda: Int
    static let centroidCut = 32

    /// Each document's largest components (by weight), CSR: for clustering.
    private var topOffsets: [Int] = [0]
    private var topTerms: [UInt32] = []
    private var topWeights: [Float] = []
    private var centroidCutLimit: Int

    private var slots: TermScratch
    private var slotCounts: [Int] = []
    private var slotStarts: [Int] = []
    private var indexCentroids: [Int32] = []
    private var indexWeights: [Float] = []
    private var centroidScores: [Float] = []
    private var touchedCentroids: [Int32] = []
    private var maxima: [Float] = []
    private var codes: [UInt8] = []
    private var massPerCode = [Float](repeating: 0, count: 256)
    private var summaryEntries: [(term: UInt32, block: UInt16, code: UInt8)] = []

    init(forward: ForwardIndex, termLimit: UInt64, parameters: SeismicParameters) {
        self.forward = forward
        self.parameters = parameters
        self.lambda = parameters.postingsPerTerm(forSegmentOf: forward.documentCount)
        self.slots = TermScratch(termLimit: termLimit)
        self.centroidCutLimit = max(Self.centroidCut, parameters.clusteringDocCut)
        // Top components per document, sorted by weight, longest cut needed.
        let cut = centroidCutLimit
        var order: [Int] = []
        for doc in 0..<forward.documentCount {
            let range = Int(forward.offsets[doc])..<Int(forward.offsets[doc + 1])
            order.removeAll(keepingCapacity: true)
            order.append(contentsOf: range)
            if order.count > cut {
                order.sort { forward.values[$0] > forward.values[$1] }
                order.removeSubrange(cut...)
            } else {
                order.sort { forward.values[$0] > forward.values[$1] }
            }
            for i in order {
                topTerms.append(forward.terms[i])
                topWeights.append(forward.values[i])
            }
            topOffsets.append(topTerms.count)
        }
    }

    /// The Seismic list of one term from its full posting list (ordinal order).
    mutating func build(term: UInt32, ordinals: ArraySlice<UInt32>, weights: ArraySlice<Float>) -> SeismicList {
        var list = SeismicList()
        // 1. Static pruning: the λ highest weights (ties to the smaller ordinal).
        var kept = Array(ordinals.indices)
        if kept.count > lambda {
            kept.sort { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : ordinals[$0] < ordinals[$1] }
            list.prunedMaximum = weights[kept[lambda]]
            kept.removeSubrange(lambda...)
        }
        let members = kept.map { ordinals[$0] }
        let memberWeights = kept.map { weights[$0] }

        // 2. Clustering.
        let clusterCount = min(SeismicList.maxBlocks, max(1, Int(parameters.centroidFraction * Double(members.count))))
        let assignment = clusterCount == 1
            ? [Int](repeating: 0, count: members.count)
            : cluster(members, into: clusterCount, seed: UInt64(term))

        // 3. Blocks (clusters, ordinals ascending) and their summaries.
        var blocks = [[Int]](repeating: [], count: clusterCount)
        for (i, cluster) in assignment.enumerated() { blocks[cluster].append(i) }
        summaryEntries.removeAll(keepingCapacity: true)
        for block in blocks where !block.isEmpty {
            let sorted = block.sorted { members[$0] < members[$1] }
            var blockMax: Float = 0
            for i in sorted {
                list.ordinals.append(members[i])
                blockMax = max(blockMax, memberWeights[i])
            }
            list.blockOffsets.append(UInt32(list.ordinals.count))
            list.blockMaxima.append(blockMax)
            appendSummary(of: sorted.map { members[$0] }, block: UInt16(list.blockCount - 1), to: &list)
        }
        // Summaries component-major: a counting sort by term keeps each
        // term's blocks in increasing order (entries were appended by block).
        slots.reset()
        slotCounts.removeAll(keepingCapacity: true)
        for entry in summaryEntries {
            let slot = slots.slot(entry.term)
            if slot == slotCounts.count { slotCounts.append(0) }
            slotCounts[slot] += 1
        }
        let termOrder = slots.terms.indices.sorted { slots.terms[$0] < slots.terms[$1] }
        var starts = [Int](repeating: 0, count: termOrder.count)
        var next = 0
        for slot in termOrder {
            starts[slot] = next
            next += slotCounts[slot]
            list.summaryTerms.append(slots.terms[slot])
            list.summaryTermOffsets.append(UInt32(next))
        }
        list.summaryBlocks = [UInt16](repeating: 0, count: summaryEntries.count)
        list.summaryCodes = [UInt8](repeating: 0, count: summaryEntries.count)
        for entry in summaryEntries {
            let slot = slots.existingSlot(entry.term)!
            list.summaryBlocks[starts[slot]] = entry.block
            list.summaryCodes[starts[slot]] = entry.code
            starts[slot] += 1
        }
        return list
    }

    /// Cluster index of each member.
    private mutating func cluster(_ members: [UInt32], into clusterCount: Int, seed: UInt64) -> [Int] {
        var generator = SeededRandom(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        // Partial Fisher-Yates: the first clusterCount positions are the centroids.
        var positions = Array(members.indices)
        for i in 0..<clusterCount {
            let j = i + Int(generator.next() % UInt64(positions.count - i))
            positions.swapAt(i, j)
        }
        // An inverted index of the centroids' top components.
        slots.reset()
        slotCounts.removeAll(keepingCapacity: true)
        for c in 0..<clusterCount {
            let doc = Int(members[positions[c]])
            for i in topOffsets[doc]..<min(topOffsets[doc + 1], topOffsets[doc] + Self.centroidCut) {
                let slot = slots.slot(topTerms[i])
                if slot == slotCounts.count { slotCounts.append(0) }
                slotCounts[slot] += 1
            }
        }
        slotStarts.removeAll(keepingCapacity: true)
        slotStarts.append(0)
        for count in slotCounts { slotStarts.append(slotStarts.last! + count) }
        var fill = slotStarts
        indexCentroids = [Int32](repeating: 0, count: slotStarts.last!)
        indexWeights = [Float](repeating: 0, count: slotStarts.last!)
        for c in 0..<clusterCount {
            let doc = Int(members[positions[c]])
            for i in topOffsets[doc]..<min(topOffsets[doc + 1], topOffsets[doc] + Self.centroidCut) {
                let slot = slots.existingSlot(topTerms[i])!
                indexCentroids[fill[slot]] = Int32(c)
                indexWeights[fill[slot]] = topWeights[i]
                fill[slot] += 1
            }
        }
        // Assign every member to its best centroid.
        if centroidScores.count < clusterCount { centroidScores = [Float](repeating: 0, count: clusterCount) }
        var assignment = [Int](repeating: 0, count: members.count)
        let docCut = parameters.clusteringDocCut
        for (m, member) in members.enumerated() {
            let doc = Int(member)
            touchedCentroids.removeAll(keepingCapacity: true)
            for i in topOffsets[doc]..<min(topOffsets[doc + 1], topOffsets[doc] + docCut) {
                guard let slot = slots.existingSlot(topTerms[i]) else { continue }
                let weight = topWeights[i]
                for j in slotStarts[slot]..<slotStarts[slot + 1] {
                    let c = Int(indexCentroids[j])
                    if centroidScores[c] == 0 { touchedCentroids.append(Int32(c)) }
                    centroidScores[c] += weight * indexWeights[j]
                }
            }
            var best = 0, bestScore: Float = -1
            for c in touchedCentroids {
                let score = centroidScores[Int(c)]
                if score > bestScore || (score == bestScore && Int(c) < best) {
                    best = Int(c)
                    bestScore = score
                }
                centroidScores[Int(c)] = 0
            }
            assignment[m] = best
        }
        return assignment
    }

    /// The block's summary: its documents' coordinate-wise maximum, pruned to
    /// `summaryEnergy` of its L1 mass, quantized to 8 bits with one scale.
    private mutating func appendSummary(of documents: [UInt32], block: UInt16, to list: inout SeismicList) {
        slots.maxima(of: documents, in: forward, into: &maxima)
        // The α-mass cut, at the granularity of the 8-bit codes: a histogram of
        // L1 mass per code, taken from the top until it reaches summaryEnergy
        // of the total. Linear, with no sort (sorting the values took 37% of
        // the build, a weighted quickselect 20%; measured on the dev corpus).
        let largest = maxima.max() ?? 0
        let scale: Float = largest > 0 ? largest / 255 : 0
        codes.removeAll(keepingCapacity: true)
        for i in 0..<256 { massPerCode[i] = 0 }
        var total: Float = 0
        for value in maxima {
            let code = scale > 0 ? UInt8(min(255, (value / scale).rounded())) : 0
            codes.append(code)
            massPerCode[Int(code)] += value
            total += value
        }
        let target = Float(parameters.summaryEnergy) * total
        var cutoff = 0, sum: Float = 0
        for code in stride(from: 255, through: 0, by: -1) {
            sum += massPerCode[code]
            if sum >= target { cutoff = code; break }
        }
        for slot in maxima.indices where Int(codes[slot]) >= cutoff && (codes[slot] > 0 || cutoff == 0) {
            summaryEntries.append((slots.terms[slot], block, codes[slot]))
        }
        list.summaryScales.append(scale)
    }
}
