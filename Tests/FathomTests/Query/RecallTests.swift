import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

/// Real SPLADE + MiniLM vectors with exact ground truth (float64, ties listed
/// with their scores): the exact paths must find every true top-10 document.
@Suite("Recall on real data")
struct RecallTests {
    typealias B = Behaviour

    /// How the corpus is laid out after the ingest.
    enum Layout: String, CaseIterable, Sendable {
        /// One segment (the default ingest seals at the end).
        case sealed
        /// Several segments and a write buffer.
        case mixed
    }

    /// Ingests `directory/corpus.jsonl` and checks recall@10 of every query of
    /// `queries.jsonl` against `gt_sparse.jsonl` and `gt_dense.jsonl`.
    static func checkRecall(of directory: URL, layout: Layout, documents: Int, queries expectedQueries: Int) throws {
        let scratch = B.Scratch()
        // The ground truth's dense score is the dot product (the vectors are unit length).
        let index = layout == .mixed ? IndexParameters(sealThreshold: 250) : IndexParameters()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(
            dense: DenseSchema(dimension: 384, metric: .dot), sparse: .termIDs(dimension: SparseSchema.defaultDimension), index: index))
        let options = layout == .mixed ? IngestOptions(batchSize: 100, sealAtEnd: false) : IngestOptions()
        let report = try collection.ingest(jsonl: directory.appendingPathComponent("corpus.jsonl").path, options: options)
        #expect(report.documentsCommitted == documents && report.rejectedCount == 0)
        #expect(try collection.count() == documents)
        let shape = try B.layout(collection)
        switch layout {
        case .sealed: #expect(shape.segments == 1 && shape.buffered == 0)
        case .mixed: #expect(shape.segments >= 2 && shape.buffered > 0)
        }

        for (mode, truthFile) in [(Query.Mode.sparse, "gt_sparse.jsonl"), (.dense, "gt_dense.jsonl")] {
            let truth = try GroundTruth.load(path: directory.appendingPathComponent(truthFile).path)
            let queries = try QueryFile.load(path: directory.appendingPathComponent("queries.jsonl").path,
                                             for: collection, k: 10, mode: mode)
            #expect(queries.count == expectedQueries)
            var low: [String] = []
            var sum = 0.0
            for query in queries {
                var exact = query.query
                exact.exact = true   // the reference path; approximate recall is measured in Sparse/SeismicTests
                let hits = try collection.search(exact).map(\.id)
                let recall = try #require(truth.recall(of: hits, for: query.id, k: 10), "no ground truth for \(query.id)")
                sum += recall
                if recall < 0.999 { low.append("\(query.id): \(recall)") }
            }
            #expect(low.isEmpty, "\(mode) recall@10 below 0.999 for \(low.count) queries: \(low.prefix(10))")
            #expect(sum / Double(queries.count) >= 0.999)
        }
    }

    @Test("bundled swift-docs sample: sparse and dense recall@10 is 1 for every query", arguments: Layout.allCases)
    func bundledSample(layout: Layout) throws {
        try Self.checkRecall(of: TestPaths.sample, layout: layout, documents: 800, queries: 150)
    }

    @Test("reuters21578-smoke: sparse and dense recall@10 is 1 for every query",
          .enabled(if: TestPaths.sharedDataset("reuters21578-smoke") != nil, "needs ../shared/data/reuters21578-smoke"),
          arguments: Layout.allCases)
    func reutersSmoke(layout: Layout) throws {
        let directory = try #require(TestPaths.sharedDataset("reuters21578-smoke"))
        try Self.checkRecall(of: directory, layout: layout, documents: 1_000, queries: 50)
    }
}
