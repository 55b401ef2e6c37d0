import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Ingest through the library")
struct IngestTests {
    typealias B = Behaviour

    static let schema = CollectionSchema(dense: DenseSchema(dimension: 3), sparse: .termIDs(dimension: 100),
                                         index: IndexParameters(sealThreshold: 1_000))

    static func good(_ n: Int) -> String {
        #"{"id":"d\#(n)","sparse":{"indices":[\#(n % 100)],"values":[\#(Float(n) / 10 + 0.5)]},"dense":[1,\#(n),-1],"text":"line \#(n)"}"#
    }

    /// Bad lines and the field their error must name.
    static let bad: [(line: String, field: String)] = [
        (#"{"id":"x1","sparse":{"indices":[100],"values":[1]}}"#, "sparse.indices[0]"),
        (#"{"id":"x2","sparse":{"indices":[1,2],"values":[1,-1]}}"#, "sparse.values[1]"),
        (#"{"id":"x3","dense":[1,2]}"#, "dense"),
        (#"{"sparse":{"indices":[1],"values":[1]}}"#, "id"),
        (#"{"id":"x5","sparse":{"indices":[3,3],"values":[1,1]}}"#, "sparse.indices[1]"),
        (#"{"id":"x6","sparse":{"word":1}}"#, "sparse"),
        (#"{"id":"x7","metadata":{"a":1}}"#, ""),
    ]

    @Test("onError .abort keeps the batches committed before the bad line and nothing of its batch")
    func abortKeepsCommittedBatches() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: Self.schema)
        let file = scratch.file("in.jsonl")
        var lines = (1...40).map(Self.good)
        lines[24] = Self.bad[0].line   // line 25
        try B.writeLines(lines, to: file)
        var progress: [Int] = []
        let error = B.thrown { try collection.ingest(jsonl: file, options: IngestOptions(batchSize: 10, onError: .abort)) { progress.append($0.documentsCommitted) } }
        guard case .invalidRecord(let location, let field, _)? = error else {
            Issue.record("expected invalidRecord, got \(String(describing: error))")
            return
        }
        #expect(location == InputLocation(file: file, line: 25))
        #expect(field == "sparse.indices[0]")
        #expect(progress == [10, 20])
        #expect(try collection.count() == 20)
        #expect(try collection.document(id: "d20") != nil)
        #expect(try collection.document(id: "d21") == nil)
        #expect(try collection.document(id: "d24") == nil)
        // Still true after reopening: those batches were committed.
        #expect(try scratch.open().collection().count() == 20)
    }

    @Test("onError .skip keeps every good line and reports each bad one with file:line and field")
    func skipReportsBadLines() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: Self.schema)
        let file = scratch.file("in.jsonl")
        var lines = (1...60).map(Self.good)
        var expected: [(Int, String)] = []
        for (i, bad) in Self.bad.enumerated() {
            let index = 3 + i * 8
            lines[index] = bad.line
            expected.append((index + 1, bad.field))
        }
        lines.insert("not json at all", at: 57)
        expected.append((58, ""))
        try B.writeLines(lines, to: file)
        let report = try collection.ingest(jsonl: file, options: IngestOptions(batchSize: 6, onError: .skip))
        let good = 60 - Self.bad.count
        #expect(report.documentsCommitted == good)
        #expect(report.linesRead == 61)
        #expect(report.rejectedCount == expected.count)
        #expect(try collection.count() == good)
        let reported = report.rejected.compactMap { error -> (Int, String)? in
            guard case .invalidRecord(let location, let field, _) = error, location.file == file else { return nil }
            return (location.line, field)
        }
        #expect(reported.map(\.0) == expected.map(\.0))
        for ((line, field), (expectedLine, expectedField)) in zip(reported, expected) where !expectedField.isEmpty {
            #expect(field == expectedField, "line \(line) (expected \(expectedLine))")
        }
        for error in report.rejected {
            #expect(error.description.hasPrefix("\(file):"), "\(error)")
        }
        let survivors = Set(lines.compactMap { line in line.hasPrefix(#"{"id":"d"#) ? line : nil }.map { line in
            String(line.dropFirst(7).prefix { $0 != "\"" })
        })
        for id in survivors { #expect(try collection.document(id: id) != nil, "\(id)") }
        #expect(survivors.count == good)
    }

    @Test("progress is reported after each committed batch with cumulative counts")
    func progressIsCumulative() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: Self.schema)
        let file = scratch.file("in.jsonl")
        var lines = (1...95).map(Self.good)
        lines[50] = Self.bad[2].line
        try B.writeLines(lines, to: file)
        var reports: [IngestProgress] = []
        let report = try collection.ingest(jsonl: file, options: IngestOptions(batchSize: 20, onError: .skip)) { reports.append($0) }
        #expect(reports.map(\.documentsCommitted) == [20, 40, 60, 80, 94])
        #expect(reports.map(\.rejected) == [0, 0, 1, 1, 1])
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.linesRead < $1.linesRead && $0.bytesRead <= $1.bytesRead })
        #expect(reports.last?.linesRead == 95)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber).intValue
        #expect(reports.allSatisfy { $0.totalBytes == size && $0.bytesRead <= size })
        #expect(report.documentsCommitted == 94)
    }

    @Test("a repeated id in the file, in one batch or across batches: the last line wins")
    func repeatedIDsLastWins() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: Self.schema)
        let file = scratch.file("in.jsonl")
        let lines = [Self.good(1), Self.good(2), #"{"id":"d1","dense":[0,0,1],"text":"second d1"}"#, Self.good(3),
                     Self.good(4), #"{"id":"d2","sparse":{"indices":[50],"values":[2]},"text":"second d2"}"#,
                     #"{"id":"d1","dense":[0,1,0],"text":"third d1"}"#]
        try B.writeLines(lines, to: file)
        let report = try collection.ingest(jsonl: file, options: IngestOptions(batchSize: 2))
        #expect(report.documentsCommitted == 7)
        #expect(try collection.count() == 4)
        #expect(try collection.document(id: "d1") == Document(id: "d1", dense: [0, 1, 0], text: "third d1"))
        #expect(try collection.document(id: "d2")?.text == "second d2")
        #expect(try collection.search(Query(sparse: B.sparse([(2, 1)]), k: 5)).isEmpty)
    }

    @Test("large batches (decoded in parallel) keep the file's order: errors by line, the last repeated id wins")
    func largeBatchesKeepFileOrder() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: Self.schema)
        let file = scratch.file("in.jsonl")
        var lines = (1...1_500).map(Self.good)
        var badLines: [Int] = []
        for index in stride(from: 7, to: 1_500, by: 97) {
            lines[index] = Self.bad[index % Self.bad.count].line
            badLines.append(index + 1)
        }
        // d10 is rewritten near the end of each batch of 400, the last time with text "final".
        for (n, index) in [390, 799, 1_190, 1_498].enumerated() {
            lines[index] = #"{"id":"d10","dense":[\#(n),0,0],"text":"\#(n == 3 ? "final" : "rewrite \(n)")"}"#
        }
        try B.writeLines(lines, to: file)
        var progress: [Int] = []
        let report = try collection.ingest(jsonl: file, options: IngestOptions(batchSize: 400, onError: .skip)) {
            progress.append($0.documentsCommitted)
        }
        let reported = report.rejected.compactMap { error -> Int? in
            if case .invalidRecord(let location, _, _) = error { return location.line }
            return nil
        }
        #expect(reported == badLines)
        #expect(report.rejectedCount == badLines.count)
        #expect(report.documentsCommitted == 1_500 - badLines.count)
        #expect(progress == progress.sorted() && progress.last == report.documentsCommitted)
        #expect(try collection.document(id: "d10") == Document(id: "d10", dense: [3, 0, 0], text: "final"))
        #expect(try collection.count() == 1_500 - badLines.count - 4)   // the rewrites replaced 4 other ids
        // With .abort, the first bad line (8) stops the ingest before any batch is committed.
        let other = try scratch.open().createCollection("abort", schema: Self.schema)
        let error = B.thrown { try other.ingest(jsonl: file, options: IngestOptions(batchSize: 400)) }
        if case .invalidRecord(let location, _, _)? = error { #expect(location.line == 8) } else {
            Issue.record("expected invalidRecord, got \(String(describing: error))")
        }
        #expect(try other.count() == 0)
    }

    @Test("sealAtEnd seals what the ingest buffered; without it the documents stay buffered")
    func sealAtEnd() throws {
        for seal in [true, false] {
            let scratch = B.Scratch()
            let collection = try scratch.open().createCollection(schema: Self.schema)
            let file = scratch.file("in.jsonl")
            try B.writeLines((1...30).map(Self.good), to: file)
            let report = try collection.ingest(jsonl: file, options: IngestOptions(batchSize: 8, sealAtEnd: seal))
            #expect(report.documentsSealed == (seal ? 30 : 0))
            let layout = try B.layout(collection)
            #expect(layout.segments == (seal ? 1 : 0) && layout.buffered == (seal ? 0 : 30))
        }
    }

    @Test("blank lines are skipped but counted in line numbers; bad arguments and files are refused")
    func blankLinesAndBadInputs() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: Self.schema)
        let file = scratch.file("in.jsonl")
        try B.writeLines([Self.good(1), "", "   ", Self.good(2), "", Self.bad[2].line], to: file)
        let error = B.thrown { try collection.ingest(jsonl: file) }
        if case .invalidRecord(let location, _, _)? = error {
            #expect(location.line == 6)
        } else {
            Issue.record("expected invalidRecord, got \(String(describing: error))")
        }
        #expect(try collection.count() == 0, "the only batch held the bad line")
        #expect(B.kind { try collection.ingest(jsonl: file, options: IngestOptions(batchSize: 0)) } == .invalidArgument)
        #expect(B.kind { try collection.ingest(jsonl: scratch.file("missing.jsonl")) } == .io)
    }
}
