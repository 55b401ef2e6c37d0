@testable import Fathom
import FathomTestSupport
import Testing

@Suite("Term directory codec")
struct TermDirectoryCodecTests {
    static func decode(_ body: [UInt8]) throws -> [UInt32: TermEntry] {
        try TermDirectoryCodec.decode(body, what: "test directory")
    }

    /// A body in the v1 layout from its stored columns.
    static func craft(deltas: [UInt32], frequencies: [UInt32], blocks: [UInt32], maxima: [Float]) -> [UInt8] {
        Malformed.body {
            $0.append(UInt32(deltas.count))
            $0.appendShuffled(deltas)
            $0.appendShuffled(frequencies)
            $0.appendShuffled(blocks)
            $0.appendShuffled(maxima)
        }
    }

    @Test("a directory round-trips exactly, term 0 and the largest term id included")
    func roundTrip() throws {
        var generator = SeededGenerator(seed: 41)
        var terms = RandomData.ascending(300, below: 30_522, using: &generator)
        terms[0] = 0
        terms.append(UInt32.max)
        let directory = terms.map { term in
            (term: term, entry: TermEntry(documentFrequency: UInt32.random(in: 1...5_000, using: &generator),
                                          blockCount: UInt32.random(in: 1...40, using: &generator),
                                          maxWeight: RandomData.finiteFloat(nonNegative: true, using: &generator)))
        }
        let decoded = try Self.decode(TermDirectoryCodec.encode(directory))
        #expect(decoded.count == directory.count)
        for item in directory {
            #expect(decoded[item.term] == item.entry, "term \(item.term)")
        }
    }

    @Test("an empty directory round-trips")
    func empty() throws {
        #expect(try Self.decode(TermDirectoryCodec.encode([])).isEmpty)
    }

    @Test("a repeated term id is rejected")
    func repeatedTerm() {
        let body = Self.craft(deltas: [5, 0], frequencies: [1, 1], blocks: [1, 1], maxima: [1, 1])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("term ids past the 32-bit range are rejected")
    func termOverflow() {
        let body = Self.craft(deltas: [UInt32.max, 1], frequencies: [1, 1], blocks: [1, 1], maxima: [1, 1])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a term with document frequency 0 is rejected")
    func zeroFrequency() {
        let body = Self.craft(deltas: [5], frequencies: [0], blocks: [1], maxima: [1])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a term with no blocks is rejected")
    func zeroBlocks() {
        let body = Self.craft(deltas: [5], frequencies: [3], blocks: [0], maxima: [1])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a negative or non-finite max weight is rejected", arguments: [-1, Float.nan, Float.infinity])
    func invalidMaxWeight(weight: Float) {
        let body = Self.craft(deltas: [5], frequencies: [3], blocks: [1], maxima: [weight])
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a term count larger than the body is rejected without allocating it")
    func hugeCount() {
        let body = Malformed.body { $0.append(UInt32.max) }
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a truncated body is rejected, whatever the cut")
    func truncated() {
        let body = TermDirectoryCodec.encode([
            (term: 1, entry: TermEntry(documentFrequency: 2, blockCount: 1, maxWeight: 0.5)),
            (term: 9, entry: TermEntry(documentFrequency: 300, blockCount: 3, maxWeight: 2.5)),
        ])
        for prefix in Malformed.truncations(of: body) {
            Malformed.expectCorruption("\(prefix.count) bytes") { try Self.decode(prefix) }
        }
    }

    @Test("trailing bytes after the body are rejected")
    func trailingBytes() {
        let body = TermDirectoryCodec.encode([(term: 1, entry: TermEntry(documentFrequency: 2, blockCount: 1, maxWeight: 0.5))])
        Malformed.expectCorruption { try Self.decode(body + [0]) }
    }
}
