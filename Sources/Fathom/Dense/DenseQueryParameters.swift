/// A compact code of dense vectors, scanned in place of the float32 vectors
/// (the best candidates are then re-scored exactly).
public enum DenseCodeKind: String, Codable, Sendable, CaseIterable {
    /// IEEE half precision: 2 bytes per dimension, relative error ≤ 2⁻¹¹.
    case float16
    /// Signed 8-bit with one scale per vector: 1 byte per dimension.
    case int8
    /// One sign bit per dimension, compared by Hamming distance: 1/32 of the
    /// float32 bytes, a coarse filter that needs a deep re-scoring pool.
    case binary
}

/// What a dense graph search walks on.
public enum DenseGraphPrecision: String, Codable, Sendable, CaseIterable {
    /// Int8 codes with one scale per vector (a quarter of the float32 bytes
    /// read per node visited), the best candidates of the final beam re-scored
    /// in float32: returned scores are exact. The default: on reuters21578 at
    /// ef 64 it kept recall@10 (0.9547 vs 0.9543) at 0.65× the latency.
    case int8
    /// The float32 vectors: scores are exact all the way.
    case float32
}

/// How approximate dense search runs, per collection (defaults) or per query.
///
/// ```swift
/// var query = Query(dense: embedding, k: 10, mode: .dense)
/// query.denseParameters = DenseQueryParameters(efSearch: 128)              // wider graph beam
/// query.denseParameters = DenseQueryParameters(codes: .int8, rescoreDepth: 50)  // int8 scan
/// query.denseParameters = DenseQueryParameters(graphPrecision: .float32)   // walk the float32 vectors
/// ```
public struct DenseQueryParameters: Sendable, Equatable, Codable {
    /// The beam width of the graph search on layer 0: more recall, more time.
    /// A segment with at most this many vectors is answered exactly.
    public var efSearch: Int
    /// When set, segments are scanned over these codes instead of searched
    /// through their graphs.
    public var codes: DenseCodeKind?
    /// With ``codes``, or a graph walk over int8 codes: how many of the best
    /// candidates by code score are re-scored with the float32 vectors (at
    /// least k are; a graph walk has at most `max(efSearch, k)` candidates).
    public var rescoreDepth: Int
    /// What the graph search walks on (ignored with ``codes`` and by exact
    /// searches).
    public var graphPrecision: DenseGraphPrecision

    public static let defaultEfSearch = 100
    public static let defaultRescoreDepth = 100

    public static let defaultGraphPrecision = DenseGraphPrecision.int8

    public init(efSearch: Int = DenseQueryParameters.defaultEfSearch, codes: DenseCodeKind? = nil,
                rescoreDepth: Int = DenseQueryParameters.defaultRescoreDepth,
                graphPrecision: DenseGraphPrecision = DenseQueryParameters.defaultGraphPrecision) {
        self.efSearch = efSearch
        self.codes = codes
        self.rescoreDepth = rescoreDepth
        self.graphPrecision = graphPrecision
    }

    private enum CodingKeys: String, CodingKey { case efSearch, codes, rescoreDepth, graphPrecision }

    /// Reads stored parameters; missing fields take their defaults.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        efSearch = try container.decodeIfPresent(Int.self, forKey: .efSearch) ?? Self.defaultEfSearch
        codes = try container.decodeIfPresent(DenseCodeKind.self, forKey: .codes)
        rescoreDepth = try container.decodeIfPresent(Int.self, forKey: .rescoreDepth) ?? Self.defaultRescoreDepth
        graphPrecision = try container.decodeIfPresent(DenseGraphPrecision.self, forKey: .graphPrecision)
            ?? Self.defaultGraphPrecision
    }

    func validate() throws {
        guard (1...100_000).contains(efSearch) else {
            throw FathomError.invalidQuery(reason: "efSearch must be in 1...100000, got \(efSearch)")
        }
        guard (1...1_000_000).contains(rescoreDepth) else {
            throw FathomError.invalidQuery(reason: "rescoreDepth must be in 1...1000000, got \(rescoreDepth)")
        }
    }
}
