/// Percentiles of a set of latencies (nearest-rank).
///
/// Every value is 0 when there are no samples.
public struct LatencySummary: Sendable, Codable, Equatable {
    /// The number of samples.
    public var count: Int
    /// The arithmetic mean, in milliseconds.
    public var meanMilliseconds: Double
    /// The median (nearest-rank 50th percentile), in milliseconds.
    public var p50Milliseconds: Double
    /// The nearest-rank 99th percentile, in milliseconds.
    public var p99Milliseconds: Double
    /// The largest sample, in milliseconds.
    public var maxMilliseconds: Double

    /// Summarises latency samples, given in milliseconds in any order.
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
