import Foundation
import Testing
import Fathom
import FathomTestSupport

@Suite("fathom delete, stats and verify")
struct MaintenanceCommandTests {
    static func search(_ database: String, _ queries: String, _ extra: [String] = []) throws -> [(query: String, hits: [(id: String, score: Double)], plan: [String: Any]?)] {
        try SearchCommandTests.parseLines(try CLI.succeed(["search", database, "--query-file", queries, "--json"] + extra))
    }

    @Test("deleted documents never come back from search, in any mode; stats and export agree")
    func deleteThenSearch() throws {
        let sample = try SampleDatabase.ready()
        let (directory, database) = try sample.freshCopy()
        _ = directory
        // Delete the documents that matter most: the top hits of the first queries, in each mode.
        var victims: [String] = []
        for mode in ["sparse", "dense", "hybrid"] {
            for line in try Self.search(database, SampleDatabase.queries, ["--limit", "4", "--k", "2", "--mode", mode]) {
                for hit in line.hits where !victims.contains(hit.id) { victims.append(hit.id) }
            }
        }
        #expect(victims.count >= 4)
        let delete = try CLI.succeed(["delete", database] + victims + ["no-such-document"])
        #expect(delete.stdout.contains("deleted \(victims.count) of \(victims.count + 1)"), "\(delete)")

        let deleted = Set(victims)
        for mode in ["sparse", "dense", "hybrid"] {
            for exact in [[], ["--exact"]] {
                let lines = try Self.search(database, SampleDatabase.queries, ["--k", "40", "--mode", mode] + exact)
                #expect(lines.count == SampleDatabase.queryIDs.count)
                let returned = Set(lines.flatMap { $0.hits.map(\.id) })
                #expect(returned.isDisjoint(with: deleted), "mode \(mode) \(exact) returned deleted \(returned.intersection(deleted))")
                #expect(lines.allSatisfy { $0.hits.count == 40 }, "still k hits in mode \(mode)")
            }
        }
        let stats = try StatsSnapshot.read(database)
        #expect(stats.int("documents") == 800 - victims.count)
        #expect(stats.int("deletedInSegments") == victims.count)
        #expect(stats.int("segments") == 1)
        let exported = try IngestCommandTests.exportedIDs(database)
        #expect(exported == SampleDatabase.corpusIDs.filter { !deleted.contains($0) })

        // Deleting again removes nothing; verify is still happy.
        let again = try CLI.succeed(["delete", database, victims[0]])
        #expect(again.stdout.contains("deleted 0 of 1"), "\(again)")
        let verify = try CLI.run(["verify", database])
        #expect(verify.succeeded, "\(verify)")
        #expect(verify.stdout.hasPrefix("ok"))
    }

    @Test("delete reaches documents still in the write buffer and in another collection only by name")
    func deleteBuffered() throws {
        let directory = TemporaryDirectory("fathom-cli-delbuf")
        let database = directory.path("buf.fathom")
        let corpus = SyntheticCorpus(seed: 5, count: 60, sparseDimension: 300, denseDimension: 8)
        let file = directory.path("docs.jsonl")
        try Files.write(Files.jsonl(corpus.documents), to: file)
        for name in ["default", "twin"] {
            try CLI.succeed(["create", database, "--collection", name, "--dense-dim", "8", "--sparse", "--sparse-dim", "300"])
            try CLI.succeed(["ingest", database, file, "--collection", name, "--no-seal"])
        }
        let victims = ["d0", "d7", "d31", "d59"]
        let delete = try CLI.succeed(["delete", database] + victims + ["--collection", "twin"])
        #expect(delete.stdout.contains("deleted 4 of 4"), "\(delete)")

        let queries = directory.path("q.jsonl")
        try Files.write(Files.jsonl(victims.compactMap { id in corpus.documents.first { $0.id == id } }), to: queries)
        for mode in ["sparse", "dense", "hybrid"] {
            let twin = try Self.search(database, queries, ["--collection", "twin", "--k", "60", "--mode", mode])
            #expect(Set(twin.flatMap { $0.hits.map(\.id) }).isDisjoint(with: victims), "mode \(mode)")
            // The other collection still has them: each query finds itself first in dense mode.
            if mode == "dense" {
                let untouched = try Self.search(database, queries, ["--k", "1", "--mode", mode])
                #expect(untouched.map { $0.hits.first?.id } == victims.map { Optional($0) })
            }
        }
        let stats = try StatsSnapshot.read(database)
        #expect(stats.int("documents", in: "twin") == 56)
        #expect(stats.int("bufferedDocuments", in: "twin") == 56)
        #expect(stats.int("documents", in: "default") == 60)
        #expect(try CLI.run(["verify", database]).succeeded)
    }

    @Test("stats --json reports the sample's schema and exact counts")
    func statsCounts() throws {
        let sample = try SampleDatabase.ready()
        let stats = try StatsSnapshot.read(sample.database)
        #expect(stats.collections.keys.sorted() == ["default"])
        #expect(stats.int("documents") == 800)
        #expect(stats.int("bufferedDocuments") == 0, "ingest seals at the end")
        #expect(stats.int("segments") == 1)
        #expect(stats.int("deletedInSegments") == 0)
        // Postings are the non-zero sparse weights of the corpus.
        var postings = 0
        for line in try Files.lines(SampleDatabase.corpus) {
            let sparse = try JSON.object(line)["sparse"] as? [String: Any]
            postings += ((sparse?["values"] as? [Any]) ?? []).compactMap(JSON.double).filter { $0 > 0 }.count
        }
        #expect(stats.int("postings") == postings)
        let schema = try #require(stats.collections["default"]?["schema"] as? [String: Any])
        let dense = try #require(schema["dense"] as? [String: Any])
        #expect(dense["dimension"] as? Int == 384)
        #expect(dense["metric"] as? String == "cosine")
        #expect(((schema["sparse"] as? [String: Any])?["termIDs"] as? [String: Any])?["dimension"] as? Int == 30_522)
        #expect((stats.raw["formatVersion"] as? Int) == 2)

        let human = try CLI.succeed(["stats", sample.database])
        #expect(human.stdout.contains("collection 'default'"))
        #expect(human.stdout.contains("documents 800"), "\(human)")
    }

    @Test("verify exits 0 with 'ok' on a healthy database; --json has no problems")
    func verifyHealthy() throws {
        let sample = try SampleDatabase.ready()
        let result = try CLI.succeed(["verify", sample.database])
        #expect(result.stdout.hasPrefix("ok"), "\(result)")
        let json = try CLI.succeed(["verify", sample.database, "--json"])
        let report = try JSON.object(json.stdout)
        #expect((report["problems"] as? [Any])?.isEmpty == true)
        #expect(report["sqliteIntegrity"] as? String == "ok")
        #expect(report["documentsChecked"] as? Int == 800)
        #expect(report["segmentsChecked"] as? Int == 1)
    }

    @Test("one flipped byte in a posting block: verify names it, a search on its term fails with 'corruption'")
    func corruptPostingBlock() throws {
        let sample = try SampleDatabase.ready()
        let (directory, database) = try sample.freshCopy()
        let row = try SQLite3.run(database, "SELECT term_id, length(payload) FROM posting_blocks WHERE rowid = 1")
        let parts = row.split(separator: "|").compactMap { Int($0) }
        try #require(parts.count == 2, "posting block row 1: \(row)")
        let (term, length) = (parts[0], parts[1])
        try #require(length > 17, "posting block is longer than its 16-byte header")
        // Flip every bit of the first body byte (just past the 16-byte envelope header).
        let offset = 17
        let original = try #require(UInt8(try SQLite3.run(database, "SELECT hex(substr(payload, \(offset), 1)) FROM posting_blocks WHERE rowid = 1"), radix: 16))
        let flipped = String(format: "%02X", Int(original ^ 0xFF))
        _ = try SQLite3.run(database, """
            UPDATE posting_blocks SET payload = CAST(substr(payload, 1, \(offset - 1)) || x'\(flipped)' || substr(payload, \(offset + 1)) AS BLOB)
            WHERE rowid = 1
            """)
        #expect(try SQLite3.run(database, "SELECT hex(substr(payload, \(offset), 1)) FROM posting_blocks WHERE rowid = 1") == flipped)
        #expect(try SQLite3.run(database, "SELECT typeof(payload), length(payload) FROM posting_blocks WHERE rowid = 1")
                    == "blob|\(length)", "the tampering kept the blob's length")

        let verify = try CLI.run(["verify", database])
        #expect(verify.failedCleanly, "\(verify)")
        #expect(verify.stdout.contains("posting block"), "names what is broken: \(verify)")
        #expect(verify.stdout.contains("term \(term)"), "names the term: \(verify)")
        let json = try CLI.run(["verify", database, "--json"])
        #expect(json.failedCleanly)
        let problems = try JSON.object(json.stdout)["problems"] as? [String] ?? []
        #expect(problems.count == 1 && problems.allSatisfy { $0.contains("posting block") }, "\(problems)")

        let queries = directory.path("term.jsonl")
        try Files.write(#"{"id":"touches","sparse":{"indices":[\#(term)],"values":[1.0]}}"# + "\n", to: queries)
        for extra in [["--mode", "sparse"], ["--mode", "sparse", "--exact"], ["--json"]] {
            let search = try CLI.run(["search", database, "--query-file", queries] + extra)
            CLI.expectOneLineError(search, "search of corrupted term \(term) \(extra)")
            #expect(search.stderr.contains("corruption"), "\(search)")
        }
        // A term in another, intact block still works.
        let other = try SQLite3.run(database, "SELECT term_id FROM posting_blocks WHERE term_id != \(term) ORDER BY rowid LIMIT 1")
        let otherQueries = directory.path("other.jsonl")
        try Files.write(#"{"id":"intact","sparse":{"indices":[\#(other)],"values":[1.0]}}"# + "\n", to: otherQueries)
        let intact = try CLI.run(["search", database, "--query-file", otherQueries, "--json", "--mode", "sparse"])
        #expect(intact.succeeded, "search on intact term \(other): \(intact)")
    }
}
