/// When segments are merged or rewritten, by the background worker and by
/// ``Collection/compact(policy:)``.
///
/// Two rules, both measured in live documents (deleted ones excluded):
///
/// - **Size tiers.** A segment of n live documents is in tier ⌊log_f n⌋ for the
///   merge factor f; once f segments share a tier they are merged into one of
///   the next tier. Every document is then rewritten O(log_f N) times over
///   the life of a collection, and a search visits O(f · log_f N) segments.
/// - **Deleted fraction.** A segment whose tombstoned share reaches the
///   threshold is rewritten without its deleted documents, which also rebuilds
///   its posting blocks, Seismic clusters and summaries, and dense graph (all
///   of which go stale as documents are deleted).
///
/// ```swift
/// var policy = CompactionPolicy()
/// policy.mergeFactor = 8                  // fewer, larger merges
/// let db = try Database(path: "vectors.fathom", options: .init(compaction: policy))
/// ```
public struct CompactionPolicy: Sendable, Equatable {
    /// Segments of one size tier that trigger their merge (at least 2).
    public var mergeFactor: Int
    /// The share of a segment's documents that, once deleted or replaced,
    /// triggers its rewrite (in (0, 1]).
    public var deletedFraction: Double
    /// Tier merges never produce a segment of more live documents than this
    /// (rewrites for deletes are not limited).
    public var maximumMergedDocuments: Int
    /// How often the background worker looks for work when no write of this
    /// `Database` woke it (writes by other processes are noticed this way), in seconds.
    public var checkIntervalSeconds: Double

    /// Creates a policy; the defaults suit most collections.
    public init(mergeFactor: Int = 4, deletedFraction: Double = 0.2, maximumMergedDocuments: Int = 5_000_000,
                checkIntervalSeconds: Double = 30) {
        self.mergeFactor = mergeFactor
        self.deletedFraction = deletedFraction
        self.maximumMergedDocuments = maximumMergedDocuments
        self.checkIntervalSeconds = checkIntervalSeconds
    }

    func validate() throws {
        guard mergeFactor >= 2 else { throw FathomError.invalidArgument(reason: "merge factor must be at least 2") }
        guard deletedFraction > 0, deletedFraction <= 1 else {
            throw FathomError.invalidArgument(reason: "deleted fraction must be in (0, 1]")
        }
        guard maximumMergedDocuments >= 1 else {
            throw FathomError.invalidArgument(reason: "maximum merged documents must be at least 1")
        }
        guard checkIntervalSeconds > 0, checkIntervalSeconds.isFinite else {
            throw FathomError.invalidArgument(reason: "check interval must be a positive number of seconds")
        }
    }

    /// The size and deletions of one live segment, as the policy sees it.
    struct SegmentState: Sendable, Equatable {
        var id: Int64
        var documentCount: Int
        var deletedCount: Int
        var liveCount: Int { documentCount - deletedCount }
    }

    /// The merges this policy asks for: groups of segment ids, each merged (or,
    /// for a group of one, rewritten) into one segment. Groups are disjoint.
    func plan(_ segments: [SegmentState]) -> [[Int64]] {
        var groups: [[Int64]] = []
        var taken = Set<Int64>()
        var tiers: [Int: [SegmentState]] = [:]
        for segment in segments where segment.liveCount > 0 {
            tiers[tier(of: segment.liveCount), default: []].append(segment)
        }
        for tier in tiers.keys.sorted() {
            // Smallest first, so a capped merge takes the cheapest members.
            var members = tiers[tier]!.sorted { ($0.liveCount, $0.id) < ($1.liveCount, $1.id) }
            var total = 0
            members = Array(members.prefix { segment in
                total += segment.liveCount
                return total <= maximumMergedDocuments
            })
            guard members.count >= mergeFactor else { continue }
            groups.append(members.map(\.id).sorted())
            taken.formUnion(members.map(\.id))
        }
        for segment in segments.sorted(by: { $0.id < $1.id }) where !taken.contains(segment.id) {
            if segment.deletedCount > 0,
               segment.liveCount == 0 || Double(segment.deletedCount) >= deletedFraction * Double(segment.documentCount) {
                groups.append([segment.id])
            }
        }
        return groups
    }

    /// ⌊log_f n⌋, by repeated division (exact, unlike a floating-point log).
    func tier(of liveCount: Int) -> Int {
        var n = liveCount, tier = 0
        while n >= mergeFactor {
            n /= mergeFactor
            tier += 1
        }
        return tier
    }
}
