@testable import Fathom
import FathomTestSupport
import Testing

@Suite("Forward-index chunk codec")
struct ForwardChunkCodecTests {
    static let termLimit: UInt64 = 30_522

    static func decode(_ body: [UInt8], termLimit: UInt64 = termLimit) throws -> ForwardChunk {
        try ForwardChunkCodec.decode(body, what: "test chunk", termLimit: termLimit)
    }

    /// A chunk of `documents` random sparse vectors; some documents are empty.
    static func randomChunk(documents: Int, seed: UInt64) -> ForwardChunk {
        var generator = SeededGenerator(seed: seed)
        var chunk = ForwardChunk(offsets: [0], terms: [], values: [])
        for _ in 0..<documents {
            let count = Int.random(in: 0...3, using: &generator) == 0 ? 0 : Int.random(in: 1...60, using: &generator)
            chunk.terms += RandomData.ascending(count, below: UInt32(termLimit), using: &generator)
            chunk.values += (0..<count).map { _ in RandomData.finiteFloat(nonNegative: true, using: &generator) }
            chunk.offsets.append(UInt32(chunk.terms.count))
        }
        return chunk
    }

    /// A body in the v1 layout, from its fields (term ids delta-coded per document).
    static func craft(nonZeros: [UInt32], deltas: [UInt32], values: [Float], postings: UInt32? = nil) -> [UInt8] {
        Malformed.body {
            $0.append(UInt32(nonZeros.count))
            $0.append(postings ?? UInt32(deltas.count))
            $0.appendShuffled(nonZeros)
            $0.appendShuffled(deltas)
            $0.appendShuffled(values)
        }
    }

    @Test("a chunk round-trips exactly, empty documents and arbitrary float weights included")
    func roundTrip() throws {
        for (documents, seed) in [(1, 1), (17, 2), (200, 3)] as [(Int, UInt64)] {
            let chunk = Self.randomChunk(documents: documents, seed: seed)
            let decoded = try Self.decode(ForwardChunkCodec.encode(chunk))
            #expect(decoded == chunk)
            #expect(decoded.documentCount == documents)
        }
    }

    @Test("a chunk with no documents round-trips")
    func emptyChunk() throws {
        let chunk = ForwardChunk(offsets: [0], terms: [], values: [])
        #expect(try Self.decode(ForwardChunkCodec.encode(chunk)) == chunk)
    }

    @Test("term ids restart in each document: a smaller first term after a larger last term is valid")
    func termsRestartPerDocument() throws {
        let chunk = ForwardChunk(offsets: [0, 2, 4], terms: [100, 30_521, 0, 5], values: [1, 2, 3, 4])
        #expect(try Self.decode(ForwardChunkCodec.encode(chunk)) == chunk)
    }

    @Test("a term id at the term limit is rejected")
    func termAtLimit() throws {
        let chunk = ForwardChunk(offsets: [0, 2], terms: [3, 99], values: [1, 1])
        let body = ForwardChunkCodec.encode(chunk)
        #expect(try Self.decode(body, termLimit: 100) == chunk)
        Malformed.expectCorruption { try Self.decode(body, termLimit: 99) }
    }

    @Test("a repeated term within a document is rejected")
    func repeatedTerm() {
        let body = Self.craft(nonZeros: [3], deltas: [4, 0, 1], values: [1, 1, 1])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a negative, infinite or NaN weight is rejected", arguments: [-0.5, Float.infinity, -Float.infinity, Float.nan])
    func invalidWeight(weight: Float) {
        let body = Self.craft(nonZeros: [2], deltas: [4, 1], values: [1, weight])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("non-zero counts that exceed the posting count are rejected")
    func countsExceedPostings() {
        let body = Self.craft(nonZeros: [2, 2], deltas: [1, 1, 1], values: [1, 1, 1])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("non-zero counts that fall short of the posting count are rejected")
    func countsBelowPostings() {
        let body = Self.craft(nonZeros: [1, 1], deltas: [1, 1, 1], values: [1, 1, 1])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a posting count larger than the body is rejected without allocating it")
    func hugePostingCount() {
        let body = Self.craft(nonZeros: [1], deltas: [1], values: [1], postings: .max)
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("term ids whose deltas add up past the term limit are rejected")
    func deltaSumPastLimit() {
        let body = Self.craft(nonZeros: [2], deltas: [UInt32.max, UInt32.max], values: [1, 1])
        Malformed.expectCorruption { try Self.decode(body, termLimit: UInt64(UInt32.max)) }
    }

    @Test("a truncated body is rejected, whatever the cut")
    func truncated() {
        let body = ForwardChunkCodec.encode(Self.randomChunk(documents: 3, seed: 4))
        for prefix in Malformed.truncations(of: body) {
            Malformed.expectCorruption("\(prefix.count) bytes") { try Self.decode(prefix) }
        }
    }

    @Test("trailing bytes after the body are rejected")
    func trailingBytes() {
        let body = ForwardChunkCodec.encode(Self.randomChunk(documents: 3, seed: 4))
        Malformed.expectCorruption { try Self.decode(body + [0, 0, 0, 0]) }
    }
}
