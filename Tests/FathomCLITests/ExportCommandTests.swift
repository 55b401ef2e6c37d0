import Foundation
import Testing
import Fathom
import FathomTestSupport

@Suite("fathom export round trips")
struct ExportCommandTests {
    /// export → ingest into a new database (same schema) → export again.
    static func roundTrip(_ database: String, collection: String = "default", create: [String],
                          in directory: TemporaryDirectory, sourceLocation: SourceLocation = #_sourceLocation) throws -> (first: CLIResult, second: CLIResult) {
        let first = try CLI.run(["export", database, "--collection", collection])
        try #require(first.succeeded, "first export: \(first)", sourceLocation: sourceLocation)
        let file = directory.path("export-\(UUID().uuidString).jsonl")
        try Data(first.stdout.utf8).write(to: URL(fileURLWithPath: file))
        let copy = directory.path("copy-\(UUID().uuidString).fathom")
        try CLI.succeed(["create", copy, "--collection", collection] + create, sourceLocation: sourceLocation)
        try CLI.succeed(["ingest", copy, file, "--collection", collection], sourceLocation: sourceLocation)
        let second = try CLI.run(["export", copy, "--collection", collection])
        try #require(second.succeeded, "second export: \(second)", sourceLocation: sourceLocation)
        return (first, second)
    }

    @Test("the sample: export, ingest, export is byte-identical, and the export holds the corpus exactly")
    func sampleRoundTrip() throws {
        let sample = try SampleDatabase.ready()
        let directory = TemporaryDirectory("fathom-cli-export")
        let (first, second) = try Self.roundTrip(sample.database, create: ["--dense-dim", "384", "--sparse"], in: directory)
        #expect(first.stdout == second.stdout, "byte-identical exports")
        #expect(first.stdoutLines.count == 800)
        #expect(first.stderr.contains("exported 800 documents"), "the count goes to stderr: \(first.stderr)")
        #expect(first.stdout.hasSuffix("\n"))
        #expect(try CLI.succeed(["export", sample.database, "--format", "jsonl"]).stdout == first.stdout,
                "--format jsonl is the default")

        // Same documents as the corpus, value for value (floats compared as Float).
        let corpus = try Files.lines(SampleDatabase.corpus)
        try #require(corpus.count == first.stdoutLines.count)
        for (original, exported) in zip(corpus, first.stdoutLines) {
            let a = try JSON.object(original), b = try JSON.object(exported)
            let id = a["id"] as? String ?? "?"
            #expect(b["id"] as? String == id)
            func floats(_ value: Any?) -> [Float] { ((value as? [Any]) ?? []).compactMap(JSON.double).map { Float($0) } }
            let sa = a["sparse"] as? [String: Any], sb = b["sparse"] as? [String: Any]
            #expect(floats(sa?["indices"]) == floats(sb?["indices"]), "sparse indices of \(id)")
            #expect(floats(sa?["values"]) == floats(sb?["values"]), "sparse values of \(id)")
            #expect(floats(a["dense"]) == floats(b["dense"]), "dense of \(id)")
            #expect(a["text"] as? String == b["text"] as? String, "text of \(id)")
            #expect((a["metadata"] as? NSDictionary) == (b["metadata"] as? NSDictionary), "metadata of \(id)")
        }
    }

    static let vocabularyDocuments = #"""
        {"id":"sea-1","sparse":{"ocean":1.5,"wave":0.25,"blue":2},"metadata":{"z":1,"a":[true,null,"x"],"nested":{"k":-2.5e-3}},"text":"tab\there \"quoted\" back\\slash ünïcödé 🌊"}
        {"id":"sea-2","vector":{"wave":3.0,"surf":0.1}}
        {"id":"peak","sparse":{"mountain":0.7,"ocean":0.001,"snow":12.5},"metadata":{}}
        {"id":"city","sparse":{"street":1,"zebra":0.5,"apple":0.3333333432674408}}
        {"id":"日本","sparse":{"東京":1.0,"ocean":0.5},"text":"line one\nline two"}

        """#

    @Test("a vocabulary collection from handwritten JSONL: export, ingest, export is byte-identical")
    func vocabularyRoundTrip() throws {
        let directory = TemporaryDirectory("fathom-cli-vocab")
        let database = directory.path("vocab.fathom")
        let file = directory.path("terms.jsonl")
        try Files.write(Self.vocabularyDocuments, to: file)
        try CLI.succeed(["create", database, "--collection", "tags", "--vocab"])
        let ingest = try CLI.succeed(["ingest", database, file, "--collection", "tags"])
        #expect(ingest.stdoutLines == ["committed 5"])
        let (first, second) = try Self.roundTrip(database, collection: "tags", create: ["--vocab"], in: directory)
        #expect(first.stdout == second.stdout, "byte-identical:\n\(first.stdout)\n---\n\(second.stdout)")
        #expect(first.stdoutLines.count == 5)

        // The export holds what was written: terms and weights, metadata, text.
        let originals = Self.vocabularyDocuments.split(separator: "\n").map { try? JSON.object($0) }
        for (original, line) in zip(originals, first.stdoutLines) {
            let a = try #require(original), b = try JSON.object(line)
            #expect(a["id"] as? String == b["id"] as? String)
            let terms = (a["sparse"] ?? a["vector"]) as? [String: Any] ?? [:]
            let exported = b["sparse"] as? [String: Any] ?? [:]
            #expect(Set(terms.keys) == Set(exported.keys), "terms of \(a["id"] ?? "")")
            for (term, weight) in terms {
                #expect(JSON.double(weight).map(Float.init) == JSON.double(exported[term]).map(Float.init), "weight of \(term)")
            }
            #expect(a["text"] as? String == b["text"] as? String)
            #expect((a["metadata"] as? NSDictionary) == (b["metadata"] as? NSDictionary))
        }

        // A string-term query finds the documents with that term, weighted.
        let queries = directory.path("q.jsonl")
        try Files.write(#"{"id":"q","sparse":{"ocean":2.0}}"# + "\n", to: queries)
        let hits = try SearchCommandTests.parseLines(try CLI.succeed(["search", database, "--collection", "tags",
                                                                      "--query-file", queries, "--json"]))
        #expect(hits.first?.hits.map(\.id) == ["sea-1", "日本", "peak"])
        #expect(hits.first?.hits.first.map { abs($0.score - 3.0) < 1e-3 } == true)
    }

    @Test("export of unsealed (write-buffer) documents equals export of the same documents sealed")
    func bufferedExport() throws {
        let directory = TemporaryDirectory("fathom-cli-bufexp")
        let file = directory.path("terms.jsonl")
        try Files.write(Self.vocabularyDocuments, to: file)
        var exports: [String] = []
        for seal in [true, false] {
            let database = directory.path("db-\(seal).fathom")
            try CLI.succeed(["create", database, "--vocab"])
            try CLI.succeed(["ingest", database, file] + (seal ? [] : ["--no-seal"]))
            #expect(try StatsSnapshot.read(database).int("bufferedDocuments") == (seal ? 0 : 5))
            exports.append(try CLI.succeed(["export", database]).stdout)
        }
        #expect(exports[0] == exports[1])
    }

    @Test("a vocabulary collection after deletes and replacements still round-trips byte-identically")
    func vocabularyRoundTripAfterHistory() throws {
        let directory = TemporaryDirectory("fathom-cli-vocab-history")
        let database = directory.path("vocab.fathom")
        let file = directory.path("terms.jsonl")
        // "zebra" enters the vocabulary before "apple"; then the document that
        // introduced it is deleted, and "old" is replaced by a version using new terms.
        try Files.write("""
            {"id":"first","sparse":{"zebra":1.0}}
            {"id":"old","sparse":{"kiwi":0.5,"mango":0.25}}
            {"id":"second","sparse":{"apple":0.5,"zebra":2.0}}
            {"id":"old","sparse":{"banana":1.0,"kiwi":0.75}}

            """, to: file)
        try CLI.succeed(["create", database, "--vocab"])
        try CLI.succeed(["ingest", database, file])
        try CLI.succeed(["delete", database, "first"])
        let (first, second) = try Self.roundTrip(database, create: ["--vocab"], in: directory)
        #expect(first.stdoutLines.count == 2)
        #expect(first.stdout == second.stdout, "byte-identical:\n\(first.stdout)---\n\(second.stdout)")
    }

    @Test("a dense-only collection with l2 metric round-trips, metadata and text included")
    func denseOnlyRoundTrip() throws {
        let directory = TemporaryDirectory("fathom-cli-dense")
        let database = directory.path("dense.fathom")
        let corpus = SyntheticCorpus(seed: 99, count: 30, sparseDimension: 10, denseDimension: 5)
        let documents = corpus.documents.map { var d = $0; d.sparse = nil; return d }
        let file = directory.path("dense.jsonl")
        try Files.write(Files.jsonl(documents), to: file)
        try CLI.succeed(["create", database, "--dense-dim", "5", "--metric", "l2"])
        try CLI.succeed(["ingest", database, file, "--batch", "7"])
        let (first, second) = try Self.roundTrip(database, create: ["--dense-dim", "5", "--metric", "l2"], in: directory)
        #expect(first.stdout == second.stdout)
        #expect(first.stdoutLines.count == 30)
        for (document, line) in zip(documents, first.stdoutLines) {
            let object = try JSON.object(line)
            #expect(object["id"] as? String == document.id)
            #expect(((object["dense"] as? [Any]) ?? []).compactMap(JSON.double).map { Float($0) } == document.dense)
            #expect(object["text"] as? String == document.text)
            let metadata = object["metadata"] as? [String: Any]
            #expect(JSON.double(metadata?["n"]) == document.metadata?["n"].flatMap { if case .number(let n) = $0 { n } else { nil } })
            #expect(metadata?["even"] as? Bool != nil)
        }
    }

    @Test("extreme floats, metadata numbers and control characters survive export, ingest, export")
    func edgeValuesRoundTrip() throws {
        let directory = TemporaryDirectory("fathom-cli-edge")
        let database = directory.path("edge.fathom")
        let file = directory.path("edge.jsonl")
        try Files.write(#"""
            {"id":"m1","dense":[1e-45,-0.0],"metadata":{"big":1e300,"neg0":-0.0,"frac":0.30000000000000004,"small":5e-324,"s":"\u2028\u0000\ud83c\udf0a","e":[],"o":{}},"text":"ctl \u0001\u001f \u007f"}
            {"id":"m2 with spaces/and\"quotes\"","dense":[3.4028235e38,1],"metadata":{"arr":[1,2.5,"x",null,false]}}

            """#, to: file)
        try CLI.succeed(["create", database, "--dense-dim", "2", "--metric", "dot"])
        try CLI.succeed(["ingest", database, file])
        let (first, second) = try Self.roundTrip(database, create: ["--dense-dim", "2", "--metric", "dot"], in: directory)
        #expect(first.stdout == second.stdout, "byte-identical:\n\(first.stdout)---\n\(second.stdout)")
        let lines = try first.stdoutLines.map { try JSON.object($0) }
        #expect(lines.map { $0["id"] as? String } == ["m1", "m2 with spaces/and\"quotes\""])
        let dense = lines.map { (($0["dense"] as? [Any]) ?? []).compactMap(JSON.double).map { Float($0) } }
        #expect(dense.first == [Float.leastNonzeroMagnitude, 0] && dense.first?.last?.sign == .minus)
        #expect(dense.last == [Float.greatestFiniteMagnitude, 1])
        #expect(lines.first?["text"] as? String == "ctl \u{01}\u{1F} \u{7F}")
        let metadata = lines.first?["metadata"] as? [String: Any]
        #expect(JSON.double(metadata?["big"]) == 1e300)
        // (Compared as text: Linux JSONSerialization parses this one a bit off.)
        #expect(first.stdout.contains(#""frac":0.30000000000000004"#), "shortest round-trip form: \(first.stdout)")
        #expect(metadata?["s"] as? String == "\u{2028}\u{0}🌊")
    }
}
