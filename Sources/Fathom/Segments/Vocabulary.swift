import Synchronization

/// The string-term vocabulary of a `.vocabulary` collection: term ↔ id,
/// ids dense from 0 in order of first appearance. Only ever appended to, so
/// its size identifies its content (caches key on it).
struct Vocabulary: Sendable {
    private(set) var ids: [String: UInt32] = [:]
    private(set) var terms: [String] = []

    var count: Int { terms.count }

    static func load(_ record: CollectionRecord, _ connection: SQLiteConnection) throws -> Vocabulary {
        var vocabulary = Vocabulary()
        let statement = try connection.statement(
            "SELECT term_id, term FROM vocabulary WHERE collection_id = ? ORDER BY term_id")
        defer { statement.reset() }
        try statement.bind(1, record.id)
        while try statement.step() {
            guard statement.int(0) == vocabulary.count, let term = statement.text(1) else {
                throw FathomError.corruption(what: "vocabulary of collection '\(record.name)'",
                                             detail: "term ids are not dense at \(vocabulary.count)")
            }
            vocabulary.add(term)
        }
        guard vocabulary.count == record.vocabularySize else {
            throw FathomError.corruption(what: "vocabulary of collection '\(record.name)'",
                                         detail: "holds \(vocabulary.count) terms, the collection says \(record.vocabularySize)")
        }
        return vocabulary
    }

    @discardableResult
    mutating func add(_ term: String) -> UInt32 {
        if let id = ids[term] { return id }
        let id = UInt32(terms.count)
        ids[term] = id
        terms.append(term)
        return id
    }

    /// Maps string terms to a sparse vector; unknown terms are skipped (a
    /// query term no document has cannot contribute to any score).
    func queryVector(for terms: [(term: String, weight: Float)]) -> SparseVector {
        var pairs: [(UInt32, Float)] = []
        for (term, weight) in terms { if let id = ids[term] { pairs.append((id, weight)) } }
        pairs.sort { $0.0 < $1.0 }
        return SparseVector(validatedIndices: pairs.map(\.0), values: pairs.map(\.1))
    }
}

/// Process-wide cache of vocabularies by collection id and size.
final class VocabularyCache: Sendable {
    /// Guards the cached vocabularies.
    private let entries = Mutex<[Int64: Vocabulary]>([:])

    func vocabulary(_ record: CollectionRecord, _ connection: SQLiteConnection) throws -> Vocabulary {
        if let cached = entries.withLock({ $0[record.id] }), cached.count == record.vocabularySize { return cached }
        let vocabulary = try Vocabulary.load(record, connection)
        entries.withLock { $0[record.id] = vocabulary }
        return vocabulary
    }
}

/// Assigns ids to new terms during an upsert, inside the write transaction.
struct VocabularyWriter {
    private var vocabulary: Vocabulary?
    private var persisted: Int
    private let connection: SQLiteConnection
    private let collectionID: Int64

    /// `cache` is the writer's own (inside an open transaction its view may
    /// be ahead of what readers can see).
    init(_ record: CollectionRecord, cache: VocabularyCache, _ connection: SQLiteConnection) throws {
        self.connection = connection
        self.collectionID = record.id
        self.persisted = record.vocabularySize
        if record.schema.sparse == .vocabulary {
            vocabulary = try cache.vocabulary(record, connection)
        }
    }

    mutating func vector(for terms: [(term: String, weight: Float)]) throws -> SparseVector {
        guard vocabulary != nil else {
            throw FathomError.invalidArgument(reason: "string terms given to a collection with integer term ids")
        }
        var pairs: [(UInt32, Float)] = []
        pairs.reserveCapacity(terms.count)
        for (term, weight) in terms { pairs.append((vocabulary!.add(term), weight)) }
        pairs.sort { $0.0 < $1.0 }
        return SparseVector(validatedIndices: pairs.map(\.0), values: pairs.map(\.1))
    }

    /// Persists the terms added since the transaction began.
    mutating func finish(_ record: inout CollectionRecord) throws {
        guard let vocabulary, vocabulary.count > persisted else { return }
        let insert = try connection.statement("INSERT INTO vocabulary(collection_id, term_id, term) VALUES (?, ?, ?)")
        for id in persisted..<vocabulary.count {
            try insert.bind(1, collectionID)
            try insert.bind(2, id)
            try insert.bind(3, vocabulary.terms[id])
            try insert.run()
        }
        let update = try connection.statement("UPDATE collections SET vocabulary_size = ? WHERE id = ?")
        try update.bind(1, vocabulary.count)
        try update.bind(2, collectionID)
        try update.run()
        record.vocabularySize = vocabulary.count
        persisted = vocabulary.count
    }
}
