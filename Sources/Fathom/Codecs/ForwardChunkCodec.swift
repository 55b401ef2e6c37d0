/// A run of consecutive documents' sparse vectors (the forward index), in
/// compressed-sparse-row form: `offsets[i]..<offsets[i+1]` are document i's
/// postings in `terms` and `values`.
struct ForwardChunk: Equatable {
    var offsets: [UInt32]   // count + 1 entries, offsets[0] == 0
    var terms: [UInt32]     // strictly increasing within a document
    var values: [Float]     // exact float32 weights, as ingested

    var documentCount: Int { offsets.count - 1 }
}

/// Body layout of a forward-index chunk (format v1):
///
/// ```
/// u32 document count n
/// u32 posting count p
/// n × u32 non-zeros per document, byte-shuffled
/// p × u32 term ids, delta-coded within each document (first id as is), byte-shuffled
/// p × f32 weights, byte-shuffled
/// ```
enum ForwardChunkCodec {
    static func encode(_ chunk: ForwardChunk) -> [UInt8] {
        let n = chunk.documentCount
        var nonZeros = [UInt32](repeating: 0, count: n)
        var deltas = [UInt32](repeating: 0, count: chunk.terms.count)
        for doc in 0..<n {
            let start = Int(chunk.offsets[doc]), end = Int(chunk.offsets[doc + 1])
            nonZeros[doc] = UInt32(end - start)
            var previous: UInt32 = 0
            for i in start..<end {
                precondition(i == start || chunk.terms[i] > previous, "term ids strictly increasing within a document")
                deltas[i] = chunk.terms[i] - previous
                previous = chunk.terms[i]
            }
        }
        var writer = ByteWriter(capacity: 8 + n * 4 + chunk.terms.count * 8)
        writer.append(UInt32(n))
        writer.append(UInt32(chunk.terms.count))
        writer.appendShuffled(nonZeros)
        writer.appendShuffled(deltas)
        writer.appendShuffled(chunk.values)
        return writer.bytes
    }

    /// Decodes and validates: ids strictly increasing per document and below
    /// `termLimit`, weights finite and ≥ 0.
    static func decode(_ body: [UInt8], what: String, termLimit: UInt64) throws -> ForwardChunk {
        var reader = ByteReader(body, what: what)
        let n = Int(try reader.readUInt32())
        let p = Int(try reader.readUInt32())
        let nonZeros = try reader.readShuffled(n, as: UInt32.self)
        var terms = try reader.readShuffled(p, as: UInt32.self)
        let values = try reader.readShuffledFloats(p)
        try reader.expectEnd()
        var offsets = [UInt32](repeating: 0, count: n + 1)
        var position = 0
        for doc in 0..<n {
            let count = Int(nonZeros[doc])
            guard count <= p - position else { throw reader.corrupt("non-zero counts exceed \(p) postings") }
            var previous: UInt64 = 0
            for i in position..<(position + count) {
                let delta = UInt64(terms[i])
                guard i == position || delta >= 1 else {
                    throw reader.corrupt("term ids not strictly increasing in document \(doc)")
                }
                let term = previous + delta
                guard term < termLimit else { throw reader.corrupt("term id \(term) out of range in document \(doc)") }
                guard values[i].isFinite, values[i] >= 0 else {
                    throw reader.corrupt("invalid weight \(values[i]) in document \(doc)")
                }
                terms[i] = UInt32(term)
                previous = term
            }
            position += count
            offsets[doc + 1] = UInt32(position)
        }
        guard position == p else { throw reader.corrupt("non-zero counts sum to \(position), expected \(p)") }
        return ForwardChunk(offsets: offsets, terms: terms, values: values)
    }
}
