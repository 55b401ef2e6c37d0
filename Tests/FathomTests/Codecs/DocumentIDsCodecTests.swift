@testable import Fathom
import FathomTestSupport
import Testing

@Suite("Document-id map codec")
struct DocumentIDsCodecTests {
    static func decode(_ body: [UInt8]) throws -> [Int64] {
        try DocumentIDsCodec.decode(body, what: "test id map")
    }

    /// A body in the v1 layout from its stored deltas.
    static func craft(_ deltas: [UInt64]) -> [UInt8] {
        Malformed.body {
            $0.append(UInt32(deltas.count))
            $0.appendShuffled(deltas)
        }
    }

    @Test("increasing ids round-trip exactly")
    func roundTrip() throws {
        var generator = SeededGenerator(seed: 31)
        var ids: [Int64] = []
        var current: Int64 = 0
        for _ in 0..<1_000 {
            current += Int64.random(in: 1...(Int.random(in: 0...1, using: &generator) == 0 ? 3 : 1_000_000), using: &generator)
            ids.append(current)
        }
        #expect(try Self.decode(DocumentIDsCodec.encode(ids)) == ids)
    }

    @Test("an empty map round-trips")
    func empty() throws {
        #expect(try Self.decode(DocumentIDsCodec.encode([])) == [])
    }

    @Test("ids near the top of the Int64 range round-trip")
    func largeIDs() throws {
        let ids: [Int64] = [1, Int64.max / 2, Int64.max - 1]
        #expect(try Self.decode(DocumentIDsCodec.encode(ids)) == ids)
    }

    @Test("the largest Int64 id round-trips (the encoder accepts it)")
    func maximumID() throws {
        for ids: [Int64] in [[Int64.max], [5, Int64.max]] {
            #expect(try Self.decode(DocumentIDsCodec.encode(ids)) == ids, "\(ids)")
        }
    }

    @Test("a repeated id (delta 0) is rejected")
    func repeatedID() {
        Malformed.expectCorruption { try Self.decode(Self.craft([4, 0, 2])) }
    }

    @Test("a first id of 0 is rejected: ids are positive")
    func zeroFirstID() {
        Malformed.expectCorruption { try Self.decode(Self.craft([0, 1])) }
    }

    @Test("deltas that overflow Int64 are rejected")
    func overflow() {
        Malformed.expectCorruption { try Self.decode(Self.craft([UInt64(Int64.max) - 1, 10])) }
        Malformed.expectCorruption { try Self.decode(Self.craft([UInt64.max])) }
    }

    @Test("a count larger than the body is rejected without allocating it")
    func hugeCount() {
        let body = Malformed.body {
            $0.append(UInt32.max)
            $0.append(UInt64(1))
        }
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("a truncated body is rejected, whatever the cut")
    func truncated() {
        let body = DocumentIDsCodec.encode([3, 10, 11, 5_000])
        for prefix in Malformed.truncations(of: body) {
            Malformed.expectCorruption("\(prefix.count) bytes") { try Self.decode(prefix) }
        }
    }

    @Test("trailing bytes after the body are rejected")
    func trailingBytes() {
        Malformed.expectCorruption { try Self.decode(DocumentIDsCodec.encode([3, 10]) + [1]) }
    }
}
