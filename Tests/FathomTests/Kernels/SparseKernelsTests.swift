@testable import Fathom
import FathomTestSupport
import Testing

@Suite("Sparse kernels")
struct SparseKernelsTests {
    static let termSpace: UInt32 = 5_000

    @Test("dot matches a naive loop for every tail length", arguments: [0, 1, 2, 3, 4, 5, 8, 13, 64, 301])
    func dotMatchesNaive(count: Int) {
        var generator = SeededGenerator(seed: UInt64(100 + count))
        let query = RandomData.floats(Int(Self.termSpace), in: 0...3, using: &generator)
        let terms = RandomData.ascending(count, below: Self.termSpace, using: &generator)
        let values = RandomData.floats(count, in: 0...3, using: &generator)
        let expected = zip(terms, values).reduce(0.0) { $0 + Double(query[Int($1.0)]) * Double($1.1) }
        let actual = SparseKernels.dot(query: query, terms: terms, values: values, count: count)
        #expect(abs(Double(actual) - expected) <= 1e-5 * max(1, expected), "\(actual) vs \(expected)")
    }

    @Test("dot counts only the terms the query weights")
    func dotIgnoresUnweightedTerms() {
        var query = [Float](repeating: 0, count: 10)
        query[2] = 2
        query[7] = 0.5
        let terms: [UInt32] = [1, 2, 3, 7, 9]
        let values: [Float] = [100, 3, 100, 4, 100]
        #expect(SparseKernels.dot(query: query, terms: terms, values: values, count: 5) == 8)
    }

    @Test("dot reads only the first count postings")
    func dotStopsAtCount() {
        let query: [Float] = [1, 1, 1, 1, 1, 1]
        let terms: [UInt32] = [0, 1, 2, 3, 4, 5]
        let values: [Float] = [1, 2, 4, 8, 16, 32]
        #expect(SparseKernels.dot(query: query, terms: terms, values: values, count: 5) == 31)
    }

    @Test("dotMerge over two sorted vectors equals dot over the dense query", arguments: [0, 1, 7, 64, 301])
    func dotMergeMatchesDot(count: Int) {
        var generator = SeededGenerator(seed: UInt64(900 + count))
        let queryTerms = RandomData.ascending(40, below: Self.termSpace, using: &generator)
        let queryValues = RandomData.floats(40, in: 0...3, using: &generator)
        var denseQuery = [Float](repeating: 0, count: Int(Self.termSpace))
        for (term, value) in zip(queryTerms, queryValues) { denseQuery[Int(term)] = value }
        let terms = RandomData.ascending(count, below: Self.termSpace, using: &generator)
        let values = RandomData.floats(count, in: 0...3, using: &generator)
        let expected = SparseKernels.dot(query: denseQuery, terms: terms, values: values, count: count)
        let merged = SparseKernels.dotMerge(queryTerms: queryTerms, queryValues: queryValues, queryCount: 40,
                                            terms: terms, values: values, count: count)
        #expect(abs(merged - expected) <= 1e-5 * max(1, expected), "\(merged) vs \(expected)")
    }

    @Test("accumulate adds query weight times posting weight into each posting's accumulator")
    func accumulateMatchesNaive() {
        var generator = SeededGenerator(seed: 7)
        let documents = 2_000
        var accumulators = RandomData.floats(documents, in: 0...5, using: &generator)
        var expected = accumulators.map(Double.init)
        for _ in 0..<20 {
            let count = Int.random(in: 0...128, using: &generator)
            let ordinals = RandomData.ascending(count, below: UInt32(documents), using: &generator)
            let weights = RandomData.floats(count, in: 0...3, using: &generator)
            let queryWeight = Float.random(in: 0...2, using: &generator)
            accumulators.withUnsafeMutableBufferPointer { buffer in
                SparseKernels.accumulate(ordinals: ordinals, weights: weights, count: count,
                                         queryWeight: queryWeight, into: buffer.baseAddress!)
            }
            for (ordinal, weight) in zip(ordinals, weights) {
                expected[Int(ordinal)] += Double(queryWeight) * Double(weight)
            }
        }
        for i in 0..<documents {
            #expect(abs(Double(accumulators[i]) - expected[i]) <= 1e-5 * max(1, expected[i]), "ordinal \(i)")
        }
    }

    @Test("accumulate leaves accumulators outside the block untouched")
    func accumulateTouchesOnlyItsPostings() {
        var accumulators: [Float] = [1, 1, 1, 1, 1]
        let ordinals: [UInt32] = [1, 3]
        let weights: [Float] = [2, 4]
        accumulators.withUnsafeMutableBufferPointer { buffer in
            SparseKernels.accumulate(ordinals: ordinals, weights: weights, count: 2, queryWeight: 0.5, into: buffer.baseAddress!)
        }
        #expect(accumulators == [1, 2, 1, 3, 1])
    }
}
