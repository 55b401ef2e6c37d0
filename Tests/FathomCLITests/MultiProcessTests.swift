import Foundation
import FathomTestSupport
import Testing

/// One writer and readers in other processes share a database file through
/// SQLite's WAL: readers never block on the writer and never see half a batch.
@Suite("fathom: several processes on one database")
struct MultiProcessTests {
    @Test("searches in other processes succeed while an ingest commits batches, and see whole batches only")
    func readersDuringIngest() throws {
        let directory = TemporaryDirectory("fathom-multiprocess")
        let database = directory.path("shared.fathom")
        let corpus = TestPaths.sample.appendingPathComponent("corpus.jsonl").path
        let queries = TestPaths.sample.appendingPathComponent("queries.jsonl").path
        try CLI.succeed(["create", database, "--dense-dim", "384", "--sparse"])

        // Small batches: many commits for the readers to race with.
        let writer = Process()
        writer.executableURL = CLI.executable
        writer.arguments = ["ingest", database, corpus, "--batch", "40"]
        writer.standardOutput = FileHandle.nullDevice
        writer.standardError = FileHandle.nullDevice
        try writer.run()

        var searches = 0
        var counts: [Int] = []
        while writer.isRunning || searches < 3 {
            let search = try CLI.run(["search", database, "--query-file", queries, "--limit", "2", "--json"])
            #expect(search.succeeded, "search while ingesting: \(search)")
            let stats = try CLI.run(["stats", database, "--json"])
            #expect(stats.succeeded, "stats while ingesting: \(stats)")
            if let object = JSON.parse(stats.stdout),
               let collections = object["collections"] as? [[String: Any]],
               let documents = JSON.double(collections.first?["documents"]) {
                counts.append(Int(documents))
            }
            searches += 1
        }
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        // Every count a reader saw is a whole number of 40-document batches (or the total).
        for count in counts {
            #expect(count % 40 == 0 || count == 800, "a reader saw \(count) documents: a partial batch")
        }
        #expect(counts == counts.sorted(), "document counts seen by successive readers never go backwards")
        let verify = try CLI.run(["verify", database])
        #expect(verify.succeeded, "\(verify)")
    }
}
