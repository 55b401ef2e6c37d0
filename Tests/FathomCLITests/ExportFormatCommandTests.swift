import Foundation
import Testing
import Fathom
import FathomTestSupport

@Suite("fathom export --format opensearch and qdrant: files in the shape the engines bulk-load")
struct ExportFormatCommandTests {
    /// One document of the sample corpus, as the corpus file gives it.
    // Unchecked: NSDictionary is not Sendable, but the values are never mutated after loading.
    struct CorpusDocument: @unchecked Sendable {
        var indices: [UInt32]
        var values: [Float]
        var dense: [Float]
        var metadata: NSDictionary?
        var text: String?
    }

    static let corpus: [String: CorpusDocument] = {
        var documents: [String: CorpusDocument] = [:]
        for line in (try? Files.lines(SampleDatabase.corpus)) ?? [] {
            guard let object = JSON.parse(line), let id = object["id"] as? String else { continue }
            let sparse = object["sparse"] as? [String: Any]
            documents[id] = CorpusDocument(
                indices: ((sparse?["indices"] as? [Any]) ?? []).compactMap { ($0 as? NSNumber)?.uint32Value },
                values: floats(sparse?["values"]), dense: floats(object["dense"]),
                metadata: object["metadata"] as? NSDictionary, text: object["text"] as? String)
        }
        return documents
    }()

    static func floats(_ value: Any?) -> [Float] {
        ((value as? [Any]) ?? []).compactMap(JSON.double).map { Float($0) }
    }

    /// `count` synthetic tokens (`tok-0`, `tok-1`, ...) with WordPiece-like ones at the start.
    static func writeVocab(_ count: Int, to path: String) throws {
        let special = ["[PAD]", "##ing", "a.b", "ü"]
        let tokens = special + (special.count..<count).map { "tok-\($0)" }
        try Files.write(tokens.prefix(count).joined(separator: "\n") + "\n", to: path)
    }

    /// The (action, source) pairs of a `_bulk` file, checking that they alternate.
    static func bulkPairs(_ result: CLIResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> [(action: [String: Any], source: [String: Any])] {
        let lines = result.stdoutLines
        #expect(lines.count % 2 == 0, "an even number of lines", sourceLocation: sourceLocation)
        #expect(result.stdout.hasSuffix("\n"), "_bulk needs a final newline", sourceLocation: sourceLocation)
        return try stride(from: 0, to: lines.count - 1, by: 2).map { i in
            let action = try JSON.object(lines[i]), source = try JSON.object(lines[i + 1])
            let operation = try #require(action["index"] as? [String: Any], "line \(i + 1) is an action", sourceLocation: sourceLocation)
            #expect(action.count == 1 && Set(operation.keys) == ["_index", "_id"], sourceLocation: sourceLocation)
            #expect(source["index"] == nil, "line \(i + 2) is a source", sourceLocation: sourceLocation)
            #expect(Set(source.keys).isSubset(of: ["sparse", "dense", "metadata", "text"]), "\(source.keys)",
                    sourceLocation: sourceLocation)
            return (operation, source)
        }
    }

    @Test("the sample as OpenSearch _bulk: index actions with the corpus ids, decimal term-id keys, 384-d dense, metadata and text")
    func sampleOpenSearch() throws {
        let sample = try SampleDatabase.ready()
        let result = try CLI.succeed(["export", sample.database, "--format", "opensearch"])
        #expect(result.stderr.contains("exported 800 documents"))
        let pairs = try Self.bulkPairs(result)
        #expect(pairs.map { $0.action["_id"] as? String } == SampleDatabase.corpusIDs)
        #expect(pairs.allSatisfy { $0.action["_index"] as? String == "default" }, "the collection name by default")
        for (action, source) in pairs {
            let id = action["_id"] as? String ?? "?"
            let document = try #require(Self.corpus[id])
            let sparse = try #require(source["sparse"] as? [String: Any], "sparse of \(id)")
            let weights = sparse.mapValues { JSON.double($0).map(Float.init) }
            let expected = Dictionary(uniqueKeysWithValues: zip(document.indices, document.values)
                .filter { $0.1 >= Float.leastNormalMagnitude }.map { (String($0.0), Optional($0.1)) })
            #expect(weights == expected, "sparse of \(id): decimal term ids to weights")
            #expect(Self.floats(source["dense"]) == document.dense && document.dense.count == 384, "dense of \(id)")
            #expect((source["metadata"] as? NSDictionary) == document.metadata, "metadata of \(id)")
            #expect(source["text"] as? String == document.text, "text of \(id)")
        }
    }

    @Test("--vocab makes the sparse keys the file's tokens; --index names the index")
    func sampleOpenSearchWithVocab() throws {
        let sample = try SampleDatabase.ready()
        let directory = TemporaryDirectory("fathom-cli-export-vocab")
        let vocab = directory.path("vocab.txt")
        try Self.writeVocab(30_522, to: vocab)
        let tokens = try TokenTable(contentsOfFile: vocab)
        let result = try CLI.succeed(["export", sample.database, "--format", "opensearch", "--index", "swift-docs", "--vocab", vocab])
        let pairs = try Self.bulkPairs(result)
        #expect(pairs.count == 800)
        for (action, source) in pairs {
            let id = action["_id"] as? String ?? "?"
            #expect(action["_index"] as? String == "swift-docs")
            let document = try #require(Self.corpus[id])
            let keys = Set(((source["sparse"] as? [String: Any]) ?? [:]).keys)
            #expect(keys == Set(document.indices.map { tokens.tokens[Int($0)] }), "tokens of \(id)")
        }
    }

    @Test("the sample as Qdrant points: UUID ids derived from the Fathom ids, sorted sparse indices, 384-d dense, payload")
    func sampleQdrant() throws {
        let sample = try SampleDatabase.ready()
        let result = try CLI.succeed(["export", sample.database, "--format", "qdrant"])
        #expect(result.stderr.contains("exported 800 documents"))
        var fathomIDs: [String] = []
        var pointIDs = Set<String>()
        for line in result.stdoutLines {
            let point = try JSON.object(line)
            #expect(Set(point.keys) == ["id", "vector", "payload"])
            let payload = try #require(point["payload"] as? [String: Any])
            #expect(Set(payload.keys).isSubset(of: ["fathom_id", "metadata", "text"]))
            let id = try #require(payload["fathom_id"] as? String)
            fathomIDs.append(id)
            let pointID = try #require(point["id"] as? String)
            #expect(UUID(uuidString: pointID) != nil && pointID == ExportFormat.qdrantPointID(forDocumentID: id), "id of \(id)")
            pointIDs.insert(pointID)
            let document = try #require(Self.corpus[id])
            let vector = try #require(point["vector"] as? [String: Any])
            #expect(Set(vector.keys) == ["dense", "sparse"])
            #expect(Self.floats(vector["dense"]) == document.dense && document.dense.count == 384)
            let sparse = try #require(vector["sparse"] as? [String: Any])
            let indices = ((sparse["indices"] as? [Any]) ?? []).compactMap { ($0 as? NSNumber)?.uint32Value }
            let values = Self.floats(sparse["values"])
            #expect(zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 }, "strictly increasing indices of \(id)")
            #expect(values.allSatisfy { $0.isFinite })
            #expect(indices == document.indices && values == document.values, "sparse of \(id)")
            #expect((payload["metadata"] as? NSDictionary) == document.metadata, "metadata of \(id)")
            #expect(payload["text"] as? String == document.text, "text of \(id)")
        }
        #expect(fathomIDs == SampleDatabase.corpusIDs)
        #expect(pointIDs.count == 800, "distinct point ids")
        #expect(try CLI.succeed(["export", sample.database, "--format", "qdrant"]).stdout == result.stdout, "deterministic")
    }

    @Test("deleted documents are in no format's export")
    func deletedDocuments() throws {
        let (directory, database) = try SampleDatabase.shared.freshCopy()
        _ = directory
        let victims = Array(SampleDatabase.corpusIDs[10..<13])
        try CLI.succeed(["delete", database] + victims)
        for format in ["jsonl", "opensearch", "qdrant"] {
            let result = try CLI.succeed(["export", database, "--format", format])
            #expect(result.stderr.contains("exported 797 documents"), "\(format): \(result.stderr)")
            for victim in victims { #expect(!result.stdout.contains(JSON.quote(victim)), "\(format) still holds \(victim)") }
        }
    }

    @Test("a string-term collection: opensearch writes its terms; qdrant needs --vocab, which maps terms to line numbers")
    func vocabularyCollection() throws {
        let directory = TemporaryDirectory("fathom-cli-export-terms")
        let database = directory.path("terms.fathom")
        let file = directory.path("terms.jsonl")
        try Files.write(ExportCommandTests.vocabularyDocuments, to: file)
        try CLI.succeed(["create", database, "--collection", "tags", "--vocab"])
        try CLI.succeed(["ingest", database, file, "--collection", "tags"])

        let bulk = try Self.bulkPairs(try CLI.succeed(["export", database, "--collection", "tags", "--format", "opensearch"]))
        #expect(bulk.first?.action["_index"] as? String == "tags")
        #expect(Set(((bulk.first?.source["sparse"] as? [String: Any]) ?? [:]).keys) == ["ocean", "wave", "blue"])

        let missing = try CLI.run(["export", database, "--collection", "tags", "--format", "qdrant"])
        CLI.expectOneLineError(missing, "qdrant export of a string-term collection without --vocab")
        #expect(missing.stderr.contains("stores string terms") && missing.stdout.isEmpty, "\(missing)")

        let vocab = directory.path("terms.txt")
        let terms = ["[PAD]", "zebra", "wave", "surf", "street", "snow", "ocean", "mountain", "blue", "apple", "東京"]
        try Files.write(terms.joined(separator: "\n") + "\n", to: vocab)
        let points = try CLI.succeed(["export", database, "--collection", "tags", "--format", "qdrant", "--vocab", vocab])
        let first = try JSON.object(try #require(points.stdoutLines.first))
        let sparse = (first["vector"] as? [String: Any])?["sparse"] as? [String: Any]
        // sea-1: ocean 1.5, wave 0.25, blue 2 → ids 6, 2, 8, sorted.
        #expect(((sparse?["indices"] as? [Any]) ?? []).compactMap { ($0 as? NSNumber)?.intValue } == [2, 6, 8])
        #expect(Self.floats(sparse?["values"]) == [0.25, 1.5, 2])

        try Files.write("zebra\nocean\n", to: vocab)
        let partial = try CLI.run(["export", database, "--collection", "tags", "--format", "qdrant", "--vocab", vocab])
        CLI.expectOneLineError(partial, "a term missing from --vocab")
        // sea-1 has ocean (in the file), wave and blue (not): one of those two is named.
        #expect(partial.stderr.contains("of document 'sea-1' is not in \(vocab)")
                && (partial.stderr.contains("term 'wave'") || partial.stderr.contains("term 'blue'")), "\(partial.stderr)")
    }

    @Test("bad options and bad vocab files give one-line errors, never a crash")
    func errors() throws {
        let sample = try SampleDatabase.ready()
        let directory = TemporaryDirectory("fathom-cli-export-errors")
        let short = directory.path("short.txt")
        try Self.writeVocab(1_000, to: short)
        let repeated = directory.path("repeated.txt")
        try Files.write("a\nb\na\n", to: repeated)
        let blank = directory.path("blank.txt")
        try Files.write("a\n\nb\n", to: blank)
        let cases: [([String], String)] = [
            (["--format", "opensearch", "--vocab", short], "has no token: \(short) has 1000 lines (term ids 0...999)"),
            (["--format", "opensearch", "--vocab", directory.path("missing.txt")], "\(directory.path("missing.txt")): no such file"),
            (["--format", "qdrant", "--vocab", repeated], "\(repeated):3: token 'a' repeats line 1"),
            (["--format", "opensearch", "--vocab", blank], "\(blank):2: empty token"),
            (["--format", "opensearch", "--index", "Swift-Docs"], "'Swift-Docs' is not a valid OpenSearch index name: it must be lowercase"),
            (["--index", "docs"], "--index needs --format opensearch"),
            (["--format", "qdrant", "--index", "docs"], "--index needs --format opensearch"),
            (["--vocab", short], "--vocab needs --format opensearch or qdrant"),
            (["--format", "csv"], "csv"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(["export", sample.database] + arguments)
            CLI.expectOneLineError(result, arguments.joined(separator: " "))
            #expect(result.stderr.hasPrefix("Error: ") && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // The message names the first term id the table lacks, of the first document that uses it.
        let result = try CLI.run(["export", sample.database, "--format", "opensearch", "--vocab", short])
        #expect(result.stderr.firstMatch(of: /term id (1[0-9]{3}|[2-9][0-9]{3}|[1-9][0-9]{4}) of document 'swift-nio:4'/) != nil, "\(result.stderr)")
    }
}
