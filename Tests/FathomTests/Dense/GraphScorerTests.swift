@testable import Fathom
import FathomTestSupport
import Testing

/// What a graph walk scores with: the int16 query, the int8 × int16 kernel,
/// and the int8 scorer's agreement with the int8 code scan.
@Suite("Graph scorers")
struct GraphScorerTests {
    static let counts = [0, 1, 15, 16, 31, 32, 33, 63, 100, 384, 1_000, 4_096]

    /// Σ qᵢcᵢ in 64-bit integers: the reference.
    static func reference(_ query: [Int16], _ code: [Int8]) -> Int64 {
        zip(query, code).reduce(0) { $0 + Int64($1.0) * Int64($1.1) }
    }

    @Test("the int8 × int16 dot product is exact, on both kernels, including the extremes", arguments: counts)
    func kernelIsExact(count: Int) {
        var generator = SeededGenerator(seed: 50_000 + UInt64(count))
        let largest = Int16(QuantizedQuery.largestValue(dimension: count))
        var cases: [([Int16], [Int8])] = (0..<20).map { _ in
            ((0..<count).map { _ in Int16.random(in: -largest...largest, using: &generator) },
             (0..<count).map { _ in Int8.random(in: -127...127, using: &generator) })
        }
        // The largest magnitudes, same and opposite signs: the sum stays within Int32.
        cases.append(([Int16](repeating: largest, count: count), [Int8](repeating: 127, count: count)))
        cases.append(([Int16](repeating: -largest, count: count), [Int8](repeating: 127, count: count)))
        cases.append(([Int16](repeating: -largest, count: count), [Int8](repeating: -127, count: count)))
        for (query, code) in cases {
            let expected = Self.reference(query, code)
            for accelerated in DenseKernels.accelerated ? [false, true] : [false] {
                let actual = query.withUnsafeBufferPointer { q in
                    code.withUnsafeBufferPointer { c in
                        QuantizedQuery.dot(q.baseAddress!, c.baseAddress!, count: count, accelerated: accelerated)
                    }
                }
                #expect(Int64(actual) == expected, "count \(count), accelerated \(accelerated)")
            }
        }
    }

    @Test("a quantized query is within scale/2 of the float query per component; a zero query is all zeros")
    func quantizedQuery() {
        #expect(QuantizedQuery.largestValue(dimension: 384) == 32767)
        #expect(QuantizedQuery.largestValue(dimension: 4_096) == 4_128)
        var generator = SeededGenerator(seed: 50_100)
        for dimension in [1, 7, 384, 4_096] {
            let query = RandomData.floats(dimension, in: -3...3, using: &generator)
            var storage = [Int16](repeating: 0, count: dimension)
            storage.withUnsafeMutableBufferPointer { buffer in
                let quantized = QuantizedQuery(query, dimension: dimension, storage: buffer.baseAddress!, metric: .l2)
                let largest = query.map(abs).max()!
                #expect(quantized.scale == largest / Float(QuantizedQuery.largestValue(dimension: dimension)))
                for i in 0..<dimension {
                    #expect(abs(Float(buffer[i]) * quantized.scale - query[i]) <= quantized.scale / 2 * 1.001, "component \(i)")
                }
                #expect(buffer.contains { Int(abs($0)) == QuantizedQuery.largestValue(dimension: dimension) },
                        "the largest component uses the full range")
                let norm = query.reduce(0) { $0 + $1 * $1 }
                #expect(abs(quantized.squaredNorm - norm) <= 1e-4 * norm)
            }
        }
        let zero = [Float](repeating: 0, count: 5)
        var storage = [Int16](repeating: 9, count: 5)
        storage.withUnsafeMutableBufferPointer { buffer in
            let quantized = QuantizedQuery(zero, dimension: 5, storage: buffer.baseAddress!, metric: .dot)
            #expect(quantized.scale == 1 && buffer.allSatisfy { $0 == 0 } && quantized.squaredNorm == 0)
        }
    }

    @Test("the int8 scorer agrees with the int8 code scan within the query's quantisation error, for every metric",
          arguments: DenseMetric.allCases)
    func int8ScorerAgreesWithCodes(metric: DenseMetric) {
        let matrix = DenseTestData.clustered(count: 300, dimension: 40, seed: 50_200, absent: [7])
        let codes = Int8Codes(matrix, metric: metric)
        for query in DenseTestData.queries(count: 5, like: matrix, metric: metric, seed: 50_201) {
            var scanned: [Float] = []
            query.withUnsafeBufferPointer { codes.scores(query: $0.baseAddress!, into: &scanned) }
            var storage = [Int16](repeating: 0, count: 40)
            storage.withUnsafeMutableBufferPointer { buffer in
                codes.codes.withUnsafeBufferPointer { codeValues in
                    codes.scales.withUnsafeBufferPointer { scales in
                        query.withUnsafeBufferPointer { q in
                            let scorer = Int8GraphScorer(
                                query: QuantizedQuery(q.baseAddress!, dimension: 40, storage: buffer.baseAddress!, metric: metric),
                                codes: codeValues.baseAddress!, scales: scales.baseAddress!, scoring: codes.scoring,
                                dimension: 40)
                            for row in 0..<matrix.documentCount where matrix.present[row] {
                                // |Δ(q·d̂)| ≤ Σ|Δqᵢ|·|d̂ᵢ| ≤ scale_q/2 · Σ|d̂ᵢ|, times the metric's factor.
                                let decoded = codes.decodedRow(row)
                                let bound = scorer.query.scale / 2 * decoded.reduce(0) { $0 + abs($1) }
                                    * codes.scoring.errorFactor(row: row) * 1.01 + 1e-4 * max(1, abs(scanned[row]))
                                let score = scorer.score(UInt32(row))
                                #expect(abs(score - scanned[row]) <= bound, "row \(row): \(score) vs \(scanned[row])")
                            }
                        }
                    }
                }
            }
        }
    }
}
