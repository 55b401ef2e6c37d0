@testable import Fathom
import FathomTestSupport
import Testing

@Suite("Write-buffer vectors codec")
struct BufferedVectorsCodecTests {
    static let termLimit: UInt64 = 1_000
    static let dimension = 4

    static func decode(_ body: [UInt8], dimension: Int? = dimension) throws -> BufferedVectors {
        try BufferedVectorsCodec.decode(body, what: "test row", termLimit: termLimit, dimension: dimension)
    }

    /// A body in the v1 layout from its fields.
    static func craft(flags: UInt8, terms: [UInt32], weights: [Float], dense: [Float], denseCount: UInt32? = nil) -> [UInt8] {
        Malformed.body {
            $0.append(flags)
            $0.append(UInt32(terms.count))
            $0.append(denseCount ?? UInt32(dense.count))
            for term in terms { $0.append(term) }
            for weight in weights { $0.append(weight) }
            for value in dense { $0.append(value) }
        }
    }

    static let sparse = SparseVector(validatedIndices: [0, 17, 999], values: [0.25, 1e-7, 3.5])
    static let dense: [Float] = [-0.094, 2.84e-34, 0, 1e30]

    @Test("sparse-only, dense-only and hybrid vectors round-trip exactly",
          arguments: [
              BufferedVectors(sparse: BufferedVectorsCodecTests.sparse, dense: nil),
              BufferedVectors(sparse: nil, dense: BufferedVectorsCodecTests.dense),
              BufferedVectors(sparse: BufferedVectorsCodecTests.sparse, dense: BufferedVectorsCodecTests.dense),
          ])
    func roundTrip(vectors: BufferedVectors) throws {
        #expect(try Self.decode(BufferedVectorsCodec.encode(vectors)) == vectors)
    }

    @Test("an empty sparse vector round-trips as present and empty")
    func emptySparse() throws {
        let vectors = BufferedVectors(sparse: SparseVector(validatedIndices: [], values: []), dense: nil)
        #expect(try Self.decode(BufferedVectorsCodec.encode(vectors)) == vectors)
    }

    @Test("random vectors round-trip exactly")
    func randomRoundTrip() throws {
        var generator = SeededGenerator(seed: 51)
        for _ in 0..<50 {
            let count = Int.random(in: 0...40, using: &generator)
            let sparse = SparseVector(validatedIndices: RandomData.ascending(count, below: UInt32(Self.termLimit), using: &generator),
                                      values: (0..<count).map { _ in RandomData.finiteFloat(nonNegative: true, using: &generator) })
            let dense = (0..<Self.dimension).map { _ in RandomData.finiteFloat(using: &generator) }
            let vectors = BufferedVectors(sparse: sparse, dense: dense)
            #expect(try Self.decode(BufferedVectorsCodec.encode(vectors)) == vectors)
        }
    }

    @Test("unknown flag bits are rejected")
    func unknownFlags() {
        let body = Self.craft(flags: 1 | 4, terms: [1], weights: [1], dense: [])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a dense vector of another dimension than the collection's is rejected")
    func denseDimensionMismatch() {
        let body = BufferedVectorsCodec.encode(BufferedVectors(sparse: nil, dense: Self.dense))
        Malformed.expectCorruption { try Self.decode(body, dimension: 3) }
        Malformed.expectCorruption { try Self.decode(body, dimension: nil) }
    }

    @Test("a non-finite dense value is rejected", arguments: [Float.nan, Float.infinity, -Float.infinity])
    func nonFiniteDense(value: Float) {
        let body = Self.craft(flags: 2, terms: [], weights: [], dense: [0, value, 0, 0])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a term id at or past the term limit is rejected")
    func termOutOfRange() {
        let body = Self.craft(flags: 1, terms: [3, UInt32(Self.termLimit)], weights: [1, 1], dense: [])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("term ids that are not strictly increasing are rejected", arguments: [[3, 3], [5, 2]] as [[UInt32]])
    func termsNotIncreasing(terms: [UInt32]) {
        let body = Self.craft(flags: 1, terms: terms, weights: [1, 1], dense: [])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a negative or non-finite sparse weight is rejected", arguments: [-1, Float.nan, Float.infinity])
    func invalidWeight(weight: Float) {
        let body = Self.craft(flags: 1, terms: [3, 4], weights: [1, weight], dense: [])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("counts larger than the body are rejected without allocating them")
    func hugeCounts() {
        let hugeSparse = Malformed.body {
            $0.append(UInt8(1))
            $0.append(UInt32.max)
            $0.append(UInt32(0))
        }
        Malformed.expectCorruption { try Self.decode(hugeSparse) }
        let hugeDense = Self.craft(flags: 2, terms: [], weights: [], dense: [1], denseCount: .max)
        Malformed.expectCorruption { try Self.decode(hugeDense, dimension: Int(UInt32.max)) }
    }

    @Test("postings or a dense vector that the flags say are absent are rejected")
    func countsContradictFlags() {
        let strayPostings = Self.craft(flags: 2, terms: [3], weights: [1], dense: [1, 2, 3, 4])
        Malformed.expectCorruption("postings without the sparse flag") { try Self.decode(strayPostings) }
        let strayDense = Self.craft(flags: 1, terms: [3], weights: [1], dense: [], denseCount: 4)
        Malformed.expectCorruption("a dense dimension without the dense flag") { try Self.decode(strayDense) }
    }

    @Test("a truncated body is rejected, whatever the cut")
    func truncated() {
        let body = BufferedVectorsCodec.encode(BufferedVectors(sparse: Self.sparse, dense: Self.dense))
        for prefix in Malformed.truncations(of: body) {
            Malformed.expectCorruption("\(prefix.count) bytes") { try Self.decode(prefix) }
        }
    }

    @Test("trailing bytes after the body are rejected")
    func trailingBytes() {
        let body = BufferedVectorsCodec.encode(BufferedVectors(sparse: Self.sparse, dense: nil))
        Malformed.expectCorruption { try Self.decode(body + [0]) }
    }
}
