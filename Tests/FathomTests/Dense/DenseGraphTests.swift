@testable import Fathom
import FathomTestSupport
import Foundation
import Testing

/// The HNSW graph over a dense matrix: recall against the exact scan,
/// exclusions, absent rows, determinism and the degenerate graphs.
@Suite("Dense HNSW graph")
struct DenseGraphTests {
    typealias D = DenseTestData

    static let parameters = DenseGraphParameters(m: 12, efConstruction: 64, seed: 7)

    static func build(_ matrix: DenseMatrix, metric: DenseMetric,
                      parameters: DenseGraphParameters = DenseGraphTests.parameters) throws -> DenseGraph {
        try DenseGraph.build(vectors: matrix, metric: metric, parameters: parameters)
    }

    /// Mean recall@k of the graph search against the exact top-k (walking
    /// the float32 rows, or `codes`).
    static func recall(_ graph: DenseGraph, _ matrix: DenseMatrix, queries: [[Float]], k: Int, ef: Int,
                       codes: Int8Codes? = nil) -> Double {
        var total = 0.0
        for query in queries {
            let truth = Set(D.exactTopK(query, matrix, metric: graph.metric, k: k).map(\.documentID))
            let found = D.search(graph, query, k: k, ef: ef, matrix, codes: codes).map(\.documentID)
            total += Double(truth.intersection(found).count) / Double(truth.count)
        }
        return total / Double(queries.count)
    }

    /// 200 overlapping clusters (centres in [-1, 1]³², noise ±1): hard enough
    /// that a narrow beam (ef 10) stays below 0.96 for some metric, so a
    /// search or linking bug shows; built with m 8, efConstruction 40.
    @Test("recall@10 at ef 64 on 3,000 clustered 32-dimensional vectors is at least 0.97",
          arguments: DenseMetric.allCases)
    func recall(metric: DenseMetric) throws {
        let matrix = D.clustered(count: 3_000, dimension: 32, clusters: 200, spread: 1, seed: 40_000)
        let graph = try Self.build(matrix, metric: metric, parameters: DenseGraphParameters(m: 8, efConstruction: 40))
        let queries = D.queries(count: 100, like: matrix, metric: metric, seed: 40_001)
        let recall = Self.recall(graph, matrix, queries: queries, k: 10, ef: 64)
        #expect(recall >= 0.97, "recall@10 \(recall) with \(metric)")
        // The search really depends on ef (it is not secretly exhaustive).
        let narrow = Self.recall(graph, matrix, queries: queries, k: 10, ef: 10)
        #expect(narrow < recall, "ef 10 gives \(narrow), ef 64 gives \(recall)")
        // Walking the int8 codes (re-scoring the final beam) keeps the recall.
        let codes = Int8Codes(matrix, metric: metric)
        let int8 = Self.recall(graph, matrix, queries: queries, k: 10, ef: 64, codes: codes)
        #expect(int8 >= 0.97, "recall@10 \(int8) walking int8 codes with \(metric)")
        let int8Narrow = Self.recall(graph, matrix, queries: queries, k: 10, ef: 10, codes: codes)
        #expect(int8Narrow < int8, "int8: ef 10 gives \(int8Narrow), ef 64 gives \(int8)")
    }

    @Test("an int8 walk returns exact scores best first, re-scoring only the best rescoreDepth of its beam (none: code scores)",
          arguments: DenseMetric.allCases)
    func int8Walk(metric: DenseMetric) throws {
        let matrix = D.clustered(count: 2_000, dimension: 48, seed: 40_050, absent: [5, 900])
        let graph = try Self.build(matrix, metric: metric)
        let codes = Int8Codes(matrix, metric: metric)
        for query in D.queries(count: 20, like: matrix, metric: metric, seed: 40_051) {
            let all = Dictionary(uniqueKeysWithValues: D.exactTopK(query, matrix, metric: metric, k: 2_000)
                .map { ($0.documentID, $0.score) })
            for depth in [Int.max, 40, 10, 1] {
                var counters = DenseGraphSearchCounters()
                let found = D.search(graph, query, k: 10, ef: 60, matrix, codes: codes, rescoreDepth: depth,
                                     counters: &counters)
                #expect(found.count == 10)
                #expect(counters.candidatesRescored == min(60, max(depth, 10)), "depth \(depth)")
                for hit in found { #expect(all[hit.documentID] == hit.score, "row \(hit.documentID) depth \(depth)") }
                for (a, b) in zip(found, found.dropFirst()) { #expect(a > b) }
            }
            // Depth 0: nothing re-scored, code scores within the codes' error bound.
            var counters = DenseGraphSearchCounters()
            let coded = D.search(graph, query, k: 10, ef: 60, matrix, codes: codes, rescoreDepth: 0, counters: &counters)
            #expect(coded.count == 10 && counters.candidatesRescored == 0)
            for (a, b) in zip(coded, coded.dropFirst()) { #expect(a > b) }
            query.withUnsafeBufferPointer { q in
                for hit in coded {
                    let row = Int(hit.documentID)
                    let bound = codes.scoreErrorBound(query: q.baseAddress!, row: row) * 1.01 + 1e-5
                    #expect(abs(hit.score - all[Int64(row)]!) <= bound, "row \(row): \(hit.score) vs \(all[Int64(row)]!)")
                }
            }
        }
    }

    @Test("with ef at least the node count the answer is the exact top-k, scores included",
          arguments: DenseMetric.allCases)
    func exactWhenEfCoversTheGraph(metric: DenseMetric) throws {
        let matrix = D.clustered(count: 600, dimension: 24, seed: 40_100, absent: [3, 77, 500])
        let graph = try Self.build(matrix, metric: metric)
        for query in D.queries(count: 20, like: matrix, metric: metric, seed: 40_101) {
            var counters = DenseGraphSearchCounters()
            let found = D.search(graph, query, k: 15, ef: graph.insertedCount, matrix, counters: &counters)
            #expect(found == D.exactTopK(query, matrix, metric: metric, k: 15))
            #expect(counters.exactScans == 1)
            #expect(counters.distanceComputations == graph.insertedCount)
        }
    }

    @Test("a beam almost as wide as the graph finds the exact top-k (the graph is navigable end to end)")
    func wideBeamIsExact() throws {
        let matrix = D.clustered(count: 500, dimension: 16, seed: 40_200)
        let graph = try Self.build(matrix, metric: .l2)
        for query in D.queries(count: 20, like: matrix, metric: .l2, seed: 40_201) {
            var counters = DenseGraphSearchCounters()
            let found = D.search(graph, query, k: 10, ef: graph.insertedCount - 1, matrix, counters: &counters)
            #expect(found == D.exactTopK(query, matrix, metric: .l2, k: 10))
            #expect(counters.exactScans == 0)
            #expect(counters.nodesVisited > 0 && counters.distanceComputations > counters.nodesVisited)
        }
    }

    @Test("results come best first with exact scores, ties to the smaller ordinal")
    func resultOrder() throws {
        // Many exact duplicates: ties everywhere.
        var matrix = DenseMatrix(dimension: 4)
        for row in 0..<300 { matrix.append([Float(row % 5), 1, Float(row % 3), -1]) }
        let graph = try Self.build(matrix, metric: .dot)
        let query: [Float] = [1, 0.5, 0.25, 0]
        let found = D.search(graph, query, k: 20, ef: 100, matrix)
        #expect(found.count == 20)
        for (a, b) in zip(found, found.dropFirst()) { #expect(a > b, "\(a) before \(b)") }
        let exact = D.exactTopK(query, matrix, metric: .dot, k: 300)
        let scores = Dictionary(uniqueKeysWithValues: exact.map { ($0.documentID, $0.score) })
        for hit in found { #expect(scores[hit.documentID] == hit.score) }
    }

    @Test("excluded ordinals are never returned, and the search still fills k from the rest")
    func exclusions() throws {
        let matrix = D.clustered(count: 2_000, dimension: 16, seed: 40_300)
        let graph = try Self.build(matrix, metric: .cosine)
        for query in D.queries(count: 20, like: matrix, metric: .cosine, seed: 40_301) {
            // Exclude the true top 30 and every third row.
            var excluded = OrdinalBitmap(documentCount: matrix.documentCount)
            for hit in D.exactTopK(query, matrix, metric: .cosine, k: 30) { excluded.insert(Int(hit.documentID)) }
            for row in stride(from: 0, to: matrix.documentCount, by: 3) { excluded.insert(row) }
            for ef in [10, 50, 400, graph.insertedCount] {
                for codes in [nil, Int8Codes(matrix, metric: .cosine)] {
                    let found = D.search(graph, query, k: 10, ef: ef, matrix, codes: codes, excluded: excluded)
                    #expect(found.count == 10, "ef \(ef)")
                    #expect(found.allSatisfy { !excluded.contains(Int($0.documentID)) }, "ef \(ef)")
                }
            }
            let found = D.search(graph, query, k: 10, ef: 200, matrix, excluded: excluded)
            let truth = D.exactTopK(query, matrix, metric: .cosine, k: 10, excluded: excluded)
            #expect(Set(found.map(\.documentID)).intersection(truth.map(\.documentID)).count >= 8)
        }
    }

    @Test("everything excluded gives no results")
    func everythingExcluded() throws {
        let matrix = D.clustered(count: 300, dimension: 8, seed: 40_350)
        let graph = try Self.build(matrix, metric: .l2)
        var excluded = OrdinalBitmap(documentCount: 300)
        for row in 0..<300 { excluded.insert(row) }
        let query = D.queries(count: 1, like: matrix, metric: .l2, seed: 1)[0]
        #expect(D.search(graph, query, k: 5, ef: 20, matrix, excluded: excluded).isEmpty)
        #expect(D.search(graph, query, k: 5, ef: 300, matrix, excluded: excluded).isEmpty)
    }

    @Test("rows without a vector are not in the graph and never returned")
    func absentRows() throws {
        let absent = Set(stride(from: 1, to: 1_000, by: 4))
        let matrix = D.clustered(count: 1_000, dimension: 12, seed: 40_400, absent: absent)
        let graph = try Self.build(matrix, metric: .cosine)
        #expect(graph.insertedCount == 1_000 - absent.count)
        for row in absent {
            #expect(graph.levels[row] == DenseGraph.absentLevel)
            #expect(graph.layer0Counts[row] == 0)
        }
        for node in 0..<graph.nodeCount {
            for layer in 0...max(0, Int(graph.levels[node] == DenseGraph.absentLevel ? 0 : graph.levels[node])) {
                #expect(graph.neighbors(of: node, layer: layer).allSatisfy { !absent.contains(Int($0)) })
            }
        }
        // A zero query scores every row 0 under cosine: absent rows would tie.
        let zero = [Float](repeating: 0, count: 12)
        for query in D.queries(count: 10, like: matrix, metric: .cosine, seed: 40_401) + [zero] {
            for ef in [10, 100, 1_000] {
                for codes in [nil, Int8Codes(matrix, metric: .cosine)] {
                    let found = D.search(graph, query, k: 50, ef: ef, matrix, codes: codes)
                    #expect(found.count == 50)
                    #expect(found.allSatisfy { !absent.contains(Int($0.documentID)) })
                }
            }
        }
    }

    @Test("empty, single-node and all-absent graphs search without trouble", arguments: DenseMetric.allCases)
    func degenerateGraphs(metric: DenseMetric) throws {
        let empty = DenseMatrix(dimension: 3)
        let emptyGraph = try Self.build(empty, metric: metric)
        #expect(emptyGraph.insertedCount == 0 && emptyGraph.entryPoint == DenseGraph.noEntryPoint)
        #expect(D.search(emptyGraph, [1, 2, 3], k: 5, ef: 10, empty).isEmpty)

        var absent = DenseMatrix(dimension: 3)
        for _ in 0..<5 { absent.append(nil) }
        let absentGraph = try Self.build(absent, metric: metric)
        #expect(absentGraph.insertedCount == 0 && absentGraph.nodeCount == 5)
        #expect(D.search(absentGraph, [1, 2, 3], k: 5, ef: 0, absent).isEmpty)
        #expect(D.search(absentGraph, [1, 2, 3], k: 5, ef: 10, absent).isEmpty)

        var single = DenseMatrix(dimension: 3)
        single.append(nil)
        single.append([0.5, -1, 2])
        single.append(nil)
        let singleGraph = try Self.build(single, metric: metric)
        #expect(singleGraph.insertedCount == 1 && singleGraph.entryPoint == 1)
        for ef in [0, 1, 10] {
            let found = D.search(singleGraph, D.prepare([1, 2, 3], metric: metric), k: 3, ef: ef, single)
            #expect(found.map(\.documentID) == [1])
        }
        #expect(D.search(singleGraph, [1, 2, 3], k: 0, ef: 10, single).isEmpty)
        // Two nodes: each must link to the other.
        var pair = DenseMatrix(dimension: 2)
        pair.append([1, 0])
        pair.append([0, 1])
        let pairGraph = try Self.build(pair, metric: metric)
        #expect(Array(pairGraph.neighbors(of: 0, layer: 0)) == [1])
        #expect(Array(pairGraph.neighbors(of: 1, layer: 0)) == [0])
    }

    @Test("the same vectors and seed give the same graph, byte for byte; another seed another graph")
    func determinism() throws {
        let matrix = D.clustered(count: 1_500, dimension: 16, seed: 40_500)
        let a = try Self.build(matrix, metric: .cosine)
        let b = try Self.build(matrix, metric: .cosine)
        #expect(a == b)
        #expect(DenseGraphCodec.encode(a) == DenseGraphCodec.encode(b))
        var other = Self.parameters
        other.seed = 8
        #expect(try Self.build(matrix, metric: .cosine, parameters: other) != a)
    }

    @Test("the graph respects its structural invariants", arguments: [2, 5, 16])
    func invariants(m: Int) throws {
        let matrix = D.clustered(count: 1_200, dimension: 8, seed: 40_600 + UInt64(m), absent: [0, 600])
        let graph = try Self.build(matrix, metric: .l2, parameters: DenseGraphParameters(m: m, efConstruction: 40, seed: 1))
        #expect(graph.maxLevel >= 1, "1,200 nodes should reach layer 1")
        #expect(graph.levels[Int(graph.entryPoint)] == UInt8(graph.maxLevel))
        for node in 0..<graph.nodeCount where graph.levels[node] != DenseGraph.absentLevel {
            for layer in 0...Int(graph.levels[node]) {
                let list = Array(graph.neighbors(of: node, layer: layer))
                #expect(list.count <= (layer == 0 ? 2 * m : m))
                // Only a node alone on its layer (the entry point, high up) has no neighbours.
                let others = graph.levels.indices.filter {
                    $0 != node && graph.levels[$0] != DenseGraph.absentLevel && Int(graph.levels[$0]) >= layer
                }
                #expect(list.isEmpty == others.isEmpty, "node \(node) on layer \(layer)")
                #expect(Set(list).count == list.count && !list.contains(UInt32(node)))
                #expect(list.allSatisfy { graph.levels[Int($0)] != DenseGraph.absentLevel && Int(graph.levels[Int($0)]) >= layer })
            }
        }
        // Roughly one node in m reaches layer 1.
        let upper = graph.levels.filter { $0 != DenseGraph.absentLevel && $0 >= 1 }.count
        let expected = Double(graph.insertedCount) / Double(m)
        #expect(Double(upper) > expected * 0.7 && Double(upper) < expected * 1.3, "\(upper) nodes above layer 0")
    }

    @Test("the scratch can be reused across queries and gives the same answers")
    func scratchReuse() throws {
        let matrix = D.clustered(count: 800, dimension: 16, seed: 40_700)
        let graph = try Self.build(matrix, metric: .dot)
        var scratch = DenseGraphSearchScratch(nodeCount: graph.nodeCount)
        var counters = DenseGraphSearchCounters()
        for query in D.queries(count: 10, like: matrix, metric: .dot, seed: 40_701) {
            let reused = query.withUnsafeBufferPointer {
                graph.search(query: $0.baseAddress!, k: 10, ef: 40, vectors: matrix, excluded: nil,
                             scratch: &scratch, counters: &counters)
            }
            #expect(reused == D.search(graph, query, k: 10, ef: 40, matrix))
        }
    }

    @Test("parameters: defaults, validation and decoding with missing keys")
    func parameters() throws {
        let defaults = DenseGraphParameters()
        #expect(defaults.m == 16 && defaults.efConstruction == 200 && defaults.minimumSegmentDocuments == 2_000)
        try defaults.validate()
        for bad in [DenseGraphParameters(m: 1), DenseGraphParameters(m: 129, efConstruction: 200),
                    DenseGraphParameters(m: 16, efConstruction: 15), DenseGraphParameters(efConstruction: 5_000),
                    DenseGraphParameters(minimumSegmentDocuments: 0)] {
            let error = #expect(throws: FathomError.self) { try bad.validate() }
            if let error, case .invalidSchema = error {} else { Issue.record("expected invalidSchema, got \(String(describing: error))") }
            #expect(throws: FathomError.self) { try DenseGraph.build(vectors: DenseMatrix(dimension: 2), metric: .dot, parameters: bad) }
        }
        let decoded = try JSONDecoder().decode(DenseGraphParameters.self, from: Data(#"{"m": 24}"#.utf8))
        #expect(decoded == DenseGraphParameters(m: 24))
        let empty = try JSONDecoder().decode(DenseGraphParameters.self, from: Data("{}".utf8))
        #expect(empty == defaults)
        for parameters in [defaults, DenseGraphParameters(m: 8, efConstruction: 50, seed: .max, minimumSegmentDocuments: 10)] {
            #expect(try JSONDecoder().decode(DenseGraphParameters.self, from: JSONEncoder().encode(parameters)) == parameters)
        }
    }
}
