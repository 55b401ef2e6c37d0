/// Build parameters of the dense HNSW graph (Malkov & Yashunin, 2018) that a
/// sealed segment may carry over its dense vectors.
///
/// ```swift
/// var graph = DenseGraphParameters()
/// graph.m = 24                 // more links: better recall, bigger graph, slower build
/// graph.efConstruction = 200   // wider build search: better graph, slower build
/// ```
///
/// The graph is deterministic: the same vectors, metric and parameters (the
/// ``seed`` included) give the same graph, byte for byte.
public struct DenseGraphParameters: Codable, Sendable, Equatable {
    /// Whether sealed segments of a collection with a dense part get a graph
    /// (on by default; off: dense search always scans).
    public var enabled: Bool
    /// The most neighbours a node keeps on each upper layer; layer 0 keeps up
    /// to `2 × m`. In `2...128`. The node levels are drawn with `mL = 1/ln(m)`,
    /// so one node in `m` reaches layer 1, one in `m²` layer 2, and so on.
    public var m: Int
    /// The beam width of the search that finds a new node's neighbours while
    /// the graph is built; at least ``m`` and at most 4,096.
    public var efConstruction: Int
    /// Seeds the generator that draws the node levels.
    public var seed: UInt64
    /// Segments with fewer documents than this get no graph: a flat scan of
    /// that few vectors is as fast as a graph search and exact. At least 1.
    public var minimumSegmentDocuments: Int

    /// The default ``m``: 16.
    public static let defaultM = 16
    /// The default ``efConstruction``: 200 (hnswlib's default; on reuters21578 it reached recall@10 0.954 at ef 64 where 100 gave 0.939).
    public static let defaultEfConstruction = 200
    /// The default ``seed`` (fixed, so graphs are reproducible by default).
    public static let defaultSeed: UInt64 = 0x4653_4E57_4448_4E53
    /// The default ``minimumSegmentDocuments``: 2,000.
    public static let defaultMinimumSegmentDocuments = 2_000
    /// The largest ``m``: layer-0 lists of `2 × m` entries then still have a
    /// 16-bit count, and a larger fan-out buys nothing measurable.
    static let maximumM = 128
    /// The largest ``efConstruction``.
    static let maximumEfConstruction = 4_096

    /// Creates graph build parameters, checked with the collection's schema.
    ///
    /// - Parameters:
    ///   - enabled: Whether sealed segments get a graph.
    ///   - m: Neighbours per node on the upper layers (twice that on layer 0), in `2...128`.
    ///   - efConstruction: Beam width of the build search, in `m...4096`.
    ///   - seed: Seed of the level generator.
    ///   - minimumSegmentDocuments: Segments smaller than this are scanned flat; at least 1.
    public init(enabled: Bool = true,
                m: Int = DenseGraphParameters.defaultM,
                efConstruction: Int = DenseGraphParameters.defaultEfConstruction,
                seed: UInt64 = DenseGraphParameters.defaultSeed,
                minimumSegmentDocuments: Int = DenseGraphParameters.defaultMinimumSegmentDocuments) {
        self.enabled = enabled
        self.m = m
        self.efConstruction = efConstruction
        self.seed = seed
        self.minimumSegmentDocuments = minimumSegmentDocuments
    }

    private enum CodingKeys: String, CodingKey { case enabled, m, efConstruction, seed, minimumSegmentDocuments }

    /// Reads stored parameters; a field a stored schema lacks (written before
    /// the field existed) takes its default, so old databases stay readable.
    public init(from decoder: Decoder) throws {
        let defaults = DenseGraphParameters()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
        m = try container.decodeIfPresent(Int.self, forKey: .m) ?? defaults.m
        efConstruction = try container.decodeIfPresent(Int.self, forKey: .efConstruction) ?? defaults.efConstruction
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? defaults.seed
        minimumSegmentDocuments = try container.decodeIfPresent(Int.self, forKey: .minimumSegmentDocuments)
            ?? defaults.minimumSegmentDocuments
    }

    /// Checks the ranges documented on each property. Throws
    /// ``FathomError/invalidSchema(reason:)``: these parameters are part of a
    /// collection's schema and are checked with it (as ``SeismicParameters`` are).
    func validate() throws {
        guard (2...Self.maximumM).contains(m) else {
            throw FathomError.invalidSchema(reason: "dense graph m must be in 2...\(Self.maximumM), got \(m)")
        }
        guard (m...Self.maximumEfConstruction).contains(efConstruction) else {
            throw FathomError.invalidSchema(
                reason: "dense graph efConstruction must be in m...\(Self.maximumEfConstruction) (m = \(m)), got \(efConstruction)")
        }
        guard minimumSegmentDocuments >= 1 else {
            throw FathomError.invalidSchema(
                reason: "dense graph minimumSegmentDocuments must be at least 1, got \(minimumSegmentDocuments)")
        }
    }
}
