/// A run of consecutive documents' dense vectors, row-major float32, with a
/// presence bit per document (documents without a dense vector hold zeros).
struct DenseChunk: Equatable {
    var dimension: Int
    var present: [Bool]
    var values: [Float]   // present.count × dimension

    var documentCount: Int { present.count }
}

/// Body layout of a dense chunk (format v1):
///
/// ```
/// u32 document count n
/// u32 dimension d
/// ⌈n / 8⌉ bytes presence bitmap (bit i of byte i/8 = document i has a vector)
/// n × d × f32, byte-shuffled
/// ```
enum DenseChunkCodec {
    static func encode(_ chunk: DenseChunk) -> [UInt8] {
        precondition(chunk.values.count == chunk.present.count * chunk.dimension)
        var bitmap = [UInt8](repeating: 0, count: (chunk.present.count + 7) / 8)
        for (i, isPresent) in chunk.present.enumerated() where isPresent {
            bitmap[i >> 3] |= 1 << UInt8(i & 7)
        }
        var writer = ByteWriter(capacity: 8 + bitmap.count + chunk.values.count * 4)
        writer.append(UInt32(chunk.present.count))
        writer.append(UInt32(chunk.dimension))
        writer.appendBytes(bitmap)
        writer.appendShuffled(chunk.values)
        return writer.bytes
    }

    static func decode(_ body: [UInt8], what: String, dimension: Int) throws -> DenseChunk {
        var reader = ByteReader(body, what: what)
        let n = Int(try reader.readUInt32())
        let d = Int(try reader.readUInt32())
        guard d == dimension else { throw reader.corrupt("dimension \(d), the collection's is \(dimension)") }
        let bitmap = try reader.readBytes((n + 7) / 8)
        guard n.multipliedReportingOverflow(by: d).overflow == false else { throw reader.corrupt("size overflow") }
        let values = try reader.readShuffledFloats(n * d)
        try reader.expectEnd()
        let present = (0..<n).map { bitmap[$0 >> 3] & (1 << UInt8($0 & 7)) != 0 }
        guard values.allSatisfy(\.isFinite) else { throw reader.corrupt("non-finite value") }
        return DenseChunk(dimension: d, present: present, values: values)
    }
}
