/// Percentiles of a set of latencies (nearest-rank).
public struct LatencySummary: Sendable, Codable, Equatable {
    public var count: Int
    public var meanMilliseconds: Double
    public var p50Milliseconds: Double
    public var p99Milliseconds: Double
    public var maxMilliseconds: Double

    public init(milliseconds samples: [Double]) {
        let sorted = samples.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
            return sorted[min(max(rank, 1), sorted.count) - 1]
        }
        count = sorted.count
        meanMilliseconds = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
        p50Milliseconds = percentile(50)
        p99Milliseconds = percentile(99)
        maxMilliseconds = sorted.last ?? 0
    }
}
