@testable import Fathom
import FathomTestSupport
import Testing

/// The 3-byte-per-posting copy of a segment's forward index that Seismic
/// scores candidates with: its scores must stay within the stated error of
/// the exact ones, since the search relies on that bound to re-rank exactly.
@Suite("Compact forward index")
struct CompactForwardIndexTests {
    static func forwardIndex(seed: UInt64, documents: Int, dimension: UInt32) -> ForwardIndex {
        var random = SeededGenerator(seed: seed)
        var forward = ForwardIndex()
        for _ in 0..<documents {
            let count = Int.random(in: 0...80, using: &random)
            let terms = Set((0..<count).map { _ in UInt32.random(in: 0..<dimension, using: &random) }).sorted()
            // Skewed like learned-sparse weights: many small, a few large.
            let values = terms.map { _ in Float.random(in: 0...1, using: &random).squareRoot() * 4 - 3.9 }
                .map { max($0, 0.0001) }
            forward.append(SparseVector(validatedIndices: terms, values: values))
        }
        return forward
    }

    @Test("every value decodes within the codebook's maximum error, and 0 and the maximum exactly")
    func codebookError() {
        let codebook = ValueCodebook(maximum: 3.7)
        #expect(codebook.values[Int(codebook.code(0))] == 0)
        #expect(codebook.values[Int(codebook.code(3.7))] == 3.7)
        #expect(codebook.maximumError > 0 && codebook.maximumError < 3.7 / 255)
        var worst: Float = 0
        for step in 0...10_000 {
            let value = 3.7 * Float(step) / 10_000
            worst = max(worst, abs(codebook.values[Int(codebook.code(value))] - value))
        }
        #expect(worst <= codebook.maximumError * 1.0001)
        // Values above the maximum clamp; an all-zero segment codes everything as 0.
        #expect(codebook.code(100) == 255)
        #expect(ValueCodebook(maximum: 0).code(1) == 0)
    }

    @Test("a compact score is within maximumError × ‖q‖₁ of the exact score, for every document")
    func scoreError() throws {
        let forward = Self.forwardIndex(seed: 5, documents: 500, dimension: 2_000)
        let compact = try #require(CompactForwardIndex(forward))
        #expect(compact.documentCount == 500)
        var random = SeededGenerator(seed: 6)
        for _ in 0..<20 {
            let terms = Set((0..<30).map { _ in UInt32.random(in: 0..<2_000, using: &random) }).sorted()
            let query = SparseVector(validatedIndices: terms, values: terms.map { _ in Float.random(in: 0.01...3, using: &random) })
            let dense = query.denseArray(dimension: 2_000)
            let l1 = query.values.reduce(0, +)
            dense.withUnsafeBufferPointer { q in
                for ordinal in 0..<compact.documentCount {
                    let document = forward.vector(at: ordinal)
                    let exact = zip(document.indices, document.values).reduce(Float(0)) { $0 + q[Int($1.0)] * $1.1 }
                    let approximate = compact.score(q.baseAddress!, ordinal)
                    #expect(abs(approximate - exact) <= compact.codebook.maximumError * l1 * 1.001 + 1e-4,
                            "document \(ordinal)")
                }
            }
        }
    }

    @Test("segments with a term id beyond 16 bits get no compact index")
    func wideTermsRefused() {
        var forward = ForwardIndex()
        forward.append(SparseVector(validatedIndices: [3, 70_000], values: [1, 2]))
        #expect(CompactForwardIndex(forward) == nil)
        var narrow = ForwardIndex()
        narrow.append(SparseVector(validatedIndices: [3, 65_535], values: [1, 2]))
        narrow.append(nil)
        #expect(CompactForwardIndex(narrow)?.documentCount == 2)
    }
}
