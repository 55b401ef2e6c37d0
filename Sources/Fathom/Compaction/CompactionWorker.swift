import Foundation
import Synchronization

/// The background compaction of one `Database`: a thread that, when woken by
/// a write of this process or every `checkIntervalSeconds`, asks the policy
/// what to merge in each collection and does it.
///
/// It never holds the writer lock except for the short transactions of a
/// compaction (see `Compactor`); it skips a round when another thread or
/// process is compacting (the `CompactionLock` is taken without waiting).
/// Errors are logged and retried on the next round; they never reach callers.
final class CompactionWorker: Sendable {
    private let context: CompactionContext
    private let policy: CompactionPolicy
    private let cancellation = CompactionCancellation()
    /// Signalled by writes (and by `stop`) to start a round early.
    private let wakeups = DispatchSemaphore(value: 0)
    /// Signalled once when the thread has finished.
    private let finished = DispatchSemaphore(value: 0)
    /// Guards the counters read by `statistics`.
    private let counters = Mutex<CompactionWorkerStatistics>(CompactionWorkerStatistics())
    private let threadName: String

    init(context: CompactionContext, policy: CompactionPolicy) {
        self.context = context
        self.policy = policy
        threadName = "fathom-compaction"
        let thread = Thread { [self] in run() }
        thread.name = threadName
        // Segment builds recurse little, but Foundation's default secondary stack (512 KiB) is small.
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Asks for a round soon (after a write that may have made work).
    func notify() { wakeups.signal() }

    /// Stops the worker: a running compaction is abandoned at its next check
    /// (its unpublished segment is removed now or by the next run) and the
    /// thread has exited when this returns.
    func stop() {
        cancellation.cancel()
        wakeups.signal()
        // Never wait for itself; re-signal so that every caller gets through.
        if Thread.current.name != threadName {
            finished.wait()
            finished.signal()
        }
    }

    var statistics: CompactionWorkerStatistics { counters.withLock { $0 } }

    private func run() {
        while !cancellation.isCancelled {
            round()
            _ = wakeups.wait(timeout: .now() + policy.checkIntervalSeconds)
            while wakeups.wait(timeout: .now()) == .success {}   // coalesce a burst of writes
        }
        finished.signal()
    }

    /// One pass over every collection; returns early when stopped.
    private func round() {
        do {
            guard let lock = try CompactionLock(databasePath: context.path, wait: false) else { return }
            defer { withExtendedLifetime(lock) {} }
            let compactor = Compactor(context: context, cancellation: cancellation)
            try compactor.removeRetiredSegments()
            let names = try context.pool.read { try CollectionRecord.loadAll($0).map(\.name) }
            for name in names {
                for group in policy.plan(try Self.segmentStates(of: name, context.pool)) {
                    try cancellation.check()
                    let report = try compactor.compact(collection: name, segments: group)
                    counters.withLock {
                        $0.compactions += 1
                        $0.documentsMerged += report.documents
                        $0.documentsDropped += report.droppedDocuments
                    }
                }
            }
        } catch is CancellationError {
            return
        } catch {
            counters.withLock { $0.failures += 1; $0.lastError = "\(error)" }
            context.logger.warning("background compaction failed; will retry", metadata: ["error": .string("\(error)")])
        }
    }

    /// Live segments of a collection with their tombstone counts.
    static func segmentStates(of name: String, _ pool: ConnectionPool) throws -> [CompactionPolicy.SegmentState] {
        try pool.read { connection in
            let record = try CollectionRecord.load(named: name, connection)
            let statement = try connection.statement(
                """
                SELECT s.id, s.doc_count, (SELECT count(*) FROM tombstones t WHERE t.segment_id = s.id)
                FROM segments s WHERE s.collection_id = ? AND s.state = 'live' ORDER BY s.id
                """)
            defer { statement.reset() }
            try statement.bind(1, record.id)
            var states: [CompactionPolicy.SegmentState] = []
            while try statement.step() {
                states.append(.init(id: statement.int64(0), documentCount: statement.int(1), deletedCount: statement.int(2)))
            }
            return states
        }
    }
}

/// What a background worker has done since its database was opened.
struct CompactionWorkerStatistics: Sendable, Equatable {
    var compactions = 0
    var documentsMerged = 0
    var documentsDropped = 0
    var failures = 0
    var lastError: String?
}
