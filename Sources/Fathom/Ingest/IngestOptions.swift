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

    /// Documents per transaction. Each committed batch is durable.
    public var batchSize: Int
    public var onError: ErrorPolicy
    /// Seal the write buffer into a segment at the end of the ingest (bulk
    /// loads are then searched through segments, not by scanning the buffer).
    public var sealAtEnd: Bool

    public static let defaultBatchSize = 1_000

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
    public var linesRead: Int
    public var rejected: Int
    public var bytesRead: Int
    /// The input size, when it is a regular file.
    public var totalBytes: Int?
    public var elapsedSeconds: Double
}

/// The outcome of an ingest.
public struct IngestReport: Sendable {
    public var documentsCommitted: Int
    public var linesRead: Int
    /// Bad lines skipped (with `onError: .skip`).
    public var rejectedCount: Int
    /// The first `IngestReport.maxReportedErrors` of them.
    public var rejected: [FathomError]
    public var documentsSealed: Int
    public var elapsedSeconds: Double

    public static let maxReportedErrors = 1_000
}
