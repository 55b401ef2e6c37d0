import Foundation
import Testing
import FathomTestSupport

@Suite("fathom search on the ingested sample")
struct SearchCommandTests {
    /// Parses `search --json` output, checking the exact line shape:
    /// {"query": ID, "hits": [{"id", "score"}...]} (+ "plan" when explained).
    static func parseLines(_ result: CLIResult, explain: Bool = false,
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> [(query: String, hits: [(id: String, score: Double)], plan: [String: Any]?)] {
        var parsed: [(String, [(id: String, score: Double)], [String: Any]?)] = []
        for line in result.stdoutLines {
            let object = try JSON.object(line, sourceLocation: sourceLocation)
            let expectedKeys: Set<String> = explain ? ["query", "hits", "plan"] : ["query", "hits"]
            #expect(Set(object.keys) == expectedKeys, "keys of \(line.prefix(120))", sourceLocation: sourceLocation)
            let query = try #require(object["query"] as? String, sourceLocation: sourceLocation)
            let hits = try #require(object["hits"] as? [[String: Any]], sourceLocation: sourceLocation)
            var pairs: [(id: String, score: Double)] = []
            for hit in hits {
                #expect(Set(hit.keys) == ["id", "score"], "hit keys \(hit.keys.sorted())", sourceLocation: sourceLocation)
                let id = try #require(hit["id"] as? String, sourceLocation: sourceLocation)
                let score = try #require(JSON.double(hit["score"]), "score of \(id) is a number", sourceLocation: sourceLocation)
                pairs.append((id, score))
            }
            parsed.append((query, pairs, object["plan"] as? [String: Any]))
        }
        return parsed
    }

    @Test("--json prints one line per query with exactly query and hits, k hits each, best first")
    func jsonShape() throws {
        let sample = try SampleDatabase.ready()
        let result = try CLI.succeed(["search", sample.database, "--query-file", SampleDatabase.queries,
                                      "--k", "7", "--limit", "20", "--json"])
        #expect(result.stderr.isEmpty, "nothing on stderr: \(result.stderr)")
        let lines = try Self.parseLines(result)
        #expect(lines.map(\.query) == Array(SampleDatabase.queryIDs.prefix(20)))
        for line in lines {
            #expect(line.hits.count == 7, "query \(line.query) has \(line.hits.count) hits")
            #expect(Set(line.hits.map(\.id)).count == line.hits.count, "query \(line.query) repeats a hit")
            #expect(zip(line.hits, line.hits.dropFirst()).allSatisfy { $0.score >= $1.score },
                    "scores of \(line.query) descend: \(line.hits.map(\.score))")
            #expect(line.hits.allSatisfy { SampleDatabase.corpusIDs.contains($0.id) })
        }
    }

    @Test("sparse --exact --json scores match the exact ground truth, per rank")
    func sparseScoresMatchTruth() throws {
        let sample = try SampleDatabase.ready()
        let result = try CLI.succeed(["search", sample.database, "--query-file", SampleDatabase.queries,
                                      "--mode", "sparse", "--exact", "--k", "10", "--limit", "30", "--json"])
        let lines = try Self.parseLines(result)
        #expect(lines.count == 30)
        var truth: [String: [Double]] = [:]
        for line in try Files.lines(SampleDatabase.sparseTruth) {
            let object = try JSON.object(line)
            truth[object["query"] as? String ?? ""] = (object["scores"] as? [Any])?.compactMap(JSON.double)
        }
        for line in lines {
            let expected = try #require(truth[line.query], "truth for \(line.query)")
            #expect(line.hits.count == min(10, expected.count))
            for (rank, (hit, score)) in zip(line.hits, expected).enumerated() {
                #expect(abs(hit.score - score) <= 1e-3 * max(1, abs(score)),
                        "query \(line.query) rank \(rank): \(hit.id) scores \(hit.score), truth \(score)")
            }
        }
    }

    @Test("human output lists each query with numbered hits")
    func humanOutput() throws {
        let sample = try SampleDatabase.ready()
        let result = try CLI.succeed(["search", sample.database, "--query-file", SampleDatabase.queries,
                                      "--k", "3", "--limit", "2"])
        let lines = result.stdoutLines
        let queryLines = lines.filter { $0.hasPrefix("query ") }
        #expect(queryLines.count == 2, "\(result)")
        #expect(queryLines.first?.hasPrefix("query \(SampleDatabase.queryIDs[0])") == true)
        let hitLines = lines.filter { $0.range(of: #"^\s*\d+\.\s+\S+"#, options: .regularExpression) != nil }
        #expect(hitLines.count == 6, "3 hits for each of 2 queries: \(result)")
        // Every hit line names a document of the corpus.
        for line in hitLines {
            let id = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? ""
            #expect(SampleDatabase.corpusIDs.contains(id), "hit line \(line)")
        }
    }

    @Test("--explain adds a plan to each --json line, and a plan line to the human output")
    func explain() throws {
        let sample = try SampleDatabase.ready()
        for mode in ["sparse", "dense", "hybrid"] {
            let result = try CLI.succeed(["search", sample.database, "--query-file", SampleDatabase.queries,
                                          "--limit", "3", "--k", "5", "--mode", mode, "--explain", "--json"])
            let lines = try Self.parseLines(result, explain: true)
            #expect(lines.count == 3)
            for line in lines {
                let plan = try #require(line.plan, "plan of \(line.query) in mode \(mode)")
                #expect(plan["mode"] as? String == mode)
                #expect((plan["paths"] as? [String])?.isEmpty == false, "plan paths: \(plan)")
                #expect(line.hits.count == 5)
            }
        }
        let human = try CLI.succeed(["search", sample.database, "--query-file", SampleDatabase.queries,
                                     "--limit", "1", "--explain"])
        #expect(human.stdoutLines.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("plan:") }, "\(human)")
        // Without --explain there is no plan.
        let plain = try CLI.succeed(["search", sample.database, "--query-file", SampleDatabase.queries, "--limit", "1", "--json"])
        #expect(try Self.parseLines(plain).allSatisfy { $0.plan == nil })
    }

    @Test("--query-id runs only the named queries, with the same hits as a full run")
    func queryIDFilter() throws {
        let sample = try SampleDatabase.ready()
        let all = try Self.parseLines(try CLI.succeed(["search", sample.database, "--query-file", SampleDatabase.queries,
                                                       "--limit", "10", "--json"]))
        let picked = [SampleDatabase.queryIDs[7], SampleDatabase.queryIDs[2]]
        let filtered = try Self.parseLines(try CLI.succeed(["search", sample.database, "--query-file", SampleDatabase.queries,
                                                            "--query-id", picked[0], "--query-id", picked[1], "--json"]))
        #expect(Set(filtered.map(\.query)) == Set(picked))
        #expect(filtered.count == 2)
        for line in filtered {
            let full = try #require(all.first { $0.query == line.query })
            #expect(line.hits.map(\.id) == full.hits.map(\.id), "hits of \(line.query)")
        }
        let missing = try CLI.run(["search", sample.database, "--query-file", SampleDatabase.queries,
                                   "--query-id", "no-such-query", "--json"])
        CLI.expectOneLineError(missing, "search --query-id no-such-query")
        #expect(missing.stderr.contains("no-such-query"))
        #expect(missing.stdout.isEmpty)
    }

    @Test("--mode sparse/dense/hybrid and --k are honoured; scores descend in every mode")
    func modes() throws {
        let sample = try SampleDatabase.ready()
        var results: [String: [String]] = [:]
        for mode in ["auto", "sparse", "dense", "hybrid"] {
            let lines = try Self.parseLines(try CLI.succeed(["search", sample.database, "--query-file", SampleDatabase.queries,
                                                             "--limit", "5", "--k", "12", "--mode", mode, "--json"]))
            #expect(lines.count == 5)
            for line in lines {
                #expect(line.hits.count == 12, "mode \(mode), query \(line.query)")
                #expect(zip(line.hits, line.hits.dropFirst()).allSatisfy { $0.score >= $1.score }, "mode \(mode)")
            }
            results[mode] = lines.flatMap { $0.hits.map(\.id) }
        }
        // Queries carry both parts, so auto means hybrid.
        #expect(results["auto"] == results["hybrid"])
        #expect(results["sparse"] != results["dense"])
    }

    @Test("a malformed query file fails with one line naming file:line and field")
    func badQueryFile() throws {
        let sample = try SampleDatabase.ready()
        let directory = TemporaryDirectory("fathom-cli-query")
        let path = directory.path("q.jsonl")
        try Files.write("""
            {"id":"ok","sparse":{"indices":[2054],"values":[1.0]}}
            {"id":"short","dense":[0.1,0.2]}

            """, to: path)
        let result = try CLI.run(["search", sample.database, "--query-file", path, "--json"])
        CLI.expectOneLineError(result, "search with a 2-d dense query")
        #expect(result.stderr.contains("\(path):2"), "\(result)")
        #expect(result.stderr.contains("dense"), "\(result)")
    }
}
