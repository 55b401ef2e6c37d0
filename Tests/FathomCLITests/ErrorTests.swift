import Foundation
import Testing
import FathomTestSupport

@Suite("fathom: failures exit non-zero with one line on stderr")
struct ErrorTests {
    @Test("a missing database path is a usage error with a one-line message",
          arguments: [["stats"], ["verify"], ["export"], ["create", "--sparse"], ["delete"],
                      ["search", "--query-file", "q.jsonl"]])
    func missingDatabasePath(_ arguments: [String]) throws {
        let result = try CLI.run(arguments)
        CLI.expectOneLineError(result, "fathom \(arguments.joined(separator: " "))")
        #expect(result.stderrLines.first?.contains("database") == true, "names the missing argument: \(result)")
        #expect(result.stdout.isEmpty)
    }

    @Test("a database file that does not exist is reported, and not created, by every command but create",
          arguments: ["stats", "verify", "export", "search", "ingest", "delete", "bench"])
    func databaseDoesNotExist(_ command: String) throws {
        let directory = TemporaryDirectory("fathom-cli-nodb")
        let database = directory.path("absent.fathom")
        let file = directory.path("in.jsonl")
        try Files.write(#"{"id":"a","sparse":{"indices":[1],"values":[1]}}"# + "\n", to: file)
        let tail: [String] = switch command {
        case "search": ["--query-file", file]
        case "bench": ["--queries", file]
        case "ingest": [file]
        case "delete": ["a"]
        default: []
        }
        let result = try CLI.run([command, database] + tail)
        CLI.expectOneLineError(result, "\(command) on a missing database")
        #expect(result.stderr.contains(database), "names the path: \(result)")
        #expect(!FileManager.default.fileExists(atPath: database), "\(command) must not create \(database)")
    }

    @Test("an unknown collection is named in a one-line error",
          arguments: ["search", "ingest", "export", "delete", "bench"])
    func unknownCollection(_ command: String) throws {
        let sample = try SampleDatabase.ready()
        let tail: [String] = switch command {
        case "search": ["--query-file", SampleDatabase.queries]
        case "bench": ["--queries", SampleDatabase.queries]
        case "ingest": [SampleDatabase.corpus]
        case "delete": ["swift-nio:4"]
        default: []
        }
        let result = try CLI.run([command, sample.database] + tail + ["--collection", "no-such-collection"])
        CLI.expectOneLineError(result, "\(command) --collection no-such-collection")
        #expect(result.stderr.contains("no-such-collection"), "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
    }

    @Test("creating a collection twice fails and leaves the first one intact")
    func createTwice() throws {
        let directory = TemporaryDirectory("fathom-cli-twice")
        let database = directory.path("twice.fathom")
        let first = try CLI.succeed(["create", database, "--dense-dim", "4"])
        #expect(first.stdout.contains("default"))
        try Files.write(#"{"id":"a","dense":[1,2,3,4]}"# + "\n", to: directory.path("a.jsonl"))
        try CLI.succeed(["ingest", database, directory.path("a.jsonl")])
        let second = try CLI.run(["create", database, "--sparse"])
        CLI.expectOneLineError(second, "create of an existing collection")
        #expect(second.stderr.contains("already exists"), "\(second)")
        let stats = try StatsSnapshot.read(database)
        #expect(stats.collections.count == 1)
        #expect(stats.int("documents") == 1)
        let schema = stats.collections["default"]?["schema"] as? [String: Any]
        #expect((schema?["dense"] as? [String: Any])?["dimension"] as? Int == 4, "schema unchanged: \(String(describing: schema))")
        // Another name in the same file is fine.
        try CLI.succeed(["create", database, "--collection", "other", "--sparse"])
        #expect(try StatsSnapshot.read(database).collections.keys.sorted() == ["default", "other"])
    }

    @Test("create needs a vector part; the database file is not created without one")
    func createWithoutVectors() throws {
        let directory = TemporaryDirectory("fathom-cli-novec")
        let database = directory.path("novec.fathom")
        let result = try CLI.run(["create", database])
        CLI.expectOneLineError(result, "create without vector flags")
        #expect(result.stderrLines.first?.contains("--dense-dim") == true, "\(result)")
        #expect(!FileManager.default.fileExists(atPath: database))
        let both = try CLI.run(["create", database, "--sparse", "--vocab"])
        CLI.expectOneLineError(both, "create --sparse --vocab")
    }

    @Test("invalid --k and --mode values are rejected before anything runs",
          arguments: [["--k", "0"], ["--k", "-3"], ["--k", "100001"], ["--k", "ten"], ["--mode", "fuzzy"]])
    func invalidSearchOptions(_ options: [String]) throws {
        let sample = try SampleDatabase.ready()
        let result = try CLI.run(["search", sample.database, "--query-file", SampleDatabase.queries, "--json"] + options)
        CLI.expectOneLineError(result, "search \(options.joined(separator: " "))")
        #expect(result.stderrLines.first?.contains(options[0]) == true || result.stderrLines.first?.contains(options[1]) == true,
                "names the bad option: \(result)")
        #expect(result.stdout.isEmpty)
        let bench = try CLI.run(["bench", sample.database, "--queries", SampleDatabase.queries, "--json"] + options)
        CLI.expectOneLineError(bench, "bench \(options.joined(separator: " "))")
    }

    @Test("an invalid --metric or --dense-dim is rejected by create")
    func invalidCreateOptions() throws {
        let directory = TemporaryDirectory("fathom-cli-create")
        let database = directory.path("c.fathom")
        for options in [["--dense-dim", "8", "--metric", "hamming"], ["--dense-dim", "0"], ["--dense-dim", "many"]] {
            let result = try CLI.run(["create", database] + options)
            CLI.expectOneLineError(result, "create \(options.joined(separator: " "))")
        }
    }

    @Test("a file that is not a Fathom database is refused")
    func notADatabase() throws {
        let directory = TemporaryDirectory("fathom-cli-notdb")
        let path = directory.path("text.fathom")
        try Files.write("just some text, certainly not SQLite\n", to: path)
        for command in ["stats", "verify", "export"] {
            let result = try CLI.run([command, path])
            CLI.expectOneLineError(result, "\(command) on a text file")
            #expect(result.stderr.contains("not a Fathom database"), "\(result)")
        }
        #expect(try Files.read(path) == "just some text, certainly not SQLite\n", "the file is untouched")
    }
}
