@testable import Fathom
import FathomTestSupport

/// Seeded dense data for the graph and code tests, and the exact top-k they
/// are checked against.
enum DenseTestData {
    /// `count` rows around `clusters` random centres (uniform noise of
    /// ±`spread` per component), so neighbourhoods have structure a graph can
    /// use — and get wrong. Rows whose ordinal is in `absent` have no vector.
    static func clustered(count: Int, dimension: Int, clusters: Int = 20, spread: Float = 0.35, seed: UInt64,
                          absent: Set<Int> = []) -> DenseMatrix {
        var generator = SeededGenerator(seed: seed)
        let centres = (0..<clusters).map { _ in RandomData.floats(dimension, in: -1...1, using: &generator) }
        var matrix = DenseMatrix(dimension: dimension)
        for row in 0..<count {
            let centre = centres[Int.random(in: 0..<clusters, using: &generator)]
            let vector = centre.map { $0 + Float.random(in: -spread...spread, using: &generator) }
            matrix.append(absent.contains(row) ? nil : vector)
        }
        return matrix
    }

    /// Queries drawn like the rows, normalised for cosine (as the caller of a
    /// search must).
    static func queries(count: Int, like matrix: DenseMatrix, metric: DenseMetric, seed: UInt64) -> [[Float]] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            // Perturb a random row, so queries land in the data's clusters.
            var row = Int.random(in: 0..<matrix.documentCount, using: &generator)
            while !matrix.present[row] { row = (row + 1) % matrix.documentCount }
            let base = matrix.vector(at: row)!
            return prepare(base.map { $0 + Float.random(in: -0.3...0.3, using: &generator) }, metric: metric)
        }
    }

    static func prepare(_ query: [Float], metric: DenseMetric) -> [Float] {
        guard metric == .cosine else { return query }
        let inverse = DenseMatrix.inverseNorm(query)
        return query.map { $0 * inverse }
    }

    /// The exact top-k by `DenseKernels.score`, by a full sort (independent of
    /// `TopK`): best first, ties to the smaller ordinal.
    static func exactTopK(_ query: [Float], _ matrix: DenseMatrix, metric: DenseMetric, k: Int,
                          excluded: OrdinalBitmap? = nil) -> [ScoredDocument] {
        var all: [ScoredDocument] = []
        query.withUnsafeBufferPointer { q in
            matrix.values.withUnsafeBufferPointer { values in
                for row in 0..<matrix.documentCount where matrix.present[row] && !(excluded?.contains(row) ?? false) {
                    let score = DenseKernels.score(metric, query: q.baseAddress!,
                                                   document: values.baseAddress! + row * matrix.dimension,
                                                   dimension: matrix.dimension, inverseNorm: matrix.inverseNorms[row])
                    all.append(ScoredDocument(score: score, documentID: Int64(row)))
                }
            }
        }
        return Array(all.sorted { $0.score != $1.score ? $0.score > $1.score : $0.documentID < $1.documentID }.prefix(k))
    }

    /// A graph search walking the float32 rows, or with `codes` the int8
    /// codes (re-scoring the best `rescoreDepth` of the beam).
    static func search(_ graph: DenseGraph, _ query: [Float], k: Int, ef: Int, _ matrix: DenseMatrix,
                       codes: Int8Codes? = nil, rescoreDepth: Int = .max,
                       excluded: OrdinalBitmap? = nil) -> [ScoredDocument] {
        var counters = DenseGraphSearchCounters()
        return search(graph, query, k: k, ef: ef, matrix, codes: codes, rescoreDepth: rescoreDepth,
                      excluded: excluded, counters: &counters)
    }

    static func search(_ graph: DenseGraph, _ query: [Float], k: Int, ef: Int, _ matrix: DenseMatrix,
                       codes: Int8Codes? = nil, rescoreDepth: Int = .max,
                       excluded: OrdinalBitmap? = nil, counters: inout DenseGraphSearchCounters) -> [ScoredDocument] {
        query.withUnsafeBufferPointer {
            graph.search(query: $0.baseAddress!, k: k, ef: ef, vectors: matrix, codes: codes, rescoreDepth: rescoreDepth,
                         excluded: excluded, counters: &counters)
        }
    }

    /// A copy of `graph` with some parts replaced, for crafting malformed graphs.
    static func graph(_ graph: DenseGraph, metric: DenseMetric? = nil, levels: [UInt8]? = nil, entryPoint: UInt32? = nil,
                      maxLevel: Int? = nil, insertedCount: Int? = nil, layer0Neighbors: [UInt32]? = nil,
                      layer0Counts: [UInt16]? = nil, upperNeighbors: [UInt32]? = nil,
                      upperCounts: [UInt16]? = nil) -> DenseGraph {
        DenseGraph(metric: metric ?? graph.metric, m: graph.m, levels: levels ?? graph.levels,
                   entryPoint: entryPoint ?? graph.entryPoint, maxLevel: maxLevel ?? graph.maxLevel,
                   insertedCount: insertedCount ?? graph.insertedCount,
                   layer0Neighbors: layer0Neighbors ?? graph.layer0Neighbors, layer0Counts: layer0Counts ?? graph.layer0Counts,
                   upperNodes: graph.upperNodes, upperLayerOffsets: graph.upperLayerOffsets,
                   upperNeighbors: upperNeighbors ?? graph.upperNeighbors, upperCounts: upperCounts ?? graph.upperCounts)
    }
}
