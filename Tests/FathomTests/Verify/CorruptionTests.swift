import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

/// Damage done to stored blobs behind Fathom's back (a flipped byte, a blob
/// moved to another row, a truncation) is caught by the checksum that every
/// blob carries: `verify()` names the blob, and a search that reads it throws
/// `corruption` instead of crashing or answering from damaged data.
@Suite("Corruption of stored blobs is detected")
struct CorruptionTests {
    typealias B = Behaviour

    /// The stored blobs a test can damage.
    enum Target: String, CaseIterable, Sendable {
        case postingBlock, forwardChunk, denseChunk, documentIDs, termDirectory, bufferedVectors
    }

    /// A database of two segments (40 and 30 documents; term 5 is in every
    /// document, so it has 5 and 4 blocks of 8) and 5 buffered documents.
    struct Damaged {
        let scratch = B.Scratch()
        /// Ids of the first segment's, the second's and the buffered documents.
        var sealed: [String] = [], secondSegment: [String] = [], buffered: [String] = []
        var segmentIDs: [Int64] = []

        init() throws {
            let database = try scratch.open()
            let collection = try database.createCollection(schema: CollectionSchema(
                dense: DenseSchema(dimension: 8, metric: .cosine), sparse: .termIDs(dimension: 64),
                index: IndexParameters(sealThreshold: 1_000, postingBlockSize: 8)))
            var generator = SeededGenerator(seed: 12_000)
            func documents(_ prefix: String, _ count: Int) -> [Document] {
                (0..<count).map { i in
                    let random = SyntheticCorpus.sparseVector(&generator, dimension: 40, terms: 3...8)
                    var pairs = zip(random.indices, random.values).filter { $0.0 != 5 }
                    pairs.append((5, Float(i + 1) / 10))
                    return Document(id: "\(prefix)\(i)", sparse: B.sparse(pairs),
                                    dense: SyntheticCorpus.denseVector(&generator, dimension: 8), text: "\(prefix) \(i)")
                }
            }
            let first = documents("s", 40), second = documents("t", 30), third = documents("b", 5)
            try collection.upsert(first)
            try collection.seal()
            try collection.upsert(second)
            try collection.seal()
            try collection.upsert(third)
            sealed = first.map(\.id)
            secondSegment = second.map(\.id)
            buffered = third.map(\.id)
            #expect(try database.verify().isHealthy)
            let raw = try B.RawFile(scratch.path)
            segmentIDs = try raw.integers("SELECT id FROM segments ORDER BY id", columns: 1).map { $0[0] }
            #expect(segmentIDs.count == 2)
        }

        var firstSegment: Int64 { segmentIDs[0] }

        /// The row of `target` to damage (in the first segment), and the name
        /// `verify` and the corruption error give it.
        func locate(_ target: Target, _ raw: B.RawFile) throws -> (table: String, column: String, rowid: Int64, name: String) {
            let segment = firstSegment
            func blobRow(_ kind: BlobKind) throws -> Int64 {
                try #require(try raw.integers("SELECT rowid FROM segment_blobs WHERE segment_id = ? AND kind = ? AND key = 0",
                                              columns: 1, [segment, Int64(kind.rawValue)]).first)[0]
            }
            switch target {
            case .postingBlock:
                let rowid = try #require(try raw.integers(
                    "SELECT rowid FROM posting_blocks WHERE segment_id = ? AND term_id = 5 AND block_no = 1", columns: 1, [segment]).first)[0]
                return ("posting_blocks", "payload", rowid, "posting block 1 of term 5 in segment \(segment)")
            case .forwardChunk:
                return ("segment_blobs", "payload", try blobRow(.forwardChunk), "forward-index chunk 0 of segment \(segment)")
            case .denseChunk:
                return ("segment_blobs", "payload", try blobRow(.denseChunk), "dense-vector chunk 0 of segment \(segment)")
            case .documentIDs:
                return ("segment_blobs", "payload", try blobRow(.documentIDs), "document-id map of segment \(segment)")
            case .termDirectory:
                return ("segment_blobs", "payload", try blobRow(.termDirectory), "term directory of segment \(segment)")
            case .bufferedVectors:
                let documentID = try #require(try raw.integers("SELECT doc_id FROM write_buffer ORDER BY doc_id LIMIT 1 OFFSET 2",
                                                               columns: 1).first)[0]
                return ("write_buffer", "vectors", documentID, "write-buffer vectors of document \(documentID)")
            }
        }
    }

    static let sparseTerm5 = Query(sparse: B.sparse([(5, 1)]), k: 10, mode: .sparse)
    static let sparseOther = Query(sparse: B.sparse([(1, 1), (2, 1), (3, 1)]), k: 10, mode: .sparse)
    static let dense = Query(dense: [1, -1, 0.5, 0, 0.25, 1, -0.5, 0], k: 10, mode: .dense)
    static var hybrid: Query { Query(sparse: B.sparse([(5, 1)]), dense: dense.dense, k: 10, mode: .hybrid) }

    /// What must fail on a fresh Database after `target` is damaged, and what still works.
    static func expectSearches(after target: Target, on collection: Collection, damaged: Damaged,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        func fails(_ query: Query, _ what: String) {
            let error = B.thrown(sourceLocation: sourceLocation) { try collection.search(query) }
            #expect(error.map(B.ErrorKind.init) == .corruption, "\(what) after damaging the \(target): \(String(describing: error))",
                    sourceLocation: sourceLocation)
        }
        func works(_ query: Query, _ what: String) {
            #expect(throws: Never.self, "\(what) does not read the damaged \(target)", sourceLocation: sourceLocation) {
                _ = try collection.search(query)
            }
        }
        switch target {
        case .postingBlock:
            fails(sparseTerm5, "a sparse search of term 5")
            fails(hybrid, "a hybrid search of term 5")
            works(sparseOther, "a sparse search of other terms")
            works(dense, "a dense search")
        case .forwardChunk:
            fails(sparseOther, "a sparse search")
            fails(hybrid, "a hybrid search")
            #expect(B.kind { try collection.document(id: damaged.sealed[3]) } == .corruption, sourceLocation: sourceLocation)
            works(dense, "a dense search")
        case .denseChunk:
            fails(dense, "a dense search")
            fails(hybrid, "a hybrid search")
            #expect(B.kind { try collection.document(id: damaged.sealed[3]) } == .corruption, sourceLocation: sourceLocation)
            works(sparseTerm5, "a sparse search")
        case .documentIDs:
            fails(sparseOther, "a sparse search")
            fails(dense, "a dense search")
        case .termDirectory:
            fails(sparseTerm5, "a sparse search")
            fails(sparseOther, "a sparse search of other terms")
            works(dense, "a dense search")
        case .bufferedVectors:
            fails(sparseOther, "a sparse search")
            fails(dense, "a dense search")
            #expect(B.kind { try collection.document(id: damaged.buffered[2]) } == .corruption, sourceLocation: sourceLocation)
        }
        // Documents elsewhere stay readable, and counting reads no blob.
        #expect(try collection.count() == 75, sourceLocation: sourceLocation)
        if target != .bufferedVectors {
            #expect(try collection.document(id: damaged.secondSegment[0])?.text == "t 0", sourceLocation: sourceLocation)
        }
    }

    static func expectReported(_ names: [String], in database: Database, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let report = try database.verify()
        #expect(!report.isHealthy, sourceLocation: sourceLocation)
        #expect(report.sqliteIntegrity == "ok", sourceLocation: sourceLocation)
        for name in names {
            #expect(report.problems.contains { $0.contains(name) }, "verify does not name \(name): \(report.problems)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test("one flipped byte anywhere in the envelope (version, kind, flags, length, checksum, body) of each kind of blob",
          arguments: Target.allCases, [0, 1, 2, 5, 9, 16, -1])
    func flippedByte(target: Target, offset: Int) throws {
        let damaged = try Damaged()
        let name: String
        do {
            let raw = try B.RawFile(damaged.scratch.path)
            let row = try damaged.locate(target, raw)
            try raw.flipByte(row.table, row.column, rowid: row.rowid, at: offset)
            name = row.name
        }
        let database = try damaged.scratch.open()
        try Self.expectReported([name], in: database)
        try Self.expectSearches(after: target, on: try database.collection(), damaged: damaged)
        // The error names the blob too.
        let query = target == .denseChunk ? Self.dense : target == .postingBlock ? Self.sparseTerm5 : Self.sparseOther
        if case .corruption(let what, _)? = B.thrown({ try database.collection().search(query) }) {
            #expect(what == name)
        }
    }

    @Test("a blob cut short, emptied or extended is detected", arguments: Target.allCases, ["empty", "header only", "one byte short", "one byte more"])
    func truncatedOrExtended(target: Target, change: String) throws {
        let damaged = try Damaged()
        let name: String
        do {
            let raw = try B.RawFile(damaged.scratch.path)
            let row = try damaged.locate(target, raw)
            let bytes = try raw.payload(row.table, row.column, rowid: row.rowid)
            let changed: [UInt8] = switch change {
            case "empty": []
            case "header only": Array(bytes.prefix(BlobEnvelope.headerSize))
            case "one byte short": Array(bytes.dropLast())
            default: bytes + [0]
            }
            try raw.setPayload(row.table, row.column, rowid: row.rowid, changed)
            name = row.name
        }
        let database = try damaged.scratch.open()
        try Self.expectReported([name], in: database)
        try Self.expectSearches(after: target, on: try database.collection(), damaged: damaged)
    }

    /// Two posting blocks whose payloads trade rows: (segment index, term, block) pairs;
    /// term -1 stands for a term of the first segment with a single block.
    static let swaps: [[Int]] = [
        [0, 5, 0, 0, 5, 3],     // two blocks of one list
        [0, 5, 4, 0, -1, 0],    // blocks of two terms
        [0, 5, 0, 1, 5, 0],     // the same block of two segments
    ]

    @Test("posting blocks whose payloads trade rows are detected (other block, other term, other segment)", arguments: swaps)
    func swappedPostingBlocks(swap: [Int]) throws {
        let damaged = try Damaged()
        let raw = try B.RawFile(damaged.scratch.path)
        let single = try #require(try raw.integers(
            "SELECT term_id FROM posting_blocks WHERE segment_id = ? AND term_id <> 5 GROUP BY term_id HAVING count(*) = 1 ORDER BY term_id LIMIT 1",
            columns: 1, [damaged.firstSegment]).first)[0]
        var rows: [Int64] = []
        var names: [String] = []
        var terms = Set<Int64>()
        for (segmentIndex, term, block) in [(swap[0], swap[1], swap[2]), (swap[3], swap[4], swap[5])] {
            let segment = damaged.segmentIDs[segmentIndex]
            let term = term < 0 ? single : Int64(term)
            rows.append(try #require(try raw.integers(
                "SELECT rowid FROM posting_blocks WHERE segment_id = ? AND term_id = ? AND block_no = ?",
                columns: 1, [segment, term, Int64(block)]).first)[0])
            names.append("posting block \(block) of term \(term) in segment \(segment)")
            terms.insert(term)
        }
        let first = try raw.payload("posting_blocks", "payload", rowid: rows[0])
        let second = try raw.payload("posting_blocks", "payload", rowid: rows[1])
        try raw.setPayload("posting_blocks", "payload", rowid: rows[0], second)
        try raw.setPayload("posting_blocks", "payload", rowid: rows[1], first)

        let database = try damaged.scratch.open()
        let report = try database.verify()
        #expect(!report.isHealthy)
        // verify stops at the first bad block of a list: the lower-numbered block of each list is named.
        #expect(report.problems.contains { $0.contains(names[0]) }, "\(report.problems)")
        if terms.count == 2 || swap[0] != swap[3] {
            #expect(report.problems.contains { $0.contains(names[1]) }, "\(report.problems)")
        }
        let collection = try database.collection()
        for term in terms {
            #expect(B.kind { try collection.search(Query(sparse: B.sparse([(UInt32(term), 1)]), k: 5)) } == .corruption)
        }
    }

    @Test("a segment blob copied over the same kind of blob of another segment is detected",
          arguments: [BlobKind.documentIDs, .forwardChunk, .denseChunk, .termDirectory])
    func blobMovedAcrossSegments(kind: BlobKind) throws {
        let damaged = try Damaged()
        let (first, second) = (damaged.segmentIDs[0], damaged.segmentIDs[1])
        do {
            let raw = try B.RawFile(damaged.scratch.path)
            let rows = try raw.integers("SELECT rowid FROM segment_blobs WHERE kind = ? AND key = 0 ORDER BY segment_id",
                                        columns: 1, [Int64(kind.rawValue)]).map { $0[0] }
            try raw.setPayload("segment_blobs", "payload", rowid: rows[1], try raw.payload("segment_blobs", "payload", rowid: rows[0]))
        }
        let database = try damaged.scratch.open()
        let name = BlobIdentity(kind, owner: second).description
        #expect(name.hasSuffix("of segment \(second)"))
        try Self.expectReported([name], in: database)
        let report = try database.verify()
        #expect(!report.problems.contains { $0.contains("segment \(first)") }, "the source segment is intact: \(report.problems)")
        let collection = try database.collection()
        let query = kind == .denseChunk ? Self.dense : Self.sparseOther
        #expect(B.kind { try collection.search(query) } == .corruption)
    }

    @Test("verify reads storage afresh: damage done while a Database is open and has cached everything is reported")
    func verifyIgnoresCaches() throws {
        let damaged = try Damaged()
        let database = try damaged.scratch.open()
        let collection = try database.collection()
        _ = try collection.search(Self.sparseTerm5)
        _ = try collection.search(Self.dense)
        #expect(try database.verify().isHealthy)
        let raw = try B.RawFile(damaged.scratch.path)
        let row = try damaged.locate(.forwardChunk, raw)
        try raw.flipByte(row.table, row.column, rowid: row.rowid, at: 20)
        try Self.expectReported([row.name], in: database)
    }

    @Test("a healthy database with segments, tombstones, a buffer and a vocabulary verifies clean and counts what it checked")
    func healthyDatabaseVerifies() throws {
        let damaged = try Damaged()
        let database = try damaged.scratch.open()
        let collection = try database.collection()
        try collection.delete(ids: ["s1", "t2", "b0"])
        try collection.upsert([Document(id: "s3", sparse: B.sparse([(7, 1)]))])
        let words = try database.createCollection("words", schema: CollectionSchema(
            sparse: .vocabulary, index: IndexParameters(sealThreshold: 4, postingBlockSize: 8)))
        try words.upsert((0..<10).map { Document(id: "w\($0)", sparseTerms: ["α\($0 % 3)": 1, "common": Float($0)]) })
        let denseOnly = try database.createCollection("dense", schema: CollectionSchema(
            dense: DenseSchema(dimension: 3, metric: .l2), index: IndexParameters(sealThreshold: 5)))
        for i in 0..<12 { try denseOnly.upsert([Document(id: "v\(i)", dense: [Float(i), 1, -1])]) }
        let report = try database.verify()
        #expect(report.isHealthy, "\(report.problems)")
        #expect(report.sqliteIntegrity == "ok")
        #expect(report.collectionsChecked == 3)
        #expect(report.segmentsChecked == 2 + 1 + 2)
        #expect(report.documentsChecked == (75 - 3) + 10 + 12)
        #expect(report.blobsChecked > 20)
    }
}
