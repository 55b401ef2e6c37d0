import Foundation
import Logging
import Synchronization

/// Stops a running compaction at its next check: between phases, between the
/// terms of a segment build, and between the write transactions of its blobs.
final class CompactionCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    func cancel() { flag.store(true, ordering: .relaxed) }
    var isCancelled: Bool { flag.load(ordering: .relaxed) }
    func check() throws { if isCancelled { throw CancellationError() } }
}

/// What compaction works through: the database's connections and caches
/// (not the `Database` itself, so a background worker does not keep it open).
struct CompactionContext: Sendable {
    let path: String
    let pool: ConnectionPool
    let snapshots: SnapshotCache
    let logger: Logger
}

/// Merges live segments of one collection into one new segment, without the
/// deleted documents, and publishes it.
///
/// The phases, and what each may overlap with:
/// 1. **Read** the inputs in one read transaction (a consistent snapshot).
/// 2. **Build** the new segment in memory: forward index, dense vectors,
///    posting blocks, Seismic clusters and summaries, dense graph — no lock held.
/// 3. **Write** its rows in short write transactions, under a manifest row in
///    state `retired`, so no reader ever lists it; ingest interleaves.
/// 4. **Publish** in one transaction: the new segment becomes live, the inputs
///    retired, every document row points at its new ordinal, and documents
///    deleted or replaced since phase 1 are tombstoned in the new segment.
/// 5. **Remove** retired segments, in their own transactions.
///
/// A reader's query runs in one read transaction, so it sees the manifest
/// from before or after the publish, never a mix, and SQLite keeps the pages
/// of removed segments for it until it ends (WAL snapshots). An interruption
/// before phase 4 commits leaves the published state untouched and at most
/// an unpublished segment, removed by the next compaction (the caller holds
/// the `CompactionLock`, so any `retired` segment it finds is garbage).
struct Compactor {
    let context: CompactionContext
    let cancellation: CompactionCancellation
    /// The longest write transaction of the current run (what a writer may wait).
    private let longestWrite = LongestDuration()
    /// Bytes of rows per write transaction in phase 3.
    var bytesPerWriteTransaction = 8 << 20
    /// Test seam: runs after phase 3, before the publish.
    var beforePublish: (@Sendable () throws -> Void)? = nil

    /// The inputs of a merge, read in one snapshot.
    struct MergeInput {
        var record: CollectionRecord
        /// Input segment ids, ascending.
        var inputs: [Int64]
        /// The merged documents in ascending internal id (the builder's order).
        var documentIDs: [Int64] = []
        var forward = ForwardIndex()
        var dense: DenseMatrix?
        /// Per input segment: each old ordinal's new ordinal, or -1 when dropped.
        var newOrdinals: [Int64: [Int32]] = [:]
        /// Per new ordinal: the input segment the document comes from.
        var sourceSegments: [Int64] = []
        var droppedCount = 0
    }

    /// Merges `selection` (nil: every live segment) of collection `name`. The
    /// caller must hold the `CompactionLock`. Returns a report with no
    /// published segment when there was nothing to do.
    func compact(collection name: String, segments selection: [Int64]?) throws -> CompactionReport {
        let started = DispatchTime.now().uptimeNanoseconds
        func elapsed(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var report = CompactionReport(collection: name, mergedSegments: [], publishedSegment: nil, documents: 0,
                                      droppedDocuments: 0, deletedDuringCompaction: 0, elapsedSeconds: 0, publishSeconds: 0,
                                      longestWriteSeconds: 0)
        longestWrite.reset()
        try cancellation.check()
        guard let input = try read(collection: name, segments: selection) else { return report }
        report.mergedSegments = input.inputs
        report.droppedDocuments = input.droppedCount
        report.documents = input.documentIDs.count
        try cancellation.check()

        var segmentID: Int64?
        if let first = input.documentIDs.first, let last = input.documentIDs.last {
            let id = try write { connection in
                try SegmentWriter.insertRow(collection: input.record, state: "retired",
                                            documentCount: input.documentIDs.count,
                                            postingCount: input.forward.postingCount,
                                            firstDocumentID: first, lastDocumentID: last, connection)
            }
            segmentID = id
            do {
                var builder = SegmentWriter.builder(for: input.record, segmentID: id)
                builder.checkCancelled = { [cancellation] in try cancellation.check() }
                let output = try builder.build(documentIDs: input.documentIDs, forward: input.forward, dense: input.dense)
                try cancellation.check()
                try writeRows(SegmentWriter.rows(of: output), format: output.format, segmentID: id)
                Failpoint.compactionBeforePublish.hit()
                try beforePublish?()
            } catch {
                // Leave nothing behind when possible; otherwise the next run removes it.
                try? removeRetiredSegments()
                throw error
            }
        }

        let publishStarted = DispatchTime.now().uptimeNanoseconds
        do {
            report.deletedDuringCompaction = try publish(input, segmentID: segmentID)
        } catch {
            try? removeRetiredSegments()
            throw error
        }
        report.publishSeconds = elapsed(since: publishStarted)
        Failpoint.compactionAfterPublish.hit()
        report.publishedSegment = segmentID
        try removeRetiredSegments()
        report.elapsedSeconds = elapsed(since: started)
        report.longestWriteSeconds = longestWrite.seconds
        context.logger.debug("compacted segments", metadata: [
            "collection": .string(name), "inputs": .string("\(input.inputs)"),
            "published": .string(segmentID.map(String.init) ?? "none"),
            "documents": .stringConvertible(report.documents), "dropped": .stringConvertible(report.droppedDocuments),
        ])
        return report
    }

    /// Phase 1: reads the inputs; nil when there is nothing to do (no
    /// segment selected, or a single segment with nothing deleted).
    private func read(collection name: String, segments selection: [Int64]?) throws -> MergeInput? {
        try context.pool.read { connection -> MergeInput? in
            let record = try CollectionRecord.load(named: name, connection)
            let snapshot = try context.snapshots.snapshot(of: record, connection)
            let live = Dictionary(uniqueKeysWithValues: snapshot.segments.map { ($0.id, $0) })
            let chosen: [Segment]
            if let selection {
                let wanted = Set(selection)
                guard wanted.isSubset(of: live.keys) else {
                    throw FathomError.invalidArgument(
                        reason: "segments \(wanted.subtracting(live.keys).sorted()) are not live segments of '\(name)'")
                }
                chosen = snapshot.segments.filter { wanted.contains($0.id) }
            } else {
                chosen = snapshot.segments
            }
            guard !chosen.isEmpty else { return nil }
            if chosen.count == 1, snapshot.deletions[chosen[0].id] == nil { return nil }

            var input = MergeInput(record: record, inputs: chosen.map(\.id).sorted())
            // (document id, input index, ordinal) of every live document, merged in id order.
            var order: [(documentID: Int64, source: Int32, ordinal: Int32)] = []
            var forwards: [ForwardIndex] = [], denses: [DenseMatrix?] = []
            for (index, segment) in chosen.enumerated() {
                let ids = try segment.documentIDs(connection)
                let deleted = snapshot.deletions[segment.id]
                forwards.append(try segment.forwardIndex(connection))
                denses.append(try segment.denseMatrix(connection))
                for ordinal in 0..<segment.documentCount {
                    if let deleted, deleted.contains(ordinal) {
                        input.droppedCount += 1
                    } else {
                        order.append((ids[ordinal], Int32(index), Int32(ordinal)))
                    }
                }
                input.newOrdinals[segment.id] = [Int32](repeating: -1, count: segment.documentCount)
            }
            order.sort { $0.documentID < $1.documentID }
            if let dimension = record.schema.dense?.dimension {
                input.dense = DenseMatrix(dimension: dimension)
                input.dense!.reserve(documents: order.count)
            }
            input.documentIDs.reserveCapacity(order.count)
            for (newOrdinal, entry) in order.enumerated() {
                let source = Int(entry.source), ordinal = Int(entry.ordinal)
                input.documentIDs.append(entry.documentID)
                input.sourceSegments.append(chosen[source].id)
                input.forward.append(forwards[source], ordinal: ordinal)
                input.dense?.append(denses[source]?.vector(at: ordinal))
                input.newOrdinals[chosen[source].id]![ordinal] = Int32(newOrdinal)
            }
            // Internal ids are unique, so the merged ids strictly increase.
            precondition(zip(input.documentIDs, input.documentIDs.dropFirst()).allSatisfy { $0 < $1 })
            return input
        }
    }

    /// Phase 3: the new segment's rows, in short transactions.
    private func writeRows(_ rows: [SegmentWriter.Row], format: SegmentFormat, segmentID: Int64) throws {
        var start = 0
        while start < rows.count {
            try cancellation.check()
            var end = start, bytes = 0
            while end < rows.count, end == start || bytes + rows[end].byteCount <= bytesPerWriteTransaction {
                bytes += rows[end].byteCount
                end += 1
            }
            try write { connection in
                try SegmentWriter.insert(rows[start..<end], segmentID: segmentID, connection)
            }
            start = end
        }
        try write { try SegmentWriter.setFormat(format, segmentID: segmentID, $0) }
    }

    /// Phase 4: makes the merge visible in one transaction; returns how many
    /// merged documents were deleted or replaced since phase 1.
    private func publish(_ input: MergeInput, segmentID: Int64?) throws -> Int {
        try write { connection -> Int in
            let record = try CollectionRecord.load(named: input.record.name, connection)
            guard record.id == input.record.id else {
                throw FathomError.invalidArgument(reason: "collection '\(input.record.name)' was replaced during compaction")
            }
            let state = try connection.statement("SELECT state FROM segments WHERE id = ? AND collection_id = ?")
            for id in input.inputs {
                state.reset()
                try state.bind(1, id)
                try state.bind(2, record.id)
                guard try state.step(), state.text(0) == "live" else {
                    throw FathomError.invalidArgument(reason: "segment \(id) was compacted by another run meanwhile")
                }
            }
            state.reset()

            // Tombstones added since phase 1 move to the new ordinals.
            var newlyDeleted: [Int32] = []
            let tombstones = try connection.statement("SELECT ordinal FROM tombstones WHERE segment_id = ?")
            for id in input.inputs {
                tombstones.reset()
                try tombstones.bind(1, id)
                let map = input.newOrdinals[id]!
                while try tombstones.step() {
                    let ordinal = tombstones.int(0)
                    guard map.indices.contains(ordinal) else {
                        throw FathomError.corruption(what: "tombstones of segment \(id)", detail: "ordinal \(ordinal) outside the segment")
                    }
                    if map[ordinal] >= 0 { newlyDeleted.append(map[ordinal]) }
                }
            }
            tombstones.reset()

            if let segmentID {
                let deleted = Set(newlyDeleted)
                let move = try connection.statement(
                    "UPDATE documents SET segment_id = ?, ordinal = ? WHERE doc_id = ? AND segment_id = ?")
                for (ordinal, documentID) in input.documentIDs.enumerated() {
                    try move.bind(1, segmentID)
                    try move.bind(2, ordinal)
                    try move.bind(3, documentID)
                    try move.bind(4, input.sourceSegments[ordinal])
                    try move.run()
                    // A document row is gone exactly when its old ordinal was tombstoned.
                    guard (connection.changes == 1) != deleted.contains(Int32(ordinal)) else {
                        throw FathomError.corruption(what: "collection '\(record.name)'",
                                                     detail: "document \(documentID) and the tombstones of its segment disagree")
                    }
                }
                let tombstone = try connection.statement("INSERT INTO tombstones(segment_id, ordinal) VALUES (?, ?)")
                for ordinal in newlyDeleted {
                    try tombstone.bind(1, segmentID)
                    try tombstone.bind(2, Int64(ordinal))
                    try tombstone.run()
                }
                let activate = try connection.statement("UPDATE segments SET state = 'live' WHERE id = ? AND state = 'retired'")
                try activate.bind(1, segmentID)
                try activate.run()
                guard connection.changes == 1 else {
                    throw FathomError.corruption(what: "segment \(segmentID)", detail: "the unpublished segment disappeared")
                }
            }
            let retire = try connection.statement("UPDATE segments SET state = 'retired' WHERE id = ?")
            for id in input.inputs {
                try retire.bind(1, id)
                try retire.run()
            }
            try record.bumpVersion(connection)
            return newlyDeleted.count
        }
    }

    /// A write transaction, timed into `longestWrite`.
    private func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let started = DispatchTime.now().uptimeNanoseconds
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            longestWrite.record(seconds)
        }
        return try context.pool.write(body)
    }

    /// Phase 5 (and the cleanup of interrupted runs): deletes every segment not
    /// in a manifest, in short transactions, then returns free pages to the
    /// file system and checkpoints the log. The caller holds the lock.
    func removeRetiredSegments() throws {
        let retired = try context.pool.read { connection -> [Int64] in
            let statement = try connection.statement("SELECT id FROM segments WHERE state = 'retired' ORDER BY id")
            defer { statement.reset() }
            var ids: [Int64] = []
            while try statement.step() { ids.append(statement.int64(0)) }
            return ids
        }
        guard !retired.isEmpty else { return }
        for id in retired {
            // Rows first, a bounded number per transaction: a large segment's
            // blobs would otherwise hold writers for as long as they take to free.
            for (table, rowsPerTransaction) in [("segment_blobs", 256), ("posting_blocks", 4_096)] {
                while try write({ connection -> Int in
                    let delete = try connection.statement(
                        "DELETE FROM \(table) WHERE rowid IN (SELECT rowid FROM \(table) WHERE segment_id = ? LIMIT \(rowsPerTransaction))")
                    try delete.bind(1, id)
                    try delete.run()
                    return connection.changes
                }) > 0 {
                    Failpoint.compactionMidRemoval.hit()
                }
            }
            try write { connection in
                // Its tombstones go with it (ON DELETE CASCADE).
                let delete = try connection.statement("DELETE FROM segments WHERE id = ? AND state = 'retired'")
                try delete.bind(1, id)
                try delete.run()
            }
        }
        // Hand the freed pages back to the file system, 8 MiB per transaction.
        while try write({ try CollectionWriter.releaseFreePages($0, maximumBytes: 8 << 20) }) {}
        // Best effort: a long reader can keep the log from being reset.
        try context.pool.withWriter { try? $0.execute("PRAGMA wal_checkpoint(PASSIVE)") }
    }
}

/// The longest of a series of durations, in seconds.
final class LongestDuration: Sendable {
    /// Guards the longest duration recorded since the last reset.
    private let longest = Mutex<Double>(0)

    func reset() { longest.withLock { $0 = 0 } }
    func record(_ seconds: Double) { longest.withLock { $0 = max($0, seconds) } }
    var seconds: Double { longest.withLock { $0 } }
}
