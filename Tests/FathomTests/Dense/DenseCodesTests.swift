@testable import Fathom
import FathomTestSupport
import Testing

/// The compact dense codes: each one's stated error bound, the binary
/// Hamming kernels against a naive count, and exact rescoring.
@Suite("Dense codes")
struct DenseCodesTests {
    typealias D = DenseTestData

    static let dimensions = [1, 7, 16, 33, 64, 65, 130]

    /// Rows with components across many magnitudes (and some absent rows).
    static func matrix(dimension: Int, seed: UInt64, count: Int = 60) -> DenseMatrix {
        var generator = SeededGenerator(seed: seed)
        var matrix = DenseMatrix(dimension: dimension)
        for row in 0..<count {
            guard row % 11 != 5 else { matrix.append(nil); continue }
            let magnitude = [Float(1e-6), 1e-3, 0.1, 1, 30, 5_000][row % 6]
            matrix.append(RandomData.floats(dimension, in: -magnitude...magnitude, using: &generator))
        }
        matrix.append([Float](repeating: 0, count: dimension))  // a zero vector
        return matrix
    }

    static func queries(dimension: Int, metric: DenseMetric, seed: UInt64) -> [[Float]] {
        var generator = SeededGenerator(seed: seed)
        return (0..<5).map { _ in D.prepare(RandomData.floats(dimension, in: -2...2, using: &generator), metric: metric) }
    }

    /// Float rounding allowed in a sum of `dimension` products whose magnitudes add up to `magnitudes`.
    static func rounding(_ magnitudes: Float, dimension: Int) -> Float { 4e-7 * Float(dimension + 4) * magnitudes }

    // MARK: float16

    @Test("every finite half widens to exactly its float value")
    func halfWidening() {
        for bits in 0...UInt16.max {
            let half = Float16(bitPattern: bits)
            guard half.isFinite else { continue }
            #expect(Float16Codes.decode(bits).bitPattern == Float(half).bitPattern, "bits \(bits)")
        }
    }

    @Test("float16 components are within 2^-11 relative (2^-25 absolute below 2^-14); large ones saturate",
          arguments: dimensions)
    func float16Components(dimension: Int) {
        let matrix = Self.matrix(dimension: dimension, seed: 42_000 + UInt64(dimension))
        let codes = Float16Codes(matrix, metric: .dot)
        for row in 0..<matrix.documentCount {
            let decoded = codes.decodedRow(row)
            for (x, y) in zip(matrix.vector(at: row) ?? [Float](repeating: 0, count: dimension), decoded) {
                #expect(abs(x - y) <= max(0x1p-11 * abs(x), 0x1p-25), "\(x) decoded as \(y)")
            }
        }
        var big = DenseMatrix(dimension: 3)
        big.append([1e6, -1e6, 65_504])
        #expect(Float16Codes(big, metric: .dot).decodedRow(0) == [65_504, -65_504, 65_504])
    }

    @Test("float16 scores are within the stated bound for every metric",
          arguments: DenseMetric.allCases, dimensions)
    func float16Scores(metric: DenseMetric, dimension: Int) {
        let matrix = Self.matrix(dimension: dimension, seed: 42_100 + UInt64(dimension))
        let codes = Float16Codes(matrix, metric: metric)
        for accelerated in Self.kernels {
            Self.checkScores(matrix, metric: metric, seed: 42_150) { query, rows, scores in
                if let rows {
                    codes.scores(query: query, rows: rows, into: &scores, accelerated: accelerated)
                } else {
                    codes.scores(query: query, into: &scores, accelerated: accelerated)
                }
            } bound: { query, row in
                codes.scoreErrorBound(query: query, row: row)
            }
        }
    }

    // MARK: int8

    @Test("int8 components are within scale/2 of the original, scale = max|x|/127", arguments: dimensions)
    func int8Components(dimension: Int) {
        let matrix = Self.matrix(dimension: dimension, seed: 42_200 + UInt64(dimension))
        let codes = Int8Codes(matrix, metric: .dot)
        for row in 0..<matrix.documentCount {
            let original = matrix.vector(at: row) ?? [Float](repeating: 0, count: dimension)
            let scale = codes.scales[row]
            #expect(scale == original.map(abs).max()! / 127)
            for (x, y) in zip(original, codes.decodedRow(row)) {
                #expect(abs(x - y) <= scale / 2 * (1 + 1e-6), "\(x) decoded as \(y), scale \(scale)")
            }
            #expect(codes.codes[(row * dimension)..<((row + 1) * dimension)].allSatisfy { $0 >= -127 })
        }
    }

    @Test("int8 scores are within the stated bound for every metric", arguments: DenseMetric.allCases, dimensions)
    func int8Scores(metric: DenseMetric, dimension: Int) {
        let matrix = Self.matrix(dimension: dimension, seed: 42_300 + UInt64(dimension))
        let codes = Int8Codes(matrix, metric: metric)
        for accelerated in DenseKernels.accelerated ? [false, true] : [false] {
            Self.checkScores(matrix, metric: metric, seed: 42_350) { query, rows, scores in
                if let rows {
                    codes.scores(query: query, rows: rows, into: &scores, accelerated: accelerated)
                } else {
                    codes.scores(query: query, into: &scores, accelerated: accelerated)
                }
            } bound: { query, row in
                codes.scoreErrorBound(query: query, row: row)
            }
        }
    }

    /// The float16 scan kernels this machine can run: portable, and AVX + F16C when present.
    static let kernels = DenseCodeKernels.accelerated ? [false, true] : [false]

    /// Every row's approximate score (full scan and row subset, by `scan`) is
    /// within `bound` (plus float rounding) of the exact one; absent rows score −∞.
    static func checkScores(_ matrix: DenseMatrix, metric: DenseMetric, seed: UInt64,
                            scan: (UnsafePointer<Float>, [UInt32]?, inout [Float]) -> Void,
                            bound: (UnsafePointer<Float>, Int) -> Float) {
        let dimension = matrix.dimension
        for query in queries(dimension: dimension, metric: metric, seed: seed) {
            var scores: [Float] = [], subset: [Float] = []
            let rows = stride(from: matrix.documentCount - 1, through: 0, by: -2).map(UInt32.init)
            query.withUnsafeBufferPointer { q in
                scan(q.baseAddress!, nil, &scores)
                scan(q.baseAddress!, rows, &subset)
                for row in 0..<matrix.documentCount {
                    guard let vector = matrix.vector(at: row) else {
                        #expect(scores[row] == -.infinity)
                        continue
                    }
                    let exact = vector.withUnsafeBufferPointer {
                        DenseKernels.score(metric, query: q.baseAddress!, document: $0.baseAddress!, dimension: dimension,
                                           inverseNorm: matrix.inverseNorms[row])
                    }
                    // Rounding: the products' magnitudes, scaled like the score.
                    var magnitudes = zip(query, vector).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
                    switch metric {
                    case .dot: break
                    case .cosine: magnitudes *= matrix.inverseNorms[row]
                    case .l2: magnitudes = 2 * magnitudes + zip(query, vector).reduce(Float(0)) { $0 + $1.0 * $1.0 + $1.1 * $1.1 }
                    }
                    let allowed = bound(q.baseAddress!, row) + Self.rounding(magnitudes, dimension: dimension)
                    #expect(abs(scores[row] - exact) <= allowed, "row \(row): \(scores[row]) vs \(exact), allowed \(allowed)")
                }
                for (j, row) in rows.enumerated() { #expect(subset[j] == scores[Int(row)]) }
            }
        }
    }

    // MARK: binary

    @Test("binary Hamming distances equal a naive count of differing signs, with and without POPCNT",
          arguments: dimensions + [384])
    func binaryHamming(dimension: Int) {
        let matrix = Self.matrix(dimension: dimension, seed: 42_400 + UInt64(dimension))
        let codes = BinaryCodes(matrix, metric: .cosine)
        #expect(codes.wordsPerVector == (dimension + 63) / 64)
        let variants = BinaryCodes.usesPopcountInstruction ? [false, true] : [false]
        for query in Self.queries(dimension: dimension, metric: .cosine, seed: 42_450) {
            let bits = query.withUnsafeBufferPointer { codes.binarize(query: $0.baseAddress!) }
            let naive = (0..<matrix.documentCount).map { row in
                let vector = matrix.vector(at: row) ?? [Float](repeating: 0, count: dimension)
                return UInt32(zip(query, vector).filter { ($0.0 > 0) != ($0.1 > 0) }.count)
            }
            let rows = (0..<matrix.documentCount).filter { $0 % 3 != 1 }.map(UInt32.init)
            for popcount in variants {
                var distances: [UInt32] = [], gathered: [UInt32] = []
                codes.hammingDistances(queryBits: bits, into: &distances, popcountInstruction: popcount)
                codes.hammingDistances(queryBits: bits, rows: rows, into: &gathered, popcountInstruction: popcount)
                #expect(distances == naive, "POPCNT \(popcount)")
                #expect(gathered == rows.map { naive[Int($0)] }, "POPCNT \(popcount)")
            }
            var scores: [Float] = []
            query.withUnsafeBufferPointer { codes.scores(query: $0.baseAddress!, into: &scores) }
            for row in 0..<matrix.documentCount {
                #expect(scores[row] == (matrix.present[row] ? Float(dimension - 2 * Int(naive[row])) : -.infinity))
            }
        }
    }

    // MARK: rescoring and sizes

    @Test("rescoring a pool at least as large as the rows gives the exact top-k", arguments: DenseMetric.allCases)
    func exactRescoring(metric: DenseMetric) {
        let matrix = D.clustered(count: 400, dimension: 40, seed: 42_500, absent: [2, 50, 399])
        var excluded = OrdinalBitmap(documentCount: 400)
        for row in stride(from: 0, to: 400, by: 7) { excluded.insert(row) }
        let kinds: [any DenseCodes] = [Float16Codes(matrix, metric: metric), Int8Codes(matrix, metric: metric),
                                       BinaryCodes(matrix, metric: metric)]
        for query in D.queries(count: 10, like: matrix, metric: metric, seed: 42_501) {
            let exact = D.exactTopK(query, matrix, metric: metric, k: 10, excluded: excluded)
            for codes in kinds {
                var scratch: [Float] = []
                let found = query.withUnsafeBufferPointer {
                    codes.search(query: $0.baseAddress!, k: 10, pool: 400, vectors: matrix, excluded: excluded, scratch: &scratch)
                }
                #expect(found == exact, "\(type(of: codes))")
                // A small pool still returns k eligible rows, with exact scores.
                let small = query.withUnsafeBufferPointer {
                    codes.search(query: $0.baseAddress!, k: 10, pool: 30, vectors: matrix, excluded: excluded, scratch: &scratch)
                }
                #expect(small.count == 10)
                #expect(small.allSatisfy { matrix.present[Int($0.documentID)] && !excluded.contains(Int($0.documentID)) })
                let exactScores = D.exactTopK(query, matrix, metric: metric, k: 400)
                    .reduce(into: [Int64: Float]()) { $0[$1.documentID] = $1.score }
                #expect(small.allSatisfy { exactScores[$0.documentID] == $0.score })
            }
            // Rescoring a subset of rows: only those rows can come back.
            let rows: [UInt32] = Array(0..<100)
            var subset: [Float] = []
            query.withUnsafeBufferPointer { Int8Codes(matrix, metric: metric).scores(query: $0.baseAddress!, rows: rows, into: &subset) }
            let found = query.withUnsafeBufferPointer {
                DenseRescoring.rescore(approximateScores: subset, rows: rows, pool: 100, k: 5, query: $0.baseAddress!,
                                       vectors: matrix, metric: metric, excluded: excluded)
            }
            #expect(found.allSatisfy { $0.documentID < 100 })
            #expect(found.count == 5)
        }
    }

    @Test("bytes per vector")
    func bytesPerVector() {
        #expect(Float16Codes.bytesPerVector(dimension: 384, metric: .dot) == 768)
        #expect(Float16Codes.bytesPerVector(dimension: 384, metric: .cosine) == 772)
        #expect(Int8Codes.bytesPerVector(dimension: 384, metric: .dot) == 388)
        #expect(Int8Codes.bytesPerVector(dimension: 384, metric: .l2) == 392)
        #expect(BinaryCodes.bytesPerVector(dimension: 384, metric: .cosine) == 48)
        #expect(BinaryCodes.bytesPerVector(dimension: 385, metric: .cosine) == 56)
        let matrix = D.clustered(count: 3, dimension: 10, seed: 1)
        #expect(Int8Codes(matrix, metric: .cosine).bytesPerVector == 18)
    }

    @Test("codes of an empty matrix scan to nothing")
    func emptyMatrix() {
        let matrix = DenseMatrix(dimension: 4)
        let query: [Float] = [1, 0, 0, 0]
        for codes in [Float16Codes(matrix, metric: .l2), Int8Codes(matrix, metric: .l2), BinaryCodes(matrix, metric: .l2)] as [any DenseCodes] {
            var scratch: [Float] = [1]
            let found = query.withUnsafeBufferPointer {
                codes.search(query: $0.baseAddress!, k: 3, pool: 10, vectors: matrix, excluded: nil, scratch: &scratch)
            }
            #expect(found.isEmpty && scratch.isEmpty)
        }
    }
}
