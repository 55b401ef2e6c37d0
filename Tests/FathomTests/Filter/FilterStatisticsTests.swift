import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Filter field statistics")
struct FilterStatisticsTests {
    /// 20,000 seeded rows whose fields are independent of each other:
    /// `year` (30 values, skewed), `score` (uniform real in [0, 100)),
    /// `count` (uniform integer in 0..<1000), `date` (uniform ISO time over
    /// 1987–1988), `lang` (Zipf over 40 values), `tags` (0–4 of 200 tags,
    /// Zipf), `draft` (true 30 %, false 60 %, missing 10 %).
    static let rows: [[String: JSONValue]] = {
        var g = SeededGenerator(seed: 0x57A7)
        func zipf(_ n: Int) -> Int {
            // P(i) ∝ 1 / (i + 1)
            let harmonic = (1...n).reduce(0.0) { $0 + 1 / Double($1) }
            var u = Double.random(in: 0..<harmonic, using: &g)
            for i in 0..<n {
                u -= 1 / Double(i + 1)
                if u < 0 { return i }
            }
            return n - 1
        }
        return (0..<20_000).map { _ in
            var row: [String: JSONValue] = [:]
            let yearWeights = (0..<30).map { Double($0 + 1) }
            var u = Double.random(in: 0..<yearWeights.reduce(0, +), using: &g)
            var year = 0
            while u >= yearWeights[year] { u -= yearWeights[year]; year += 1 }
            row["year"] = .number(Double(1990 + year))
            row["score"] = .number(Double.random(in: 0..<100, using: &g))
            row["count"] = .number(Double(Int.random(in: 0..<1000, using: &g)))
            row["date"] = .string(String(format: "%04d-%02d-%02dT%02d:%02d:%02d", Int.random(in: 1987...1988, using: &g),
                                         Int.random(in: 1...12, using: &g), Int.random(in: 1...28, using: &g),
                                         Int.random(in: 0..<24, using: &g), Int.random(in: 0..<60, using: &g),
                                         Int.random(in: 0..<60, using: &g)))
            row["lang"] = .string(String(format: "l%02d", zipf(40)))
            let tagCount = Int.random(in: 0...4, using: &g)
            row["tags"] = .array(Array(Set((0..<tagCount).map { _ in zipf(200) })).sorted().map { .string(String(format: "t%03d", $0)) })
            let d = Double.random(in: 0..<1, using: &g)
            if d < 0.3 { row["draft"] = true } else if d < 0.9 { row["draft"] = false }
            return row
        }
    }()

    static let columns = MetadataColumns(rows)

    /// The true fraction of rows `filter` selects and the estimate.
    static func fractions(_ text: String) throws -> (truth: Double, estimate: Double) {
        let filter = try MetadataFilter(text)
        let truth = Double(columns.rows(matching: filter).cardinality) / Double(rows.count)
        return (truth, columns.statistics(for: filter).estimatedSelectivity(filter))
    }

    @Test("presence, booleans, null and the most common values are estimated exactly", arguments: [
        "EXISTS draft", "NOT EXISTS draft", "draft", "draft = false", "draft != true", "EXISTS missing", "missing = 1",
        "year = 1990", "year = 2019", "year = 2025", "year != 2000", "year < 2000", "year <= 2000", "year > 2010",
        "year >= 2010", "year IN (1995, 2005, 2015)", "year IN (1995, 1995.0)",
        "lang = \"l00\"", "lang = \"l05\"", "lang != \"l00\"", "lang IN (\"l00\", \"l01\", \"l02\")", "lang = \"xx\"",
        "tags HAS \"t000\"", "tags HAS \"t003\"", "draft = null", "year = \"1990\"", "score = true",
    ])
    func exactEstimates(filter: String) throws {
        let (truth, estimate) = try Self.fractions(filter)
        #expect(abs(truth - estimate) < 1e-9, "\(filter): true \(truth), estimated \(estimate)")
    }

    @Test("ranges over histograms are within one bucket's share (1/32) of the true fraction", arguments: [
        "score < 10", "score < 33.3", "score >= 50", "score > 99.5", "score <= 0.1", "score >= -5", "score < 200",
        "count < 100", "count >= 500", "count <= 999", "count > 990",
        #"date < "1987-07-15""#, #"date >= "1988-01-01""#, #"date > "1988-11-30T12""#, #"date < "1987""#, #"date < "2000""#,
        #"date >= "1987-03-01" AND date < "1987-04-01""#, #"date >= "1987-03-01T00:00:00" AND date <= "1988-02-14T12:00:00""#,
    ])
    func rangeEstimates(filter: String) throws {
        let (truth, estimate) = try Self.fractions(filter)
        #expect(abs(truth - estimate) <= 1.0 / 32 + 0.005, "\(filter): true \(truth), estimated \(estimate)")
    }

    @Test("equality with values outside the most common ones assumes an even spread", arguments: [
        "count = 500", "count = 17", "count = 1000", "score = 50", "lang = \"l39\"", "lang IN (\"l35\", \"l36\")",
        "tags HAS \"t150\"", "tags HAS \"t199\"", "tags HAS \"t999\"", #"date = "1987-01-01T00:00:00""#,
    ])
    func spreadEstimates(filter: String) throws {
        let (truth, estimate) = try Self.fractions(filter)
        #expect(abs(truth - estimate) <= 0.005, "\(filter): true \(truth), estimated \(estimate)")
    }

    @Test("AND, OR and NOT of independent fields combine by independence", arguments: [
        "draft AND year >= 2010", "lang = \"l00\" OR tags HAS \"t000\"", "NOT tags HAS \"t000\"",
        "score < 50 AND (lang = \"l01\" OR year < 2000)", "NOT (draft OR score > 90)",
        #"date < "1988" AND count >= 100 AND NOT draft = false"#, "year = 2019 OR year = 2018 OR year = 2017",
    ])
    func combinedEstimates(filter: String) throws {
        let (truth, estimate) = try Self.fractions(filter)
        #expect(abs(truth - estimate) <= 0.03, "\(filter): true \(truth), estimated \(estimate)")
    }

    @Test("estimates of random filters over messy data stay within [0, 1]")
    func boundedEstimates() throws {
        let rows = FilterFixtures.randomRows(seed: 0x1234, count: 500)
        let columns = MetadataColumns(rows)
        var g = SeededGenerator(seed: 0x5678)
        for _ in 0..<1_000 {
            let filter = try MetadataFilter(FilterFixtures.render(FilterFixtures.randomExpr(&g), style: nil))
            let estimate = columns.statistics(for: filter).estimatedSelectivity(filter)
            #expect((0...1).contains(estimate), "\(filter): \(estimate)")
        }
        #expect(MetadataStatistics(rowCount: 0, fields: [:]).estimatedSelectivity(try MetadataFilter("NOT a")) == 0)
    }

    @Test("the statistics summarise the column: counts, extremes, common values, histogram")
    func summary() throws {
        let statistics = Self.columns.statistics(FieldPath(["score"]))
        let numbers = try #require(statistics.numbers)
        #expect(numbers.count == 20_000)
        #expect(numbers.distinctCount == 20_000)
        #expect(numbers.mostCommon.isEmpty)
        #expect(numbers.boundaries.count == FieldStatistics.bucketCount + 1)
        #expect(numbers.minimum >= 0 && numbers.maximum < 100)
        #expect(numbers.boundaries.first == numbers.minimum && numbers.boundaries.last == numbers.maximum)
        #expect(statistics.strings == nil)

        let years = try #require(Self.columns.statistics(FieldPath(["year"])).numbers)
        #expect(years.mostCommon.count == 30 && years.histogramCount == 0 && years.boundaries.isEmpty)

        let tags = Self.columns.statistics(FieldPath(["tags"]))
        #expect(tags.arrayCount == 20_000)
        #expect(tags.elements.mostCommon.count == FieldStatistics.mostCommonCount)
        #expect(tags.elements.mostCommon.first?.value == .string("t000"))
        let dates = try #require(Self.columns.statistics(FieldPath(["date"])).strings)
        #expect(String(decoding: dates.minimum.bytes, as: UTF8.self).hasPrefix("1987-01-01"))
    }

    @Test("string positions interpolate on the bytes after the shared prefix")
    func stringInterpolation() {
        let low = UTF8Text("1987-03-01T00:00:00"), high = UTF8Text("1987-03-31T00:00:00")
        let middle = UTF8Text.position(of: UTF8Text("1987-03-16"), from: low, to: high)
        #expect(abs(middle - 0.5) < 0.05)
        #expect(UTF8Text.position(of: high, from: low, to: high) == 1)
        #expect(UTF8Text("B") < UTF8Text("a") && UTF8Text("z") < UTF8Text("é") && UTF8Text("a") < UTF8Text("ab"))
    }
}
