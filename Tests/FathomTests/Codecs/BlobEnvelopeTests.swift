@testable import Fathom
import FathomTestSupport
import Testing

@Suite("Blob envelope")
struct BlobEnvelopeTests {
    static let identity = BlobIdentity(.postingBlock, owner: 7, key: 2_054, subkey: 3)

    /// 600 bytes with long repeats: LZ4 shrinks it.
    static let compressible: [UInt8] = (0..<600).map { UInt8(truncatingIfNeeded: ($0 / 40) &* 13) }

    /// 300 seeded random bytes: LZ4 cannot shrink it.
    static var incompressible: [UInt8] {
        var generator = SeededGenerator(seed: 11)
        return RandomData.bytes(300, using: &generator)
    }

    @Test("a compressible body is stored compressed and opens to the same bytes")
    func compressedRoundTrip() throws {
        let sealed = BlobEnvelope.seal(Self.compressible, identity: Self.identity)
        #expect(sealed[2] & 1 == 1, "compressed flag")
        #expect(sealed.count < BlobEnvelope.headerSize + Self.compressible.count)
        #expect(try BlobEnvelope.open(sealed, identity: Self.identity) == Self.compressible)
    }

    @Test("with compression off, the body is stored raw and opens to the same bytes")
    func rawRoundTrip() throws {
        let sealed = BlobEnvelope.seal(Self.compressible, identity: Self.identity, compress: false)
        #expect(sealed[2] == 0)
        #expect(sealed.count == BlobEnvelope.headerSize + Self.compressible.count)
        #expect(Array(sealed[BlobEnvelope.headerSize...]) == Self.compressible)
        #expect(try BlobEnvelope.open(sealed, identity: Self.identity) == Self.compressible)
    }

    @Test("an incompressible body is stored raw even when compression is on")
    func incompressibleStaysRaw() throws {
        let sealed = BlobEnvelope.seal(Self.incompressible, identity: Self.identity)
        #expect(sealed[2] == 0)
        #expect(sealed.count == BlobEnvelope.headerSize + Self.incompressible.count)
        #expect(try BlobEnvelope.open(sealed, identity: Self.identity) == Self.incompressible)
    }

    @Test("an empty body round-trips")
    func emptyBody() throws {
        let sealed = BlobEnvelope.seal([], identity: Self.identity)
        #expect(sealed.count == BlobEnvelope.headerSize)
        #expect(try BlobEnvelope.open(sealed, identity: Self.identity) == [])
    }

    @Test("blobs of every kind round-trip")
    func everyKind() throws {
        for kind in BlobKind.allCases {
            let identity = BlobIdentity(kind, owner: 1, key: 2, subkey: 3)
            let sealed = BlobEnvelope.seal(Self.compressible, identity: identity)
            #expect(sealed[1] == kind.rawValue)
            #expect(try BlobEnvelope.open(sealed, identity: identity) == Self.compressible)
        }
    }

    @Test("the header holds version 1, the kind, a zero reserved byte and the raw length, little-endian")
    func headerLayout() {
        let sealed = BlobEnvelope.seal(Self.compressible, identity: Self.identity)
        #expect(sealed[0] == 1)
        #expect(sealed[1] == BlobKind.postingBlock.rawValue)
        #expect(sealed[3] == 0)
        #expect(Array(sealed[4..<8]) == [0x58, 0x02, 0, 0])   // 600
    }

    @Test("a flipped byte anywhere in a sealed blob is reported as corruption", arguments: [false, true])
    func flippedByte(compress: Bool) {
        let sealed = BlobEnvelope.seal(Self.compressible, identity: Self.identity, compress: compress)
        for position in sealed.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = sealed
                damaged[position] ^= mask
                Malformed.expectCorruption("byte \(position) xor \(mask)") {
                    try BlobEnvelope.open(damaged, identity: Self.identity)
                }
            }
        }
    }

    @Test("a blob opened under another identity (owner, key, subkey or kind) is reported as corruption")
    func otherIdentity() {
        let others = [
            BlobIdentity(.postingBlock, owner: 8, key: 2_054, subkey: 3),
            BlobIdentity(.postingBlock, owner: 7, key: 2_055, subkey: 3),
            BlobIdentity(.postingBlock, owner: 7, key: 2_054, subkey: 4),
            BlobIdentity(.postingBlock, owner: 7, key: 3, subkey: 2_054),   // key and subkey swapped
            BlobIdentity(.forwardChunk, owner: 7, key: 2_054, subkey: 3),
        ]
        for compress in [false, true] {
            let sealed = BlobEnvelope.seal(Self.compressible, identity: Self.identity, compress: compress)
            for other in others {
                Malformed.expectCorruption("\(other), compress: \(compress)") { try BlobEnvelope.open(sealed, identity: other) }
            }
        }
    }

    @Test("a truncated blob is reported as corruption, whatever the cut", arguments: [false, true])
    func truncated(compress: Bool) {
        let sealed = BlobEnvelope.seal(Self.compressible, identity: Self.identity, compress: compress)
        for prefix in Malformed.truncations(of: sealed) {
            Malformed.expectCorruption("\(prefix.count) of \(sealed.count) bytes") {
                try BlobEnvelope.open(prefix, identity: Self.identity)
            }
        }
    }

    @Test("a blob with bytes appended is reported as corruption", arguments: [false, true])
    func extended(compress: Bool) {
        let sealed = BlobEnvelope.seal(Self.compressible, identity: Self.identity, compress: compress)
        Malformed.expectCorruption { try BlobEnvelope.open(sealed + [0], identity: Self.identity) }
    }

    @Test("the corruption error names the blob it was reading")
    func errorNamesTheBlob() {
        var damaged = BlobEnvelope.seal(Self.compressible, identity: Self.identity)
        damaged[damaged.count - 1] ^= 1
        let error = Malformed.expectCorruption { try BlobEnvelope.open(damaged, identity: Self.identity) }
        #expect(error?.what == "posting block 3 of term 2054 in segment 7")
    }
}
