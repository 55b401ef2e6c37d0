/// One term's posting list in a segment's Seismic index: the term's
/// highest-weighted postings (static pruning), grouped into blocks of
/// geometrically similar documents, each with a quantized summary vector.
///
/// The summaries are stored component-major, as a small inverted index (as
/// in the reference implementation): scoring every block against a query then
/// touches only the components the query has, not every summary entry.
///
/// Invariants: ordinals strictly increase within a block and each appears in
/// at most one block; `summaryTerms` strictly increase; the blocks listed for
/// one summary term strictly increase.
struct SeismicList: Sendable, Equatable {
    /// `blockOffsets[b]..<blockOffsets[b+1]` are block b's postings in `ordinals`.
    var blockOffsets: [UInt32] = [0]
    var ordinals: [UInt32] = []
    /// The distinct terms of all summaries; `summaryTermOffsets[i]..<[i+1]` are
    /// the (block, code) entries of `summaryTerms[i]`.
    var summaryTerms: [UInt32] = []
    var summaryTermOffsets: [UInt32] = [0]
    var summaryBlocks: [UInt16] = []
    /// Summary weight of (term, block) ≈ code × `summaryScales[block]`.
    var summaryCodes: [UInt8] = []
    var summaryScales: [Float] = []
    /// The exact largest weight of this list's term among each block's documents.
    var blockMaxima: [Float] = []
    /// The largest weight of this term among the postings static pruning
    /// dropped (0 when none was dropped): no document outside the list has more.
    var prunedMaximum: Float = 0

    var blockCount: Int { blockOffsets.count - 1 }
    var postingCount: Int { ordinals.count }
    static let maxBlocks = Int(UInt16.max) + 1

    /// Scores every block's summary against `query` (a dense array over the
    /// term space) into `scores`, touching only the query's terms.
    func scoreSummaries(queryTerms: [UInt32], query: UnsafeBufferPointer<Float>, into scores: inout [Float]) {
        scores.removeAll(keepingCapacity: true)
        scores.append(contentsOf: repeatElement(0, count: blockCount))
        scores.withUnsafeMutableBufferPointer { out in
            summaryBlocks.withUnsafeBufferPointer { blocks in
                summaryCodes.withUnsafeBufferPointer { codes in
                    for term in queryTerms {
                        guard let i = Self.find(term, in: summaryTerms) else { continue }
                        let weight = query[Int(term)]
                        for j in Int(summaryTermOffsets[i])..<Int(summaryTermOffsets[i + 1]) {
                            out[Int(blocks[j])] += weight * Float(codes[j])
                        }
                    }
                }
            }
            for b in 0..<out.count { out[b] *= summaryScales[b] }
        }
    }

    @inline(__always)
    private static func find(_ term: UInt32, in terms: [UInt32]) -> Int? {
        var low = 0, high = terms.count
        while low < high {
            let mid = (low + high) >> 1
            if terms[mid] < term { low = mid + 1 } else { high = mid }
        }
        return low < terms.count && terms[low] == term ? low : nil
    }
}
