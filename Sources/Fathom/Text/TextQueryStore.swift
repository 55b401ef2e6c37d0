import Synchronization

/// A collection's tokenizer and query weights in the `tokenizers` table
/// (docs/file-format.md): the vocabulary as a checksummed blob of its
/// `vocab.txt` text (kind 9), the supplied weights as a blob of one float per
/// token (kind 10; NULL for corpus IDF), and a revision that every change
/// increments, so that readers reload only what changed.
enum TextQueryStore {
    /// Stores `vocabulary` as the collection's tokenizer, replacing any
    /// earlier one and its weights (they were by the old token ids).
    static func saveVocabulary(_ vocabulary: WordPieceVocabulary, lowercase: Bool, record: CollectionRecord,
                               _ connection: SQLiteConnection) throws {
        switch record.schema.sparse {
        case nil:
            throw FathomError.invalidArgument(reason: "collection '\(record.name)' has no sparse part: text queries need one")
        case .termIDs(let dimension)?:
            guard vocabulary.count <= dimension else {
                throw FathomError.invalidArgument(
                    reason: "the vocabulary has \(vocabulary.count) tokens, but the term ids of collection '\(record.name)' "
                        + "are below \(dimension): its documents cannot have been encoded with it")
            }
        case .vocabulary?:
            break  // tokens are matched to the collection's string terms by their text
        }
        let blob = BlobEnvelope.seal(Array(vocabulary.text.utf8),
                                     identity: BlobIdentity(.tokenizerVocabulary, owner: record.id))
        let statement = try connection.statement(
            """
            INSERT INTO tokenizers(collection_id, kind, lowercase, token_count, vocabulary, weights, revision)
            VALUES (?1, 'wordpiece', ?2, ?3, ?4, NULL, 1)
            ON CONFLICT(collection_id) DO UPDATE SET
                kind = excluded.kind, lowercase = excluded.lowercase, token_count = excluded.token_count,
                vocabulary = excluded.vocabulary, weights = NULL, revision = revision + 1,
                updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
            """)
        try statement.bind(1, record.id)
        try statement.bind(2, lowercase ? 1 : 0)
        try statement.bind(3, vocabulary.count)
        try statement.bind(4, blob)
        try statement.run()
    }

    /// Sets the supplied weights (token → weight), or goes back to corpus IDF
    /// with nil. Every token must be in the stored vocabulary and every weight
    /// finite and ≥ 0; tokens the table leaves out get no weight.
    static func saveWeights(_ table: [String: Float]?, source: String, record: CollectionRecord,
                            _ connection: SQLiteConnection) throws {
        guard let model = try load(record, connection) else {
            throw FathomError.invalidArgument(
                reason: "collection '\(record.name)' has no vocabulary: import one before setting query weights")
        }
        var blob: [UInt8]?
        if let table {
            let vocabulary = model.tokenizer.vocabulary
            var weights = [Float](repeating: 0, count: vocabulary.count)
            var unknown: [String] = []
            for (token, weight) in table.sorted(by: { $0.key < $1.key }) {
                guard weight.isFinite, weight >= 0 else {
                    throw FathomError.invalidQueryWeights(
                        source: source, reason: "the weight of \(token.debugDescription) must be finite and >= 0, got \(weight)")
                }
                guard let id = vocabulary.id(of: token) else {
                    unknown.append(token)
                    continue
                }
                weights[id] = weight
            }
            // A table for another vocabulary would weigh the wrong tokens: refuse it.
            if let first = unknown.first {
                throw FathomError.invalidQueryWeights(
                    source: source, reason: "\(unknown.count) of its \(table.count) tokens are not in the collection's "
                        + "vocabulary, such as \(first.debugDescription): it was made for another vocabulary")
            }
            blob = BlobEnvelope.seal(QueryWeightsCodec.encode(weights), identity: BlobIdentity(.queryWeights, owner: record.id))
        }
        let statement = try connection.statement(
            """
            UPDATE tokenizers SET weights = ?2, revision = revision + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
            WHERE collection_id = ?1
            """)
        try statement.bind(1, record.id)
        if let blob { try statement.bind(2, blob) } else { try statement.bindNull(2) }
        try statement.run()
    }

    /// The revision of the stored tokenizer, or nil when the collection has none.
    static func revision(_ record: CollectionRecord, _ connection: SQLiteConnection) throws -> Int64? {
        let statement = try connection.statement("SELECT revision FROM tokenizers WHERE collection_id = ?")
        defer { statement.reset() }
        try statement.bind(1, record.id)
        return try statement.step() ? statement.int64(0) : nil
    }

    /// Reads and verifies the stored tokenizer (nil: none).
    static func load(_ record: CollectionRecord, _ connection: SQLiteConnection) throws -> TextQueryModel? {
        let statement = try connection.statement(
            "SELECT kind, lowercase, token_count, vocabulary, weights, revision FROM tokenizers WHERE collection_id = ?")
        defer { statement.reset() }
        try statement.bind(1, record.id)
        guard try statement.step() else { return nil }
        let what = "tokenizer of collection '\(record.name)'"
        guard statement.text(0) == "wordpiece" else {
            throw FathomError.corruption(what: what, detail: "unknown kind \(statement.text(0) ?? "NULL")")
        }
        let vocabularyIdentity = BlobIdentity(.tokenizerVocabulary, owner: record.id)
        let text = try statement.withBlob(3) { try BlobEnvelope.open($0, identity: vocabularyIdentity) }
        let vocabulary: WordPieceVocabulary
        do {
            vocabulary = try WordPieceVocabulary(bytes: text, source: vocabularyIdentity.description)
        } catch let error as FathomError {
            throw FathomError.corruption(what: vocabularyIdentity.description, detail: error.description)
        }
        guard vocabulary.count == statement.int(2) else {
            throw FathomError.corruption(what: what, detail: "holds \(vocabulary.count) tokens, the row says \(statement.int(2))")
        }
        if case .termIDs(let dimension)? = record.schema.sparse, vocabulary.count > dimension {
            throw FathomError.corruption(what: what, detail: "\(vocabulary.count) tokens for term ids below \(dimension)")
        }
        var weights: [Float]?
        if !statement.isNull(4) {
            let identity = BlobIdentity(.queryWeights, owner: record.id)
            let body = try statement.withBlob(4) { try BlobEnvelope.open($0, identity: identity) }
            weights = try QueryWeightsCodec.decode(body, what: identity.description, tokenCount: vocabulary.count)
        }
        return TextQueryModel(tokenizer: WordPieceTokenizer(vocabulary: vocabulary, lowercase: statement.int(1) != 0),
                              weights: weights, revision: statement.int64(5))
    }
}

/// The decoded tokenizer of each collection, by revision: building one
/// (parsing 30,522 tokens, building the trie) takes milliseconds, checking
/// the revision one indexed read.
final class TextQueryCache: Sendable {
    /// Guards the models by collection id.
    private let models = Mutex<[Int64: TextQueryModel]>([:])

    /// The collection's model as of the caller's transaction, or nil when it has no tokenizer.
    func model(_ record: CollectionRecord, _ connection: SQLiteConnection) throws -> TextQueryModel? {
        guard let revision = try TextQueryStore.revision(record, connection) else { return nil }
        if let cached = models.withLock({ $0[record.id] }), cached.revision == revision { return cached }
        guard let model = try TextQueryStore.load(record, connection) else { return nil }
        models.withLock { $0[record.id] = model }
        return model
    }
}
