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
    /// The external id: a non-empty string of at most 4,096 UTF-8 bytes, unique in the collection.
    /// Upserting a document with an existing id replaces that document.
    public var id: String
    /// Sparse vector over integer term ids (collections with a `.termIDs` schema).
    public var sparse: SparseVector?
    /// Sparse vector over string terms (collections with a `.vocabulary` schema).
    public var sparseTerms: [String: Float]?
    /// Dense vector of exactly the collection's ``DenseSchema/dimension`` finite floats.
    public var dense: [Float]?
    /// JSON metadata, stored and returned as given (numbers must be finite); not searched.
    public var metadata: [String: JSONValue]?
    /// Text stored with the document and returned as given; not searched.
    public var text: String?

    /// Creates a document. It must carry at least one vector part the collection has;
    /// it is validated when written, not here.
    ///
    /// - Parameters:
    ///   - id: The external id, unique in the collection.
    ///   - sparse: Sparse vector over integer term ids (collections with a `.termIDs` schema).
    ///   - sparseTerms: Sparse vector over string terms (collections with a `.vocabulary` schema);
    ///     give this or `sparse`, not both.
    ///   - dense: Dense vector of the collection's dimension.
    ///   - metadata: JSON metadata.
    ///   - text: Text stored with the document.
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
