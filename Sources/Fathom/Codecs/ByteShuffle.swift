/// Byte shuffling ("byte planes"): the bytes of `count` elements of `width`
/// bytes are regrouped so that all first bytes come first, then all second
/// bytes, and so on. Small integers and similar floats then form long runs that
/// LZ4 can match; measured in docs/architecture.md (plain u32 deltas barely
/// compress under LZ4, shuffled ones do 1.6-2.4x).
enum ByteShuffle {
    /// Appends the shuffled form of `source` (count × width bytes) to `output`.
    static func shuffle(_ source: UnsafeRawBufferPointer, width: Int, into output: inout [UInt8]) {
        precondition(source.count % width == 0, "shuffle input is not a whole number of elements")
        let count = source.count / width
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: source.count))
        output.withUnsafeMutableBufferPointer { out in
            for plane in 0..<width {
                let base = start + plane * count
                for i in 0..<count {
                    out[base + i] = source[i * width + plane]
                }
            }
        }
    }

    /// Writes the unshuffled form of `source` into `destination` (same size).
    ///
    /// Widths 2 and 4 (every shuffled array Fathom stores) assemble each
    /// element from its planes in a register and store it once: decoding
    /// dominated the first query's time with one strided byte store per byte
    /// (callgrind, docs/benchmarks.md).
    static func unshuffle(_ source: UnsafeRawBufferPointer, width: Int, into destination: UnsafeMutableRawBufferPointer) {
        precondition(source.count == destination.count && source.count % width == 0)
        let count = source.count / width
        guard count > 0 else { return }
        let planes = source.baseAddress!.assumingMemoryBound(to: UInt8.self)
        switch width {
        case 4:
            let p0 = planes, p1 = planes + count, p2 = planes + 2 * count, p3 = planes + 3 * count
            for i in 0..<count {
                let element = UInt32(p0[i]) | UInt32(p1[i]) << 8 | UInt32(p2[i]) << 16 | UInt32(p3[i]) << 24
                destination.storeBytes(of: element.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        case 2:
            let p0 = planes, p1 = planes + count
            for i in 0..<count {
                let element = UInt16(p0[i]) | UInt16(p1[i]) << 8
                destination.storeBytes(of: element.littleEndian, toByteOffset: i * 2, as: UInt16.self)
            }
        default:
            for plane in 0..<width {
                let base = plane * count
                for i in 0..<count {
                    destination[i * width + plane] = source[base + i]
                }
            }
        }
    }
}
