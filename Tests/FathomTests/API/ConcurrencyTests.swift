import Dispatch
import Foundation
import Synchronization
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Concurrent searches while another thread writes")
struct ConcurrencyTests {
    typealias B = Behaviour

    /// What the writer has done, shared with the readers.
    struct Shared {
        /// Ids whose delete call has returned.
        var deleted = Set<String>()
        /// Ids whose upsert call has returned (and not deleted since).
        var live = Set<String>()
        var writerDone = false
        var readersStarted = 0
        var searches = 0
        var failures: [String] = []
    }

    /// The shared state behind a lock, as a reference the threads capture.
    final class Board: Sendable {
        private let state = Mutex(Shared())
        func withLock<T>(_ body: (inout Shared) -> T) -> T { state.withLock { body(&$0) } }
    }

    @Test("readers never fail and never see a document deleted before their search began (with and without background compaction)",
          arguments: [false, true])
    func searchesDuringWrites(backgroundCompaction: Bool) throws {
        let scratch = B.Scratch()
        let corpus = SyntheticCorpus(seed: 15_000, count: 900, sparseDimension: 300, denseDimension: 8)
        // Merge factor 2: every pair of same-tier segments is merged while the readers run.
        let database = try scratch.open(Database.Options(
            compaction: backgroundCompaction ? CompactionPolicy(mergeFactor: 2, checkIntervalSeconds: 0.05) : nil))
        let deadline = Date().addingTimeInterval(60)
        @Sendable func compactionsDone() -> Int { database.compactionWorker?.statistics.compactions ?? 0 }
        let collection = try database.createCollection(schema: B.schema(corpus, metric: .cosine, sealThreshold: 60, postingBlockSize: 8))
        let initial = Array(corpus.documents.prefix(300))
        try collection.upsert(initial)
        let shared = Board()
        shared.withLock { $0.live = Set(initial.map(\.id)) }
        let queries = corpus.queries(seed: 15_001, count: 40)
        let everyID = Set(corpus.documents.map(\.id))

        let readers = 3
        // Real threads (not a pool that may run fewer workers at once than asked):
        // the readers loop until the writer is done.
        let group = DispatchGroup()
        for worker in 0...readers {
            group.enter()
            Thread {
                defer { group.leave() }
                work(worker)
            }.start()
        }
        group.wait()

        @Sendable func work(_ worker: Int) {
            if worker == 0 {
                // The writer: upserts of fresh documents, deletes of live ones, seals at the threshold.
                // Start writing once every reader is searching.
                while shared.withLock({ $0.readersStarted < readers }) { Thread.sleep(forTimeInterval: 0.001) }
                var generator = SeededGenerator(seed: 15_002)
                var next = 300
                for round in 0..<30 {
                    do {
                        let batch = Array(corpus.documents[next..<min(next + 20, corpus.documents.count)])
                        next += batch.count
                        if !batch.isEmpty {
                            try collection.upsert(batch)
                            shared.withLock { $0.live.formUnion(batch.map(\.id)) }
                        }
                        let candidates = shared.withLock { Array($0.live) }.sorted()
                        let victims = Array(candidates.shuffled(using: &generator).prefix(12))
                        let removed = try collection.delete(ids: victims)
                        shared.withLock {
                            $0.deleted.formUnion(victims)
                            $0.live.subtract(victims)
                            if removed != victims.count { $0.failures.append("round \(round): delete removed \(removed) of \(victims.count)") }
                        }
                        if round % 10 == 9 { try collection.seal() }
                    } catch {
                        shared.withLock { $0.failures.append("writer: \(error)") }
                    }
                }
                shared.withLock { $0.writerDone = true }
            } else {
                var generator = SeededGenerator(seed: 15_100 + UInt64(worker))
                var performed = 0
                while true {
                    let (deletedBefore, done) = shared.withLock { ($0.deleted, $0.writerDone) }
                    // With a worker, keep searching until it has published at least one merge.
                    if done && performed >= 20 && (!backgroundCompaction || compactionsDone() >= 1 || Date() > deadline) { break }
                    var query = queries.randomElement(using: &generator)!
                    query.k = [5, 50, 400][performed % 3]
                    query.mode = [.sparse, .dense, .hybrid][(performed / 3) % 3]
                    do {
                        let hits = try collection.search(query)
                        let returned = Set(hits.map(\.id))
                        let stale = returned.intersection(deletedBefore)
                        let unknown = returned.subtracting(everyID)
                        if !stale.isEmpty || !unknown.isEmpty || returned.count != hits.count {
                            shared.withLock {
                                $0.failures.append("\(query.mode) k \(query.k): deleted \(stale.sorted().prefix(3)), unknown \(unknown.prefix(3)), \(hits.count) hits")
                            }
                        }
                        if performed % 7 == 0, let id = deletedBefore.first, try collection.document(id: id) != nil {
                            shared.withLock { $0.failures.append("document(id: \(id)) returned a deleted document") }
                        }
                    } catch {
                        shared.withLock { $0.failures.append("\(query.mode) search threw \(error)") }
                    }
                    if performed == 0 { shared.withLock { $0.readersStarted += 1 } }
                    performed += 1
                }
                shared.withLock { $0.searches += performed }
            }
        }

        let final = shared.withLock { $0 }
        let failureCount = final.failures.count
        #expect(failureCount == 0, "failures: \(final.failures.prefix(5))")
        #expect(final.searches >= readers * 20)
        if backgroundCompaction {
            #expect(compactionsDone() >= 1, "the worker should have merged segments while the readers searched")
            #expect(database.compactionWorker?.statistics.failures == 0,
                    "\(String(describing: database.compactionWorker?.statistics.lastError))")
            database.stopBackgroundCompaction()
        }
        #expect(try collection.count() == final.live.count)
        // The end state is exact.
        var model = B.Model()
        model.upsert(corpus.documents.filter { final.live.contains($0.id) })
        let live = model.documents
        for query in queries.prefix(10) {
            let sparse = try collection.search(B.sparseQuery(query.sparse!, k: 20))
            #expect(B.sparseMismatch(sparse, query: query.sparse!, k: 20, model: model, live: live) == nil)
            let dense = try collection.search(B.denseQuery(query.dense!, k: 20))
            #expect(B.denseMismatch(dense, query: query.dense!, metric: .cosine, k: 20, model: model, live: live) == nil)
        }
        #expect(try database.verify().isHealthy)
    }

    @Test("several Database instances on one file: each sees the other's committed writes")
    func twoInstances() throws {
        let scratch = B.Scratch()
        let first = try scratch.open()
        let a = try first.createCollection(schema: CollectionSchema(sparse: .termIDs(dimension: 10), index: IndexParameters(sealThreshold: 3)))
        let second = try scratch.open()
        let b = try second.collection()
        for i in 0..<10 {
            try (i % 2 == 0 ? a : b).upsert([Document(id: "x\(i)", sparse: B.sparse([(UInt32(i), 1)]))])
            #expect(try a.count() == i + 1 && b.count() == i + 1)
            #expect(try a.search(Query(sparse: B.sparse([(UInt32(i), 1)]), k: 3)).map(\.id) == ["x\(i)"])
            #expect(try b.search(Query(sparse: B.sparse([(UInt32(i), 1)]), k: 3)).map(\.id) == ["x\(i)"])
        }
        try a.delete(ids: ["x4"])
        #expect(try b.search(Query(sparse: B.sparse([(4, 1)]), k: 3)).isEmpty)
        try b.upsert([Document(id: "x5", sparse: B.sparse([(9, 2)]))])
        #expect(try a.search(Query(sparse: B.sparse([(5, 1)]), k: 3)).isEmpty)
        #expect(try a.search(Query(sparse: B.sparse([(9, 1)]), k: 3)).map(\.id) == ["x5", "x9"])
        #expect(try first.verify().isHealthy)
    }
}
