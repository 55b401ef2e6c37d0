import Foundation
import Testing
import FathomTestSupport

/// Text queries on the sample: `fathom vocab`, `search --text`, `--from-text`.
@Suite("fathom vocab and text queries on the ingested sample")
struct TextQueryCommandTests {
    static var vocabulary: String { TestPaths.sample.appendingPathComponent("vocab.txt").path }
    static var qrels: String { TestPaths.sample.appendingPathComponent("qrels.tsv").path }

    /// A fresh copy of the sample with the vocabulary imported.
    static func withVocabulary() throws -> (TemporaryDirectory, String) {
        let (directory, database) = try SampleDatabase.ready().freshCopy()
        let imported = try CLI.succeed(["vocab", "import", database, vocabulary])
        #expect(imported.stdout == "imported 30522 tokens into 'default' (uncased; query weights: corpus IDF)\n")
        return (directory, database)
    }

    @Test("vocab tokenize shows the reference tokens and the IDF-weighted query terms")
    func tokenize() throws {
        let (directory, database) = try Self.withVocabulary()
        _ = directory
        let result = try CLI.succeed(["vocab", "tokenize", database, "Naïve EventLoops", "--json"])
        let object = try JSON.object(result.stdout)
        #expect(object["tokens"] as? [String] == ["naive", "event", "##lo", "##ops"])
        #expect(object["ids"] as? [Int] == [15743, 2724, 4135, 11923])
        let terms = try #require(object["terms"] as? [[String: Any]])
        #expect(terms.count >= 1 && terms.allSatisfy { (JSON.double($0["weight"]) ?? 0) > 0 && $0["documentFrequency"] != nil })
        let human = try CLI.succeed(["vocab", "tokenize", database, "EventLoops"])
        #expect(human.stdoutLines.first == "tokens: event (2724) ##lo (4135) ##ops (11923)")
        #expect(human.stdoutLines.last?.hasPrefix("query: event ") == true, "\(human)")
    }

    @Test("search --text finds what the query file's text finds with --from-text, and --explain shows the weighted tokens")
    func searchText() throws {
        let (directory, database) = try Self.withVocabulary()
        _ = directory
        let line = try #require(try Files.lines(SampleDatabase.queries).first)
        let text = try #require(JSON.parse(line)?["text"] as? String)
        let id = try #require(JSON.parse(line)?["id"] as? String)
        // Mode sparse: the file's query also has a dense part, which would make it hybrid.
        let single = try CLI.succeed(["search", database, "--text", text, "--k", "5", "--mode", "sparse", "--json"])
        let fromFile = try CLI.succeed(["search", database, "--query-file", SampleDatabase.queries, "--from-text",
                                        "--limit", "1", "--k", "5", "--mode", "sparse", "--json"])
        let singleHits = try SearchCommandTests.parseLines(single)
        let fileHits = try SearchCommandTests.parseLines(fromFile)
        #expect(singleHits.map(\.query) == ["text"] && fileHits.map(\.query) == [id])
        #expect(singleHits.first?.hits.map(\.id) == fileHits.first?.hits.map(\.id))
        #expect(singleHits.first?.hits.count == 5)

        let explained = try CLI.succeed(["search", database, "--text", text + " [CLS]", "--k", "2", "--explain"])
        let plan = try #require(explained.stdoutLines.first { $0.hasPrefix("  plan:") }, "\(explained)")
        #expect(plan.contains("mode sparse") && plan.contains("text (corpus-idf): ") && plan.contains("; dropped ")
                && plan.contains("[CLS]"), "\(plan)")
        let json = try CLI.succeed(["search", database, "--text", text, "--k", "2", "--explain", "--json"])
        let jsonPlan = try #require(try SearchCommandTests.parseLines(json, explain: true).first?.plan)
        #expect(jsonPlan["textWeighting"] as? String == "corpus-idf")
        #expect((jsonPlan["textTerms"] as? [[String: Any]])?.isEmpty == false)
    }

    @Test("search --text with --dense-file runs hybrid")
    func hybrid() throws {
        let (directory, database) = try Self.withVocabulary()
        let line = try #require(try Files.lines(SampleDatabase.queries).first)
        let object = try #require(JSON.parse(line))
        let dense = try #require(object["dense"] as? [Any])
        let densePath = directory.path("dense.json")
        try Files.write(String(decoding: try JSONSerialization.data(withJSONObject: dense), as: UTF8.self), to: densePath)
        let result = try CLI.succeed(["search", database, "--text", try #require(object["text"] as? String),
                                      "--dense-file", densePath, "--k", "3", "--explain", "--json"])
        let plan = try #require(try SearchCommandTests.parseLines(result, explain: true).first?.plan)
        #expect(plan["mode"] as? String == "hybrid")
    }

    @Test("bench --from-text reports quality and the tokenizer's cost; supplied weights change the terms")
    func benchFromText() throws {
        let (directory, database) = try Self.withVocabulary()
        let result = try CLI.succeed(["bench", database, "--queries", SampleDatabase.queries, "--qrels", Self.qrels,
                                      "--mode", "sparse", "--from-text", "--json"])
        let report = try JSON.object(result.stdout)
        for key in ["ndcg_at_10", "recall_at_100", "tokenize_us_p50", "tokenize_us_p99", "tokens_per_second", "tokens_per_query"] {
            #expect(JSON.double(report[key]).map { $0 > 0 } == true, "\(key) in \(report.keys.sorted())")
        }
        #expect(JSON.double(report["from_text"]) == 1)
        let human = try CLI.succeed(["bench", database, "--queries", SampleDatabase.queries, "--mode", "sparse",
                                     "--from-text", "--limit", "5"])
        #expect(human.stdoutLines.contains { $0.hasPrefix("tokenize: ") }, "\(human)")

        let weights = directory.path("idf.json")
        try Files.write(#"{"event": 3.0, "loop": 1.5}"#, to: weights)
        #expect(try CLI.succeed(["vocab", "weights", database, weights]).stdout == "set query weights of 2 tokens for 'default'\n")
        let terms = try JSON.object(try CLI.succeed(["vocab", "tokenize", database, "event loops", "--json"]).stdout)["terms"]
        #expect((terms as? [[String: Any]])?.map { $0["token"] as? String } == ["event"])
        try CLI.succeed(["vocab", "weights", database, "--corpus-idf"])
        #expect(try CLI.succeed(["verify", database]).succeeded)
    }

    @Test("bad vocabularies, weight files, dense files and missing vocabularies fail with one line", arguments: [
        "duplicate", "missing", "weights-json", "weights-token", "no-vocabulary", "dense-file", "query-without-text",
    ])
    func failures(_ kind: String) throws {
        let (directory, database) = try SampleDatabase.ready().freshCopy()
        let file = directory.path("input")
        var arguments: [String] = []
        var expected = ""
        switch kind {
        case "duplicate":
            try Files.write("[UNK]\nocean\nwave\nocean\n", to: file)
            arguments = ["vocab", "import", database, file]
            expected = "Error: \(file):4: repeats the token \"ocean\" of line 2"
        case "missing":
            arguments = ["vocab", "import", database, directory.path("none.txt")]
            expected = "Error: \(directory.path("none.txt")): no such file"
        case "weights-json":
            try CLI.succeed(["vocab", "import", database, Self.vocabulary])
            try Files.write(#"{"ocean": }"#, to: file)
            arguments = ["vocab", "weights", database, file]
            expected = "Error: \(file): invalid JSON at byte 11: expected a value, found '}'"
        case "weights-token":
            try CLI.succeed(["vocab", "import", database, Self.vocabulary])
            try Files.write(#"{"Ocean": 1}"#, to: file)
            arguments = ["vocab", "weights", database, file]
            expected = "Error: \(file): 1 of its 1 tokens are not in the collection's vocabulary, such as \"Ocean\": it was made for another vocabulary"
        case "no-vocabulary":
            arguments = ["search", database, "--text", "ocean"]
            expected = "Error: invalid query: collection 'default' has no vocabulary for text queries: import one (fathom vocab import)"
        case "dense-file":
            try CLI.succeed(["vocab", "import", database, Self.vocabulary])
            try Files.write("[1, 2, x]", to: file)
            arguments = ["search", database, "--text", "ocean", "--dense-file", file]
            expected = "Error: \(file): invalid JSON at byte 8: expected a value, found 'x'"
        default:
            try CLI.succeed(["vocab", "import", database, Self.vocabulary])
            try Files.write(#"{"id": "q1", "text": "ocean"}"# + "\n" + #"{"id": "q2"}"# + "\n", to: file)
            arguments = ["bench", database, "--queries", file, "--from-text"]
            expected = "Error: \(file):2: field text: missing (the sparse part is made from the text)"
        }
        let result = try CLI.run(arguments)
        CLI.expectOneLineError(result, "fathom \(arguments.joined(separator: " "))")
        #expect(result.stderrLines.first == expected, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
    }

    @Test("--text and --query-file exclude each other; --from-text needs a query file", arguments: [
        ["--text", "ocean", "--query-file", "q.jsonl"], [], ["--text", "ocean", "--from-text"], ["--dense-file", "d.json", "--query-file", "q.jsonl"],
    ])
    func usage(_ tail: [String]) throws {
        let result = try CLI.run(["search", "db.fathom"] + tail)
        CLI.expectOneLineError(result, "search \(tail.joined(separator: " "))")
        #expect(result.status == 64, "\(result)")
    }
}
