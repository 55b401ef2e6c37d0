import Foundation
import Testing
import FathomTestSupport

@Suite("fathom bench")
struct BenchCommandTests {
    static let requiredKeys = ["recall_at_k", "qps", "latency_ms_p50", "latency_ms_p99", "queries", "mode"]

    @Test("bench --json --exact reaches recall 1 against the exact ground truth", arguments: [
        ("sparse", SampleDatabase.sparseTruth), ("dense", SampleDatabase.denseTruth),
    ])
    func exactRecall(_ mode: String, _ truth: String) throws {
        let sample = try SampleDatabase.ready()
        let result = try CLI.succeed(["bench", sample.database, "--queries", SampleDatabase.queries, "--truth", truth,
                                      "--mode", mode, "--exact", "--json"])
        #expect(result.stdoutLines.count == 1, "one JSON object: \(result)")
        let report = try JSON.object(result.stdout)
        for key in Self.requiredKeys { #expect(report[key] != nil, "bench --json has \(key): \(report.keys.sorted())") }
        let recall = try #require(JSON.double(report["recall_at_k"]))
        #expect(recall >= 0.999, "recall@10 in mode \(mode): \(recall)")
        #expect(report["queries"] as? Int == SampleDatabase.queryIDs.count)
        #expect(report["mode"] as? String == mode)
        let qps = try #require(JSON.double(report["qps"]))
        let p50 = try #require(JSON.double(report["latency_ms_p50"]))
        let p99 = try #require(JSON.double(report["latency_ms_p99"]))
        #expect(qps > 0 && qps.isFinite)
        #expect(p50 > 0 && p50 <= p99, "p50 \(p50) <= p99 \(p99)")
    }

    @Test("bench without --json prints a readable recall line; with --k 5 recall is still exact")
    func humanOutput() throws {
        let sample = try SampleDatabase.ready()
        let result = try CLI.succeed(["bench", sample.database, "--queries", SampleDatabase.queries,
                                      "--truth", SampleDatabase.sparseTruth, "--mode", "sparse", "--k", "5"])
        let recallLine = try #require(result.stdoutLines.first { $0.hasPrefix("recall@5") }, "\(result)")
        let value = recallLine.split(separator: " ").dropFirst().first.flatMap { Double($0) }
        #expect(value.map { $0 >= 0.999 } == true, "\(recallLine)")
    }

    @Test("bench --threads 2 shares one database between threads and finds the same exact answers")
    func threads() throws {
        let sample = try SampleDatabase.ready()
        let result = try CLI.succeed(["bench", sample.database, "--queries", SampleDatabase.queries, "--truth",
                                      SampleDatabase.sparseTruth, "--mode", "sparse", "--exact", "--threads", "2", "--json"])
        let report = try JSON.object(result.stdout)
        #expect(JSON.double(report["threads"]) == 2)
        #expect(try #require(JSON.double(report["recall_at_k"])) >= 0.999)
        #expect(report["queries"] as? Int == SampleDatabase.queryIDs.count)
    }

    @Test("a truth file with no matching query ids is an error")
    func unrelatedTruth() throws {
        let sample = try SampleDatabase.ready()
        let directory = TemporaryDirectory("fathom-cli-truth")
        let truth = directory.path("gt.jsonl")
        try Files.write(#"{"query": "nobody", "ids": ["x"], "scores": [1.0]}"# + "\n", to: truth)
        let result = try CLI.run(["bench", sample.database, "--queries", SampleDatabase.queries, "--truth", truth,
                                  "--mode", "sparse", "--limit", "3", "--json"])
        CLI.expectOneLineError(result, "bench with an unrelated truth file")
        #expect(result.stdout.isEmpty)
    }
}

@Suite("fathom --help")
struct HelpTests {
    @Test("every subcommand's --help exits 0 and shows an example command line",
          arguments: ["create", "ingest", "search", "delete", "stats", "verify", "export", "bench", "vocab"])
    func subcommandHelp(_ command: String) throws {
        let result = try CLI.succeed([command, "--help"])
        let examples = result.stdoutLines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("fathom ") }
        #expect(examples.contains { $0.hasPrefix("fathom \(command) ") }, "an example of fathom \(command): \(result.stdout)")
        #expect(result.stdout.contains("USAGE: fathom \(command)"))
    }

    @Test("top-level --help lists every subcommand; --version names the SQLite version")
    func topLevel() throws {
        let help = try CLI.succeed(["--help"])
        for command in ["create", "ingest", "search", "delete", "stats", "verify", "export", "bench", "vocab"] {
            #expect(help.stdoutLines.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix(command + " ") }, "lists \(command)")
        }
        #expect(help.stdoutLines.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("fathom ") })
        let version = try CLI.succeed(["--version"])
        #expect(version.stdout.contains("SQLite"), "\(version)")
    }

    @Test("TestPaths.fathomExecutable is the binary built next to this test bundle")
    func executableLocation() throws {
        let executable = TestPaths.fathomExecutable
        #expect(FileManager.default.isExecutableFile(atPath: executable.path), "\(executable.path)")
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first ?? "").standardizedFileURL
        #expect(executable.standardizedFileURL.path.hasPrefix(bundle.deletingLastPathComponent().path),
                "\(executable.path) is beside \(bundle.path)")
    }
}
