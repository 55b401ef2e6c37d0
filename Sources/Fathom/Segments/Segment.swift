import Synchronization

/// A sealed, immutable segment of one collection, as a reader sees it.
///
/// Nothing is decoded when a database opens: each part (document ids,
/// forward index, dense vectors and graph, term directory, a term's posting
/// list or Seismic list) is read
/// and verified on first use, through the connection of the query that needs
/// it, then cached for the life of the segment. Segments never change once
/// written, so a cached part stays valid; each part has its own mutex.
final class Segment: Sendable {
    let id: Int64
    let documentCount: Int
    let postingCount: Int
    /// Term ids must be below this (the sparse dimension, or 2³² for vocabularies).
    let termLimit: UInt64
    let denseDimension: Int?
    /// The collection's dense metric (what a dense graph was built for).
    let denseMetric: DenseMetric
    let format: SegmentFormat
    /// Whether the segment has Seismic lists.
    var hasSeismicIndex: Bool { format.hasSeismicIndex }
    /// Whether the segment has an HNSW graph over its dense vectors.
    var hasDenseGraph: Bool { format.hasDenseGraph }

    private let documentIDsSlot = Mutex<[Int64]?>(nil)
    private let forwardSlot = Mutex<ForwardIndex?>(nil)
    /// Outer nil: not built yet; inner nil: the segment's terms do not fit 16 bits.
    private let compactForwardSlot = Mutex<CompactForwardIndex??>(nil)
    private let denseSlot = Mutex<DenseMatrix?>(nil)
    private let denseGraphSlot = Mutex<DenseGraph?>(nil)
    private let metadataSlot = Mutex<MetadataColumns?>(nil)
    /// Compact codes of the dense vectors by kind, built in memory on first use.
    private let denseCodesSlot = Mutex<[DenseCodeKind: any DenseCodes]>([:])
    private let directorySlot = Mutex<[UInt32: TermEntry]?>(nil)
    /// Decoded posting lists by term; filled on demand.
    private let postingLists = Mutex<[UInt32: PostingList]>([:])
    /// Decoded Seismic lists by term (nil: the term has none); filled on demand.
    private let seismicLists = Mutex<[UInt32: SeismicList?]>([:])

    init(id: Int64, documentCount: Int, postingCount: Int, termLimit: UInt64, denseDimension: Int?,
         denseMetric: DenseMetric = .dot, format: SegmentFormat = .exactOnly) {
        self.id = id
        self.documentCount = documentCount
        self.postingCount = postingCount
        self.termLimit = termLimit
        self.denseDimension = denseDimension
        self.denseMetric = denseMetric
        self.format = format
    }

    private static let seismicQuery = "SELECT payload FROM segment_blobs WHERE segment_id = ? AND kind = ? AND key = ?"

    /// The Seismic list of `term`, or nil when no document of the segment has
    /// the term (or the segment has no Seismic index). Decoded and verified on
    /// first use, then cached.
    func seismicList(term: UInt32, _ connection: SQLiteConnection) throws -> SeismicList? {
        guard hasSeismicIndex else { return nil }
        if let cached = seismicLists.withLock({ $0[term] }) { return cached }
        let statement = try connection.statement(Self.seismicQuery)
        defer { statement.reset() }
        try statement.bind(1, id)
        try statement.bind(2, Int64(BlobKind.seismicList.rawValue))
        try statement.bind(3, Int64(term))
        var list: SeismicList?
        if try statement.step() {
            let identity = BlobIdentity(.seismicList, owner: id, key: Int64(term))
            let body = try statement.withBlob(0) { try BlobEnvelope.open($0, identity: identity) }
            list = try SeismicListCodec.decode(body, what: identity.description, ordinalLimit: UInt32(documentCount),
                                               termLimit: termLimit)
        } else if try termDirectory(connection)[term] != nil {
            throw FathomError.corruption(what: "segment \(id)", detail: "term \(term) has postings but no Seismic list")
        }
        seismicLists.withLock { $0[term] = list }
        return list
    }

    private static let blobQuery = "SELECT key, payload FROM segment_blobs WHERE segment_id = ? AND kind = ? ORDER BY key"

    /// Reads every blob of `kind`, verifying checksums and that keys run 0, 1, 2, ….
    private func forEachBlob(_ kind: BlobKind, _ connection: SQLiteConnection,
                             _ visit: (_ key: Int64, _ payload: [UInt8]) throws -> Void) throws {
        let statement = try connection.statement(Self.blobQuery)
        defer { statement.reset() }
        try statement.bind(1, id)
        try statement.bind(2, Int64(kind.rawValue))
        var expectedKey: Int64 = 0
        while try statement.step() {
            let key = statement.int64(0)
            let identity = BlobIdentity(kind, owner: id, key: key)
            guard key == expectedKey else {
                throw FathomError.corruption(what: identity.description, detail: "expected chunk \(expectedKey)")
            }
            let body = try statement.withBlob(1) { try BlobEnvelope.open($0, identity: identity) }
            try visit(key, body)
            expectedKey += 1
        }
        if expectedKey == 0 && (kind == .documentIDs || kind == .termDirectory || kind == .forwardChunk) {
            throw FathomError.corruption(what: "segment \(id)", detail: "missing \(kind)")
        }
    }

    func documentIDs(_ connection: SQLiteConnection) throws -> [Int64] {
        try documentIDsSlot.withLock { slot in
            if let cached = slot { return cached }
            var ids: [Int64] = []
            try forEachBlob(.documentIDs, connection) { _, body in
                ids = try DocumentIDsCodec.decode(body, what: BlobIdentity(.documentIDs, owner: id).description)
            }
            guard ids.count == documentCount else {
                throw FathomError.corruption(what: "segment \(id)",
                                             detail: "document-id map holds \(ids.count) ids, manifest says \(documentCount)")
            }
            slot = ids
            return ids
        }
    }

    func forwardIndex(_ connection: SQLiteConnection) throws -> ForwardIndex {
        try forwardSlot.withLock { slot in
            if let cached = slot { return cached }
            var forward = ForwardIndex()
            try forEachBlob(.forwardChunk, connection) { key, body in
                let what = BlobIdentity(.forwardChunk, owner: id, key: key).description
                forward.append(chunk: try ForwardChunkCodec.decode(body, what: what, termLimit: termLimit))
            }
            guard forward.documentCount == documentCount, forward.postingCount == postingCount else {
                throw FathomError.corruption(
                    what: "forward index of segment \(id)",
                    detail: "holds \(forward.documentCount) documents and \(forward.postingCount) postings, "
                        + "manifest says \(documentCount) and \(postingCount)")
            }
            slot = forward
            return forward
        }
    }

    /// The forward index in 3 bytes per posting for approximate scoring (built
    /// from the forward index on first use), or nil when a term id needs more
    /// than 16 bits.
    func compactForwardIndex(_ connection: SQLiteConnection) throws -> CompactForwardIndex? {
        if let cached = compactForwardSlot.withLock({ $0 }) { return cached }
        let compact = CompactForwardIndex(try forwardIndex(connection))
        compactForwardSlot.withLock { $0 = .some(compact) }
        return compact
    }

    /// The dense vectors, or nil for a collection without a dense part.
    func denseMatrix(_ connection: SQLiteConnection) throws -> DenseMatrix? {
        guard let dimension = denseDimension else { return nil }
        return try denseSlot.withLock { slot in
            if let cached = slot { return cached }
            var matrix = DenseMatrix(dimension: dimension)
            matrix.reserve(documents: documentCount)
            try forEachBlob(.denseChunk, connection) { key, body in
                let what = BlobIdentity(.denseChunk, owner: id, key: key).description
                matrix.append(chunk: try DenseChunkCodec.decode(body, what: what, dimension: dimension))
            }
            guard matrix.documentCount == documentCount else {
                throw FathomError.corruption(what: "dense vectors of segment \(id)",
                                             detail: "holds \(matrix.documentCount) documents, manifest says \(documentCount)")
            }
            slot = matrix
            return matrix
        }
    }

    /// The HNSW graph over the dense vectors, or nil when the segment has none.
    /// Decoded and validated (against the rows that have vectors, and the
    /// collection's metric) on first use, then cached.
    func denseGraph(_ connection: SQLiteConnection) throws -> DenseGraph? {
        guard hasDenseGraph, let matrix = try denseMatrix(connection) else { return nil }
        return try denseGraphSlot.withLock { slot in
            if let cached = slot { return cached }
            var graph: DenseGraph?
            try forEachBlob(.denseGraph, connection) { key, body in
                let what = BlobIdentity(.denseGraph, owner: id, key: key).description
                graph = try DenseGraphCodec.decode(body, what: what, documentCount: documentCount, present: matrix.present)
            }
            guard let graph else {
                throw FathomError.corruption(what: "segment \(id)", detail: "its format lists a dense graph, none is stored")
            }
            guard graph.metric == denseMetric else {
                throw FathomError.corruption(what: BlobIdentity(.denseGraph, owner: id).description,
                                             detail: "built for metric \(graph.metric.rawValue), the collection uses \(denseMetric.rawValue)")
            }
            slot = graph
            return graph
        }
    }

    /// Compact codes of the dense vectors (nil without a dense part), built
    /// from the float32 vectors on first use and kept in memory; not stored.
    func denseCodes(_ kind: DenseCodeKind, _ connection: SQLiteConnection) throws -> (any DenseCodes)? {
        if let cached = denseCodesSlot.withLock({ $0[kind] }) { return cached }
        guard let matrix = try denseMatrix(connection) else { return nil }
        let codes: any DenseCodes
        switch kind {
        case .float16: codes = Float16Codes(matrix, metric: denseMetric)
        case .int8: codes = Int8Codes(matrix, metric: denseMetric)
        case .binary: codes = BinaryCodes(matrix, metric: denseMetric)
        }
        denseCodesSlot.withLock { $0[kind] = codes }
        return codes
    }

    /// The documents' metadata as columns for filter evaluation, read on
    /// first use (a replaced or deleted document's ordinal has no row: no fields).
    func metadataColumns(_ connection: SQLiteConnection) throws -> MetadataColumns {
        if let cached = metadataSlot.withLock({ $0 }) { return cached }
        let statement = try connection.statement(
            "SELECT ordinal, metadata FROM documents WHERE segment_id = ? AND ordinal IS NOT NULL")
        defer { statement.reset() }
        try statement.bind(1, id)
        var rows = [String?](repeating: nil, count: documentCount)
        while try statement.step() {
            let ordinal = statement.int(0)
            guard rows.indices.contains(ordinal) else {
                throw FathomError.corruption(what: "segment \(id)", detail: "a document row has ordinal \(ordinal)")
            }
            rows[ordinal] = statement.text(1)
        }
        let columns = try MetadataColumns(json: rows)
        metadataSlot.withLock { $0 = columns }
        return columns
    }

    func termDirectory(_ connection: SQLiteConnection) throws -> [UInt32: TermEntry] {
        try directorySlot.withLock { slot in
            if let cached = slot { return cached }
            var directory: [UInt32: TermEntry] = [:]
            try forEachBlob(.termDirectory, connection) { _, body in
                directory = try TermDirectoryCodec.decode(body, what: BlobIdentity(.termDirectory, owner: id).description)
            }
            slot = directory
            return directory
        }
    }

    private static let postingQuery =
        "SELECT block_no, payload FROM posting_blocks WHERE segment_id = ? AND term_id = ? ORDER BY block_no"

    /// The decoded posting list of `term`, or nil when no document of the
    /// segment has it. Loaded outside the lock (two threads may decode the same
    /// list once each; the lists are equal, so either may win).
    func postingList(term: UInt32, _ connection: SQLiteConnection) throws -> PostingList? {
        if let cached = postingLists.withLock({ $0[term] }) { return cached }
        guard let entry = try termDirectory(connection)[term] else { return nil }
        let statement = try connection.statement(Self.postingQuery)
        defer { statement.reset() }
        try statement.bind(1, id)
        try statement.bind(2, Int64(term))
        var list = PostingList()
        list.ordinals.reserveCapacity(Int(entry.documentFrequency))
        list.weights.reserveCapacity(Int(entry.documentFrequency))
        var blockNumber: Int64 = 0
        while try statement.step() {
            let identity = BlobIdentity(.postingBlock, owner: id, key: Int64(term), subkey: statement.int64(0))
            guard identity.subkey == blockNumber else {
                throw FathomError.corruption(what: identity.description, detail: "expected block \(blockNumber)")
            }
            let body = try statement.withBlob(1) { try BlobEnvelope.open($0, identity: identity) }
            let block = try PostingBlockCodec.decode(body, what: identity.description, ordinalLimit: UInt32(documentCount))
            if let last = list.ordinals.last, block.ordinals[0] <= last {
                throw FathomError.corruption(what: identity.description, detail: "ordinals overlap the previous block")
            }
            list.append(block)
            blockNumber += 1
        }
        guard blockNumber == Int64(entry.blockCount), list.ordinals.count == Int(entry.documentFrequency) else {
            throw FathomError.corruption(
                what: "posting list of term \(term) in segment \(id)",
                detail: "\(blockNumber) blocks and \(list.ordinals.count) postings, directory says "
                    + "\(entry.blockCount) and \(entry.documentFrequency)")
        }
        postingLists.withLock { $0[term] = list }
        return list
    }
}

/// A live segment's manifest row, as a fresh `Segment` (nothing decoded,
/// nothing shared with the readers' caches) with the id range it records.
/// `verify` and migrations use it as is, since they must not trust cached
/// decoding; `SnapshotCache` keeps its cached object for a segment it knows.
struct SegmentRow {
    var segment: Segment
    var firstDocumentID: Int64
    var lastDocumentID: Int64

    static func live(of record: CollectionRecord, _ connection: SQLiteConnection) throws -> [SegmentRow] {
        let statement = try connection.statement(
            """
            SELECT id, doc_count, posting_count, first_doc_id, last_doc_id, format FROM segments
            WHERE collection_id = ? AND state = 'live' ORDER BY id
            """)
        defer { statement.reset() }
        try statement.bind(1, record.id)
        var rows: [SegmentRow] = []
        while try statement.step() {
            guard let format = SegmentFormat(rawValue: statement.int(5)) else {
                throw FathomError.corruption(what: "segment \(statement.int64(0)) of '\(record.name)'",
                                             detail: "unknown segment format \(statement.int(5))")
            }
            let segment = Segment(id: statement.int64(0), documentCount: statement.int(1), postingCount: statement.int(2),
                                  termLimit: record.termLimit, denseDimension: record.schema.dense?.dimension,
                                  denseMetric: record.schema.dense?.metric ?? .dot, format: format)
            rows.append(SegmentRow(segment: segment, firstDocumentID: statement.int64(3), lastDocumentID: statement.int64(4)))
        }
        return rows
    }
}
