import Foundation
import Fathom
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

/// Readers in threads of this process and in another process, while other
/// processes delete, ingest and compact: results are always consistent.
@Suite("fathom: searches while other processes delete, ingest and compact")
struct CompactionMultiProcessTests {
    /// What the writer side has acknowledged, shared with the readers.
    final class Ledger: @unchecked Sendable {
        private let lock = NSLock()
        private var deleted = Set<String>()
        private var done = false
        private var failures: [String] = []
        private var compactions = 0

        func acknowledgeDeleted(_ ids: [String]) { lock.withLock { deleted.formUnion(ids) } }
        func compacted() { lock.withLock { compactions += 1 } }
        func finish() { lock.withLock { done = true } }
        func fail(_ text: String) { lock.withLock { failures.append(text) } }
        var state: (deleted: Set<String>, done: Bool) { lock.withLock { (deleted, done) } }
        var result: (failures: [String], compactions: Int, deleted: Int) { lock.withLock { (failures, compactions, deleted.count) } }
    }

    @Test("never an error and never a document whose delete was acknowledged before the search began, while ingest and compaction run in other processes")
    func searchesDuringDeletesAndCompaction() throws {
        let directory = TemporaryDirectory("fathom-compaction-multiprocess")
        let database = directory.path("shared.fathom")
        let corpus = TestPaths.sample.appendingPathComponent("corpus.jsonl").path
        let queries = TestPaths.sample.appendingPathComponent("queries.jsonl").path
        try CLI.succeed(["create", database, "--dense-dim", "384", "--metric", "cosine", "--sparse", "--seal-threshold", "100"])
        try CLI.succeed(["ingest", database, corpus, "--batch", "100"])
        let ids = try String(contentsOfFile: corpus, encoding: .utf8).split(separator: "\n").compactMap {
            JSON.parse($0)?["id"] as? String
        }
        #expect(ids.count == 800)
        let ledger = Ledger()

        // Documents 400..<480 are re-ingested (replaced by themselves) while each compaction runs.
        let lines = try String(contentsOfFile: corpus, encoding: .utf8).split(separator: "\n")
        let replacements = directory.path("replacements.jsonl")
        try Files.write(lines[400..<480].joined(separator: "\n") + "\n", to: replacements)

        // The writer side: other processes delete 40 documents, then compact (policy or full)
        // while yet another one ingests, in turn.
        let writer = Thread {
            defer { ledger.finish() }
            for round in 0..<6 {
                let victims = Array(ids[(round * 40)..<(round * 40 + 40)])
                do {
                    let delete = try CLI.run(["delete", database] + victims)
                    guard delete.succeeded else { return ledger.fail("delete: \(delete)") }
                    ledger.acknowledgeDeleted(victims)
                    let ingest = Process()
                    ingest.executableURL = CLI.executable
                    ingest.arguments = ["ingest", database, replacements, "--batch", "20"]
                    ingest.standardOutput = FileHandle.nullDevice
                    let ingestErrors = Pipe()
                    ingest.standardError = ingestErrors
                    try ingest.run()
                    let compact = try CLI.run(["compact", database] + (round % 2 == 0 ? ["--policy", "--merge-factor", "2"] : []))
                    let ingestMessages = String(decoding: ingestErrors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    ingest.waitUntilExit()
                    guard compact.succeeded else { return ledger.fail("compact: \(compact)") }
                    guard ingest.terminationStatus == 0 else { return ledger.fail("ingest during compact: \(ingestMessages)") }
                    if compact.stdout.contains("published") { ledger.compacted() }
                } catch {
                    ledger.fail("writer: \(error)")
                }
            }
        }

        // Readers in this process: a Database of their own, exact and approximate paths.
        let db = try Database(path: database, options: Database.Options(create: false, compaction: nil))
        let collection = try db.collection()
        let records = try QueryFile.load(path: queries, for: collection, k: 20, mode: .auto)
        let group = DispatchGroup()
        for reader in 0..<2 {
            group.enter()
            Thread {
                defer { group.leave() }
                var index = reader, searches = 0
                while !ledger.state.done || searches < 10 {
                    let deletedBefore = ledger.state.deleted
                    var query = records[index % records.count].query
                    query.mode = [.sparse, .dense, .hybrid][index % 3]
                    query.exact = index % 2 == 0
                    do {
                        let stale = try collection.search(query).map(\.id).filter(deletedBefore.contains)
                        if !stale.isEmpty { ledger.fail("\(query.mode) search returned deleted \(stale.prefix(3))") }
                    } catch {
                        ledger.fail("\(query.mode) search threw \(error)")
                    }
                    index += 2
                    searches += 1
                }
            }.start()
        }
        writer.start()

        // A reader in another process, meanwhile.
        var processSearches = 0
        while !ledger.state.done || processSearches < 2 {
            let deletedBefore = ledger.state.deleted
            let search = try CLI.run(["search", database, "--query-file", queries, "--limit", "20", "--k", "20", "--json"])
            processSearches += 1
            guard search.succeeded else {
                ledger.fail("search process: \(search)")
                continue
            }
            for line in search.stdoutLines {
                let hits = (JSON.parse(line)?["hits"] as? [[String: Any]]) ?? []
                let stale = hits.compactMap { $0["id"] as? String }.filter(deletedBefore.contains)
                if !stale.isEmpty { ledger.fail("search process returned deleted \(stale.prefix(3))") }
            }
        }
        group.wait()

        let result = ledger.result
        #expect(result.failures.isEmpty, "\(result.failures.count) failures: \(result.failures.prefix(4))")
        #expect(result.compactions >= 3, "the compactions should have published merges while readers searched")
        #expect(result.deleted == 240)
        #expect(try collection.count() == 560)
        let verify = try CLI.run(["verify", database])
        #expect(verify.succeeded, "\(verify)")
    }
}
