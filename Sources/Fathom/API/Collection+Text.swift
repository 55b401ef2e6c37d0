import Foundation

/// How a collection turns text into sparse queries (``Collection/textQuerySettings()``).
public struct TextQuerySettings: Sendable, Equatable, Codable {
    /// Tokens in the stored WordPiece vocabulary.
    public var vocabularySize: Int
    /// Whether text is lower-cased and stripped of accents before WordPiece.
    public var lowercase: Bool
    /// Where token weights come from.
    public var weighting: QueryWeighting
}

extension Collection {
    /// Stores a WordPiece vocabulary with the collection, so that queries can
    /// be given as text (``Query/init(text:dense:k:mode:)``): the tokenizer
    /// turns the text into tokens, and each distinct token becomes a query
    /// term weighted by corpus IDF, or by the table given to
    /// ``setQueryWeights(_:)``. It must be the vocabulary the documents'
    /// sparse vectors were encoded over (for integer term ids, a token's id
    /// is its term id); it replaces any earlier vocabulary and resets the
    /// weights to corpus IDF.
    ///
    /// ```swift
    /// try docs.importVocabulary(try WordPieceVocabulary(contentsOf: "vocab.txt"))
    /// let hits = try docs.search(Query(text: "oil prices", k: 10))
    /// ```
    ///
    /// - Parameters:
    ///   - vocabulary: The vocabulary (`vocab.txt`).
    ///   - lowercase: Lower-case and strip accents; nil follows ``WordPieceVocabulary/isUncased``.
    /// - Throws: ``FathomError/invalidArgument(reason:)`` when the collection
    ///   has no sparse part, or integer term ids below a dimension smaller than the vocabulary.
    public func importVocabulary(_ vocabulary: WordPieceVocabulary, lowercase: Bool? = nil) throws {
        let tokenizerLowercase = lowercase ?? vocabulary.isUncased
        try withStorageErrors(path: database.path, "storing the vocabulary of '\(name)'") {
            try database.pool.write { connection in
                let record = try CollectionRecord.load(named: name, connection)
                try TextQueryStore.saveVocabulary(vocabulary, lowercase: tokenizerLowercase, record: record, connection)
            }
        }
    }

    /// Parses the text of a `vocab.txt` and stores it (see ``importVocabulary(_:lowercase:)-(WordPieceVocabulary,_)``).
    public func importVocabulary(_ text: String, lowercase: Bool? = nil) throws {
        try importVocabulary(try WordPieceVocabulary(text: text), lowercase: lowercase)
    }

    /// Reads a `vocab.txt` file and stores it; returns the vocabulary.
    @discardableResult
    public func importVocabulary(contentsOf path: String, lowercase: Bool? = nil) throws -> WordPieceVocabulary {
        let vocabulary = try WordPieceVocabulary(contentsOf: path)
        try importVocabulary(vocabulary, lowercase: lowercase)
        return vocabulary
    }

    /// Sets the query weight of each token, as inference-free learned-sparse
    /// models publish them (`idf.json`: token → weight); nil goes back to
    /// corpus IDF. Tokens the table leaves out get no weight (they drop out
    /// of queries). Needs a stored vocabulary.
    ///
    /// - Throws: ``FathomError/invalidQueryWeights(source:reason:)`` for a
    ///   weight that is not finite and ≥ 0, or a token the vocabulary lacks (a
    ///   table made for another vocabulary); ``FathomError/invalidArgument(reason:)``
    ///   without a vocabulary.
    public func setQueryWeights(_ weights: [String: Float]?) throws {
        try setQueryWeights(weights, source: "query weights")
    }

    /// Reads an `idf.json` file (one JSON object, token → weight) and sets
    /// it as the query weights; returns how many tokens it weighs.
    @discardableResult
    public func setQueryWeights(contentsOf path: String) throws -> Int {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FathomError.io(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        let table: [String: Float]
        do {
            table = try DocumentRecordDecoder.decode(TermWeightsDocument.self, from: data).weights
        } catch {
            let reason = error.field.isEmpty ? error.reason : "the weight of \(error.field.debugDescription): \(error.reason)"
            throw FathomError.invalidQueryWeights(source: path, reason: reason)
        }
        try setQueryWeights(table, source: path)
        return table.count
    }

    private func setQueryWeights(_ weights: [String: Float]?, source: String) throws {
        try withStorageErrors(path: database.path, "storing the query weights of '\(name)'") {
            try database.pool.write { connection in
                let record = try CollectionRecord.load(named: name, connection)
                try TextQueryStore.saveWeights(weights, source: source, record: record, connection)
            }
        }
    }

    /// How text queries are made, or nil when the collection has no vocabulary.
    public func textQuerySettings() throws -> TextQuerySettings? {
        try textQueryModel().map {
            TextQuerySettings(vocabularySize: $0.tokenizer.vocabulary.count, lowercase: $0.tokenizer.lowercase,
                              weighting: $0.weighting)
        }
    }

    /// The stored tokenizer, or nil when the collection has no vocabulary.
    public func tokenizer() throws -> WordPieceTokenizer? {
        try textQueryModel()?.tokenizer
    }

    /// The terms a text query would search now, with their weights (the same
    /// as ``QueryExplanation/textTerms`` of a search).
    public func textQueryTerms(_ text: String) throws -> [TextQueryTerm] {
        try withStorageErrors(path: database.path, "reading the tokenizer of '\(name)'") {
            try database.pool.read { connection in
                let record = try CollectionRecord.load(named: name, connection)
                let snapshot = try database.snapshots.snapshot(of: record, connection)
                return try textQuery(text, record: record, snapshot: snapshot, connection).terms
            }
        }
    }

    private func textQueryModel() throws -> TextQueryModel? {
        try withStorageErrors(path: database.path, "reading the tokenizer of '\(name)'") {
            try database.pool.read { connection in
                try database.textModels.model(try CollectionRecord.load(named: name, connection), connection)
            }
        }
    }

    /// The sparse query of `text` in the caller's read transaction: corpus
    /// IDF counts the live documents of `snapshot` (the same committed state
    /// as the document frequencies read in this transaction).
    func textQuery(_ text: String, record: CollectionRecord, snapshot: CollectionSnapshot, _ connection: SQLiteConnection)
        throws -> (vector: SparseVector, terms: [TextQueryTerm], dropped: [String], weighting: QueryWeighting)
    {
        guard let model = try database.textModels.model(record, connection) else {
            throw FathomError.invalidQuery(
                reason: "collection '\(name)' has no vocabulary for text queries: import one (fathom vocab import)")
        }
        let vocabulary = record.schema.sparse == .vocabulary
            ? try database.readerVocabularies.vocabulary(record, connection) : nil
        var documents = snapshot.buffer.count
        for segment in snapshot.segments {
            documents += segment.documentCount - (snapshot.deletions[segment.id]?.count ?? 0)
        }
        let built = try model.query(for: text, record: record, vocabulary: vocabulary, documentCount: documents) {
            try DocumentFrequencies.lookup($0, record, connection)
        }
        return (built.vector, built.terms, built.dropped, model.weighting)
    }
}
