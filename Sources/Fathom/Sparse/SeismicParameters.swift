/// Build parameters of the Seismic block index (Bruch, Nardini, Rulli,
/// Venturini, SIGIR 2024), stored with the collection's schema and applied
/// whenever a segment is sealed.
///
/// ```swift
/// var index = IndexParameters()
/// index.seismic.enabled = true
/// index.seismic.centroidFraction = 0.05   // fewer, larger blocks: smaller index, less skipping
/// ```
public struct SeismicParameters: Codable, Sendable, Equatable {
    /// Build the index at all. Off by default: on the data measured so far
    /// (docs/benchmarks.md) this implementation is slower than the exact
    /// term-at-a-time path at every recall, and multiplies build time and size.
    public var enabled: Bool
    /// Static pruning: each term keeps at most this many postings (its
    /// highest-weighted ones) in the index. `nil` scales with the segment:
    /// `max(2,000, 40 × √documents)`, capped at the segment size.
    public var postingsPerTerm: Int?
    /// Blocks per pruned posting list, as a fraction of its length (each
    /// block is one cluster of geometrically similar documents).
    public var centroidFraction: Double
    /// Each block summary keeps the largest components of the block's
    /// max-vector up to this share of its L1 mass.
    public var summaryEnergy: Double
    /// Components of a document (its largest) used to assign it to a cluster.
    public var clusteringDocCut: Int
    /// Segments with fewer documents than this get no Seismic index: the
    /// exact path is as fast there.
    public var minimumSegmentDocuments: Int

    public init(enabled: Bool = false, postingsPerTerm: Int? = nil, centroidFraction: Double = 0.1,
                summaryEnergy: Double = 0.4, clusteringDocCut: Int = 15, minimumSegmentDocuments: Int = 1_000) {
        self.enabled = enabled
        self.postingsPerTerm = postingsPerTerm
        self.centroidFraction = centroidFraction
        self.summaryEnergy = summaryEnergy
        self.clusteringDocCut = clusteringDocCut
        self.minimumSegmentDocuments = minimumSegmentDocuments
    }

    private enum CodingKeys: String, CodingKey {
        case enabled, postingsPerTerm, centroidFraction, summaryEnergy, clusteringDocCut, minimumSegmentDocuments
    }

    /// Reads stored parameters; a field a stored schema lacks (written before
    /// the field existed) takes its default, so old databases stay readable.
    public init(from decoder: Decoder) throws {
        let defaults = SeismicParameters()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
        postingsPerTerm = try container.decodeIfPresent(Int.self, forKey: .postingsPerTerm)
        centroidFraction = try container.decodeIfPresent(Double.self, forKey: .centroidFraction) ?? defaults.centroidFraction
        summaryEnergy = try container.decodeIfPresent(Double.self, forKey: .summaryEnergy) ?? defaults.summaryEnergy
        clusteringDocCut = try container.decodeIfPresent(Int.self, forKey: .clusteringDocCut) ?? defaults.clusteringDocCut
        minimumSegmentDocuments = try container.decodeIfPresent(Int.self, forKey: .minimumSegmentDocuments)
            ?? defaults.minimumSegmentDocuments
    }

    /// The λ of a segment of `documents` documents.
    func postingsPerTerm(forSegmentOf documents: Int) -> Int {
        if let postingsPerTerm { return postingsPerTerm }
        return min(documents, max(2_000, Int(40 * Double(documents).squareRoot())))
    }

    func validate() throws {
        if let postingsPerTerm, postingsPerTerm < 1 {
            throw FathomError.invalidSchema(reason: "seismic postingsPerTerm must be at least 1, got \(postingsPerTerm)")
        }
        guard centroidFraction > 0, centroidFraction <= 1 else {
            throw FathomError.invalidSchema(reason: "seismic centroidFraction must be in (0, 1], got \(centroidFraction)")
        }
        guard summaryEnergy > 0, summaryEnergy <= 1 else {
            throw FathomError.invalidSchema(reason: "seismic summaryEnergy must be in (0, 1], got \(summaryEnergy)")
        }
        guard clusteringDocCut >= 1 else {
            throw FathomError.invalidSchema(reason: "seismic clusteringDocCut must be at least 1, got \(clusteringDocCut)")
        }
        guard minimumSegmentDocuments >= 1 else {
            throw FathomError.invalidSchema(reason: "seismic minimumSegmentDocuments must be at least 1")
        }
    }
}

/// Query-time parameters of Seismic search.
///
/// ```swift
/// var query = Query(sparse: vector, k: 10)
/// query.seismic = SeismicQueryParameters(queryCut: 8, heapFactor: 1.1)
/// ```
public struct SeismicQueryParameters: Sendable, Equatable, Codable {
    /// Only the `queryCut` heaviest query terms' posting lists are visited
    /// (every query term still counts when documents are scored).
    public var queryCut: Int
    /// A block is evaluated only when its summary score exceeds
    /// (current k-th best score) / `heapFactor`. Larger values evaluate more
    /// blocks: more recall, more time. (Seismic's own `heap_factor` is the
    /// reciprocal of this one.)
    public var heapFactor: Double

    private enum CodingKeys: String, CodingKey { case queryCut, heapFactor }

    /// Reads stored parameters; missing fields take their defaults.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        queryCut = try container.decodeIfPresent(Int.self, forKey: .queryCut) ?? Self.defaultQueryCut
        heapFactor = try container.decodeIfPresent(Double.self, forKey: .heapFactor) ?? Self.defaultHeapFactor
    }

    public static let defaultQueryCut = 10
    public static let defaultHeapFactor = 1.1

    public init(queryCut: Int = SeismicQueryParameters.defaultQueryCut,
                heapFactor: Double = SeismicQueryParameters.defaultHeapFactor) {
        self.queryCut = queryCut
        self.heapFactor = heapFactor
    }

    func validate() throws {
        guard queryCut >= 1 else { throw FathomError.invalidQuery(reason: "queryCut must be at least 1, got \(queryCut)") }
        guard heapFactor.isFinite, heapFactor > 0 else {
            throw FathomError.invalidQuery(reason: "heapFactor must be a positive number, got \(heapFactor)")
        }
    }
}
