/// Body layout of a segment's document-id map (format v1): the internal
/// document id of each local ordinal, strictly increasing.
///
/// ```
/// u32 count n
/// n × u64 ids, delta-coded (first id as is), byte-shuffled
/// ```
enum DocumentIDsCodec {
    static func encode(_ ids: [Int64]) -> [UInt8] {
        var deltas = [UInt64](repeating: 0, count: ids.count)
        var previous: Int64 = 0
        for (i, id) in ids.enumerated() {
            precondition(id > previous, "document ids strictly increasing and positive in a segment")
            deltas[i] = UInt64(id - previous)
            previous = id
        }
        var writer = ByteWriter(capacity: 4 + ids.count * 8)
        writer.append(UInt32(ids.count))
        writer.appendShuffled(deltas)
        return writer.bytes
    }

    static func decode(_ body: [UInt8], what: String) throws -> [Int64] {
        var reader = ByteReader(body, what: what)
        let n = Int(try reader.readUInt32())
        let deltas = try reader.readShuffled(n, as: UInt64.self)
        try reader.expectEnd()
        var ids = [Int64](repeating: 0, count: n)
        var current: Int64 = 0
        for i in 0..<n {
            guard deltas[i] >= 1, deltas[i] <= UInt64(Int64.max - current) else {
                throw reader.corrupt("document ids not strictly increasing at ordinal \(i)")
            }
            current += Int64(deltas[i])
            ids[i] = current
        }
        return ids
    }
}
