/// Little-endian serialisation of plain values into a byte array.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func append(_ value: UInt8) { bytes.append(value) }
    mutating func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func append(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func append(_ value: Float) { append(value.bitPattern) }

    mutating func appendBytes(_ values: [UInt8]) { bytes.append(contentsOf: values) }

    /// Appends `values` as byte planes (see `ByteShuffle`). Little-endian host assumed
    /// (x86-64 and arm64; checked in `FileFormat`).
    mutating func appendShuffled<T: FixedWidthInteger>(_ values: [T]) {
        values.withUnsafeBytes { ByteShuffle.shuffle($0, width: MemoryLayout<T>.size, into: &bytes) }
    }

    mutating func appendShuffled(_ values: [Float]) {
        values.withUnsafeBytes { ByteShuffle.shuffle($0, width: 4, into: &bytes) }
    }
}

/// Bounds-checked little-endian reading. Every read past the end throws, so a
/// truncated or inconsistent body is reported, never trapped on.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset = 0
    let what: String

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    var remaining: Int { bytes.count - offset }

    func corrupt(_ detail: String) -> FathomError { .corruption(what: what, detail: detail) }

    private mutating func take(_ count: Int) throws -> Range<Int> {
        guard count >= 0, count <= remaining else {
            throw corrupt("body truncated: needs \(count) more bytes at offset \(offset), has \(remaining)")
        }
        defer { offset += count }
        return offset..<(offset + count)
    }

    mutating func readUInt8() throws -> UInt8 { bytes[try take(1).lowerBound] }

    mutating func readUInt32() throws -> UInt32 {
        let range = try take(4)
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt32.self).littleEndian }
    }

    mutating func readUInt64() throws -> UInt64 {
        let range = try take(8)
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self).littleEndian }
    }

    mutating func readFloat() throws -> Float { Float(bitPattern: try readUInt32()) }

    mutating func readBytes(_ count: Int) throws -> [UInt8] { Array(bytes[try take(count)]) }

    /// Reads `count` values stored as byte planes.
    mutating func readShuffled<T: FixedWidthInteger>(_ count: Int, as type: T.Type) throws -> [T] {
        let width = MemoryLayout<T>.size
        guard count >= 0, count <= remaining / max(width, 1) else {
            throw corrupt("body truncated: \(count) values of \(width) bytes at offset \(offset), has \(remaining)")
        }
        let range = try take(count * width)
        var values = [T](repeating: 0, count: count)
        bytes.withUnsafeBytes { source in
            values.withUnsafeMutableBytes { destination in
                ByteShuffle.unshuffle(UnsafeRawBufferPointer(rebasing: source[range]), width: width, into: destination)
            }
        }
        return values
    }

    mutating func readShuffledFloats(_ count: Int) throws -> [Float] {
        guard count >= 0, count <= remaining / 4 else {
            throw corrupt("body truncated: \(count) floats at offset \(offset), has \(remaining) bytes")
        }
        let range = try take(count * 4)
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { source in
            values.withUnsafeMutableBytes { destination in
                ByteShuffle.unshuffle(UnsafeRawBufferPointer(rebasing: source[range]), width: 4, into: destination)
            }
        }
        return values
    }

    func expectEnd() throws {
        guard remaining == 0 else { throw corrupt("\(remaining) unexpected trailing bytes") }
    }
}
