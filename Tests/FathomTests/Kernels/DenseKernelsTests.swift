@testable import Fathom
import FathomTestSupport
import Testing

@Suite("Dense kernels")
struct DenseKernelsTests {
    static let dimensions = [1, 7, 16, 31, 32, 33, 384]

    static func vectors(dimension: Int, seed: UInt64) -> (a: [Float], b: [Float]) {
        var generator = SeededGenerator(seed: seed)
        return (RandomData.floats(dimension, in: -1...1, using: &generator),
                RandomData.floats(dimension, in: -1...1, using: &generator))
    }

    /// The float rounding allowed for a sum whose terms' magnitudes add up to `magnitudes`.
    static func tolerance(_ magnitudes: Double) -> Double { 1e-5 * max(1, magnitudes) }

    @Test("dot matches a naive loop", arguments: dimensions)
    func dot(dimension: Int) {
        let (a, b) = Self.vectors(dimension: dimension, seed: UInt64(dimension))
        let expected = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let magnitudes = zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
        let actual = DenseKernels.dot(a, b, count: dimension)
        #expect(abs(Double(actual) - expected) <= Self.tolerance(magnitudes), "\(actual) vs \(expected)")
    }

    @Test("squaredL2 matches a naive loop", arguments: dimensions)
    func squaredL2(dimension: Int) {
        let (a, b) = Self.vectors(dimension: dimension, seed: UInt64(1_000 + dimension))
        let expected = zip(a, b).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
        let actual = DenseKernels.squaredL2(a, b, count: dimension)
        #expect(abs(Double(actual) - expected) <= Self.tolerance(expected), "\(actual) vs \(expected)")
    }

    @Test("the kernels read unaligned vectors correctly", arguments: dimensions)
    func unaligned(dimension: Int) {
        let (a, b) = Self.vectors(dimension: dimension + 1, seed: UInt64(2_000 + dimension))
        let expectedDot = zip(a.dropFirst(), b.dropFirst()).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let magnitudes = zip(a.dropFirst(), b.dropFirst()).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
        let expectedL2 = zip(a.dropFirst(), b.dropFirst()).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                // One float past the array start: 4-byte aligned, not 64-byte aligned.
                let dot = DenseKernels.dot(pa.baseAddress! + 1, pb.baseAddress! + 1, count: dimension)
                let l2 = DenseKernels.squaredL2(pa.baseAddress! + 1, pb.baseAddress! + 1, count: dimension)
                #expect(abs(Double(dot) - expectedDot) <= Self.tolerance(magnitudes))
                #expect(abs(Double(l2) - expectedL2) <= Self.tolerance(expectedL2))
            }
        }
    }

    @Test("the distance of a vector to itself is 0 and its dot with itself is its squared norm")
    func selfComparison() {
        let (a, _) = Self.vectors(dimension: 384, seed: 9)
        #expect(DenseKernels.squaredL2(a, a, count: 384) == 0)
        let norm = a.reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(abs(Double(DenseKernels.dot(a, a, count: 384)) - norm) <= Self.tolerance(norm))
    }

    @Test("score matches the metric's definition, for every metric and dimension",
          arguments: DenseMetric.allCases, dimensions)
    func score(metric: DenseMetric, dimension: Int) {
        let (rawQuery, document) = Self.vectors(dimension: dimension, seed: UInt64(3_000 + dimension))
        // For cosine the caller normalises the query and passes 1/‖d‖.
        let queryNorm = rawQuery.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        let query = metric == .cosine ? rawQuery.map { $0 / queryNorm } : rawQuery
        let inverseNorm = 1 / document.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        let expected = BruteForce.denseScore(rawQuery, document, metric: metric)
        let magnitudes = metric == .l2 ? -expected : zip(query, document).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
        let actual = DenseKernels.score(metric, query: query, document: document, dimension: dimension, inverseNorm: inverseNorm)
        #expect(abs(Double(actual) - expected) <= Self.tolerance(magnitudes) * 2, "\(metric) \(dimension): \(actual) vs \(expected)")
    }

    @Test("score is higher for the nearer document under every metric", arguments: DenseMetric.allCases)
    func higherIsBetter(metric: DenseMetric) {
        let query: [Float] = [1, 0, 0]
        let near: [Float] = [2, 0.1, 0]
        let far: [Float] = [-1, 2, 0]
        func score(_ document: [Float]) -> Float {
            let inverseNorm = 1 / document.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            return DenseKernels.score(metric, query: query, document: document, dimension: 3, inverseNorm: inverseNorm)
        }
        #expect(score(near) > score(far))
    }
}
