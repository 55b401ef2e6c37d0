@testable import Fathom
import FathomTestSupport
import Testing

@Suite("Dense chunk codec")
struct DenseChunkCodecTests {
    static func decode(_ body: [UInt8], dimension: Int) throws -> DenseChunk {
        try DenseChunkCodec.decode(body, what: "test chunk", dimension: dimension)
    }

    /// `present.count` documents of `dimension` random finite floats; absent ones hold zeros.
    static func chunk(present: [Bool], dimension: Int, seed: UInt64) -> DenseChunk {
        var generator = SeededGenerator(seed: seed)
        let values = present.flatMap { isPresent in
            isPresent ? (0..<dimension).map { _ in RandomData.finiteFloat(using: &generator) }
                      : [Float](repeating: 0, count: dimension)
        }
        return DenseChunk(dimension: dimension, present: present, values: values)
    }

    @Test("a chunk round-trips exactly, with its presence bitmap", arguments: [1, 7, 8, 9, 13, 64])
    func roundTrip(documents: Int) throws {
        let present = (0..<documents).map { $0 % 3 != 1 }
        let chunk = Self.chunk(present: present, dimension: 5, seed: UInt64(documents))
        let decoded = try Self.decode(DenseChunkCodec.encode(chunk), dimension: 5)
        #expect(decoded == chunk)
        #expect(decoded.documentCount == documents)
    }

    @Test("a chunk with no documents round-trips")
    func emptyChunk() throws {
        let chunk = DenseChunk(dimension: 3, present: [], values: [])
        #expect(try Self.decode(DenseChunkCodec.encode(chunk), dimension: 3) == chunk)
    }

    @Test("bit i of byte i/8 of the bitmap says whether document i has a vector")
    func bitmapLayout() {
        let present = [true, false, true, true, false, false, false, false, false, true]
        let body = DenseChunkCodec.encode(Self.chunk(present: present, dimension: 1, seed: 1))
        #expect(Array(body[0..<4]) == [10, 0, 0, 0])
        #expect(Array(body[4..<8]) == [1, 0, 0, 0])
        #expect(Array(body[8..<10]) == [0b0000_1101, 0b0000_0010])
        #expect(body.count == 8 + 2 + 10 * 4)
    }

    @Test("a chunk of another dimension than the collection's is rejected")
    func dimensionMismatch() {
        let body = DenseChunkCodec.encode(Self.chunk(present: [true, true], dimension: 4, seed: 2))
        Malformed.expectCorruption { try Self.decode(body, dimension: 5) }
        Malformed.expectCorruption { try Self.decode(body, dimension: 3) }
    }

    @Test("a non-finite value is rejected", arguments: [Float.nan, Float.infinity, -Float.infinity])
    func nonFinite(value: Float) {
        var chunk = Self.chunk(present: [true, true], dimension: 3, seed: 3)
        chunk.values[4] = value
        let body = DenseChunkCodec.encode(chunk)
        Malformed.expectCorruption { try Self.decode(body, dimension: 3) }
    }

    @Test("a document count larger than the body is rejected without allocating it")
    func hugeCount() {
        let body = Malformed.body {
            $0.append(UInt32.max)
            $0.append(UInt32(65_536))
            $0.appendBytes([0xFF, 0xFF])
        }
        Malformed.expectCorruption { try Self.decode(body, dimension: 65_536) }
    }

    @Test("a truncated body is rejected, whatever the cut")
    func truncated() {
        let body = DenseChunkCodec.encode(Self.chunk(present: [true, false, true], dimension: 4, seed: 4))
        for prefix in Malformed.truncations(of: body) {
            Malformed.expectCorruption("\(prefix.count) bytes") { try Self.decode(prefix, dimension: 4) }
        }
    }

    @Test("trailing bytes after the body are rejected")
    func trailingBytes() {
        let body = DenseChunkCodec.encode(Self.chunk(present: [true], dimension: 4, seed: 5))
        Malformed.expectCorruption { try Self.decode(body + [0, 0, 0, 0], dimension: 4) }
    }
}
