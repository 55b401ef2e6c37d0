/// How dense vectors are compared. Scores are always "higher is better".
public enum DenseMetric: String, Codable, Sendable, CaseIterable {
    /// Cosine similarity in [-1, 1]. Vectors are stored as given (so export is
    /// exact) and their norms are applied at scoring time.
    case cosine
    /// Inner product.
    case dot
    /// Negated squared Euclidean distance: `-‖q − d‖²`.
    case l2
}

/// The dense part of a collection: every dense vector has exactly `dimension` floats.
public struct DenseSchema: Codable, Sendable, Equatable {
    /// The number of floats in every dense vector, in `1...65536`.
    public var dimension: Int
    /// How dense vectors are compared (and so what a dense score is).
    public var metric: DenseMetric

    /// Creates the dense part of a schema.
    ///
    /// - Parameters:
    ///   - dimension: The number of floats in every dense vector, in `1...65536`.
    ///   - metric: How vectors are compared; cosine by default.
    public init(dimension: Int, metric: DenseMetric = .cosine) {
        self.dimension = dimension
        self.metric = metric
    }
}

/// The sparse part of a collection.
public enum SparseSchema: Codable, Sendable, Equatable {
    /// Integer term ids in `0..<dimension` (for SPLADE over bert-base-uncased
    /// WordPiece, 30,522).
    case termIDs(dimension: Int)
    /// String terms, mapped to ids through a vocabulary stored with the
    /// collection and grown by ingest (Seismic's `{"vector": {"term": w}}` form).
    case vocabulary

    /// The WordPiece vocabulary size of BERT-family SPLADE models.
    public static let defaultDimension = 30_522
}

/// A collection's schema, fixed when it is created.
///
/// ```swift
/// let schema = CollectionSchema(dense: DenseSchema(dimension: 384, metric: .cosine),
///                               sparse: .termIDs(dimension: 30_522))
/// let docs = try db.createCollection("default", schema: schema)
/// ```
public struct CollectionSchema: Codable, Sendable, Equatable {
    /// The dense part, or nil when the collection stores no dense vectors.
    public var dense: DenseSchema?
    /// The sparse part, or nil when the collection stores no sparse vectors.
    public var sparse: SparseSchema?
    /// Index parameters (stored with the schema; later index kinds add fields).
    public var index: IndexParameters

    /// Creates a schema. A collection needs a dense part, a sparse part, or both; the schema is
    /// checked when the collection is created.
    ///
    /// - Parameters:
    ///   - dense: The dense part, or nil for none.
    ///   - sparse: The sparse part, or nil for none.
    ///   - index: Index parameters; the defaults suit most collections.
    public init(dense: DenseSchema? = nil, sparse: SparseSchema? = nil, index: IndexParameters = .init()) {
        self.dense = dense
        self.sparse = sparse
        self.index = index
    }

    /// Checks that the schema describes something storable.
    func validate() throws {
        guard dense != nil || sparse != nil else {
            throw FathomError.invalidSchema(reason: "a collection needs a dense part, a sparse part, or both")
        }
        if let dense, !(1...65_536).contains(dense.dimension) {
            throw FathomError.invalidSchema(reason: "dense dimension must be in 1...65536, got \(dense.dimension)")
        }
        if case .termIDs(let dimension)? = sparse, !(1...Int(UInt32.max)).contains(dimension) {
            throw FathomError.invalidSchema(reason: "sparse dimension must be in 1...\(UInt32.max), got \(dimension)")
        }
        try index.validate()
    }
}

/// Index parameters of a collection.
public struct IndexParameters: Codable, Sendable, Equatable {
    /// Number of documents in the write buffer at which it is sealed into an
    /// immutable segment.
    public var sealThreshold: Int
    /// Postings per block of the exact inverted index (doc-id order).
    public var postingBlockSize: Int
    /// How sealed segments build their Seismic block index.
    public var seismic: SeismicParameters
    /// The collection's default Seismic query parameters (a query may override them).
    public var seismicQuery: SeismicQueryParameters
    /// Build parameters of the HNSW graph over each sealed segment's dense vectors.
    public var denseGraph: DenseGraphParameters
    /// The collection's default dense query parameters (a query may override them).
    public var denseQuery: DenseQueryParameters

    /// The default ``sealThreshold``: 20,000 documents.
    public static let defaultSealThreshold = 20_000
    /// The default ``postingBlockSize``: 128 postings.
    public static let defaultPostingBlockSize = 128

    /// Creates index parameters, checked when the collection is created.
    ///
    /// - Parameters:
    ///   - sealThreshold: Documents in the write buffer at which it is sealed; at least 1.
    ///   - postingBlockSize: Postings per block of the inverted index, in `8...65536`.
    ///   - seismic: Build parameters of the Seismic block index.
    ///   - seismicQuery: Default query parameters of Seismic search.
    ///   - denseGraph: Build parameters of the dense HNSW graph.
    ///   - denseQuery: Default query parameters of approximate dense search.
    public init(sealThreshold: Int = IndexParameters.defaultSealThreshold,
                postingBlockSize: Int = IndexParameters.defaultPostingBlockSize,
                seismic: SeismicParameters = SeismicParameters(),
                seismicQuery: SeismicQueryParameters = SeismicQueryParameters(),
                denseGraph: DenseGraphParameters = DenseGraphParameters(),
                denseQuery: DenseQueryParameters = DenseQueryParameters()) {
        self.sealThreshold = sealThreshold
        self.postingBlockSize = postingBlockSize
        self.seismic = seismic
        self.seismicQuery = seismicQuery
        self.denseGraph = denseGraph
        self.denseQuery = denseQuery
    }

    private enum CodingKeys: String, CodingKey {
        case sealThreshold, postingBlockSize, seismic, seismicQuery, denseGraph, denseQuery
    }

    /// Reads stored parameters; fields added after a collection was created take their defaults.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sealThreshold = try container.decode(Int.self, forKey: .sealThreshold)
        postingBlockSize = try container.decode(Int.self, forKey: .postingBlockSize)
        seismic = try container.decodeIfPresent(SeismicParameters.self, forKey: .seismic) ?? SeismicParameters()
        seismicQuery = try container.decodeIfPresent(SeismicQueryParameters.self, forKey: .seismicQuery)
            ?? SeismicQueryParameters()
        denseGraph = try container.decodeIfPresent(DenseGraphParameters.self, forKey: .denseGraph) ?? DenseGraphParameters()
        denseQuery = try container.decodeIfPresent(DenseQueryParameters.self, forKey: .denseQuery) ?? DenseQueryParameters()
    }

    func validate() throws {
        guard sealThreshold >= 1 else {
            throw FathomError.invalidSchema(reason: "seal threshold must be at least 1, got \(sealThreshold)")
        }
        guard (8...65_536).contains(postingBlockSize) else {
            throw FathomError.invalidSchema(reason: "posting block size must be in 8...65536, got \(postingBlockSize)")
        }
        try seismic.validate()
        try seismicQuery.validate()
        try denseGraph.validate()
        do { try denseQuery.validate() } catch FathomError.invalidQuery(let reason) {
            throw FathomError.invalidSchema(reason: "default dense query: " + reason)
        }
    }
}
