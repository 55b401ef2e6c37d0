import CFathomShims

/// Documents' sparse vectors in compressed-sparse-row form, local ordinal
/// order: one flat arena for all documents (measured 1.2× faster to score
/// than an array per document).
struct ForwardIndex: Sendable {
    /// `offsets[i]..<offsets[i+1]` are document i's postings; count + 1 entries.
    private(set) var offsets: [UInt32] = [0]
    private(set) var terms: [UInt32] = []
    private(set) var values: [Float] = []

    var documentCount: Int { offsets.count - 1 }
    var postingCount: Int { terms.count }

    /// Appends one document (an empty vector for a document without a sparse part).
    mutating func append(_ vector: SparseVector?) {
        if let vector {
            terms.append(contentsOf: vector.indices)
            values.append(contentsOf: vector.values)
        }
        offsets.append(UInt32(terms.count))
    }

    /// Appends document `ordinal` of `other` (a compaction moving documents).
    mutating func append(_ other: ForwardIndex, ordinal: Int) {
        let range = Int(other.offsets[ordinal])..<Int(other.offsets[ordinal + 1])
        terms.append(contentsOf: other.terms[range])
        values.append(contentsOf: other.values[range])
        offsets.append(UInt32(terms.count))
    }

    mutating func append(chunk: ForwardChunk) {
        let base = UInt32(terms.count)
        for offset in chunk.offsets.dropFirst() { offsets.append(base + offset) }
        terms.append(contentsOf: chunk.terms)
        values.append(contentsOf: chunk.values)
    }

    /// Starts loading every cache line of document `ordinal`'s postings:
    /// documents scored in a batch are far apart in memory, and scoring one
    /// waits on its cache misses.
    @inline(__always)
    func prefetch(_ ordinal: Int) {
        let start = Int(offsets[ordinal]), end = Int(offsets[ordinal + 1])
        terms.withUnsafeBufferPointer { terms in
            values.withUnsafeBufferPointer { values in
                var i = start
                while i < end {
                    fathom_prefetch(terms.baseAddress! + i)
                    fathom_prefetch(values.baseAddress! + i)
                    i += 16
                }
            }
        }
    }

    func vector(at ordinal: Int) -> SparseVector {
        let range = Int(offsets[ordinal])..<Int(offsets[ordinal + 1])
        return SparseVector(validatedIndices: Array(terms[range]), values: Array(values[range]))
    }

    /// The chunk of documents `range`, with offsets rebased to 0.
    func chunk(_ range: Range<Int>) -> ForwardChunk {
        let start = Int(offsets[range.lowerBound]), end = Int(offsets[range.upperBound])
        let rebased = offsets[range.lowerBound...range.upperBound].map { $0 - UInt32(start) }
        return ForwardChunk(offsets: rebased, terms: Array(terms[start..<end]), values: Array(values[start..<end]))
    }
}
