import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Background compaction worker")
struct CompactionWorkerTests {
    typealias B = Behaviour

    /// Waits (at most `seconds`) until `condition` holds; returns whether it did.
    static func eventually(within seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }

    @Test("merges segments as seals accumulate and rewrites segments with many deletions, until the policy asks for nothing")
    func mergesUntilSettled() throws {
        let scratch = B.Scratch()
        let policy = CompactionPolicy(mergeFactor: 2, deletedFraction: 0.2, checkIntervalSeconds: 0.05)
        let database = try scratch.open(Database.Options(compaction: policy))
        let corpus = SyntheticCorpus(seed: 7_001, count: 480, sparseDimension: 300, denseDimension: 8)
        let collection = try database.createCollection(schema: B.schema(corpus, sealThreshold: 40, postingBlockSize: 16))
        var model = B.Model()
        try B.upsert(corpus.documents, into: collection, model: &model, batchSize: 40)   // 12 seals
        let victims = corpus.documents.indices.filter { $0 % 3 == 0 }.map { "d\($0)" }
        try collection.delete(ids: victims)
        model.delete(victims)

        let settled = try Self.eventually {
            let states = try CompactionWorker.segmentStates(of: collection.name, database.pool)
            return policy.plan(states).isEmpty && states.allSatisfy { $0.deletedCount == 0 }
        }
        #expect(settled, "the worker should leave nothing for the policy to do")
        // A merge is visible before the worker counts it: stop it (waits for the thread) before reading its counters.
        database.stopBackgroundCompaction()
        let statistics = try #require(database.compactionWorker?.statistics)
        #expect(statistics.compactions >= 2 && statistics.failures == 0, "\(statistics)")
        #expect(statistics.documentsDropped == victims.count)
        // 320 live documents, tiers of factor 2: far fewer than the 12 sealed segments.
        #expect(try B.layout(collection).segments <= 4)
        try CompactionTests.expectMatchesModel(collection, model)
    }

    @Test("stopping the worker, even mid-merge, leaves every document and result as before, and nothing half-written")
    func stopIsSafeAtAnyMoment() throws {
        var generator = SeededGenerator(seed: 7_100)
        for attempt in 0..<4 {
            let scratch = B.Scratch()
            let corpus = SyntheticCorpus(seed: 7_002 + UInt64(attempt), count: 1_200, sparseDimension: 300, denseDimension: 8)
            var model = B.Model()
            do {
                let policy = CompactionPolicy(mergeFactor: 2, checkIntervalSeconds: 0.01)
                let database = try scratch.open(Database.Options(compaction: policy))
                let collection = try database.createCollection(schema: B.schema(corpus, sealThreshold: 300))
                try B.upsert(corpus.documents, into: collection, model: &model, batchSize: 300)
                // Stop somewhere between "not started" and "finished" (the merge takes tens of milliseconds).
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.2, using: &generator))
                database.stopBackgroundCompaction()
                try CompactionTests.expectMatchesModel(collection, model)
                let states = try CompactionWorker.segmentStates(of: collection.name, database.pool)
                #expect(states.reduce(0) { $0 + $1.liveCount } == model.count)
                // Stopped means stopped: no merge publishes after stop returned, not even
                // over many of the worker's check intervals (10 ms).
                Thread.sleep(forTimeInterval: 0.2)
                let after = try CompactionWorker.segmentStates(of: collection.name, database.pool)
                #expect(after == states)
            }
            // Whatever the stop left unpublished is removed by the next compaction.
            let reopened = try scratch.open()
            try reopened.collection().compact()
            #expect(try CompactionTests.retiredSegments(reopened) == 0)
            try CompactionTests.expectMatchesModel(try reopened.collection(), model)
        }
    }

    @Test("a read-only database runs no worker; releasing a Database stops its worker")
    func lifecycle() throws {
        let scratch = B.Scratch()
        do {
            let database = try scratch.open(Database.Options(compaction: CompactionPolicy()))
            #expect(database.compactionWorker != nil)
            try database.createCollection(schema: CollectionSchema(sparse: .termIDs(dimension: 10)))
        }   // deinit stops the worker (the test would hang or crash otherwise)
        let readOnly = try scratch.open(Database.Options(readOnly: true, compaction: CompactionPolicy()))
        #expect(readOnly.compactionWorker == nil)
        #expect(try readOnly.collectionNames() == ["default"])
    }
}
