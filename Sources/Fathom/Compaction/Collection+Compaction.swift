extension Collection {
    /// Merges every live segment of the collection into one, without the
    /// deleted and replaced documents, rebuilding posting blocks, Seismic
    /// clusters and summaries, and the dense graph (`fathom compact`).
    ///
    /// Searches keep running meanwhile and see the old segments or the new
    /// one, never a mix; writers wait only for the final transaction. The
    /// write buffer is left as it is. Waits for a compaction running in
    /// another thread or process (the background worker, `fathom compact`)
    /// to finish first. Interrupting it (even by killing the process) leaves
    /// the collection as it was; the next compaction removes what it left.
    ///
    /// ```swift
    /// try docs.delete(ids: staleIDs)
    /// let report = try docs.compact()
    /// print("dropped \(report.droppedDocuments) deleted documents")
    /// ```
    @discardableResult
    public func compact() throws -> CompactionReport {
        try withCompactor { try $0.compact(collection: name, segments: nil) }
    }

    /// Runs now whatever `policy` asks for (size-tier merges, rewrites of
    /// segments with many deletions), one report per merge; none when
    /// nothing is due. This is what the background worker does.
    @discardableResult
    public func compact(policy: CompactionPolicy) throws -> [CompactionReport] {
        try policy.validate()
        return try withCompactor { compactor in
            try policy.plan(CompactionWorker.segmentStates(of: name, database.pool)).map {
                try compactor.compact(collection: name, segments: $0)
            }
        }
    }

    private func withCompactor<T>(_ body: (Compactor) throws -> T) throws -> T {
        let database = self.database
        guard !database.pool.readOnly else { throw FathomError.readOnly(path: database.path) }
        return try withStorageErrors(path: database.path, "compacting '\(name)'") {
            let lock = try CompactionLock(databasePath: database.path, wait: true)
            return try withExtendedLifetime(lock) {
                let compactor = Compactor(context: database.compactionContext, cancellation: CompactionCancellation())
                try compactor.removeRetiredSegments()
                return try body(compactor)
            }
        }
    }
}
