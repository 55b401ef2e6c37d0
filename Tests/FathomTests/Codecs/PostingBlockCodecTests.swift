@testable import Fathom
import FathomTestSupport
import Testing

@Suite("Posting block codec")
struct PostingBlockCodecTests {
    static let what = "test block"

    static func encode(_ ordinals: [UInt32], _ weights: [Float]) -> [UInt8] {
        PostingBlockCodec.encode(ordinals: ordinals[...], weights: weights[...])
    }

    static func decode(_ body: [UInt8], limit: UInt32 = 1_000_000) throws -> PostingBlock {
        try PostingBlockCodec.decode(body, what: what, ordinalLimit: limit)
    }

    /// A body in the v1 layout, from its fields (deltas as stored, delta[0] = 0).
    static func craft(count: UInt32, first: UInt32, scale: Float, deltas: [UInt32], quantized: [UInt8]) -> [UInt8] {
        Malformed.body {
            $0.append(count)
            $0.append(first)
            $0.append(scale)
            $0.appendShuffled(deltas)
            $0.appendBytes(quantized)
        }
    }

    @Test("ordinals round-trip exactly and weights within half the quantization step")
    func roundTrip() throws {
        var generator = SeededGenerator(seed: 21)
        for count in [1, 2, 7, 128, 500] {
            let ordinals = RandomData.ascending(count, below: 100_000, using: &generator)
            let weights = RandomData.floats(count, in: 0...4, using: &generator)
            let block = try Self.decode(Self.encode(ordinals, weights), limit: 100_000)
            #expect(block.ordinals == ordinals)
            #expect(block.count == count)
            let maxWeight = weights.max()!
            #expect(block.scale == maxWeight / 255)
            for (weight, q) in zip(weights, block.quantized) {
                let error = abs(Float(q) * block.scale - weight)
                #expect(error <= block.scale / 2 * 1.000_01, "weight \(weight) decoded as \(Float(q) * block.scale)")
            }
            // The largest weight maps to the top of the 8-bit range.
            #expect(block.quantized[weights.firstIndex(of: maxWeight)!] == 255)
        }
    }

    @Test("a block whose weights are all zero has scale 0 and decodes to zeros")
    func allZeroWeights() throws {
        let block = try Self.decode(Self.encode([3, 9, 12], [0, 0, 0]))
        #expect(block.scale == 0)
        #expect(block.quantized == [0, 0, 0])
        #expect(block.ordinals == [3, 9, 12])
    }

    @Test("a zero weight beside non-zero ones quantizes to 0")
    func zeroWeightAmongOthers() throws {
        let block = try Self.decode(Self.encode([0, 1], [0, 2.55]))
        #expect(block.quantized == [0, 255])
    }

    @Test("ordinals just below the limit are accepted; one at the limit is rejected")
    func ordinalLimit() throws {
        let body = Self.encode([4, 10, 99], [1, 2, 3])
        #expect(try Self.decode(body, limit: 100).ordinals == [4, 10, 99])
        Malformed.expectCorruption { try Self.decode(body, limit: 99) }
        Malformed.expectCorruption { try Self.decode(body, limit: 0) }
    }

    @Test("a first ordinal at or above the limit is rejected, even in a one-posting block")
    func singlePostingLimit() {
        let body = Self.encode([50], [1])
        Malformed.expectCorruption { try Self.decode(body, limit: 50) }
    }

    @Test("a repeated ordinal (delta 0 after the first posting) is rejected")
    func repeatedOrdinal() {
        let body = Self.craft(count: 3, first: 5, scale: 0.01, deltas: [0, 2, 0], quantized: [1, 2, 3])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a non-zero first delta is rejected")
    func nonZeroFirstDelta() {
        let body = Self.craft(count: 2, first: 5, scale: 0.01, deltas: [1, 2], quantized: [1, 2])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("ordinals that overflow 32 bits are rejected")
    func overflow() {
        let body = Self.craft(count: 2, first: UInt32.max - 1, scale: 0.01, deltas: [0, 5], quantized: [1, 2])
        Malformed.expectCorruption { try Self.decode(body, limit: .max) }
    }

    @Test("an empty block is rejected")
    func emptyBlock() {
        let body = Self.craft(count: 0, first: 0, scale: 0, deltas: [], quantized: [])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a negative, infinite or NaN scale is rejected", arguments: [-1, Float.infinity, Float.nan])
    func invalidScale(scale: Float) {
        let body = Self.craft(count: 1, first: 0, scale: scale, deltas: [0], quantized: [1])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a count larger than the body is rejected without allocating it")
    func hugeCount() {
        let body = Self.craft(count: .max, first: 0, scale: 1, deltas: [0], quantized: [1])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a truncated body is rejected, whatever the cut")
    func truncated() {
        let body = Self.encode([1, 2, 30, 400], [0.5, 1, 1.5, 2])
        for prefix in Malformed.truncations(of: body) {
            Malformed.expectCorruption("\(prefix.count) bytes") { try Self.decode(prefix) }
        }
    }

    @Test("trailing bytes after the body are rejected")
    func trailingBytes() {
        let body = Self.encode([1, 2], [0.5, 1])
        Malformed.expectCorruption { try Self.decode(body + [0]) }
    }

    @Test("the corruption error carries the caller's description of the block")
    func errorNamesTheBlock() {
        let error = Malformed.expectCorruption { try Self.decode([1, 2]) }
        #expect(error?.what == Self.what)
    }
}
