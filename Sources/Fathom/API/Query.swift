/// A top-k query: a sparse part, a dense part, or both. The sparse part can
/// be given as text, for a collection with a stored vocabulary
/// (``Collection/importVocabulary(_:lowercase:)-(WordPieceVocabulary,_)``).
///
/// ```swift
/// var query = Query(sparse: try SparseVector(indices: [2054, 3000], values: [1.2, 0.4]),
///                   dense: embedding, k: 10)
/// query.mode = .hybrid            // .auto uses whatever parts the query carries
/// let hits = try collection.search(query)
/// let fromText = try collection.search(Query(text: "crude oil prices", k: 10))
/// ```
public struct Query: Sendable, Equatable {
    /// Which parts of the query are used.
    public enum Mode: String, Sendable, CaseIterable {
        /// Whatever the query carries: sparse, dense, or hybrid when both.
        case auto
        /// Sparse part only; scores are dot products of term weights.
        case sparse
        /// Dense part only; scores as the collection's ``DenseMetric``.
        case dense
        /// Both parts, fused by reciprocal rank fusion; scores are RRF scores.
        case hybrid
    }

    /// Sparse query over integer term ids (collections with a `.termIDs` schema); ids must be
    /// below the collection's dimension. Give this or ``sparseTerms``, not both.
    public var sparse: SparseVector?
    /// Sparse query over string terms (collections with a `.vocabulary` schema).
    public var sparseTerms: [String: Float]?
    /// Sparse query as text: the collection's stored WordPiece tokenizer turns
    /// it into tokens, and each distinct token becomes a term weighted by the
    /// collection's ``QueryWeighting`` (supplied weights, or corpus IDF).
    /// Special tokens, `[UNK]` and tokens without a weight are dropped; a text
    /// left with no term is an ``FathomError/invalidQuery(reason:)``. Give at
    /// most one of ``sparse``, ``sparseTerms`` and `text`.
    public var text: String?
    /// Dense query vector: exactly the collection's ``DenseSchema/dimension`` finite floats.
    public var dense: [Float]?
    /// The number of hits to return, in `1...100000` (default 10). Fewer are returned when
    /// fewer documents match.
    public var k: Int
    /// Which parts of the query are used; ``Mode/auto`` by default.
    public var mode: Mode
    /// Force the exact reference paths. Otherwise the dense part is searched
    /// through each large segment's HNSW graph (or its compact codes, see
    /// ``denseParameters``), and the sparse part of a query in mode
    /// ``Mode/sparse`` through the Seismic index where segments have one;
    /// everything else is exact already.
    public var exact: Bool
    /// How many results of each part enter the fusion of a hybrid query, in `1...100000`
    /// (default 100; at least ``k`` are always taken).
    public var candidateDepth: Int
    /// The reciprocal-rank-fusion constant: a hybrid score is the sum of `1 / (rrfConstant + rank)`
    /// over both parts. Positive and finite; default 60.
    public var rrfConstant: Float
    /// Seismic parameters for this query; nil uses the collection's
    /// (``IndexParameters/seismicQuery``).
    public var seismic: SeismicQueryParameters?
    /// Only documents whose metadata satisfies this filter are returned, by
    /// every path (``MetadataFilter``, e.g. `year >= 1987 AND topics HAS "earn"`).
    public var filter: MetadataFilter?
    /// Approximate dense search parameters for this query (nil: the collection's).
    public var denseParameters: DenseQueryParameters?
    /// Pseudo-relevance feedback: a second round moved towards the first
    /// round's top documents (nil: one round). See ``PseudoRelevanceFeedback``.
    public var feedback: PseudoRelevanceFeedback?
    /// Hybrid only: how the sparse and dense result lists are combined. The
    /// default, ``FusionMethod/convex`` with z-score normalization and alpha
    /// 0.5, measured best on the labeled dev data (nDCG@10 0.7290 against
    /// 0.7095 for reciprocal rank fusion and 0.7043 for sparse alone;
    /// docs/benchmarks.md).
    public var fusion: FusionMethod = .convex
    /// Hybrid with ``FusionMethod/convex``: the weight of the dense part, in
    /// `0...1` (score = alpha · dense + (1 − alpha) · sparse, each normalized).
    public var alpha: Float = Query.defaultAlpha
    /// Hybrid with ``FusionMethod/convex``: how each list's scores are normalized.
    public var normalization: ScoreNormalization = .zScore

    /// The default ``alpha``.
    public static let defaultAlpha: Float = 0.5
    /// How exact an approximate sparse search must be.
    public var exactness: Exactness = .approximate

    /// How exact an approximate sparse search must be.
    public enum Exactness: String, Sendable, CaseIterable {
        /// Seismic's answer as found; ``QueryExplanation/certified`` says
        /// whether it is provably exact.
        case approximate
        /// Keep going until the answer is provably exact: segments whose
        /// certificate does not hold are searched exactly.
        case certified
    }

    /// Not API: how exact sparse search scores sealed segments, kept
    /// selectable so the choice can be re-measured (docs/benchmarks.md).
    public var _exactSparseStrategy: _ExactSparseStrategy = .invertedIndex

    /// Creates a query. It is checked against the collection when it runs.
    ///
    /// - Parameters:
    ///   - sparse: Sparse part over integer term ids.
    ///   - sparseTerms: Sparse part over string terms; give this or `sparse`, not both.
    ///   - dense: Dense part.
    ///   - k: The number of hits to return, in `1...100000`.
    ///   - mode: Which parts are used; `.auto` uses whatever parts the query carries.
    ///   - exact: Force the exact reference path (matters only where a Seismic index is used).
    ///   - candidateDepth: Results of each part fused by a hybrid query, in `1...100000`.
    ///   - rrfConstant: The reciprocal-rank-fusion constant, positive.
    public init(sparse: SparseVector? = nil, sparseTerms: [String: Float]? = nil, dense: [Float]? = nil,
                k: Int = 10, mode: Mode = .auto, exact: Bool = false, candidateDepth: Int = 100,
                rrfConstant: Float = 60) {
        self.sparse = sparse
        self.sparseTerms = sparseTerms
        self.dense = dense
        self.k = k
        self.mode = mode
        self.exact = exact
        self.candidateDepth = candidateDepth
        self.rrfConstant = rrfConstant
    }

    /// Creates a query whose sparse part is made from `text` by the
    /// collection's tokenizer; with a `dense` vector it runs hybrid (in mode
    /// `.auto`). It is checked against the collection when it runs.
    ///
    /// - Parameters:
    ///   - text: The query text.
    ///   - dense: Dense part.
    ///   - k: The number of hits to return, in `1...100000`.
    ///   - mode: Which parts are used; `.auto` uses whatever parts the query carries.
    public init(text: String, dense: [Float]? = nil, k: Int = 10, mode: Mode = .auto) {
        self.init(dense: dense, k: k, mode: mode)
        self.text = text
    }

    /// The mode actually run, after `auto` is resolved; throws when the query
    /// lacks the part the mode needs.
    func resolvedMode() throws -> Mode {
        let hasSparse = sparse != nil || sparseTerms != nil || text != nil
        let hasDense = dense != nil
        switch mode {
        case .auto:
            if hasSparse && hasDense { return .hybrid }
            if hasSparse { return .sparse }
            if hasDense { return .dense }
            throw FathomError.invalidQuery(reason: "the query has neither a sparse nor a dense part")
        case .sparse:
            guard hasSparse else { throw FathomError.invalidQuery(reason: "mode sparse needs a sparse part") }
        case .dense:
            guard hasDense else { throw FathomError.invalidQuery(reason: "mode dense needs a dense part") }
        case .hybrid:
            guard hasSparse && hasDense else {
                throw FathomError.invalidQuery(reason: "mode hybrid needs both a sparse and a dense part")
            }
        }
        return mode
    }
}

/// Not API: the two exact sparse strategies (term-at-a-time over the posting
/// blocks with bounded rescoring, the default; or a scan of the forward index).
public enum _ExactSparseStrategy: String, Sendable, CaseIterable {
    /// Term-at-a-time over the posting blocks, with bounded rescoring (the default).
    case invertedIndex = "inverted-index"
    /// A scan of the forward index.
    case forwardScan = "forward-scan"
}
