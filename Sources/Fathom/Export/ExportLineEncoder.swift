/// The line encoder of one export format, chosen once per export: the
/// traversal of the snapshot is shared, only the lines differ.
enum ExportLineEncoder {
    /// Fathom's JSONL; `terms` are the string terms of a `.vocabulary` collection.
    case jsonl(terms: [String]?)
    case openSearch(OpenSearchBulkEncoder)
    case qdrant(QdrantPointEncoder)

    /// Chooses the encoder of `format`, checking its arguments before anything is written.
    init(_ format: ExportFormat, collection: String, schema: CollectionSchema, terms: [String]?, tokens: TokenTable?) throws {
        switch format {
        case .jsonl:
            guard tokens == nil else {
                throw FathomError.invalidArgument(
                    reason: "the jsonl format takes no token table: it writes the collection's own terms so that ingest reads it back exactly")
            }
            self = .jsonl(terms: terms)
        case .openSearch(let index):
            self = .openSearch(try OpenSearchBulkEncoder(index: index, schema: schema, terms: terms, tokens: tokens))
        case .qdrant:
            self = .qdrant(try QdrantPointEncoder(collection: collection, terms: terms, tokens: tokens))
        }
    }

    func write(_ document: ExportedDocument, to write: (String) throws -> Void) throws {
        switch self {
        case .jsonl(let terms):
            try write(DocumentRecordEncoder.line(id: document.id, sparse: document.sparse, terms: terms, dense: document.dense,
                                                 metadata: document.metadata, text: document.text))
        case .openSearch(let encoder):
            try encoder.write(document, to: write)
        case .qdrant(let encoder):
            try encoder.write(document, to: write)
        }
    }
}
