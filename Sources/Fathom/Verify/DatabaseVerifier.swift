/// Checks everything stored, from scratch (no cached decoding is trusted):
///
/// - SQLite's `integrity_check` and `foreign_key_check` (which do not see bit
///   flips inside row data, hence the rest);
/// - every blob's checksum (which covers its identity) and layout;
/// - per segment: the document-id map, forward index, dense vectors, term
///   directory and every posting list decode; the posting lists are exactly
///   the inversion of the forward index (same documents, weights within the
///   quantization error); document rows and tombstones account for every
///   ordinal exactly once; the manifest's counts and id range match;
/// - the write buffer: every row decodes and belongs to a buffered document;
/// - the vocabulary is dense and its size matches.
struct DatabaseVerifier {
    let connection: SQLiteConnection
    private(set) var report = VerificationReport(problems: [], sqliteIntegrity: "", collectionsChecked: 0,
                                                 segmentsChecked: 0, blobsChecked: 0, documentsChecked: 0)

    init(_ connection: SQLiteConnection) { self.connection = connection }

    private mutating func problem(_ text: String) { report.problems.append(text) }

    /// Runs `body`, recording a Fathom error as a problem instead of stopping.
    private mutating func check(_ body: (inout DatabaseVerifier) throws -> Void) throws {
        do {
            try body(&self)
        } catch let error as FathomError {
            problem(error.description)
        }
    }

    mutating func run() throws -> VerificationReport {
        let integrity = try connection.statement("PRAGMA integrity_check")
        var verdicts: [String] = []
        while try integrity.step() { verdicts.append(integrity.text(0) ?? "") }
        integrity.reset()
        report.sqliteIntegrity = verdicts.joined(separator: "; ")
        if verdicts != ["ok"] { problem("SQLite integrity check: \(report.sqliteIntegrity)") }
        let foreignKeys = try connection.statement("PRAGMA foreign_key_check")
        while try foreignKeys.step() {
            problem("foreign key violation in table \(foreignKeys.text(0) ?? "?") row \(foreignKeys.int64(1))")
        }
        foreignKeys.reset()
        report.retiredSegments = Int(try connection.scalarInt("SELECT count(*) FROM segments WHERE state = 'retired'") ?? 0)

        for record in try CollectionRecord.loadAll(connection) {
            report.collectionsChecked += 1
            if record.schema.sparse == .vocabulary {
                try check { _ = try Vocabulary.load(record, $0.connection) }
            }
            var segments: [SegmentRow] = []
            try check { segments = try SegmentRow.live(of: record, $0.connection) }
            for segment in segments {
                try check { try $0.verify(segment, of: record) }
                report.segmentsChecked += 1
            }
            try check { try $0.verifyBuffer(record) }
            if record.schema.sparse != nil {
                // After the segments: the recount reuses the forward indexes they decoded.
                try check { try $0.verifyDocumentFrequencies(record, segments: segments.map(\.segment)) }
            }
            try check { try $0.verifyTokenizer(record) }
        }
        return report
    }

    private mutating func verify(_ row: SegmentRow, of record: CollectionRecord) throws {
        let (segment, first, last) = (row.segment, row.firstDocumentID, row.lastDocumentID)
        let name = "segment \(segment.id) of '\(record.name)'"
        let documentIDs = try segment.documentIDs(connection)
        report.blobsChecked += 1
        if documentIDs.first != first || documentIDs.last != last {
            problem("\(name): document ids run \(documentIDs.first ?? 0)...\(documentIDs.last ?? 0), manifest says \(first)...\(last)")
        }
        let forward = try segment.forwardIndex(connection)
        report.blobsChecked += (segment.documentCount + SegmentBuilder.forwardChunkSize - 1) / SegmentBuilder.forwardChunkSize
        if segment.denseDimension != nil {
            _ = try segment.denseMatrix(connection)
            report.blobsChecked += (segment.documentCount + SegmentBuilder.denseChunkSize - 1) / SegmentBuilder.denseChunkSize
            // Decoding validates the graph against the rows that have vectors.
            if segment.hasDenseGraph {
                _ = try segment.denseGraph(connection)
                report.blobsChecked += 1
            }
        }
        let directory = try segment.termDirectory(connection)
        report.blobsChecked += 1

        // Recompute the inverted index from the forward index and compare.
        var expected: [UInt32: (ordinals: [UInt32], weights: [Float])] = [:]
        for ordinal in 0..<forward.documentCount {
            for i in Int(forward.offsets[ordinal])..<Int(forward.offsets[ordinal + 1]) {
                expected[forward.terms[i], default: ([], [])].ordinals.append(UInt32(ordinal))
                expected[forward.terms[i], default: ([], [])].weights.append(forward.values[i])
            }
        }
        if Set(expected.keys) != Set(directory.keys) {
            problem("\(name): term directory lists \(directory.count) terms, the forward index has \(expected.count)")
        }
        let storedTerms = try connection.statement("SELECT DISTINCT term_id FROM posting_blocks WHERE segment_id = ?")
        try storedTerms.bind(1, segment.id)
        while try storedTerms.step() {
            if directory[UInt32(truncatingIfNeeded: storedTerms.int64(0))] == nil {
                problem("\(name): posting blocks of term \(storedTerms.int64(0)) are not in the term directory")
            }
        }
        storedTerms.reset()
        for (term, entry) in directory.sorted(by: { $0.key < $1.key }) {
            do {
                guard let list = try segment.postingList(term: term, connection) else { continue }
                report.blobsChecked += Int(entry.blockCount)
                guard let truth = expected[term], truth.ordinals == list.ordinals else {
                    problem("\(name): posting list of term \(term) does not match the forward index")
                    continue
                }
                let tolerance = list.maxError * 1.0001 + 1e-6
                if zip(truth.weights, list.weights).contains(where: { abs($0 - $1) > tolerance }) {
                    problem("\(name): posting weights of term \(term) differ from the forward index beyond quantization")
                }
                if entry.maxWeight != truth.weights.max() {
                    problem("\(name): max weight of term \(term) is \(entry.maxWeight), the forward index says \(truth.weights.max() ?? 0)")
                }
                if segment.hasSeismicIndex, let seismic = try segment.seismicList(term: term, connection) {
                    report.blobsChecked += 1
                    verifySeismic(seismic, term: term, truth: truth, segmentName: name)
                }
            } catch let error as FathomError {
                problem(error.description)
            }
        }

        // Every ordinal is either a live document row or a tombstone, once.
        var seen = [Bool](repeating: false, count: segment.documentCount)
        let rows = try connection.statement("SELECT doc_id, ordinal FROM documents WHERE segment_id = ?")
        try rows.bind(1, segment.id)
        while try rows.step() {
            let ordinal = rows.int(1)
            report.documentsChecked += 1
            guard (0..<segment.documentCount).contains(ordinal), !seen[ordinal] else {
                problem("\(name): document \(rows.int64(0)) has invalid or repeated ordinal \(ordinal)")
                continue
            }
            seen[ordinal] = true
            if documentIDs[ordinal] != rows.int64(0) {
                problem("\(name): ordinal \(ordinal) holds document \(documentIDs[ordinal]), the row says \(rows.int64(0))")
            }
        }
        rows.reset()
        let tombstones = try connection.statement("SELECT ordinal FROM tombstones WHERE segment_id = ?")
        try tombstones.bind(1, segment.id)
        while try tombstones.step() {
            let ordinal = tombstones.int(0)
            guard (0..<segment.documentCount).contains(ordinal), !seen[ordinal] else {
                problem("\(name): tombstone for ordinal \(ordinal) is out of range or of a live document")
                continue
            }
            seen[ordinal] = true
        }
        tombstones.reset()
        if let missing = seen.firstIndex(of: false) {
            problem("\(name): ordinal \(missing) is neither a live document nor deleted")
        }
    }

    /// A Seismic list holds only postings of its term, each once, with exact
    /// block maxima, and drops nothing heavier than what it keeps.
    private mutating func verifySeismic(_ list: SeismicList, term: UInt32, truth: (ordinals: [UInt32], weights: [Float]),
                                        segmentName name: String) {
        var weightOf: [UInt32: Float] = [:]
        for (ordinal, weight) in zip(truth.ordinals, truth.weights) { weightOf[ordinal] = weight }
        var seen = Set<UInt32>()
        var smallestKept = Float.infinity
        for block in 0..<list.blockCount {
            var maximum: Float = 0
            for i in Int(list.blockOffsets[block])..<Int(list.blockOffsets[block + 1]) {
                let ordinal = list.ordinals[i]
                guard let weight = weightOf[ordinal], seen.insert(ordinal).inserted else {
                    problem("\(name): Seismic list of term \(term) holds ordinal \(ordinal) twice or without the term")
                    return
                }
                maximum = max(maximum, weight)
                smallestKept = min(smallestKept, weight)
            }
            if maximum != list.blockMaxima[block] {
                problem("\(name): Seismic block \(block) of term \(term) records maximum \(list.blockMaxima[block]), its documents have \(maximum)")
            }
        }
        let dropped = zip(truth.ordinals, truth.weights).filter { !seen.contains($0.0) }.map(\.1).max() ?? 0
        if dropped != list.prunedMaximum || (seen.count < truth.ordinals.count && dropped > smallestKept) {
            problem("\(name): Seismic list of term \(term) records pruned maximum \(list.prunedMaximum), the dropped postings have \(dropped)")
        }
    }

    private mutating func verifyBuffer(_ record: CollectionRecord) throws {
        var buffered = 0
        try WriteBufferImage.forEachRow(record, connection) { _, _ in buffered += 1 }
        report.blobsChecked += buffered
        let statement = try connection.statement(
            "SELECT count(*) FROM documents WHERE collection_id = ? AND segment_id IS NULL")
        defer { statement.reset() }
        try statement.bind(1, record.id)
        let unsealed = try statement.step() ? statement.int(0) : 0
        report.documentsChecked += unsealed
        if unsealed != buffered {
            problem("write buffer of '\(record.name)': \(buffered) buffered vectors for \(unsealed) unsealed documents")
        }
    }
}

extension DatabaseVerifier {
    /// The stored document frequencies equal a recount from the live
    /// documents (corpus IDF depends on them being exact).
    private mutating func verifyDocumentFrequencies(_ record: CollectionRecord, segments: [Segment]) throws {
        let stored = try DocumentFrequencies.stored(record, connection)
        let counted = try DocumentFrequencies.recount(record, segments: segments, connection)
        guard stored != counted else { return }
        let terms = Set(stored.keys).union(counted.keys).filter { stored[$0] != counted[$0] }.sorted()
        let first = terms[0]
        report.problems.append(
            "document frequencies of '\(record.name)': \(terms.count) terms differ from the live documents, "
                + "first term \(first): stored \(stored[first] ?? 0), counted \(counted[first] ?? 0)")
    }

    /// A stored tokenizer decodes: its vocabulary parses, has the recorded
    /// size, fits the collection's term ids, and its weights (if any) match it.
    private mutating func verifyTokenizer(_ record: CollectionRecord) throws {
        if let model = try TextQueryStore.load(record, connection) { report.blobsChecked += model.weights == nil ? 1 : 2 }
    }
}

extension Database {
    /// Checks every stored structure (see `fathom verify`). Problems are
    /// reported in the result, not thrown; it throws only when the database
    /// cannot be read at all.
    ///
    /// ```swift
    /// let report = try db.verify()
    /// if !report.isHealthy { report.problems.forEach { print($0) } }
    /// ```
    public func verify() throws -> VerificationReport {
        try withStorageErrors(path: path, "verifying") {
            try pool.read { connection in
                var verifier = DatabaseVerifier(connection)
                return try verifier.run()
            }
        }
    }
}
