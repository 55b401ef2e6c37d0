import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Compaction: merging segments without their deleted documents")
struct CompactionTests {
    typealias B = Behaviour

    /// No background worker: these tests decide when compaction runs.
    static let manual = Database.Options(compaction: nil)

    /// A collection of 600 documents sealed into segments of 100, with 30%
    /// deleted and 10% replaced by new vectors (the replacements and 40 new
    /// documents sealed into a seventh segment).
    static func populated(_ scratch: B.Scratch, seismic: Bool = false)
        throws -> (Collection, B.Model, deletedOrReplaced: Int) {
        let corpus = SyntheticCorpus(seed: 6_001, count: 600, sparseDimension: 400, denseDimension: 8)
        var schema = B.schema(corpus, metric: .cosine, sealThreshold: 100, postingBlockSize: 16)
        schema.index.denseGraph.minimumSegmentDocuments = 50
        if seismic { schema.index.seismic = SeismicParameters(enabled: true, minimumSegmentDocuments: 50) }
        let collection = try scratch.open(manual).createCollection(schema: schema)
        var model = B.Model()
        try B.upsert(corpus.documents, into: collection, model: &model, batchSize: 100)
        let deleted = corpus.documents.indices.filter { $0 % 10 < 3 }.map { "d\($0)" }
        #expect(try collection.delete(ids: deleted) == deleted.count)
        model.delete(deleted)
        let replacements = SyntheticCorpus(seed: 6_002, count: 600, sparseDimension: 400, denseDimension: 8)
            .documents.enumerated().filter { $0.offset % 10 == 5 }.map(\.element)
        try B.upsert(replacements, into: collection, model: &model, batchSize: 60)
        let fresh = SyntheticCorpus(seed: 6_003, count: 40, sparseDimension: 400, denseDimension: 8, idPrefix: "n").documents
        try B.upsert(fresh, into: collection, model: &model, batchSize: 40)
        return (collection, model, deleted.count + replacements.count)
    }

    /// Every stored document equals the model's, exact searches agree with
    /// brute force over the model, and verify finds nothing wrong.
    static func expectMatchesModel(_ collection: Collection, _ model: B.Model,
                                   sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try collection.count() == model.count, sourceLocation: sourceLocation)
        let differing = try model.documents.filter { try collection.document(id: $0.id) != $0 }.map(\.id)
        #expect(differing.isEmpty, "documents read back differently: \(differing.prefix(5))", sourceLocation: sourceLocation)
        guard case .termIDs(let sparseDimension)? = collection.schema.sparse, let denseSchema = collection.schema.dense else {
            Issue.record("expected a collection with term-id sparse and dense parts", sourceLocation: sourceLocation)
            return
        }
        let corpus = SyntheticCorpus(seed: 1, count: 0, sparseDimension: sparseDimension, denseDimension: denseSchema.dimension)
        var failures: [String] = []
        let queries = corpus.queries(seed: 6_100, count: 25)
        for query in queries {
            let sparse = try collection.search(Query(sparse: query.sparse, k: 10, mode: .sparse, exact: true))
            if let mismatch = B.sparseMismatch(sparse, query: query.sparse!, k: 10, model: model, live: model.documents) {
                failures.append("sparse: \(mismatch)")
            }
            let dense = try collection.search(Query(dense: query.dense, k: 10, mode: .dense, exact: true))
            if let mismatch = B.denseMismatch(dense, query: query.dense!, metric: denseSchema.metric, k: 10, model: model, live: model.documents) {
                failures.append("dense: \(mismatch)")
            }
        }
        B.expectNoFailures(failures, of: queries.count * 2, "exact searches", sourceLocation: sourceLocation)
        let report = try collection.database.verify()
        #expect(report.isHealthy, "verify: \(report.problems.prefix(3))", sourceLocation: sourceLocation)
    }

    static func retiredSegments(_ database: Database) throws -> Int {
        try database.pool.read { Int(try $0.scalarInt("SELECT count(*) FROM segments WHERE state = 'retired'") ?? -1) }
    }

    @Test("a full compaction leaves one segment of exactly the live sealed documents; documents and searches are unchanged")
    func fullCompaction() throws {
        let scratch = B.Scratch()
        let (collection, model, deletedOrReplaced) = try Self.populated(scratch)
        let before = try B.layout(collection)
        #expect(before.segments == 7 && before.deletedInSegments == deletedOrReplaced)
        let bytesBefore = try collection.database.statistics().collections[0].bytes["posting_blocks"] ?? 0

        let report = try collection.compact()
        #expect(report.mergedSegments.count == 7)
        #expect(report.droppedDocuments == deletedOrReplaced)
        #expect(report.documents == model.count - before.buffered)
        #expect(report.deletedDuringCompaction == 0)
        let publishedSegment = try #require(report.publishedSegment)
        #expect(!report.mergedSegments.contains(publishedSegment))
        let after = try B.layout(collection)
        #expect(after.segments == 1 && after.deletedInSegments == 0 && after.buffered == before.buffered)
        #expect(try Self.retiredSegments(collection.database) == 0, "merged segments are removed, not only retired")
        #expect((try collection.database.statistics().collections[0].bytes["posting_blocks"] ?? 0) < bytesBefore)
        try Self.expectMatchesModel(collection, model)
        // The result persists.
        try Self.expectMatchesModel(try scratch.open(Self.manual).collection(), model)
    }

    @Test("the merged segment gets its Seismic lists and dense graph rebuilt, and approximate search finds the live documents")
    func indexesAreRebuilt() throws {
        let scratch = B.Scratch()
        let (collection, model, _) = try Self.populated(scratch, seismic: true)
        try collection.compact()
        let segment = try collection.database.pool.read { connection in
            let record = try CollectionRecord.load(named: collection.name, connection)
            return try #require(try collection.database.snapshots.snapshot(of: record, connection).segments.first)
        }
        #expect(segment.hasSeismicIndex && segment.hasDenseGraph)
        // Each live document's own vectors find it on the approximate paths.
        let sample = model.documents.enumerated().filter { $0.offset % 7 == 0 }.map(\.element)
        var missing: [String] = []
        for document in sample {
            let sparse = try collection.search(Query(sparse: document.sparse, k: 10, mode: .sparse))
            let dense = try collection.search(Query(dense: document.dense, k: 10, mode: .dense))
            if !sparse.contains(where: { $0.id == document.id }) { missing.append("sparse \(document.id)") }
            if dense.first?.id != document.id { missing.append("dense \(document.id)") }
        }
        // Approximate: allow a few misses, not many.
        #expect(missing.count <= sample.count / 20, "\(missing.count) of \(sample.count * 2) self-queries missed: \(missing.prefix(5))")
        try Self.expectMatchesModel(collection, model)
    }

    @Test("documents deleted or replaced while a compaction runs stay deleted after it publishes")
    func writesDuringCompaction() throws {
        let scratch = B.Scratch()
        var (collection, model, _) = try Self.populated(scratch)
        let victims = ["d1", "d3", "d13", "d599", "d444"].filter { model[$0] != nil }
        let replacement = Document(id: "d4", sparse: B.sparse([(7, 2.5)]), dense: [Float](repeating: 0.5, count: 8))
        let writer = collection
        var compactor = Compactor(context: collection.database.compactionContext, cancellation: CompactionCancellation())
        compactor.beforePublish = {
            #expect(try writer.delete(ids: victims) == victims.count)
            try writer.upsert([replacement])
        }
        let report = try compactor.compact(collection: collection.name, segments: nil)
        model.delete(victims)
        model.upsert([replacement])
        #expect(report.deletedDuringCompaction == victims.count + 1)
        let layout = try B.layout(collection)
        #expect(layout.segments == 1 && layout.deletedInSegments == victims.count + 1)
        try Self.expectMatchesModel(collection, model)
        collection = try scratch.open(Self.manual).collection()
        try Self.expectMatchesModel(collection, model)
    }

    @Test("until it publishes, a compaction changes nothing readers see; stopped there, it leaves nothing behind")
    func unpublishedCompactionIsInvisible() throws {
        let scratch = B.Scratch()
        let (collection, model, deletedOrReplaced) = try Self.populated(scratch)
        let cancellation = CompactionCancellation()
        var compactor = Compactor(context: collection.database.compactionContext, cancellation: cancellation)
        compactor.bytesPerWriteTransaction = 4_096   // many write transactions
        let path = scratch.path
        compactor.beforePublish = {
            // Another Database (its own caches) sees the old manifest and an unpublished segment.
            let other = try Database(path: path, options: Self.manual)
            #expect(try Self.retiredSegments(other) == 1)
            let layout = try B.layout(try other.collection())
            #expect(layout.segments == 7 && layout.deletedInSegments == deletedOrReplaced)
            try Self.expectMatchesModel(try other.collection(), model)
            cancellation.cancel()
            try cancellation.check()
        }
        #expect(throws: CancellationError.self) { try compactor.compact(collection: collection.name, segments: nil) }
        #expect(try Self.retiredSegments(collection.database) == 0)
        #expect(try B.layout(collection).segments == 7)
        try Self.expectMatchesModel(collection, model)
    }

    @Test("segments left unpublished by an interrupted run are removed by the next compaction")
    func leftoversAreRemoved() throws {
        let scratch = B.Scratch()
        let (collection, model, _) = try Self.populated(scratch)
        // What a run killed during its write phase leaves: a retired row with some blobs.
        let database = collection.database
        try database.pool.write { connection in
            let record = try CollectionRecord.load(named: collection.name, connection)
            let id = try SegmentWriter.insertRow(collection: record, state: "retired", documentCount: 3, postingCount: 9,
                                                 firstDocumentID: 1, lastDocumentID: 3, connection)
            try SegmentWriter.insert([.blob(kind: .documentIDs, key: 0, payload: [1, 2, 3])][...], segmentID: id, connection)
        }
        #expect(try Self.retiredSegments(database) == 1)
        try Self.expectMatchesModel(collection, model)   // verify does not mind garbage it does not read
        #expect(try database.verify().retiredSegments == 1)
        #expect(try collection.compact(policy: CompactionPolicy(mergeFactor: 64, deletedFraction: 1)).isEmpty)
        #expect(try Self.retiredSegments(database) == 0)
        #expect(try database.verify().retiredSegments == 0)
        let blobs = try database.pool.read {
            try $0.scalarInt("SELECT count(*) FROM segment_blobs WHERE segment_id NOT IN (SELECT id FROM segments)")
        }
        #expect(blobs == 0)
    }

    @Test("a query that took its snapshot before the publish finishes on the old segments, even after they are removed")
    func readersKeepTheirSnapshot() throws {
        let scratch = B.Scratch()
        let (collection, _, _) = try Self.populated(scratch)
        let query = try #require(SyntheticCorpus(seed: 1, count: 0, sparseDimension: 400, denseDimension: 8)
            .queries(seed: 6_200, count: 1).first?.sparse)
        let expected = try collection.search(Query(sparse: query, k: 20, mode: .sparse, exact: true))
        let database = try scratch.open(Self.manual)   // caches of its own: nothing decoded yet
        let found = try database.pool.read { connection -> [Int64] in
            let record = try CollectionRecord.load(named: collection.name, connection)
            let snapshot = try database.snapshots.snapshot(of: record, connection)
            // Another Database compacts and removes the segments this snapshot lists.
            let report = try collection.compact()
            #expect(report.mergedSegments == snapshot.segments.map(\.id))
            #expect(try Self.retiredSegments(collection.database) == 0)
            var counters = ExactSparseSearch.Counters()
            return try ExactSparseSearch(query: query, k: 20, queryDimension: record.queryDimension)
                .run(snapshot, connection, counters: &counters).map(\.documentID)
        }
        let ids = try collection.database.pool.read { connection in
            try found.map { id in try connection.scalarText("SELECT external_id FROM documents WHERE doc_id = \(id)") ?? "?" }
        }
        #expect(ids == expected.map(\.id))
        #expect(try collection.search(Query(sparse: query, k: 20, mode: .sparse, exact: true)).map(\.id) == expected.map(\.id))
    }

    @Test("a run whose inputs another run merged meanwhile gives up without publishing; the collection stays consistent")
    func supersededRunGivesUp() throws {
        let scratch = B.Scratch()
        let (collection, model, _) = try Self.populated(scratch)
        var compactor = Compactor(context: collection.database.compactionContext, cancellation: CompactionCancellation())
        compactor.beforePublish = { _ = try collection.compact() }
        #expect(throws: FathomError.self) { try compactor.compact(collection: collection.name, segments: nil) }
        #expect(try B.layout(collection).segments == 1)
        #expect(try Self.retiredSegments(collection.database) == 0)
        try Self.expectMatchesModel(collection, model)
    }

    @Test("segments whose documents were all deleted are dropped without a new segment")
    func fullyDeletedSegments() throws {
        let scratch = B.Scratch()
        let (collection, model, _) = try Self.populated(scratch)
        // Delete everything sealed in the first two segments' id range that is still live.
        let doomed = (0..<200).map { "d\($0)" }.filter { model[$0] != nil }
        var model2 = model
        model2.delete(doomed)
        try collection.delete(ids: doomed)
        let states = try CompactionWorker.segmentStates(of: collection.name, collection.database.pool)
        let empty = states.filter { $0.liveCount == 0 }.map(\.id)
        #expect(empty.count >= 1)
        let reports = try collection.compact(policy: CompactionPolicy(mergeFactor: 64, deletedFraction: 1))
        #expect(reports.contains { $0.mergedSegments == [empty[0]] && $0.publishedSegment == nil && $0.documents == 0 })
        try Self.expectMatchesModel(collection, model2)
    }

    @Test("nothing to do: no segments, or one segment without deletions, is left as it is")
    func nothingToDo() throws {
        let scratch = B.Scratch()
        let database = try scratch.open(Self.manual)
        let collection = try database.createCollection(schema: CollectionSchema(sparse: .termIDs(dimension: 50)))
        #expect(try collection.compact().mergedSegments.isEmpty)
        try collection.upsert([Document(id: "a", sparse: B.sparse([(1, 1)]))])
        try collection.seal()
        let report = try collection.compact()
        #expect(report.mergedSegments.isEmpty && report.publishedSegment == nil)
        #expect(try B.layout(collection).segments == 1)
    }

    @Test("a read-only database refuses to compact")
    func readOnlyRefuses() throws {
        let scratch = B.Scratch()
        _ = try Self.populated(scratch)
        let readOnly = try scratch.open(Database.Options(readOnly: true))
        #expect(throws: FathomError.readOnly(path: scratch.path)) { try readOnly.collection().compact() }
    }
}
