/// Writes a document as the two lines of an OpenSearch `_bulk` `index`
/// operation (see ``ExportFormat/openSearch(index:)`` for the shape and the
/// reasons behind each rule).
struct OpenSearchBulkEncoder {
    /// OpenSearch rejects a longer `_id`.
    static let maxIDBytes = 512
    /// OpenSearch rejects a longer index name.
    static let maxIndexNameBytes = 255

    private let actionPrefix: String
    private let terms: [String]?
    private let tokens: TokenTable?
    private let omitsZeroDense: Bool

    /// - Parameters:
    ///   - index: The target index; validated here, before anything is written.
    ///   - schema: The collection's schema (a cosine metric omits zero vectors).
    ///   - terms: The string terms of a `.vocabulary` collection, by term id.
    ///   - tokens: Names for the term ids of an integer-id collection.
    init(index: String, schema: CollectionSchema, terms: [String]?, tokens: TokenTable?) throws {
        if let problem = Self.indexNameProblem(index) {
            throw FathomError.invalidArgument(reason: "'\(index)' is not a valid OpenSearch index name: \(problem)")
        }
        var prefix = "{\"index\":{\"_index\":"
        DocumentRecordEncoder.appendString(index, to: &prefix)
        prefix += ",\"_id\":"
        actionPrefix = prefix
        self.terms = terms
        // A string-term collection already has names for its dimensions.
        self.tokens = terms == nil ? tokens : nil
        omitsZeroDense = schema.dense?.metric == .cosine
    }

    /// What is wrong with `name` as an index name, or nil when OpenSearch accepts it.
    static func indexNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name == "." || name == ".." { return "it cannot be '.' or '..'" }
        if name.utf8.count > maxIndexNameBytes { return "it is longer than \(maxIndexNameBytes) bytes" }
        if let first = name.first, "_-+".contains(first) { return "it cannot start with '\(first)'" }
        if name != name.lowercased() { return "it must be lowercase" }
        if let bad = name.first(where: { "\\/*?\"<>|, #:".contains($0) }) { return "it cannot contain '\(bad)'" }
        return nil
    }

    func write(_ document: ExportedDocument, to write: (String) throws -> Void) throws {
        guard document.id.utf8.count <= Self.maxIDBytes else {
            throw FathomError.invalidArgument(
                reason: "document id '\(document.id.prefix(40))…' is \(document.id.utf8.count) bytes; OpenSearch's _id holds at most \(Self.maxIDBytes)")
        }
        // Both lines are built before either is written, so that a failure
        // never leaves an action line without its source.
        let source = try self.source(document)
        var action = actionPrefix
        DocumentRecordEncoder.appendString(document.id, to: &action)
        action += "}}"
        try write(action)
        try write(source)
    }

    private func source(_ document: ExportedDocument) throws -> String {
        var fields: [String] = []
        if let sparse = document.sparse {
            let features = try self.features(sparse, of: document.id)
            if !features.isEmpty {
                var field = "\"sparse\":{"
                for (i, (key, weight)) in features.enumerated() {
                    if i > 0 { field += "," }
                    DocumentRecordEncoder.appendString(key, to: &field)
                    field += ":" + weight.description
                }
                fields.append(field + "}")
            }
        }
        if let dense = document.dense, !(omitsZeroDense && dense.allSatisfy { $0 == 0 }) {
            var field = "\"dense\":["
            DocumentRecordEncoder.appendNumbers(dense, to: &field)
            fields.append(field + "]")
        }
        if let metadata = document.metadata { fields.append("\"metadata\":" + metadata) }
        if let text = document.text {
            var field = "\"text\":"
            DocumentRecordEncoder.appendString(text, to: &field)
            fields.append(field)
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// The (key, weight) pairs of the `sparse` object, in a stable order:
    /// term-id order, or string order for string terms (whose ids depend on
    /// the order the terms first reached this database).
    private func features(_ sparse: SparseVector, of id: String) throws -> [(String, Float)] {
        var features: [(String, Float)] = []
        features.reserveCapacity(sparse.indices.count)
        for (index, weight) in zip(sparse.indices, sparse.values) where weight >= Float.leastNormalMagnitude {
            if let terms {
                guard Int(index) < terms.count else {
                    throw FathomError.corruption(what: "vocabulary", detail: "document '\(id)' uses term id \(index), which has no term")
                }
                features.append((terms[Int(index)], weight))
            } else if let tokens {
                guard Int(index) < tokens.tokens.count else {
                    throw FathomError.invalidArgument(
                        reason: "term id \(index) of document '\(id)' has no token: \(tokens.source) has \(tokens.tokens.count) lines (term ids 0...\(tokens.tokens.count - 1))")
                }
                features.append((tokens.tokens[Int(index)], weight))
            } else {
                features.append((String(index), weight))
            }
        }
        if terms != nil { features.sort { $0.0 < $1.0 } }
        return features
    }
}
