/// A query read from a JSONL query file: the document shape with an `id`
/// and a `sparse` and/or `dense` part (other fields are ignored).
///
/// A sparse part the collection cannot use (it has no sparse part) is ignored, and so is a dense
/// part when the collection has no dense part.
public struct QueryRecord: Sendable {
    /// The query's `id` field: a non-empty string that names the query in results and ground truth.
    public var id: String
    /// The query, with the `k` and `mode` given to ``QueryFile/load(path:for:k:mode:limit:)``
    /// and the other options at their defaults.
    public var query: Query
    /// The query's `text` field, or nil when it has none.
    public var text: String?
}

/// Reading query files for `fathom search` and `fathom bench`.
public enum QueryFile {
    /// Reads every query of `path`, validated against `collection`'s schema.
    /// `k` and `mode` are set on each query. With a `limit`, reading stops after that many queries.
    ///
    /// ```swift
    /// let queries = try QueryFile.load(path: "queries.jsonl", for: docs, k: 10, mode: .auto)
    /// ```
    public static func load(path: String, for collection: Collection, k: Int, mode: Query.Mode,
                            limit: Int? = nil) throws -> [QueryRecord] {
        let reader = try JSONLReader(path: path)
        var queries: [QueryRecord] = []
        while let line = try reader.next() {
            if let limit, queries.count >= limit { break }
            let location = InputLocation(file: path, line: line.number)
            do {
                let record = try DocumentRecordDecoder.decode(DocumentRecord.self, from: line.bytes)
                queries.append(try makeQuery(record, schema: collection.schema, k: k, mode: mode))
            } catch {
                throw error.located(at: location)
            }
        }
        return queries
    }

    static func makeQuery(_ record: DocumentRecord, schema: CollectionSchema, k: Int,
                          mode: Query.Mode) throws(ValidationFailure) -> QueryRecord {
        guard let id = record.id, !id.isEmpty else { throw ValidationFailure(field: "id", reason: "missing") }
        var query = Query(k: k, mode: mode)
        switch (record.sparse, schema.sparse) {
        case (.indexed(let indices, let values)?, .termIDs(let dimension)?):
            query.sparse = try DocumentValidator.sparseVector(indices: indices, values: values, dimension: dimension)
        case (.terms(let terms)?, .vocabulary?):
            query.sparseTerms = Dictionary(uniqueKeysWithValues: try DocumentValidator.termWeights(terms).map { ($0.term, $0.weight) })
        case (nil, _), (_, nil):
            break  // a sparse part the collection cannot use is ignored: dense-only collections accept full query files
        case (.indexed?, .vocabulary?), (.terms?, .termIDs?):
            throw ValidationFailure(field: "sparse", reason: "does not match the collection's kind of terms")
        }
        if let dense = record.dense, let dimension = schema.dense?.dimension {
            guard dense.count == dimension else {
                throw ValidationFailure(field: "dense", reason: "has \(dense.count) values, the collection's dimension is \(dimension)")
            }
            query.dense = dense
        }
        guard query.sparse != nil || query.sparseTerms != nil || query.dense != nil else {
            throw ValidationFailure(field: "", reason: "the query has no sparse or dense part this collection can search")
        }
        return QueryRecord(id: id, query: query, text: record.text)
    }
}
