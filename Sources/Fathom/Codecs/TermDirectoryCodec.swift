/// One term's entry in a segment's term directory.
struct TermEntry: Equatable {
    var documentFrequency: UInt32
    var blockCount: UInt32
    /// The largest weight of the term in the segment (exact, not quantized).
    var maxWeight: Float
}

/// Body layout of a segment's term directory (format v1): which terms have
/// posting lists, with their document frequency, block count and max weight.
///
/// ```
/// u32 term count t
/// t × u32 term ids, delta-coded (strictly increasing), byte-shuffled
/// t × u32 document frequencies, byte-shuffled
/// t × u32 block counts, byte-shuffled
/// t × f32 max weights, byte-shuffled
/// ```
enum TermDirectoryCodec {
    static func encode(_ directory: [(term: UInt32, entry: TermEntry)]) -> [UInt8] {
        var deltas = [UInt32](), frequencies = [UInt32](), blocks = [UInt32](), maxima = [Float]()
        var previous: UInt32 = 0
        for (i, item) in directory.enumerated() {
            precondition(i == 0 || item.term > previous, "term ids strictly increasing in the directory")
            deltas.append(item.term - previous)
            previous = item.term
            frequencies.append(item.entry.documentFrequency)
            blocks.append(item.entry.blockCount)
            maxima.append(item.entry.maxWeight)
        }
        var writer = ByteWriter(capacity: 4 + directory.count * 16)
        writer.append(UInt32(directory.count))
        writer.appendShuffled(deltas)
        writer.appendShuffled(frequencies)
        writer.appendShuffled(blocks)
        writer.appendShuffled(maxima)
        return writer.bytes
    }

    static func decode(_ body: [UInt8], what: String) throws -> [UInt32: TermEntry] {
        var reader = ByteReader(body, what: what)
        let t = Int(try reader.readUInt32())
        let deltas = try reader.readShuffled(t, as: UInt32.self)
        let frequencies = try reader.readShuffled(t, as: UInt32.self)
        let blocks = try reader.readShuffled(t, as: UInt32.self)
        let maxima = try reader.readShuffledFloats(t)
        try reader.expectEnd()
        var directory = [UInt32: TermEntry](minimumCapacity: t)
        var term: UInt64 = 0
        for i in 0..<t {
            guard i == 0 || deltas[i] >= 1 else { throw reader.corrupt("term ids not strictly increasing at \(i)") }
            term += UInt64(deltas[i])
            guard term <= UInt64(UInt32.max) else { throw reader.corrupt("term id overflow") }
            guard frequencies[i] >= 1, blocks[i] >= 1, maxima[i].isFinite, maxima[i] >= 0 else {
                throw reader.corrupt("invalid entry for term \(term)")
            }
            directory[UInt32(term)] = TermEntry(documentFrequency: frequencies[i], blockCount: blocks[i], maxWeight: maxima[i])
        }
        return directory
    }
}
