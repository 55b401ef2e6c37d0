import Foundation

extension Collection {
    /// Ingests a JSONL file (path `-` for standard input), streaming it in
    /// batched transactions; memory stays bounded whatever the file size.
    ///
    /// Each line is validated against the collection's schema; an error names
    /// the file, line and field. An id that already exists (or repeats in the
    /// file) replaces the earlier document: the last one wins.
    ///
    /// ```swift
    /// let report = try docs.ingest(jsonl: "corpus.jsonl") { progress in
    ///     print("committed \(progress.documentsCommitted)")
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - path: the JSONL file, or `-` for standard input.
    ///   - options: batch size, error policy and whether to seal at the end.
    ///   - progress: called after each committed batch; the documents it
    ///     counts are durable when it is called.
    @discardableResult
    public func ingest(jsonl path: String, options: IngestOptions = IngestOptions(),
                       progress: (IngestProgress) -> Void = { _ in }) throws -> IngestReport {
        guard options.batchSize >= 1 else { throw FathomError.invalidArgument(reason: "batch size must be at least 1") }
        let started = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        let reader = try JSONLReader(path: path)
        var report = IngestReport(documentsCommitted: 0, linesRead: 0, rejectedCount: 0, rejected: [],
                                  documentsSealed: 0, elapsedSeconds: 0)
        var batch: [PreparedDocument] = []
        batch.reserveCapacity(options.batchSize)

        func commit() throws {
            guard !batch.isEmpty else { return }
            // Progress is reported as soon as the batch commits, before a seal it may trigger.
            try write(batch) {
                report.documentsCommitted += batch.count
                progress(IngestProgress(documentsCommitted: report.documentsCommitted, linesRead: report.linesRead,
                                        rejected: report.rejectedCount, bytesRead: reader.bytesRead,
                                        totalBytes: reader.totalBytes, elapsedSeconds: elapsed()))
            }
            batch.removeAll(keepingCapacity: true)
        }

        // Lines are read a batch at a time and decoded in parallel; results are
        // then taken in line order, so errors and "last id wins" follow the file.
        let schema = self.schema
        var lines: [JSONLReader.Line] = []
        lines.reserveCapacity(options.batchSize)
        while true {
            lines.removeAll(keepingCapacity: true)
            while lines.count < options.batchSize {
                do {
                    guard let line = try reader.next() else { break }
                    lines.append(line)
                } catch let error as FathomError where options.onError == .skip {
                    // An over-long line: the reader has skipped it.
                    guard case .invalidRecord = error else { throw error }
                    report.linesRead += 1
                    report.rejectedCount += 1
                    if report.rejected.count < IngestReport.maxReportedErrors { report.rejected.append(error) }
                }
            }
            if lines.isEmpty { break }
            let decoded = ParallelMap.map(lines) { line -> Result<PreparedDocument, ValidationFailure> in
                Result { () throws(ValidationFailure) -> PreparedDocument in
                    let record = try DocumentRecordDecoder.decode(DocumentRecord.self, from: line.bytes)
                    return try DocumentValidator.prepare(record, schema: schema)
                }
            }
            for (line, result) in zip(lines, decoded) {
                report.linesRead += 1
                switch result {
                case .success(let document):
                    batch.append(document)
                case .failure(let error):
                    let located = error.located(at: InputLocation(file: path, line: line.number))
                    guard options.onError == .skip else { throw located }
                    report.rejectedCount += 1
                    if report.rejected.count < IngestReport.maxReportedErrors { report.rejected.append(located) }
                }
                if batch.count >= options.batchSize { try commit() }
            }
        }
        try commit()
        if options.sealAtEnd { report.documentsSealed = try seal() }
        report.elapsedSeconds = elapsed()
        return report
    }
}
