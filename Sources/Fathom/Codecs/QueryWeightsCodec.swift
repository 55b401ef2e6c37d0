/// Body layout of a collection's supplied query weights (format 2; blob
/// kind 10): one weight per token of its WordPiece vocabulary, by token id.
///
/// ```
/// u32 token count n (= the vocabulary's)
/// n × f32 weights, finite and ≥ 0; 0 for a token the supplied table has no weight for
/// ```
enum QueryWeightsCodec {
    static func encode(_ weights: [Float]) -> [UInt8] {
        var writer = ByteWriter()
        writer.append(UInt32(weights.count))
        for weight in weights { writer.append(weight.bitPattern) }
        return writer.bytes
    }

    static func decode(_ body: [UInt8], what: String, tokenCount: Int) throws -> [Float] {
        func corrupt(_ detail: String) -> FathomError { .corruption(what: what, detail: detail) }
        guard body.count >= 4 else { throw corrupt("body is \(body.count) bytes") }
        let count = body.withUnsafeBytes { Int($0.loadUnaligned(as: UInt32.self).littleEndian) }
        guard count == tokenCount else { throw corrupt("holds \(count) weights for \(tokenCount) tokens") }
        guard body.count == 4 + 4 * count else { throw corrupt("body is \(body.count) bytes for \(count) weights") }
        let weights = body.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 + 4 * $0, as: UInt32.self).littleEndian) }
        }
        if let bad = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw corrupt("weight of token \(bad) is \(weights[bad])")
        }
        return weights
    }
}
