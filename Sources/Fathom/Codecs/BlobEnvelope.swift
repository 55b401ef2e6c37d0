/// What a stored blob is and where it belongs. The checksum of every blob
/// covers its identity, so a blob copied into the wrong row (another segment,
/// term or block number) fails verification just like a flipped bit.
struct BlobIdentity: Hashable, CustomStringConvertible {
    var kind: BlobKind
    /// The segment id, the document id for write-buffer rows, or the
    /// collection id for a tokenizer's vocabulary and weights.
    var owner: Int64
    /// Term id, chunk number, or 0.
    var key: Int64
    /// Block number within a posting list, or 0.
    var subkey: Int64

    init(_ kind: BlobKind, owner: Int64, key: Int64 = 0, subkey: Int64 = 0) {
        self.kind = kind
        self.owner = owner
        self.key = key
        self.subkey = subkey
    }

    var description: String {
        switch kind {
        case .postingBlock: return "posting block \(subkey) of term \(key) in segment \(owner)"
        case .forwardChunk: return "forward-index chunk \(key) of segment \(owner)"
        case .denseChunk: return "dense-vector chunk \(key) of segment \(owner)"
        case .documentIDs: return "document-id map of segment \(owner)"
        case .termDirectory: return "term directory of segment \(owner)"
        case .bufferedVectors: return "write-buffer vectors of document \(owner)"
        case .seismicList: return "Seismic list of term \(key) in segment \(owner)"
        case .denseGraph: return "dense graph of segment \(owner)"
        case .tokenizerVocabulary: return "tokenizer vocabulary of collection \(owner)"
        case .queryWeights: return "query weights of collection \(owner)"
        }
    }

    /// The checksum seed: XXH3 of the identity fields.
    var seed: UInt64 {
        var writer = ByteWriter()
        writer.append(UInt8(kind.rawValue))
        writer.append(UInt64(bitPattern: owner))
        writer.append(UInt64(bitPattern: key))
        writer.append(UInt64(bitPattern: subkey))
        return Checksum.xxh3(writer.bytes, seed: 0x4641_5448_4F4D_0001)  // "FATHOM" v1
    }
}

/// The kinds of blob Fathom stores. Raw values are part of the file format.
enum BlobKind: UInt8, CaseIterable {
    case postingBlock = 1
    case forwardChunk = 2
    case denseChunk = 3
    case documentIDs = 4
    case termDirectory = 5
    case bufferedVectors = 6
    case seismicList = 7
    case denseGraph = 8
    case tokenizerVocabulary = 9
    case queryWeights = 10
}

/// The frame around every stored blob (file format v1, little-endian):
///
/// ```
/// offset  size  field
///      0     1  envelope version (1)
///      1     1  kind (BlobKind)
///      2     1  flags: bit 0 = body is LZ4-compressed
///      3     1  reserved, 0
///      4     4  body length before compression
///      8     8  XXH3-64 checksum, seeded with the blob's identity, over
///               bytes 0..<8 followed by the stored body
///     16     …  body (compressed or raw)
/// ```
enum BlobEnvelope {
    static let version: UInt8 = 1
    static let headerSize = 16
    private static let compressedFlag: UInt8 = 1

    /// Frames `body`, compressing it with LZ4 when that makes it smaller.
    static func seal(_ body: [UInt8], identity: BlobIdentity, compress: Bool = true) -> [UInt8] {
        let compressed = compress ? LZ4Codec.compress(body) : nil
        var header = ByteWriter()
        header.append(version)
        header.append(identity.kind.rawValue)
        header.append(compressed == nil ? 0 : compressedFlag)
        header.append(UInt8(0))
        header.append(UInt32(body.count))
        let stored = compressed ?? body
        var blob = header.bytes
        blob.reserveCapacity(headerSize + stored.count)
        var checksumInput = header.bytes
        checksumInput.append(contentsOf: stored)
        let checksum = Checksum.xxh3(checksumInput, seed: identity.seed)
        withUnsafeBytes(of: checksum.littleEndian) { blob.append(contentsOf: $0) }
        blob.append(contentsOf: stored)
        return blob
    }

    /// Verifies the frame and checksum and returns the decompressed body.
    /// Throws ``FathomError/corruption(what:detail:)`` naming the blob.
    static func open(_ blob: UnsafeRawBufferPointer, identity: BlobIdentity) throws -> [UInt8] {
        func corrupt(_ detail: String) -> FathomError {
            .corruption(what: identity.description, detail: detail)
        }
        guard blob.count >= headerSize else { throw corrupt("blob is \(blob.count) bytes, shorter than its header") }
        guard blob[0] == version else { throw corrupt("unknown envelope version \(blob[0])") }
        guard blob[1] == identity.kind.rawValue else {
            throw corrupt("blob kind \(blob[1]) where \(identity.kind.rawValue) was expected")
        }
        let flags = blob[2]
        guard flags & ~compressedFlag == 0, blob[3] == 0 else { throw corrupt("unknown flags") }
        let rawCount = Int(blob.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian)
        let stored = blob.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
        // Checksum over header bytes 0..<8 and the body, without copying the body.
        var expected = [UInt8](blob[0..<8])
        expected.append(contentsOf: blob[headerSize...])
        guard Checksum.xxh3(expected, seed: identity.seed) == stored else {
            throw corrupt("checksum mismatch")
        }
        let body = UnsafeRawBufferPointer(rebasing: blob[headerSize...])
        if flags & compressedFlag != 0 {
            guard let raw = LZ4Codec.decompress(body, rawCount: rawCount) else {
                throw corrupt("LZ4 body does not decode to \(rawCount) bytes")
            }
            return raw
        }
        guard body.count == rawCount else { throw corrupt("raw body is \(body.count) bytes, header says \(rawCount)") }
        return [UInt8](body)
    }

    static func open(_ blob: [UInt8], identity: BlobIdentity) throws -> [UInt8] {
        try blob.withUnsafeBytes { try open($0, identity: identity) }
    }
}
