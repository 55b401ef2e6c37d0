import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

/// Shared helpers of the behaviour tests (API/, Segments/, Query/, Verify/):
/// a scratch database file, a model of what a collection should hold, the
/// comparison of a ranking with the brute-force oracle, raw access to the
/// SQLite file (to damage it) and matching of thrown errors.
enum Behaviour {
    // MARK: - Files

    /// A database path in a fresh temporary directory (removed with the value).
    final class Scratch: Sendable {
        let directory: TemporaryDirectory
        let path: String

        init(_ name: String = "test.fathom") {
            directory = TemporaryDirectory("fathom-behaviour")
            path = directory.path(name)
        }

        /// Opens the file; by default without a background compaction worker,
        /// so that the segment layout a test builds stays as built (tests of
        /// the worker pass a policy).
        func open(_ options: Database.Options = .init(compaction: nil)) throws -> Database {
            try Database(path: path, options: options)
        }

        /// Another file in the same directory.
        func file(_ name: String) -> String { directory.path(name) }
    }

    /// Writes `lines` as a JSONL file.
    static func writeLines(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Every line `collection` exports.
    static func export(_ collection: Collection) throws -> [String] {
        var lines: [String] = []
        let written = try collection.exportJSONL { lines.append($0) }
        #expect(written == lines.count)
        return lines
    }

    // MARK: - Schemas and documents

    /// The synthetic corpus's schema with explicit index parameters and metric.
    static func schema(_ corpus: SyntheticCorpus, metric: DenseMetric = .cosine, sealThreshold: Int,
                       postingBlockSize: Int = IndexParameters.defaultPostingBlockSize,
                       sparseDimension: Int? = nil) -> CollectionSchema {
        CollectionSchema(dense: corpus.denseDimension.map { DenseSchema(dimension: $0, metric: metric) },
                         sparse: .termIDs(dimension: sparseDimension ?? corpus.sparseDimension),
                         index: IndexParameters(sealThreshold: sealThreshold, postingBlockSize: postingBlockSize))
    }

    /// Upserts `documents` in calls of `batchSize` (so that a small seal
    /// threshold produces several segments), mirroring them in `model`.
    static func upsert(_ documents: [Document], into collection: Collection, model: inout Model,
                       batchSize: Int) throws {
        for start in stride(from: 0, to: documents.count, by: batchSize) {
            let batch = Array(documents[start..<min(documents.count, start + batchSize)])
            try collection.upsert(batch)
            model.upsert(batch)
        }
    }

    static func sparse(_ pairs: [(UInt32, Float)]) -> SparseVector {
        try! SparseVector(indices: pairs.map(\.0), values: pairs.map(\.1))
    }

    /// Texts that exercise JSON escaping and Unicode.
    static let awkwardTexts: [String] = [
        "plain ASCII",
        "quotes \" and \\ backslashes / slashes",
        "tab\tnewline\ncarriage\rreturn, bell \u{07}, escape \u{1B}, unit separator \u{1F}",
        "accents: café, naïve, Ångström; CJK: 検索エンジン; Hangul: 벡터",
        "emoji 🧭🔍👩‍👩‍👧‍👦 and flags 🇫🇷🇯🇵, combining e\u{301}",
        "right-to-left: مرحبا بالعالم; line separator \u{2028} paragraph \u{2029}",
        "",
        "DEL \u{7F}, non-characters \u{FFFE}\u{FFFF}, astral 𝔽𝕒𝕥𝕙𝕠𝕞",
    ]

    /// Seeded documents with every kind of metadata value (nested objects and
    /// arrays, integers, fractions, exponents, booleans, null, Unicode keys)
    /// and awkward texts. Some have only a sparse or only a dense part (when
    /// the collection has both), some no metadata or no text.
    static func richDocuments(seed: UInt64, count: Int, sparseDimension: Int, denseDimension: Int?,
                              idPrefix: String = "doc") -> [Document] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            var document = Document(id: "\(idPrefix)-\(i)")
            let hasSparse = denseDimension == nil || i % 5 != 1
            let hasDense = denseDimension != nil && (i % 5 != 2)
            if hasSparse {
                document.sparse = SyntheticCorpus.sparseVector(&generator, dimension: sparseDimension, terms: 1...30)
            }
            if hasDense, let denseDimension {
                document.dense = SyntheticCorpus.denseVector(&generator, dimension: denseDimension)
            }
            if i % 7 != 3 {
                let fraction = Double.random(in: -1e6...1e6, using: &generator)
                document.metadata = [
                    "n": .number(Double(i)),
                    "zero": 0, "one": 1, "yes": true, "no": false, "nothing": nil,
                    "fraction": .number(fraction),
                    "tiny": .number(1.5e-300), "huge": .number(-2.5e300), "negativeZero": .number(-0.0),
                    "tags": ["a", "b\u{0}c", .number(Double(i % 3))],
                    "nested": ["level": ["deeper": [[], [:], [nil, true]]], "ünïcødé ключ": "значение"],
                    "text": .string(awkwardTexts[i % awkwardTexts.count]),
                ]
            }
            if i % 4 != 2 { document.text = awkwardTexts[(i + 3) % awkwardTexts.count] + " #\(i)" }
            return document
        }
    }

    /// A sparse-only query.
    static func sparseQuery(_ vector: SparseVector, k: Int) -> Query { Query(sparse: vector, k: k, mode: .sparse, exact: true) }

    /// A dense-only query.
    static func denseQuery(_ vector: [Float], k: Int) -> Query { Query(dense: vector, k: k, mode: .dense) }

    /// Live segment and buffered document counts, read from the statistics.
    static func layout(_ collection: Collection) throws -> (segments: Int, buffered: Int, deletedInSegments: Int) {
        let statistics = try collection.database.statistics()
        let mine = try #require(statistics.collections.first { $0.name == collection.name })
        return (mine.segments, mine.bufferedDocuments, mine.deletedInSegments)
    }

    // MARK: - The model (what a collection should hold)

    /// The live documents of a collection in internal-id order (the order of
    /// their last write), which is also Fathom's tie-breaking order.
    struct Model {
        private var entries: [String: (sequence: Int, document: Document)] = [:]
        private var next = 0

        mutating func upsert(_ documents: [Document]) {
            for document in documents {
                entries[document.id] = (next, document)
                next += 1
            }
        }

        /// Removes the ids; returns how many were live.
        @discardableResult
        mutating func delete(_ ids: [String]) -> Int {
            ids.reduce(0) { $0 + (entries.removeValue(forKey: $1) == nil ? 0 : 1) }
        }

        subscript(id: String) -> Document? { entries[id]?.document }
        var count: Int { entries.count }
        var documents: [Document] { entries.values.sorted { $0.sequence < $1.sequence }.map(\.document) }
        var ids: [String] { documents.map(\.id) }
    }

    // MARK: - Rankings against the oracle

    static func isClose(_ value: Double, _ reference: Double, relative: Double, floor: Double = 1e-3) -> Bool {
        abs(value - reference) <= relative * max(abs(reference), floor)
    }

    /// Nil when `hits` is the exact top-k `truth`; otherwise what differs.
    ///
    /// Same length, no repeated id, every hit a live document whose reported
    /// score is within `scoreTolerance` (relative) of its exact score, and at
    /// every rank the exact score of the hit equals the true one within
    /// `tieTolerance`: the ids are those of the oracle, except that documents
    /// whose exact scores are equal up to float rounding may trade places.
    static func rankingMismatch(_ hits: [SearchHit], _ truth: [(id: String, score: Double)],
                                exactScore: (String) -> Double?, scoreTolerance: Double = 1e-3,
                                tieTolerance: Double = 1e-5) -> String? {
        guard hits.count == truth.count else {
            return "\(hits.count) hits \(hits.prefix(12).map(\.id)), expected \(truth.count) \(truth.prefix(12).map(\.id))"
        }
        var seen = Set<String>()
        for (rank, hit) in hits.enumerated() {
            guard seen.insert(hit.id).inserted else { return "rank \(rank): \(hit.id) is returned twice" }
            guard let exact = exactScore(hit.id) else { return "rank \(rank): \(hit.id) is not a live document" }
            guard isClose(Double(hit.score), exact, relative: scoreTolerance) else {
                return "rank \(rank): \(hit.id) reported score \(hit.score), exact score \(exact)"
            }
            let expected = truth[rank]
            if hit.id != expected.id && !isClose(exact, expected.score, relative: tieTolerance) {
                return "rank \(rank): \(hit.id) (exact \(exact)) where \(expected.id) (exact \(expected.score)) belongs"
            }
        }
        return nil
    }

    /// The exact sparse top-k of the model, and the mismatch of `hits` with it.
    static func sparseMismatch(_ hits: [SearchHit], query: SparseVector, k: Int, model: Model,
                               live documents: [Document]) -> String? {
        let truth = BruteForce.sparseTopK(query, in: documents, k: k)
        return rankingMismatch(hits, truth) { id in
            model[id].flatMap(\.sparse).map { BruteForce.sparseScore(query, $0) }
        }
    }

    static func denseMismatch(_ hits: [SearchHit], query: [Float], metric: DenseMetric, k: Int, model: Model,
                              live documents: [Document]) -> String? {
        let truth = BruteForce.denseTopK(query, in: documents, metric: metric, k: k)
        return rankingMismatch(hits, truth) { id in
            model[id].flatMap(\.dense).map { BruteForce.denseScore(query, $0, metric: metric) }
        }
    }

    /// Records one issue listing the first few failures of a many-query test.
    static func expectNoFailures(_ failures: [String], of total: Int, _ what: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
        let count = failures.count   // (not the array: the expectation would print all of it)
        #expect(count == 0, "\(count) of \(total) \(what) differ from the oracle; first: \(failures.prefix(4).joined(separator: " | "))",
                sourceLocation: sourceLocation)
    }

    // MARK: - White-box probes

    /// Runs the exact sparse search directly on a fresh read snapshot and
    /// returns its counters (to check that a test exercises the pruning path).
    static func sparseCounters(_ collection: Collection, _ query: SparseVector, k: Int) throws -> ExactSparseSearch.Counters {
        let database = collection.database
        return try database.pool.read { connection in
            let record = try CollectionRecord.load(named: collection.name, connection)
            let snapshot = try database.snapshots.snapshot(of: record, connection)
            var counters = ExactSparseSearch.Counters()
            _ = try ExactSparseSearch(query: query, k: k, queryDimension: record.queryDimension)
                .run(snapshot, connection, counters: &counters)
            return counters
        }
    }

    // MARK: - Raw access to the file

    /// A plain SQLite connection to a database file, bypassing Fathom (used
    /// to damage stored blobs the way a disk or a stray writer could).
    final class RawFile {
        let connection: SQLiteConnection

        init(_ path: String, create: Bool = false) throws {
            connection = try SQLiteConnection(path: path, mode: create ? .readWriteCreate : .readWrite)
        }

        func execute(_ sql: String) throws { try connection.execute(sql) }

        /// Every row of `sql` as `columns` integers.
        func integers(_ sql: String, columns: Int32, _ arguments: [Int64] = []) throws -> [[Int64]] {
            let statement = try connection.statement(sql)
            defer { statement.reset() }
            for (i, argument) in arguments.enumerated() { try statement.bind(Int32(i + 1), argument) }
            var rows: [[Int64]] = []
            while try statement.step() { rows.append((0..<columns).map { statement.int64($0) }) }
            return rows
        }

        func payload(_ table: String, _ column: String, rowid: Int64) throws -> [UInt8] {
            let statement = try connection.statement("SELECT \(column) FROM \(table) WHERE rowid = ?")
            defer { statement.reset() }
            try statement.bind(1, rowid)
            guard try statement.step() else { throw FathomError.invalidArgument(reason: "no row \(rowid) in \(table)") }
            return statement.blob(0)
        }

        func setPayload(_ table: String, _ column: String, rowid: Int64, _ bytes: [UInt8]) throws {
            let statement = try connection.statement("UPDATE \(table) SET \(column) = ? WHERE rowid = ?")
            try statement.bind(1, bytes)
            try statement.bind(2, rowid)
            try statement.run()
            guard connection.changes == 1 else { throw FathomError.invalidArgument(reason: "no row \(rowid) in \(table)") }
        }

        /// Inverts the bits of one byte of a stored blob; a negative offset
        /// counts from the end.
        func flipByte(_ table: String, _ column: String, rowid: Int64, at offset: Int) throws {
            var bytes = try payload(table, column, rowid: rowid)
            let index = offset >= 0 ? offset : bytes.count + offset
            precondition(bytes.indices.contains(index), "offset \(offset) outside a \(bytes.count)-byte blob")
            bytes[index] ^= 0xFF
            try setPayload(table, column, rowid: rowid, bytes)
        }
    }

    // MARK: - Errors

    /// The case of a ``FathomError``, for comparisons that ignore the payload.
    enum ErrorKind: Equatable {
        case databaseNotFound, notAFathomDatabase, newerFormat, storage, busy, readOnly, corruption
        case collectionNotFound, collectionExists, invalidSchema, invalidDocument, invalidRecord
        case invalidQuery, invalidArgument, io, invalidFilter, invalidVocabulary, invalidQueryWeights

        init(_ error: FathomError) {
            switch error {
            case .databaseNotFound: self = .databaseNotFound
            case .notAFathomDatabase: self = .notAFathomDatabase
            case .newerFormat: self = .newerFormat
            case .storage: self = .storage
            case .busy: self = .busy
            case .readOnly: self = .readOnly
            case .corruption: self = .corruption
            case .collectionNotFound: self = .collectionNotFound
            case .collectionExists: self = .collectionExists
            case .invalidSchema: self = .invalidSchema
            case .invalidDocument: self = .invalidDocument
            case .invalidRecord: self = .invalidRecord
            case .invalidQuery: self = .invalidQuery
            case .invalidArgument: self = .invalidArgument
            case .io: self = .io
            case .invalidFilter: self = .invalidFilter
            case .invalidVocabulary: self = .invalidVocabulary
            case .invalidQueryWeights: self = .invalidQueryWeights
            }
        }
    }

    /// The ``FathomError`` `body` throws; nil when it returns (an error of
    /// another type is recorded as an issue).
    static func thrown<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) -> FathomError? {
        do {
            _ = try body()
            return nil
        } catch let error as FathomError {
            return error
        } catch {
            Issue.record("expected a FathomError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// The kind of error `body` throws, or nil when it returns.
    static func kind<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) -> ErrorKind? {
        thrown(sourceLocation: sourceLocation, body).map(ErrorKind.init)
    }
}
