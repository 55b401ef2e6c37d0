/// How a JSONL ingest behaves.
public struct IngestOptions: Sendable {
    /// What to do with a bad line.
    public enum ErrorPolicy: String, Sendable, CaseIterable {
        /// Stop at the first bad line: nothing of its batch is kept (batches
        /// committed before it stay), and the ingest throws.
        case abort
        /// Keep the good lines, report the bad ones.
        case skip
    }

    /// Documents per transaction, at least 1. Each committed batch is durable.
    public var batchSize: Int
    /// What to do with a line that is malformed or violates the schema; ``ErrorPolicy/abort`` by default.
    public var onError: ErrorPolicy
    /// Seal the write buffer into a segment at the end of the ingest (bulk
    /// loads are then searched through segments, not by scanning the buffer).
    public var sealAtEnd: Bool

    /// The default ``batchSize``: 1,000 documents.
    public static let defaultBatchSize = 1_000

    /// Creates ingest options.
    ///
    /// - Parameters:
    ///   - batchSize: Documents per transaction, at least 1.
    ///   - onError: What to do with a bad line.
    ///   - sealAtEnd: Whether to seal the write buffer when the ingest ends.
    public init(batchSize: Int = IngestOptions.defaultBatchSize, onError: ErrorPolicy = .abort, sealAtEnd: Bool = true) {
        self.batchSize = batchSize
        self.onError = onError
        self.sealAtEnd = sealAtEnd
    }
}

/// Progress of an ingest, reported after each committed batch.
public struct IngestProgress: Sendable {
    /// Documents durable so far (from this ingest).
    public var documentsCommitted: Int
    /// Non-blank lines processed so far, good and bad.
    public var linesRead: Int
    /// The number of bad lines skipped so far (always 0 with ``IngestOptions/ErrorPolicy/abort``).
    ///
    /// A count, unlike ``IngestReport/rejected``, which holds the errors; see
    /// ``IngestReport/rejectedCount``.
    public var rejected: Int
    /// Bytes read from the input so far. Input is read ahead in chunks, so this can run ahead of
    /// ``linesRead``.
    public var bytesRead: Int
    /// The input size, when it is a regular file.
    public var totalBytes: Int?
    /// Wall time since the ingest started, in seconds.
    public var elapsedSeconds: Double
}

/// The outcome of an ingest.
public struct IngestReport: Sendable {
    /// Documents written, all durable. A document whose id repeats is counted each time it is written.
    public var documentsCommitted: Int
    /// Non-blank lines read, good and bad.
    public var linesRead: Int
    /// The number of bad lines skipped with `onError: .skip` (an `.abort` ingest throws at the first one).
    public var rejectedCount: Int
    /// The errors of the first ``maxReportedErrors`` skipped lines, in line order, each a
    /// ``FathomError/invalidRecord(location:field:reason:)``. ``rejectedCount`` is the full count.
    public var rejected: [FathomError]
    /// Documents sealed into a segment at the end (with ``IngestOptions/sealAtEnd``; 0 otherwise).
    /// It counts the whole write buffer, which may hold documents written before this ingest, and
    /// not the seals done during the ingest when the buffer reached its threshold.
    public var documentsSealed: Int
    /// Wall time of the whole ingest, final seal included, in seconds.
    public var elapsedSeconds: Double

    /// The most errors ``rejected`` keeps: 1,000.
    public static let maxReportedErrors = 1_000
}
