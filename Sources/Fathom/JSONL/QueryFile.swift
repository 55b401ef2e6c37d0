import Foundation

/// A query read from a JSONL query file: the document shape with an `id`
/// and a `sparse` and/or `dense` part (other fields are ignored) — or, when
/// read with `sparseFromText`, a `text` that becomes the sparse part.
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

    /// Creates a record (a query that did not come from a file, for tools that run both kinds).
    public init(id: String, query: Query, text: String? = nil) {
        self.id = id
        self.query = query
        self.text = text
    }
}

/// Reading query files for `fathom search` and `fathom bench`.
public enum QueryFile {
    /// Reads every query of `path`, validated against `collection`'s schema.
    /// `k` and `mode` are set on each query. With a `limit`, reading stops after that many queries.
    /// With `sparseFromText`, each query's sparse part is its `text` field
    /// (``Query/text``, made into terms by the collection's tokenizer when it
    /// runs) and any `sparse` field is ignored; a query without `text` is an error.
    ///
    /// ```swift
    /// let queries = try QueryFile.load(path: "queries.jsonl", for: docs, k: 10, mode: .auto)
    /// ```
    public static func load(path: String, for collection: Collection, k: Int, mode: Query.Mode,
                            limit: Int? = nil, sparseFromText: Bool = false) throws -> [QueryRecord] {
        let reader = try JSONLReader(path: path)
        var queries: [QueryRecord] = []
        while let line = try reader.next() {
            if let limit, queries.count >= limit { break }
            let location = InputLocation(file: path, line: line.number)
            do {
                let record = try DocumentRecordDecoder.decode(DocumentRecord.self, from: line.bytes)
                queries.append(try makeQuery(record, schema: collection.schema, k: k, mode: mode,
                                             sparseFromText: sparseFromText))
            } catch {
                throw error.located(at: location)
            }
        }
        return queries
    }

    /// The `text` field of every line of a JSONL file that has one, in file
    /// order (`fathom vocab tokenize --texts`); other fields are not checked.
    public static func texts(path: String) throws -> [String] {
        let reader = try JSONLReader(path: path)
        var texts: [String] = []
        while let line = try reader.next() {
            do {
                if let text = try DocumentRecordDecoder.decode(TextField.self, from: line.bytes).text { texts.append(text) }
            } catch {
                throw error.located(at: InputLocation(file: path, line: line.number))
            }
        }
        return texts
    }

    private struct TextField: Decodable {
        var text: String?
    }

    /// A dense query vector written as one JSON array of finite numbers
    /// (`fathom search --dense-file`).
    ///
    /// - Throws: ``FathomError/invalidArgument(reason:)`` naming the element or byte at fault.
    public static func denseVector(json: Data) throws -> [Float] {
        let values: [Float]
        do {
            values = try DocumentRecordDecoder.decode(FloatArrayDocument.self, from: json).values
        } catch {
            throw FathomError.invalidArgument(reason: error.field.isEmpty ? error.reason : "element \(error.field): \(error.reason)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw FathomError.invalidArgument(reason: "element [\(bad)]: must be a finite number")
        }
        return values
    }

    static func makeQuery(_ record: DocumentRecord, schema: CollectionSchema, k: Int, mode: Query.Mode,
                          sparseFromText: Bool = false) throws(ValidationFailure) -> QueryRecord {
        guard let id = record.id, !id.isEmpty else { throw ValidationFailure(field: "id", reason: "missing") }
        var query = Query(k: k, mode: mode)
        if sparseFromText {
            guard let text = record.text, !text.isEmpty else {
                throw ValidationFailure(field: "text", reason: "missing (the sparse part is made from the text)")
            }
            if schema.sparse != nil { query.text = text }
        }
        switch (sparseFromText ? nil : record.sparse, schema.sparse) {
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
        guard query.sparse != nil || query.sparseTerms != nil || query.text != nil || query.dense != nil else {
            throw ValidationFailure(field: "", reason: "the query has no sparse or dense part this collection can search")
        }
        return QueryRecord(id: id, query: query, text: record.text)
    }
}
