/// The vectors of one document in the write buffer.
struct BufferedVectors: Equatable {
    var sparse: SparseVector?
    var dense: [Float]?
}

/// Body layout of a write-buffer row (format v1; stored uncompressed, rows are small):
///
/// ```
/// u8  flags: bit 0 = has sparse, bit 1 = has dense
/// u32 non-zeros p      u32 dense dimension d (0 without dense)
/// p × u32 term ids     p × f32 weights        d × f32 dense values
/// ```
enum BufferedVectorsCodec {
    static func encode(_ vectors: BufferedVectors) -> [UInt8] {
        let p = vectors.sparse?.count ?? 0, d = vectors.dense?.count ?? 0
        var writer = ByteWriter(capacity: 9 + p * 8 + d * 4)
        writer.append(UInt8((vectors.sparse != nil ? 1 : 0) | (vectors.dense != nil ? 2 : 0)))
        writer.append(UInt32(p))
        writer.append(UInt32(d))
        if let sparse = vectors.sparse {
            for term in sparse.indices { writer.append(term) }
            for value in sparse.values { writer.append(value) }
        }
        for value in vectors.dense ?? [] { writer.append(value) }
        return writer.bytes
    }

    static func decode(_ body: [UInt8], what: String, termLimit: UInt64, dimension: Int?) throws -> BufferedVectors {
        var reader = ByteReader(body, what: what)
        let flags = try reader.readUInt8()
        guard flags & ~3 == 0 else { throw reader.corrupt("unknown flags \(flags)") }
        let p = Int(try reader.readUInt32())
        let d = Int(try reader.readUInt32())
        guard flags & 1 != 0 || p == 0 else { throw reader.corrupt("\(p) postings but no sparse flag") }
        guard flags & 2 != 0 || d == 0 else { throw reader.corrupt("dense dimension \(d) but no dense flag") }
        guard p <= reader.remaining / 8 else { throw reader.corrupt("non-zero count \(p) exceeds the body") }
        var terms = [UInt32](), values = [Float]()
        terms.reserveCapacity(p)
        values.reserveCapacity(p)
        for _ in 0..<p { terms.append(try reader.readUInt32()) }
        for _ in 0..<p { values.append(try reader.readFloat()) }
        var dense: [Float]?
        if flags & 2 != 0 {
            guard d == dimension else { throw reader.corrupt("dense dimension \(d), expected \(dimension ?? 0)") }
            guard d <= reader.remaining / 4 else { throw reader.corrupt("dense dimension \(d) exceeds the body") }
            var vector = [Float]()
            vector.reserveCapacity(d)
            for _ in 0..<d { vector.append(try reader.readFloat()) }
            guard vector.allSatisfy(\.isFinite) else { throw reader.corrupt("non-finite dense value") }
            dense = vector
        }
        try reader.expectEnd()
        var sparse: SparseVector?
        if flags & 1 != 0 {
            for i in 0..<p {
                guard UInt64(terms[i]) < termLimit, i == 0 || terms[i] > terms[i - 1] else {
                    throw reader.corrupt("term ids not strictly increasing or out of range at \(i)")
                }
                guard values[i].isFinite, values[i] >= 0 else { throw reader.corrupt("invalid weight at \(i)") }
            }
            sparse = SparseVector(validatedIndices: terms, values: values)
        }
        return BufferedVectors(sparse: sparse, dense: dense)
    }
}
