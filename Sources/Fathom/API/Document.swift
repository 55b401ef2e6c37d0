/// A stored document: an external id unique in its collection, an optional
/// sparse vector, an optional dense vector, JSON metadata and optional text.
///
/// ```swift
/// let doc = Document(id: "doc-1",
///                    sparse: try SparseVector(indices: [101, 2054], values: [0.81, 1.3]),
///                    dense: [0.1, 0.2, 0.3],
///                    metadata: ["year": 2021, "lang": "en"])
/// try collection.upsert([doc])
/// ```
public struct Document: Sendable, Equatable {
    public var id: String
    /// Sparse vector over integer term ids (collections with a `.termIDs` schema).
    public var sparse: SparseVector?
    /// Sparse vector over string terms (collections with a `.vocabulary` schema).
    public var sparseTerms: [String: Float]?
    public var dense: [Float]?
    public var metadata: [String: JSONValue]?
    public var text: String?

    public init(id: String, sparse: SparseVector? = nil, sparseTerms: [String: Float]? = nil,
                dense: [Float]? = nil, metadata: [String: JSONValue]? = nil, text: String? = nil) {
        self.id = id
        self.sparse = sparse
        self.sparseTerms = sparseTerms
        self.dense = dense
        self.metadata = metadata
        self.text = text
    }
}
