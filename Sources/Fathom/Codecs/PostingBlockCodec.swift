/// A block of one term's postings in a segment: local document ordinals,
/// strictly increasing, and their weights quantized to 8 bits with one scale
/// per block (measured smaller and faster to decode than fp16 without F16C).
struct PostingBlock: Equatable {
    var ordinals: [UInt32]
    var quantized: [UInt8]
    /// weight ≈ quantized × scale; the error of one posting is at most scale / 2.
    var scale: Float

    var count: Int { ordinals.count }
}

/// Body layout of a posting block (inside a `BlobEnvelope`, format v1):
///
/// ```
/// u32 count (≥ 1)
/// u32 first ordinal
/// f32 scale (max weight / 255; 0 when every weight is 0)
/// count × u32 ordinal deltas, byte-shuffled (delta[0] = 0)
/// count × u8  quantized weights
/// ```
enum PostingBlockCodec {
    /// Quantizes and serialises one block. `ordinals` strictly increasing, weights finite and ≥ 0.
    static func encode(ordinals: ArraySlice<UInt32>, weights: ArraySlice<Float>) -> [UInt8] {
        precondition(!ordinals.isEmpty && ordinals.count == weights.count)
        let maxWeight = weights.max() ?? 0
        let scale: Float = maxWeight > 0 ? maxWeight / 255 : 0
        var deltas = [UInt32](repeating: 0, count: ordinals.count)
        var previous = ordinals.first!
        for (i, ordinal) in ordinals.enumerated() where i > 0 {
            precondition(ordinal > previous, "ordinals strictly increasing within a block")
            deltas[i] = ordinal - previous
            previous = ordinal
        }
        let quantized = weights.map { weight -> UInt8 in
            scale > 0 ? UInt8(min(255, (weight / scale).rounded())) : 0
        }
        var writer = ByteWriter(capacity: 12 + ordinals.count * 5)
        writer.append(UInt32(ordinals.count))
        writer.append(ordinals.first!)
        writer.append(scale)
        writer.appendShuffled(deltas)
        writer.appendBytes(quantized)
        return writer.bytes
    }

    /// Decodes and validates one block; every ordinal must be below `ordinalLimit`.
    static func decode(_ body: [UInt8], what: String, ordinalLimit: UInt32) throws -> PostingBlock {
        var reader = ByteReader(body, what: what)
        let count = Int(try reader.readUInt32())
        guard count >= 1 else { throw reader.corrupt("empty posting block") }
        let first = try reader.readUInt32()
        let scale = try reader.readFloat()
        guard scale.isFinite, scale >= 0 else { throw reader.corrupt("invalid scale \(scale)") }
        var ordinals = try reader.readShuffled(count, as: UInt32.self)
        let quantized = try reader.readBytes(count)
        try reader.expectEnd()
        guard ordinals[0] == 0 else { throw reader.corrupt("first delta is \(ordinals[0]), expected 0") }
        // Prefix sum, with overflow and ordering checks: deltas after the first are ≥ 1.
        var current = first
        ordinals[0] = first
        for i in 1..<count {
            let delta = ordinals[i]
            guard delta >= 1 else { throw reader.corrupt("ordinals not strictly increasing at posting \(i)") }
            let (next, overflow) = current.addingReportingOverflow(delta)
            guard !overflow else { throw reader.corrupt("ordinal overflow at posting \(i)") }
            current = next
            ordinals[i] = current
        }
        guard current < ordinalLimit else {
            throw reader.corrupt("ordinal \(current) outside the segment's \(ordinalLimit) documents")
        }
        return PostingBlock(ordinals: ordinals, quantized: quantized, scale: scale)
    }
}
