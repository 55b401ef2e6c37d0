import CLZ4

/// LZ4 block compression (liblz4). LZ4 does not detect corruption (a flipped
/// bit often decodes to wrong bytes without an error), so callers always
/// verify a checksum first; see `BlobEnvelope`.
enum LZ4Codec {
    /// Compressed form of `source`, or nil when it would not be smaller (such
    /// blocks are stored raw: they decode faster that way).
    static func compress(_ source: [UInt8]) -> [UInt8]? {
        guard !source.isEmpty, source.count < Int(LZ4_MAX_INPUT_SIZE) else { return nil }
        let bound = Int(LZ4_compressBound(Int32(source.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let written = source.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                LZ4_compress_default(
                    src.baseAddress!.assumingMemoryBound(to: CChar.self),
                    dst.baseAddress!.assumingMemoryBound(to: CChar.self),
                    Int32(src.count), Int32(dst.count))
            }
        }
        guard written > 0, Int(written) < source.count else { return nil }
        output.removeSubrange(Int(written)...)
        return output
    }

    /// Decompresses exactly `rawCount` bytes, or returns nil when the input is
    /// malformed or does not produce exactly that many bytes.
    static func decompress(_ source: UnsafeRawBufferPointer, rawCount: Int) -> [UInt8]? {
        guard rawCount >= 0, rawCount < Int(LZ4_MAX_INPUT_SIZE), source.count > 0 else { return nil }
        var output = [UInt8](repeating: 0, count: rawCount)
        let produced = output.withUnsafeMutableBytes { dst -> Int32 in
            guard let dstBase = dst.baseAddress else { return 0 }
            return LZ4_decompress_safe(
                source.baseAddress!.assumingMemoryBound(to: CChar.self),
                dstBase.assumingMemoryBound(to: CChar.self),
                Int32(source.count), Int32(rawCount))
        }
        return produced == Int32(rawCount) ? output : nil
    }
}
