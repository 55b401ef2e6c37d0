import Foundation
import Testing
import FathomTestSupport

/// The dense graph and codes through the CLI: `create` graph options,
/// `search` / `bench` query options, what `--explain` and `stats` report.
@Suite("fathom: dense graph and codes")
struct DenseGraphCommandTests {
    /// The sample corpus in one sealed 800-document segment with a graph
    /// (the default minimum of 2,000 documents lowered to 500).
    static func database(_ directory: TemporaryDirectory, extra: [String] = []) throws -> String {
        let path = directory.path("dense.fathom")
        try CLI.succeed(["create", path, "--dense-dim", "384", "--sparse", "--seal-threshold", "800",
                         "--dense-graph-min-docs", "500", "--m", "12", "--ef-construction", "64"] + extra)
        try CLI.succeed(["ingest", path, SampleDatabase.corpus])
        return path
    }

    @Test("search --explain names the graph plan and its counters; ef covering the segment scans it")
    func explainGraph() throws {
        let directory = TemporaryDirectory("fathom-cli-dense")
        let path = try Self.database(directory, extra: ["--ef-search", "40"])
        let graph = try CLI.succeed(["search", path, "--query-file", SampleDatabase.queries, "--limit", "1",
                                     "--mode", "dense", "--explain"])
        let plan = try #require(graph.stdoutLines.first { $0.contains("plan:") })
        #expect(plan.contains("dense: hnsw-int8(ef 40, rescore 40)") && plan.contains("nodes visited")
                && plan.contains("40 dense candidates rescored"), "\(plan)")
        let float32 = try CLI.succeed(["search", path, "--query-file", SampleDatabase.queries, "--limit", "1",
                                       "--mode", "dense", "--explain", "--graph-precision", "float32"])
        #expect(float32.stdoutLines.contains { $0.contains("dense: hnsw(ef 40)") && !$0.contains("rescored") }, "\(float32)")
        let shallow = try CLI.succeed(["search", path, "--query-file", SampleDatabase.queries, "--limit", "1",
                                       "--mode", "dense", "--explain", "--rescore", "12"])
        #expect(shallow.stdoutLines.contains { $0.contains("hnsw-int8(ef 40, rescore 12)") }, "\(shallow)")
        let wide = try CLI.succeed(["search", path, "--query-file", SampleDatabase.queries, "--limit", "1",
                                    "--mode", "dense", "--explain", "--ef-search", "1000"])
        #expect(wide.stdoutLines.contains { $0.contains("exact-flat (ef ≥ segment size)") }, "\(wide)")
        let codes = try CLI.succeed(["search", path, "--query-file", SampleDatabase.queries, "--limit", "1",
                                     "--mode", "dense", "--explain", "--dense-codes", "int8", "--rescore", "50"])
        #expect(codes.stdoutLines.contains { $0.contains("int8-scan(rescore 50)") && $0.contains("50 dense candidates rescored") },
                "\(codes)")
    }

    @Test("bench measures the graph against the exact dense truth: recall rises with ef, and exact is 1")
    func benchRecall() throws {
        let directory = TemporaryDirectory("fathom-cli-dense")
        let path = try Self.database(directory)
        func recall(_ options: [String]) throws -> Double {
            let result = try CLI.succeed(["bench", path, "--queries", SampleDatabase.queries, "--truth", SampleDatabase.denseTruth,
                                          "--mode", "dense", "--warmup", "0", "--json"] + options)
            return try #require(JSON.double(try JSON.object(result.stdout)["recall_at_k"]))
        }
        let narrow = try recall(["--ef-search", "10"]), wide = try recall(["--ef-search", "200"])
        #expect(narrow <= wide)
        #expect(wide >= 0.95, "ef 200 on 800 documents: \(wide)")
        #expect(try recall(["--exact"]) >= 0.999)
        #expect(try recall(["--dense-codes", "float16", "--rescore", "30"]) >= 0.99)
        #expect(try recall(["--ef-search", "200", "--graph-precision", "float32"]) >= 0.95)
    }

    @Test("create --graph-precision sets the collection's default walk; a query's option overrides it")
    func graphPrecisionDefault() throws {
        let directory = TemporaryDirectory("fathom-cli-dense")
        let path = try Self.database(directory, extra: ["--graph-precision", "float32", "--ef-search", "30"])
        let plain = try CLI.succeed(["search", path, "--query-file", SampleDatabase.queries, "--limit", "1",
                                     "--mode", "dense", "--explain"])
        #expect(plain.stdoutLines.contains { $0.contains("dense: hnsw(ef 30)") }, "\(plain)")
        let int8 = try CLI.succeed(["search", path, "--query-file", SampleDatabase.queries, "--limit", "1",
                                    "--mode", "dense", "--explain", "--graph-precision", "int8"])
        #expect(int8.stdoutLines.contains { $0.contains("dense: hnsw-int8(ef 30, rescore 30)") }, "\(int8)")
    }

    @Test("stats reports the graph's stored bytes and the bytes per vector of each representation")
    func statsFootprint() throws {
        let directory = TemporaryDirectory("fathom-cli-dense")
        let path = try Self.database(directory)
        let text = try CLI.succeed(["stats", path]).stdout
        #expect(text.contains("dense_graph "), "\(text)")
        #expect(text.contains("dense bytes per vector (800 in segments)") && text.contains("float16 772 B")
                && text.contains("int8 392 B") && text.contains("binary 48 B"), "\(text)")
        let other = TemporaryDirectory("fathom-cli-dense")
        let disabled = try Self.database(other, extra: ["--no-dense-graph"])
        #expect(!(try CLI.succeed(["stats", disabled]).stdout.contains("dense_graph ")))
    }

    @Test("bad graph options are usage errors with one line on stderr")
    func badOptions() throws {
        let directory = TemporaryDirectory("fathom-cli-dense")
        let sample = try SampleDatabase.ready()
        CLI.expectOneLineError(try CLI.run(["search", sample.database, "--query-file", SampleDatabase.queries,
                                            "--rescore", "0"]), "--rescore 0")
        CLI.expectOneLineError(try CLI.run(["search", sample.database, "--query-file", SampleDatabase.queries,
                                            "--graph-precision", "int4"]), "--graph-precision int4")
        CLI.expectOneLineError(try CLI.run(["create", directory.path("bad2.fathom"), "--dense-dim", "8",
                                            "--graph-precision", "float64"]), "create --graph-precision float64")
        CLI.expectOneLineError(try CLI.run(["search", sample.database, "--query-file", SampleDatabase.queries,
                                            "--ef-search", "0"]), "--ef-search 0")
        CLI.expectOneLineError(try CLI.run(["search", sample.database, "--query-file", SampleDatabase.queries,
                                            "--dense-codes", "int4"]), "--dense-codes int4")
        CLI.expectOneLineError(try CLI.run(["create", directory.path("bad.fathom"), "--dense-dim", "8", "--m", "1"]),
                               "--m 1")
    }
}
