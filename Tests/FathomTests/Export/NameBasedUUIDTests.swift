import Foundation
import Testing
@testable import Fathom

@Suite("Name-based UUIDs: SHA-1 and version-5 UUIDs agree with other implementations")
struct NameBasedUUIDTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test("SHA-1 gives the FIPS 180 digests, including messages at every padding boundary")
    func sha1Vectors() {
        #expect(Self.hex(SHA1.digest(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(Self.hex(SHA1.digest([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(Self.hex(SHA1.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        // Lengths around the 56-byte padding limit and the 64-byte block (values from Python's hashlib).
        let expected: [Int: String] = [
            55: "c1c8bbdc22796e28c0e15163d20899b65621d65a", 56: "c2db330f6083854c99d4b5bfb6e8f29f201be699",
            63: "03f09f5b158a7a8cdad920bddc29b81c18a551f5", 64: "0098ba824b5c16427bd7a1122a5a442a25ec644d",
            65: "11655326c708d70319be2610e8a57d9a5b959d3b", 119: "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56",
            120: "f34c1488385346a55709ba056ddd08280dd4c6d6",
        ]
        for (length, digest) in expected {
            #expect(Self.hex(SHA1.digest([UInt8](repeating: UInt8(ascii: "a"), count: length))) == digest, "\(length) bytes")
        }
        #expect(Self.hex(SHA1.digest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test("a version-5 UUID is Python's uuid5: the documented example and Fathom's Qdrant namespace")
    func version5MatchesPython() {
        // uuid.uuid5(uuid.NAMESPACE_DNS, "python.org"), the example in Python's documentation.
        let dns: [UInt8] = [0x6B, 0xA7, 0xB8, 0x10, 0x9D, 0xAD, 0x11, 0xD1, 0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8]
        #expect(NameBasedUUID.version5(namespace: dns, name: "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d")

        #expect(NameBasedUUID.format(ExportFormat.qdrantNamespace) == "8c01d74b-d9ae-565f-81f5-dea264d519b4")
        // uuid.uuid5(uuid.UUID("8c01d74b-d9ae-565f-81f5-dea264d519b4"), id) for each id.
        let expected: [String: String] = [
            "doc-1": "38e8a0cb-2a19-55d9-a6fe-1e8222368e91",
            "doc-2": "35550f27-51f1-5c0f-89e8-2edcdfc31025",
            "swift-nio:4": "10b90eb3-d4fd-5dee-bfa7-e4aa7c3f17a9",
            "日本": "4e318495-cf15-5b84-b569-1b94398da9a2",
            "🧭 id with spaces/and\"quotes\"": "bbfe2cef-7869-5487-b585-b915be1d0458",
            String(repeating: "x", count: 4_096): "85c40d5e-156a-5eda-841e-00d3988dbee7",
        ]
        for (id, uuid) in expected {
            #expect(ExportFormat.qdrantPointID(forDocumentID: id) == uuid, "id \(id.prefix(20))")
        }
    }

    @Test("point ids are well-formed version-5 UUIDs, the same on every call and distinct for distinct ids")
    func wellFormedAndDistinct() throws {
        var seen: [String: String] = [:]
        for i in 0..<5_000 {
            let id = i % 2 == 0 ? "doc-\(i)" : "\(i)"
            let uuid = ExportFormat.qdrantPointID(forDocumentID: id)
            #expect(uuid == ExportFormat.qdrantPointID(forDocumentID: id))
            let parsed = try #require(UUID(uuidString: uuid), "\(uuid) is not a UUID")
            #expect(parsed.uuidString.lowercased() == uuid, "lowercase canonical form")
            let bytes = withUnsafeBytes(of: parsed.uuid) { Array($0) }
            #expect(bytes[6] >> 4 == 5, "version 5")
            #expect(bytes[8] >> 6 == 0b10, "RFC 9562 variant")
            if let other = seen.updateValue(id, forKey: uuid) { Issue.record("\(id) and \(other) share \(uuid)") }
        }
    }
}
