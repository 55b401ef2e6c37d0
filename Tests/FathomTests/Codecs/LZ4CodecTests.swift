@testable import Fathom
import FathomTestSupport
import Testing

@Suite("LZ4 codec")
struct LZ4CodecTests {
    /// Text-like bytes with repeats, as posting and chunk bodies have.
    static let compressible: [UInt8] = Array(String(repeating: "sparse dense posting block ", count: 200).utf8)

    static func decompress(_ source: [UInt8], rawCount: Int) -> [UInt8]? {
        source.withUnsafeBytes { LZ4Codec.decompress($0, rawCount: rawCount) }
    }

    @Test("compressed data decompresses to the original bytes")
    func roundTrip() throws {
        let compressed = try #require(LZ4Codec.compress(Self.compressible))
        #expect(compressed.count < Self.compressible.count)
        #expect(Self.decompress(compressed, rawCount: Self.compressible.count) == Self.compressible)
    }

    @Test("compressible data of many sizes round-trips")
    func roundTripSizes() throws {
        var generator = SeededGenerator(seed: 3)
        for size in [16, 64, 1_000, 70_000] {
            // Bytes from a small alphabet in runs: compressible but not trivial.
            var source: [UInt8] = []
            while source.count < size {
                source += repeatElement(UInt8.random(in: 0..<4, using: &generator), count: Int.random(in: 1...9, using: &generator))
            }
            source = Array(source.prefix(size))
            let compressed = try #require(LZ4Codec.compress(source), "size \(size)")
            #expect(Self.decompress(compressed, rawCount: size) == source, "size \(size)")
        }
    }

    @Test("incompressible data is not compressed")
    func incompressible() {
        var generator = SeededGenerator(seed: 5)
        for size in [1, 2, 100, 4_096] {
            #expect(LZ4Codec.compress(RandomData.bytes(size, using: &generator)) == nil, "size \(size)")
        }
    }

    @Test("empty input is not compressed")
    func emptyInput() {
        #expect(LZ4Codec.compress([]) == nil)
    }

    @Test("garbage input decompresses to nil")
    func garbage() {
        var generator = SeededGenerator(seed: 9)
        for trial in 0..<200 {
            let garbage = RandomData.bytes(Int.random(in: 1...300, using: &generator), using: &generator)
            #expect(Self.decompress(garbage, rawCount: 1_000) == nil, "trial \(trial)")
        }
    }

    @Test("empty input decompresses to nil")
    func emptySource() {
        #expect(Self.decompress([], rawCount: 10) == nil)
    }

    @Test("decompressing to a different length than the original gives nil")
    func wrongLength() throws {
        let compressed = try #require(LZ4Codec.compress(Self.compressible))
        #expect(Self.decompress(compressed, rawCount: Self.compressible.count - 1) == nil)
        #expect(Self.decompress(compressed, rawCount: Self.compressible.count + 1) == nil)
        #expect(Self.decompress(compressed, rawCount: -1) == nil)
    }

    @Test("truncated compressed data decompresses to nil")
    func truncated() throws {
        let compressed = try #require(LZ4Codec.compress(Self.compressible))
        for prefix in Malformed.truncations(of: compressed) {
            #expect(Self.decompress(prefix, rawCount: Self.compressible.count) == nil, "\(prefix.count) bytes")
        }
    }
}
