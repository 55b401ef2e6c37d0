import Foundation
import Testing
import FathomTestSupport

@Suite("fathom ingest")
struct IngestCommandTests {
    /// The ids `export` writes, in order.
    static func exportedIDs(_ database: String, collection: String = "default",
                            sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let result = try CLI.run(["export", database, "--collection", collection])
        try #require(result.succeeded, "export: \(result)", sourceLocation: sourceLocation)
        return try result.stdoutLines.map { try #require(JSON.object($0)["id"] as? String, sourceLocation: sourceLocation) }
    }

    static func committedLines(_ counts: [Int]) -> [String] { counts.map { "committed \($0)" } }

    @Test("piped ingest prints only 'committed N' lines, growing by the batch size up to the document count")
    func committedLines() throws {
        let sample = try SampleDatabase.ready()
        let ingest = try #require(sample.ingest)
        #expect(ingest.succeeded)
        // 800 documents in batches of 250.
        #expect(ingest.stdout == Self.committedLines([250, 500, 750, 800]).map { $0 + "\n" }.joined(), "\(ingest)")
        let stats = try StatsSnapshot.read(sample.database)
        #expect(stats.int("documents") == 800)
        #expect(stats.int("documents") == SampleDatabase.corpusIDs.count)
        #expect(try Self.exportedIDs(sample.database) == SampleDatabase.corpusIDs)
    }

    @Test("'-' reads standard input, with the same result as the file")
    func standardInput() throws {
        let sample = try SampleDatabase.ready()
        let directory = TemporaryDirectory("fathom-cli-stdin")
        let database = directory.path("stdin.fathom")
        try CLI.succeed(["create", database, "--dense-dim", "384", "--sparse"])
        let corpus = try Data(contentsOf: URL(fileURLWithPath: SampleDatabase.corpus))
        let ingest = try CLI.succeed(["ingest", database, "-", "--batch", "300"], stdin: corpus)
        #expect(ingest.stdoutLines == Self.committedLines([300, 600, 800]), "\(ingest)")
        #expect(ingest.stdout.hasSuffix("\n"))
        let fromStdin = try CLI.succeed(["export", database])
        let fromFile = try CLI.succeed(["export", sample.database])
        #expect(fromStdin.stdout == fromFile.stdout, "export after ingest from stdin equals export after ingest from the file")
    }

    @Test("batch size 1 commits after every line; a repeated id replaces the earlier document")
    func batchOfOne() throws {
        let directory = TemporaryDirectory("fathom-cli-batch")
        let database = directory.path("b.fathom")
        try CLI.succeed(["create", database, "--dense-dim", "3"])
        let file = directory.path("docs.jsonl")
        try Files.write("""
            {"id":"a","dense":[1,0,0]}
            {"id":"b","dense":[0,1,0]}

            {"id":"a","dense":[0,0,1],"text":"second a"}

            """, to: file)
        let ingest = try CLI.succeed(["ingest", database, file, "--batch", "1"])
        #expect(ingest.stdoutLines == Self.committedLines([1, 2, 3]), "\(ingest)")
        let stats = try StatsSnapshot.read(database)
        #expect(stats.int("documents") == 2, "a replaced, not duplicated")
        let exported = try CLI.succeed(["export", database]).stdoutLines
        #expect(exported.count == 2)
        #expect(exported.contains { $0.contains("second a") && $0.contains("[0.0,0.0,1.0]") }, "\(exported)")
    }

    @Test("--no-seal leaves the documents in the write buffer, searchable")
    func noSeal() throws {
        let directory = TemporaryDirectory("fathom-cli-noseal")
        let database = directory.path("n.fathom")
        let corpus = SyntheticCorpus(seed: 11, count: 40, sparseDimension: 500, denseDimension: 8)
        try CLI.succeed(["create", database, "--dense-dim", "8", "--sparse", "--sparse-dim", "500"])
        let file = directory.path("docs.jsonl")
        try Files.write(Files.jsonl(corpus.documents), to: file)
        let ingest = try CLI.succeed(["ingest", database, file, "--batch", "16", "--no-seal"])
        #expect(ingest.stdoutLines == Self.committedLines([16, 32, 40]))
        let stats = try StatsSnapshot.read(database)
        #expect(stats.int("documents") == 40)
        #expect(stats.int("bufferedDocuments") == 40)
        #expect(stats.int("segments") == 0)
        let queries = directory.path("q.jsonl")
        try Files.write(Files.jsonl(corpus.documents[3]), to: queries)
        let lines = try SearchCommandTests.parseLines(try CLI.succeed(["search", database, "--query-file", queries,
                                                                       "--mode", "dense", "--json", "--k", "1"]))
        #expect(lines.first?.hits.first?.id == "d3", "a document is its own nearest neighbour")
    }

    // MARK: - Bad input

    struct BadLine: Sendable, CustomTestStringConvertible {
        var name: String
        var line: String
        /// What stderr must mention: the field, or "invalid JSON".
        var mentions: String
        var testDescription: String { name }
    }

    static let badLines: [BadLine] = [
        BadLine(name: "truncated JSON", line: #"{"id":"x","dense":[1,0,"#, mentions: "invalid JSON"),
        BadLine(name: "not an object", line: #"[1,2,3]"#, mentions: "object"),
        BadLine(name: "missing id", line: #"{"dense":[1,0,0]}"#, mentions: "id"),
        BadLine(name: "id not a string", line: #"{"id":7,"dense":[1,0,0]}"#, mentions: "id"),
        BadLine(name: "term index out of range", line: #"{"id":"x","sparse":{"indices":[5,100],"values":[1,1]}}"#,
                mentions: "sparse.indices[1]"),
        BadLine(name: "negative weight", line: #"{"id":"x","sparse":{"indices":[5],"values":[-1]}}"#,
                mentions: "sparse.values[0]"),
        BadLine(name: "indices and values of different lengths", line: #"{"id":"x","sparse":{"indices":[5,6],"values":[1]}}"#,
                mentions: "sparse"),
        BadLine(name: "wrong dense length", line: #"{"id":"x","dense":[1,0]}"#, mentions: "dense"),
        BadLine(name: "dense value not a number", line: #"{"id":"x","dense":[1,"a",0]}"#, mentions: "dense[1]"),
        BadLine(name: "no vector at all", line: #"{"id":"x","text":"words only"}"#, mentions: "vector"),
    ]

    /// Five lines: a, b (first batch of 2), c, BAD (second batch), e.
    static func fileWithBadLine(_ bad: String) -> String {
        """
        {"id":"a","sparse":{"indices":[1,2],"values":[0.5,1]},"dense":[1,0,0]}
        {"id":"b","sparse":{"indices":[3],"values":[2]},"dense":[0,1,0]}
        {"id":"c","dense":[0,0,1]}
        \(bad)
        {"id":"e","sparse":{"indices":[4],"values":[1]}}

        """
    }

    static func smallDatabase(_ directory: TemporaryDirectory) throws -> String {
        let database = directory.path("small.fathom")
        try CLI.succeed(["create", database, "--dense-dim", "3", "--sparse", "--sparse-dim", "100"])
        return database
    }

    @Test("a bad line aborts with one stderr line naming file:line and field; its batch is not kept",
          arguments: badLines)
    func abortOnBadLine(_ bad: BadLine) throws {
        let directory = TemporaryDirectory("fathom-cli-bad")
        let database = try Self.smallDatabase(directory)
        let file = directory.path("bad.jsonl")
        try Files.write(Self.fileWithBadLine(bad.line), to: file)
        let result = try CLI.run(["ingest", database, file, "--batch", "2"])
        CLI.expectOneLineError(result, "ingest with \(bad.name)")
        #expect(result.stderr.contains("\(file):4"), "names file:line: \(result.stderr)")
        #expect(result.stderr.contains(bad.mentions), "mentions \(bad.mentions): \(result.stderr)")
        // The first batch (a, b) was committed and reported; c, in the failing batch, was not kept.
        #expect(result.stdout == "committed 2\n", "\(result)")
        #expect(try Self.exportedIDs(database) == ["a", "b"])
        #expect(try StatsSnapshot.read(database).int("documents") == 2)
        let verify = try CLI.run(["verify", database])
        #expect(verify.succeeded, "database is healthy after an aborted ingest: \(verify)")
    }

    @Test("with one big batch, an abort keeps nothing")
    func abortKeepsNothingOfTheBatch() throws {
        let directory = TemporaryDirectory("fathom-cli-bad")
        let database = try Self.smallDatabase(directory)
        let file = directory.path("bad.jsonl")
        try Files.write(Self.fileWithBadLine(#"{"id":"x","dense":[1,0]}"#), to: file)
        let result = try CLI.run(["ingest", database, file])
        CLI.expectOneLineError(result, "ingest with a bad line in the first batch")
        #expect(result.stdout.isEmpty, "nothing committed, nothing reported: \(result)")
        #expect(try Self.exportedIDs(database).isEmpty)
        #expect(try StatsSnapshot.read(database).int("documents") == 0)
    }

    @Test("--on-error skip keeps the good lines, exits 0 and reports each bad line on stderr")
    func skipBadLines() throws {
        let directory = TemporaryDirectory("fathom-cli-skip")
        let database = try Self.smallDatabase(directory)
        let file = directory.path("mixed.jsonl")
        try Files.write("""
            {"id":"a","dense":[1,0,0]}
            {"id":"b","dense":[1,0]}
            {"id":"c","sparse":{"indices":[7],"values":[1]}}
            not json at all
            {"id":"e","dense":[0,1,0]}
            {"id":"f","sparse":{"indices":[100],"values":[1]}}

            """, to: file)
        let result = try CLI.run(["ingest", database, file, "--batch", "2", "--on-error", "skip"])
        #expect(result.succeeded, "\(result)")
        #expect(result.stdoutLines == Self.committedLines([2, 3]), "only committed lines on stdout: \(result)")
        for (line, field) in [(2, "dense"), (4, "invalid JSON"), (6, "sparse.indices[0]")] {
            #expect(result.stderrLines.contains { $0.contains("\(file):\(line)") && $0.contains(field) },
                    "stderr reports line \(line) (\(field)): \(result.stderr)")
        }
        #expect(!result.stderr.contains("\(file):1") && !result.stderr.contains("\(file):3") && !result.stderr.contains("\(file):5"))
        #expect(try Self.exportedIDs(database) == ["a", "c", "e"])
        #expect(try StatsSnapshot.read(database).int("documents") == 3)
    }

    @Test("a missing input file fails with one line naming it; nothing is created")
    func missingInputFile() throws {
        let directory = TemporaryDirectory("fathom-cli-missing")
        let database = try Self.smallDatabase(directory)
        let file = directory.path("absent.jsonl")
        let result = try CLI.run(["ingest", database, file])
        CLI.expectOneLineError(result, "ingest of a missing file")
        #expect(result.stderr.contains(file))
        #expect(result.stdout.isEmpty)
    }
}
