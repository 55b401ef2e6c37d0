import Fathom
import Testing

@Suite("Latency summary")
struct LatencySummaryTests {
    @Test("ten samples: mean, nearest-rank p50 and p99, and max, whatever the input order")
    func tenSamples() {
        let summary = LatencySummary(milliseconds: [7, 3, 10, 1, 9, 2, 8, 4, 6, 5])
        #expect(summary.count == 10)
        #expect(summary.meanMilliseconds == 5.5)
        #expect(summary.p50Milliseconds == 5)     // rank ⌈0.5 × 10⌉ = 5
        #expect(summary.p99Milliseconds == 10)    // rank ⌈0.99 × 10⌉ = 10
        #expect(summary.maxMilliseconds == 10)
    }

    @Test("a hundred samples: p99 is the 99th smallest, not the largest")
    func hundredSamples() {
        let samples = (1...100).reversed().map { Double($0) / 4 }
        let summary = LatencySummary(milliseconds: samples)
        #expect(summary.p50Milliseconds == 12.5)   // 50th smallest: 50 / 4
        #expect(summary.p99Milliseconds == 24.75)  // 99th smallest: 99 / 4
        #expect(summary.maxMilliseconds == 25)
        #expect(summary.meanMilliseconds == 12.625)
    }

    @Test("a few samples with an outlier: the outlier sets p99 and max but not p50")
    func outlier() {
        let summary = LatencySummary(milliseconds: [1.5, 0.5, 250, 1.0])
        #expect(summary.p50Milliseconds == 1.0)    // rank 2 of [0.5, 1.0, 1.5, 250]
        #expect(summary.p99Milliseconds == 250)
        #expect(summary.meanMilliseconds == 63.25)
    }

    @Test("a single sample is every statistic")
    func singleSample() {
        let summary = LatencySummary(milliseconds: [4.25])
        #expect(summary == LatencySummary(milliseconds: [4.25]))
        #expect([summary.meanMilliseconds, summary.p50Milliseconds, summary.p99Milliseconds, summary.maxMilliseconds]
            == [4.25, 4.25, 4.25, 4.25])
    }

    @Test("no samples give zeros")
    func noSamples() {
        let summary = LatencySummary(milliseconds: [])
        #expect(summary.count == 0)
        #expect([summary.meanMilliseconds, summary.p50Milliseconds, summary.p99Milliseconds, summary.maxMilliseconds]
            == [0, 0, 0, 0])
    }
}
