import Foundation
import Testing
import FathomTestSupport

/// Hybrid fusion options and labeled-data metrics through the CLI.
@Suite("fathom: fusion options and bench --qrels")
struct FusionAndQrelsCommandTests {
    static var qrels: String { TestPaths.sample.appendingPathComponent("qrels.tsv").path }

    @Test("bench --qrels reports nDCG@10, recall@100 and MRR@10 in [0, 1] over the judged queries")
    func benchQrels() throws {
        let sample = try SampleDatabase.ready()
        let result = try CLI.succeed(["bench", sample.database, "--queries", SampleDatabase.queries, "--qrels", Self.qrels,
                                      "--warmup", "0", "--json"])
        let report = try JSON.object(result.stdout)
        for key in ["ndcg_at_10", "recall_at_100", "mrr_at_10"] {
            let value = try #require(JSON.double(report[key]), "\(key) in \(result.stdout)")
            #expect(value > 0 && value <= 1, "\(key) = \(value)")
        }
        #expect(JSON.double(report["queries_with_qrels"]) == 150)
        let text = try CLI.succeed(["bench", sample.database, "--queries", SampleDatabase.queries, "--qrels", Self.qrels,
                                    "--warmup", "0", "--mode", "sparse"]).stdout
        #expect(text.contains("nDCG@10 ") && text.contains("over 150 judged queries"), "\(text)")
        CLI.expectOneLineError(try CLI.run(["bench", sample.database, "--queries", SampleDatabase.queries,
                                            "--qrels", Self.qrels, "--k", "5"]), "--qrels with --k 5")
        CLI.expectOneLineError(try CLI.run(["bench", sample.database, "--queries", SampleDatabase.queries,
                                            "--qrels", "/nonexistent/qrels.tsv"]), "missing qrels file")
    }

    @Test("search fuses by convex combination by default; --fusion rrf gives reciprocal-rank scores")
    func fusionOptions() throws {
        let sample = try SampleDatabase.ready()
        let base = ["search", sample.database, "--query-file", SampleDatabase.queries, "--limit", "3", "--explain", "--json"]
        let convex = try SearchCommandTests.parseLines(try CLI.succeed(base), explain: true)
        #expect(convex.allSatisfy { ($0.plan?["paths"] as? [String])?.last == "fusion: convex(alpha 0.5, z-score)" })
        let rrf = try SearchCommandTests.parseLines(try CLI.succeed(base + ["--fusion", "rrf"]), explain: true)
        #expect(rrf.allSatisfy { line in line.hits.allSatisfy { $0.score <= 2.0 / 61 + 1e-6 } })
        let dense = try SearchCommandTests.parseLines(try CLI.succeed(base + ["--alpha", "1", "--k", "5"]), explain: true)
        let denseOnly = try SearchCommandTests.parseLines(try CLI.succeed(["search", sample.database, "--query-file",
                                                                          SampleDatabase.queries, "--limit", "3", "--k", "5",
                                                                          "--mode", "dense", "--json"]))
        #expect(dense.map { $0.hits.map(\.id) } == denseOnly.map { $0.hits.map(\.id) }, "alpha 1 ranks by the dense part")
        for bad in [["--alpha", "1.5"], ["--alpha", "0.5", "--fusion", "rrf"], ["--normalization", "log"],
                    ["--candidate-depth", "0"]] {
            CLI.expectOneLineError(try CLI.run(base + bad), bad.joined(separator: " "))
        }
    }

    @Test("--prf runs two rounds: --explain shows both; bench measures it; bad feedback options are one-line errors")
    func feedbackOptions() throws {
        let sample = try SampleDatabase.ready()
        let base = ["search", sample.database, "--query-file", SampleDatabase.queries, "--limit", "3", "--explain", "--json",
                    "--mode", "hybrid"]
        let lines = try SearchCommandTests.parseLines(try CLI.succeed(base + ["--prf"]), explain: true)
        for line in lines {
            let paths = (line.plan?["paths"] as? [String]) ?? []
            #expect(paths.contains { $0.hasPrefix("round 1 ") } && paths.contains { $0.hasPrefix("feedback: both, m 3") }
                    && paths.last == "round 2 fusion: convex(alpha 0.5, z-score)", "\(paths)")
        }
        let none = try SearchCommandTests.parseLines(try CLI.succeed(base + ["--prf-interpolation", "none"]), explain: true)
        #expect(none.allSatisfy { ($0.plan?["paths"] as? [String])?.last == "round 2 final: dense round 2 (no interpolation after feedback)" })
        let report = try JSON.object(try CLI.succeed(["bench", sample.database, "--queries", SampleDatabase.queries, "--qrels",
                                                      Self.qrels, "--warmup", "0", "--json", "--mode", "hybrid",
                                                      "--prf-docs", "5", "--prf-terms", "10"]).stdout)
        #expect((JSON.double(report["ndcg_at_10"]) ?? 0) > 0)
        for bad in [["--prf-docs", "0"], ["--prf-query-weight", "2"], ["--prf-interpolation", "sideways"], ["--prf-terms", "-3"]] {
            CLI.expectOneLineError(try CLI.run(base + bad), bad.joined(separator: " "))
        }
    }
}
