/// Body layout of a Seismic list (blob kind 7, in segments of format 2):
///
/// ```
/// u32 block count B (≤ 65,536)   u32 posting count P
/// u32 summary term count T       u32 summary entry count E
/// f32 pruned maximum
/// B × u32 block sizes, byte-shuffled
/// P × u32 ordinals, delta-coded within each block (first as is), byte-shuffled
/// T × u32 summary terms, delta-coded, byte-shuffled
/// T × u32 entries per summary term, byte-shuffled
/// E × u16 blocks, delta-coded within each term (first as is), byte-shuffled
/// E × u8  codes
/// B × f32 summary scales, byte-shuffled
/// B × f32 block maxima of the list's term, byte-shuffled
/// ```
enum SeismicListCodec {
    static func encode(_ list: SeismicList) -> [UInt8] {
        let b = list.blockCount, t = list.summaryTerms.count
        var blockSizes = [UInt32](repeating: 0, count: b)
        var ordinalDeltas = [UInt32](repeating: 0, count: list.ordinals.count)
        for block in 0..<b {
            let postings = Int(list.blockOffsets[block])..<Int(list.blockOffsets[block + 1])
            blockSizes[block] = UInt32(postings.count)
            var previous: UInt32 = 0
            for i in postings {
                precondition(i == postings.lowerBound || list.ordinals[i] > previous, "ordinals increase within a block")
                ordinalDeltas[i] = list.ordinals[i] - previous
                previous = list.ordinals[i]
            }
        }
        var termDeltas = [UInt32](repeating: 0, count: t), entryCounts = [UInt32](repeating: 0, count: t)
        var blockDeltas = [UInt16](repeating: 0, count: list.summaryBlocks.count)
        var previousTerm: UInt32 = 0
        for i in 0..<t {
            precondition(i == 0 || list.summaryTerms[i] > previousTerm, "summary terms increase")
            termDeltas[i] = list.summaryTerms[i] - previousTerm
            previousTerm = list.summaryTerms[i]
            let entries = Int(list.summaryTermOffsets[i])..<Int(list.summaryTermOffsets[i + 1])
            entryCounts[i] = UInt32(entries.count)
            var previous: UInt16 = 0
            for j in entries {
                precondition(j == entries.lowerBound || list.summaryBlocks[j] > previous, "blocks increase within a term")
                blockDeltas[j] = list.summaryBlocks[j] - previous
                previous = list.summaryBlocks[j]
            }
        }
        var writer = ByteWriter(capacity: 20 + b * 12 + list.ordinals.count * 4 + t * 8 + list.summaryBlocks.count * 3)
        writer.append(UInt32(b))
        writer.append(UInt32(list.ordinals.count))
        writer.append(UInt32(t))
        writer.append(UInt32(list.summaryBlocks.count))
        writer.append(list.prunedMaximum)
        writer.appendShuffled(blockSizes)
        writer.appendShuffled(ordinalDeltas)
        writer.appendShuffled(termDeltas)
        writer.appendShuffled(entryCounts)
        writer.appendShuffled(blockDeltas)
        writer.appendBytes(list.summaryCodes)
        writer.appendShuffled(list.summaryScales)
        writer.appendShuffled(list.blockMaxima)
        return writer.bytes
    }

    static func decode(_ body: [UInt8], what: String, ordinalLimit: UInt32, termLimit: UInt64) throws -> SeismicList {
        var reader = ByteReader(body, what: what)
        let b = Int(try reader.readUInt32()), p = Int(try reader.readUInt32())
        let t = Int(try reader.readUInt32()), e = Int(try reader.readUInt32())
        guard b <= SeismicList.maxBlocks else { throw reader.corrupt("\(b) blocks, more than \(SeismicList.maxBlocks)") }
        var list = SeismicList()
        list.prunedMaximum = try reader.readFloat()
        guard list.prunedMaximum.isFinite, list.prunedMaximum >= 0 else { throw reader.corrupt("invalid pruned maximum") }
        let blockSizes = try reader.readShuffled(b, as: UInt32.self)
        list.ordinals = try reader.readShuffled(p, as: UInt32.self)
        list.summaryTerms = try reader.readShuffled(t, as: UInt32.self)
        let entryCounts = try reader.readShuffled(t, as: UInt32.self)
        list.summaryBlocks = try reader.readShuffled(e, as: UInt16.self)
        list.summaryCodes = try reader.readBytes(e)
        list.summaryScales = try reader.readShuffledFloats(b)
        list.blockMaxima = try reader.readShuffledFloats(b)
        try reader.expectEnd()

        list.blockOffsets.reserveCapacity(b + 1)
        var position = 0
        for block in 0..<b {
            let size = Int(blockSizes[block])
            guard size >= 1, size <= p - position else { throw reader.corrupt("block \(block) size \(size) exceeds the postings") }
            var current: UInt64 = 0
            for i in position..<(position + size) {
                let delta = UInt64(list.ordinals[i])
                guard i == position || delta >= 1 else { throw reader.corrupt("ordinals not increasing in block \(block)") }
                current += delta
                guard current < UInt64(ordinalLimit) else { throw reader.corrupt("ordinal \(current) outside the segment") }
                list.ordinals[i] = UInt32(current)
            }
            position += size
            list.blockOffsets.append(UInt32(position))
            guard list.summaryScales[block].isFinite, list.summaryScales[block] >= 0,
                  list.blockMaxima[block].isFinite, list.blockMaxima[block] >= 0
            else { throw reader.corrupt("invalid scale or maximum in block \(block)") }
        }
        guard position == p else { throw reader.corrupt("block sizes add up to \(position), expected \(p)") }
        var term: UInt64 = 0, entry = 0
        list.summaryTermOffsets.reserveCapacity(t + 1)
        for i in 0..<t {
            guard i == 0 || list.summaryTerms[i] >= 1 else { throw reader.corrupt("summary terms not increasing at \(i)") }
            term += UInt64(list.summaryTerms[i])
            guard term < termLimit else { throw reader.corrupt("summary term \(term) out of range") }
            list.summaryTerms[i] = UInt32(term)
            let count = Int(entryCounts[i])
            guard count >= 1, count <= e - entry else { throw reader.corrupt("summary entries exceed \(e) at term \(term)") }
            var block = 0
            for j in entry..<(entry + count) {
                let delta = Int(list.summaryBlocks[j])
                guard j == entry || delta >= 1 else { throw reader.corrupt("summary blocks not increasing for term \(term)") }
                block += delta
                guard block < b else { throw reader.corrupt("summary block \(block) out of range") }
                list.summaryBlocks[j] = UInt16(block)
            }
            entry += count
            list.summaryTermOffsets.append(UInt32(entry))
        }
        guard entry == e else { throw reader.corrupt("summary entry counts add up to \(entry), expected \(e)") }
        return list
    }
}
