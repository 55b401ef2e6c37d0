import Foundation
import FathomTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// kill -9 crash tests: real `fathom` children killed with SIGKILL at random
/// moments (CrashHarness.swift). After each kill the database opens, `verify`
/// passes, every acknowledged write is there with its exact vectors and is
/// found by search, and no batch is half applied.
///
/// Seeded: each test prints its seed, and `FATHOM_CRASH_SEED=<seed>` repeats its
/// workload, database settings, chunks, revisions and batch sizes. Where a kill
/// lands still depends on timing, and so do the choices that follow from the
/// state a kill left (kill delays are scaled by measured child durations; the
/// ids a delete picks come from the live documents). `FATHOM_CRASH_KILLS=<n>`
/// runs a longer soak: n ingest kills, n/3 delete kills, n/3 interleaved ones
/// and 2n/3 in the compaction mix.
///
/// Timing only chooses kill moments; no assertion depends on it.
@Suite("fathom: kill -9 crash tests", .serialized)
struct CrashTests {
    @Test("ingest killed at random moments: verify passes, acknowledged documents are all there and searchable, no batch is half applied, re-sent chunks leave no duplicates")
    func killIngest() throws {
        let seed = CrashHarness.seed()
        let totals = try CrashHarness.killLoop("ingest", modes: [(.ingest, 1)], kills: CrashHarness.kills(default: 30), seed: seed)
        if !totals.failed { #expect(totals.kills > 0, "seed \(seed): no child was killed") }
        #expect(!totals.failed, "seed \(seed): \(totals.line("ingest", seed: seed))")
    }

    @Test("delete killed at random moments: acknowledged deletes are gone from export, stats and search; an unacknowledged delete is applied entirely or not at all")
    func killDelete() throws {
        let seed = CrashHarness.seed()
        let totals = try CrashHarness.killLoop("delete", modes: [(.delete, 1)], kills: CrashHarness.kills(default: 10, share: 1.0 / 3), seed: seed)
        if !totals.failed { #expect(totals.kills > 0, "seed \(seed): no child was killed") }
        #expect(!totals.failed, "seed \(seed): \(totals.line("delete", seed: seed))")
    }

    @Test("ingest and delete interleaved, both killed at random moments: deleted documents come back only when re-sent, replaced ones only at whole batches")
    func killInterleaved() throws {
        let seed = CrashHarness.seed()
        let totals = try CrashHarness.killLoop("ingest+delete", modes: [(.ingest, 2), (.delete, 1)],
                                               kills: CrashHarness.kills(default: 10, share: 1.0 / 3), seed: seed)
        if !totals.failed { #expect(totals.kills > 0, "seed \(seed): no child was killed") }
        #expect(!totals.failed, "seed \(seed): \(totals.line("ingest+delete", seed: seed))")
    }

    @Test("compact killed at random moments, between ingests and deletes that make segments and tombstones: verify passes, no document changes, nothing is lost or duplicated")
    func killCompact() throws {
        let seed = CrashHarness.seed()
        let totals = try CrashHarness.killLoop("compact", modes: [(.ingest, 1), (.delete, 1), (.compact, 2)],
                                               kills: CrashHarness.kills(default: 24, share: 2.0 / 3), seed: seed)
        if !totals.failed {
            let compactKills = totals.stages.filter { $0.key.hasPrefix("compact: killed") }.reduce(0) { $0 + $1.value }
            #expect(compactKills >= 5, "seed \(seed): only \(compactKills) kills landed in compact: \(totals.stages)")
        }
        #expect(!totals.failed, "seed \(seed): \(totals.line("compact", seed: seed))")
    }

    @Test("compact killed at each failpoint (unpublished segment written; published, nothing removed; half removed): verify passes, content unchanged, the next compact cleans up",
          arguments: ["compaction.before_publish", "compaction.after_publish", "compaction.mid_removal"])
    func killCompactAtFailpoint(failpoint: String) throws {
        let directory = TemporaryDirectory("fathom-failpoint")
        let database = directory.path("f.fathom")
        let corpus = TestPaths.sample.appendingPathComponent("corpus.jsonl").path
        try CLI.succeed(["create", database, "--sparse", "--dense-dim", "384", "--metric", "cosine", "--seal-threshold", "150",
                         "--seismic", "--dense-graph-min-docs", "100"])
        try CLI.succeed(["ingest", database, corpus])
        let ids = try String(contentsOfFile: corpus, encoding: .utf8).split(separator: "\n").compactMap { JSON.parse($0)?["id"] as? String }
        try CLI.succeed(["delete", database] + ids.enumerated().filter { $0.offset % 4 == 0 }.map(\.element))
        let before = try CLI.succeed(["export", database]).stdoutLines.sorted()
        #expect(before.count == 600)

        let killed = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/env"),
                                 ["FATHOM_FAILPOINT=\(failpoint)", CLI.executable.path, "compact", database])
        #expect(killed.terminationReason == .uncaughtSignal && killed.status == SIGKILL, "compact should die at \(failpoint): \(killed)")
        let verify = try CLI.succeed(["verify", database, "--json"])
        let retired = (JSON.parse(verify.stdout)?["retiredSegments"] as? NSNumber)?.intValue ?? -1
        #expect(retired > 0, "a kill at \(failpoint) leaves retired segments behind")
        #expect(try CLI.succeed(["export", database]).stdoutLines.sorted() == before)
        let search = try CLI.succeed(["search", database, "--query-file", TestPaths.sample.appendingPathComponent("queries.jsonl").path,
                                      "--limit", "5", "--json"])
        #expect(search.stdoutLines.count == 5)

        let again = try CLI.succeed(["compact", database])
        #expect(again.stdout.hasPrefix("published ") || again.stdout.hasPrefix("nothing to compact"), "\(again)")
        let clean = try CLI.succeed(["verify", database, "--json"])
        #expect((JSON.parse(clean.stdout)?["retiredSegments"] as? NSNumber)?.intValue == 0)
        #expect(try CLI.succeed(["export", database]).stdoutLines.sorted() == before)
        #expect(try StatsSnapshot.read(database).int("segments") == 1)
    }
}
