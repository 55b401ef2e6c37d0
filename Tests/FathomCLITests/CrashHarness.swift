import Fathom
import FathomTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// The kill -9 crash harness (docs: ../shared/research/reliability.md §3.1, T1).
//
// A loop spawns a real `fathom` child (ingest, delete, …), kills it with SIGKILL
// at a random moment, and then checks the database against a model of its
// logical content: `verify` passes, every acknowledged write is there with its
// exact vectors and is found by search, and the database is in one of the
// states the child's acknowledgements allow (no half-applied batch).
//
// A kind of child is a `CrashMode`: how to build its command line from the
// current state, and which database states its output allows. Adding a mode
// (for example `fathom compact`, which changes no logical content) takes a few
// lines: see `CrashMode.compact`, which changes no logical content.

// MARK: - Workload

/// Deterministic documents: document `i` at revision `r` depends on (seed, i, r)
/// only, so the checker recomputes any document instead of storing a copy.
///
/// Each document has 8–24 light terms below 2,000 (weights ≤ 3) and one heavy
/// term of its own (weight 40–60), so a sparse query with its own vector ranks
/// it first: its self-score is ≥ 1,600, any other document scores < 220.
struct CrashWorkload: Sendable {
    static let denseDimension = 16
    static let lightTerms: UInt32 = 2_000
    static let distinctiveBase = 20_000
    /// The documents of one database must span fewer numbers than this, so
    /// that their heavy terms are distinct.
    static let distinctiveSpan = 10_000

    let seed: UInt64
    let chunkSize: Int

    static func id(_ i: Int) -> String { "d\(i)" }

    /// The document number of an id `d<i>`.
    static func number(_ id: String) -> Int? {
        guard id.hasPrefix("d") else { return nil }
        return Int(id.dropFirst())
    }

    func chunk(_ c: Int) -> Range<Int> { c * chunkSize..<(c + 1) * chunkSize }

    static func hash(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var g = SeededGenerator(seed: a)
        var h = SeededGenerator(seed: g.next() ^ b)
        return h.next()
    }

    func document(_ i: Int, revision: Int) -> Document {
        var g = SeededGenerator(seed: Self.hash(seed, UInt64(i) << 16 | UInt64(revision)))
        var terms = Set<UInt32>()
        let light = Int.random(in: 8...24, using: &g)
        while terms.count < light { terms.insert(UInt32.random(in: 0..<Self.lightTerms, using: &g)) }
        var indices = terms.sorted()
        var values = indices.map { _ in Float.random(in: 0.01...3, using: &g) }
        indices.append(UInt32(Self.distinctiveBase + i % Self.distinctiveSpan))
        values.append(Float.random(in: 40...60, using: &g))
        let dense = (0..<Self.denseDimension).map { _ in Float.random(in: -1...1, using: &g) }
        return Document(id: Self.id(i), sparse: try! SparseVector(indices: indices, values: values), dense: dense,
                        metadata: ["i": .number(Double(i)), "rev": .number(Double(revision)),
                                   "tag": .string(["red", "green", "blue"][i % 3])],
                        text: "document \(i) revision \(revision)")
    }
}

// MARK: - Model and observation

/// The logical content of a database: the live documents and their revisions.
struct CrashModel: Equatable, Sendable {
    var revisions: [Int: Int] = [:]

    var count: Int { revisions.count }

    /// The first `prefix` documents of `numbers` written at `revision`.
    func writing(_ numbers: [Int], prefix: Int, revision: Int) -> CrashModel {
        var next = self
        for i in numbers.prefix(prefix) { next.revisions[i] = revision }
        return next
    }

    func deleting(_ numbers: [Int]) -> CrashModel {
        var next = self
        for i in numbers { next.revisions[i] = nil }
        return next
    }

    /// A short account of how `other` differs from this model (for failure messages).
    func difference(to other: CrashModel, limit: Int = 8) -> String {
        let missing = revisions.keys.filter { other.revisions[$0] == nil }.sorted()
        let extra = other.revisions.keys.filter { revisions[$0] == nil }.sorted()
        let changed = revisions.keys.filter { other.revisions[$0] != nil && other.revisions[$0] != revisions[$0] }.sorted()
        func list(_ numbers: [Int], _ describe: (Int) -> String) -> String {
            numbers.prefix(limit).map(describe).joined(separator: ", ") + (numbers.count > limit ? ", …" : "")
        }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("\(missing.count) missing (\(list(missing) { "d\($0)@\(revisions[$0]!)" }))") }
        if !extra.isEmpty { parts.append("\(extra.count) unexpected (\(list(extra) { "d\($0)@\(other.revisions[$0]!)" }))") }
        if !changed.isEmpty {
            parts.append("\(changed.count) at another revision (\(list(changed) { "d\($0)@\(other.revisions[$0]!) instead of @\(revisions[$0]!)" }))")
        }
        return parts.isEmpty ? "identical" : parts.joined(separator: "; ")
    }
}

/// The database as `fathom export` shows it, each document checked against the
/// generator (exact vectors, metadata and text).
struct CrashObservation {
    var model = CrashModel()
    var problems: [String] = []

    static func read(_ database: String, workload: CrashWorkload) throws -> CrashObservation {
        var observation = CrashObservation()
        let export = try CLI.run(["export", database])
        guard export.succeeded else {
            observation.problems.append("export failed: \(export)")
            return observation
        }
        for line in export.stdoutLines {
            guard let object = JSON.parse(line), let id = object["id"] as? String, let i = CrashWorkload.number(id) else {
                observation.problems.append("export: unreadable line \(line.prefix(200))")
                continue
            }
            let metadata = object["metadata"] as? [String: Any]
            guard let revision = (metadata?["rev"] as? NSNumber)?.intValue, revision >= 0 else {
                observation.problems.append("export: \(id) has no revision in its metadata: \(line.prefix(200))")
                continue
            }
            if observation.model.revisions[i] != nil { observation.problems.append("export: \(id) appears twice") }
            observation.model.revisions[i] = revision
            if let mismatch = mismatch(object, workload.document(i, revision: revision)) {
                observation.problems.append("export: \(id)@\(revision) differs from what was written: \(mismatch)")
            }
        }
        return observation
    }

    /// Compares parsed numbers: term ids as integers, weights and dense values as Float.
    static func mismatch(_ object: [String: Any], _ document: Document) -> String? {
        func floats(_ value: Any?) -> [Float]? {
            (value as? [Any])?.map { ($0 as? NSNumber).map { Float($0.doubleValue) } ?? .nan }
        }
        let sparse = object["sparse"] as? [String: Any]
        let indices = (sparse?["indices"] as? [Any])?.map { ($0 as? NSNumber)?.intValue ?? -1 }
        if indices != document.sparse!.indices.map(Int.init) { return "sparse indices \(indices.map { "\($0)" } ?? "missing")" }
        if floats(sparse?["values"]) != document.sparse!.values { return "sparse values \(floats(sparse?["values"]) ?? [])" }
        if floats(object["dense"]) != document.dense { return "dense \(floats(object["dense"]) ?? [])" }
        let metadata = object["metadata"] as? [String: Any]
        let i = (document.metadata?["i"]).flatMap { if case .number(let n) = $0 { Int(n) } else { nil } }
        if (metadata?["i"] as? NSNumber)?.intValue != i || metadata?.count != document.metadata?.count
            || metadata?["tag"] as? String != document.metadata?["tag"].flatMap({ if case .string(let s) = $0 { s } else { nil } }) {
            return "metadata \(metadata ?? [:])"
        }
        if object["text"] as? String != document.text { return "text \(object["text"] ?? "missing")" }
        return nil
    }
}

// MARK: - Children

/// What a child process did before it exited or was killed.
struct ChildOutcome {
    var arguments: [String]
    var stdout: String
    var stderr: String
    var status: Int32
    var reason: Process.TerminationReason
    /// From start to exit, in seconds (used only to choose later kill moments).
    var elapsed: Double

    var killed: Bool { reason == .uncaughtSignal && status == SIGKILL }
    var exitedCleanly: Bool { reason == .exit && status == 0 }

    /// Complete lines of standard output; a line cut off without its newline is returned apart.
    var stdoutLines: (complete: [String], torn: String?) {
        var lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let last = lines.removeLast()   // "" when stdout ends with a newline (or is empty)
        return (lines.filter { !$0.isEmpty }, last.isEmpty ? nil : last)
    }

    var summary: String {
        let how = killed ? "killed after \(String(format: "%.0f", elapsed * 1000)) ms"
            : reason == .exit ? "exited with \(status) after \(String(format: "%.0f", elapsed * 1000)) ms" : "crashed with signal \(status)"
        return "fathom \(arguments.joined(separator: " ").prefix(300)): \(how); stdout \(stdout.suffix(300).debugDescription); stderr \(stderr.suffix(500).debugDescription)"
    }
}

enum Child {
    /// Runs `fathom arguments` and, unless `killAfter` is nil, sends SIGKILL after
    /// that many seconds if it is still running. Standard output and error go to
    /// files (what the child wrote before the kill is kept). The child is always
    /// waited for: none is left running or unreaped, even when this throws.
    static func run(_ arguments: [String], killAfter: Double?, io: TemporaryDirectory) throws -> ChildOutcome {
        let output = try ChildOutputFiles(in: io)
        defer { output.close() }
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        output.attach(to: process)
        process.standardInput = FileHandle.nullDevice
        let started = DispatchTime.now().uptimeNanoseconds
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        if let killAfter {
            usleep(UInt32(max(0, killAfter) * 1_000_000))
            // A child that already exited (or is exiting) is not signalled.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let (stdout, stderr) = try output.read()
        return ChildOutcome(arguments: arguments, stdout: stdout, stderr: stderr,
                            status: process.terminationStatus, reason: process.terminationReason, elapsed: elapsed)
    }
}

// MARK: - Modes

/// The verdict on one child run, from what it printed before it died.
struct CrashJudgement {
    /// The states the database may be in, each with a label for the report
    /// (the harness accepts any one of them and continues from it).
    var allowed: [(label: String, model: CrashModel)]
    /// Documents whose write the child acknowledged in this run.
    var acknowledgedDocuments: [Int] = []
    /// Documents whose deletion the child acknowledged in this run.
    var acknowledgedDeletes: [Int] = []
    /// Where the kill landed, for the report ("between commits", …).
    var stage: String
    /// The acknowledged share of the child's work, 0...1 (tunes later kill moments).
    var progress: Double = 0
    /// Violations of the acknowledgement protocol itself (malformed or wrong lines).
    var problems: [String] = []
    /// Documents written or deleted by this run, acknowledged or not (searched after the kill).
    var touched: [Int] = []
    /// Whether the run informs the estimate of how long this kind of child takes.
    var measuresDuration = true
}

/// One child to run: its command line and how to judge its output.
struct ChildPlan {
    var description: String
    var arguments: [String]
    var judge: (ChildOutcome) -> CrashJudgement
}

/// A kind of child the loop kills.
struct CrashMode {
    var name: String
    var plan: (CrashRun) throws -> ChildPlan
}

extension CrashMode {
    /// `fathom ingest` of the next chunk of the workload, or now and then of a
    /// chunk sent before (the same revision again, which must change nothing,
    /// or a new revision, which replaces documents batch by batch).
    static var ingest: CrashMode {
        CrashMode(name: "ingest") { run in
            let chunk: Int, revision: Int
            if let resend = run.sentChunks.keys.sorted().randomElement(using: &run.rng), Double.random(in: 0..<1, using: &run.rng) < 0.25 {
                chunk = resend
                revision = run.sentChunks[resend]! + (Bool.random(using: &run.rng) ? 1 : 0)
            } else {
                chunk = run.nextChunk
                revision = 0
                run.nextChunk += 1
            }
            run.sentChunks[chunk] = revision
            let numbers = Array(run.workload.chunk(chunk))
            let file = try run.chunkFile(chunk, revision: revision)
            let batch = Int.random(in: 20...50, using: &run.rng)
            let before = run.model
            return ChildPlan(description: "ingest chunk \(chunk) (d\(numbers[0])…d\(numbers.last!)) at revision \(revision) in batches of \(batch)",
                             arguments: ["ingest", run.database, file, "--batch", String(batch)]) { outcome in
                judgeIngest(outcome, numbers: numbers, revision: revision, batch: batch, before: before)
            }
        }
    }

    /// Judges `committed N` lines: N counts this run's documents in file order,
    /// so the first N are acknowledged; the batch after them may have committed
    /// without its line; nothing else may be there, and no part of a batch.
    static func judgeIngest(_ outcome: ChildOutcome, numbers: [Int], revision: Int, batch: Int,
                            before: CrashModel) -> CrashJudgement {
        var problems: [String] = []
        let (lines, torn) = outcome.stdoutLines
        if let torn { problems.append("ingest: torn acknowledgement line \(torn.debugDescription)") }
        var acknowledged = 0
        for line in lines {
            guard line.hasPrefix("committed "), let n = Int(line.dropFirst("committed ".count)) else {
                problems.append("ingest: unexpected stdout line \(line.debugDescription)")
                continue
            }
            let expected = min(acknowledged + batch, numbers.count)
            if n != expected { problems.append("ingest: 'committed \(n)' after 'committed \(acknowledged)' (batch \(batch), \(numbers.count) documents)") }
            acknowledged = max(acknowledged, n)
        }
        acknowledged = min(acknowledged, numbers.count)
        if outcome.exitedCleanly && acknowledged != numbers.count {
            problems.append("ingest exited 0 after acknowledging \(acknowledged) of \(numbers.count) documents")
        }
        var allowed = [(label: "acknowledged batches only", model: before.writing(numbers, prefix: acknowledged, revision: revision))]
        if !outcome.exitedCleanly && acknowledged < numbers.count {
            allowed.append((label: "plus the unacknowledged batch in flight", model: before.writing(numbers, prefix: min(acknowledged + batch, numbers.count), revision: revision)))
        }
        let stage = !outcome.killed ? "completed" : acknowledged == 0 ? "killed before any acknowledgement"
            : acknowledged < numbers.count ? "killed after some acknowledgements" : "killed after the last acknowledgement (final seal)"
        return CrashJudgement(allowed: allowed, acknowledgedDocuments: Array(numbers.prefix(acknowledged)), stage: stage,
                              progress: Double(acknowledged) / Double(numbers.count), problems: problems, touched: Array(numbers.prefix(min(acknowledged + batch, numbers.count))))
    }

    /// `fathom delete` of live documents (now and then with an id that never
    /// existed). `deleted X of Y documents` acknowledges it; without that line
    /// the delete is applied entirely or not at all.
    static var delete: CrashMode {
        CrashMode(name: "delete") { run in
            // Keep enough live documents to delete.
            while run.model.count < 150 {
                try run.ingestUninterrupted(chunk: run.nextChunk)
                run.nextChunk += 1
            }
            let live = run.model.revisions.keys.sorted()
            var victims = Array(live.shuffled(using: &run.rng).prefix(Int.random(in: 1...120, using: &run.rng)))
            let existing = victims.count
            var ids = victims.map(CrashWorkload.id)
            if Double.random(in: 0..<1, using: &run.rng) < 0.3 {
                let never = run.workload.chunk(run.nextChunk + 1_000).lowerBound
                ids.insert(CrashWorkload.id(never), at: Int.random(in: 0...ids.count, using: &run.rng))
                victims.append(never)
            }
            let before = run.model
            return ChildPlan(description: "delete \(ids.count) ids (\(existing) live)", arguments: ["delete", run.database] + ids) { outcome in
                var problems: [String] = []
                let (lines, torn) = outcome.stdoutLines
                if let torn { problems.append("delete: torn acknowledgement line \(torn.debugDescription)") }
                let expected = "deleted \(existing) of \(ids.count) documents"
                let acknowledged = lines == [expected]
                if !lines.isEmpty && !acknowledged { problems.append("delete printed \(lines), expected \(expected.debugDescription)") }
                if outcome.exitedCleanly && !acknowledged { problems.append("delete exited 0 without its confirmation") }
                var allowed = [(label: "deleted", model: before.deleting(victims))]
                if !acknowledged { allowed.append((label: "not deleted", model: before)) }
                let stage = !outcome.killed ? "completed" : acknowledged ? "killed after the confirmation" : "killed before the confirmation"
                return CrashJudgement(allowed: allowed, acknowledgedDeletes: acknowledged ? victims : [], stage: stage,
                                      progress: acknowledged ? 1 : 0, problems: problems, touched: victims)
            }
        }
    }

    /// `fathom compact` (every segment, or `--policy --merge-factor 2`). It
    /// changes no document, so wherever the kill lands — reading, building,
    /// writing the unpublished segment, publishing, removing the merged ones —
    /// the only allowed state is the one before it. A `published` line
    /// acknowledges a merge; a run that completed prints one, or says there was
    /// nothing to compact.
    static var compact: CrashMode {
        CrashMode(name: "compact") { run in
            // Give it something to merge: at least two segments (a chunk seals into two or more).
            if try run.liveSegments() < 2 {
                try run.ingestUninterrupted(chunk: run.nextChunk)
                run.nextChunk += 1
            }
            run.segments = try run.liveSegments()
            let before = run.model
            let policy = Bool.random(using: &run.rng)
            let arguments = ["compact", run.database] + (policy ? ["--policy", "--merge-factor", "2"] : [])
            return ChildPlan(description: policy ? "compact --policy" : "compact", arguments: arguments) { outcome in
                var problems: [String] = []
                let (lines, torn) = outcome.stdoutLines
                if let torn { problems.append("compact: torn line \(torn.debugDescription)") }
                // "published segment N …", or "published nothing …" when every input document was deleted.
                let published = lines.filter { $0.hasPrefix("published ") }.count
                if let odd = lines.first(where: { !$0.hasPrefix("published ") && !$0.hasPrefix("nothing to compact") }) {
                    problems.append("compact printed \(odd.debugDescription)")
                }
                if outcome.exitedCleanly && lines.isEmpty { problems.append("compact exited 0 without saying what it did") }
                let stage = !outcome.killed ? "completed" : published > 0 ? "killed after its output" : "killed before its output"
                var judgement = CrashJudgement(allowed: [(label: "unchanged", model: before)], stage: stage,
                                               progress: outcome.killed && published == 0 ? 0 : 1, problems: problems)
                // A run with nothing to merge says nothing about how long a merge takes.
                judgement.measuresDuration = outcome.killed || published > 0
                return judgement
            }
        }
    }
}

// MARK: - The loop

/// The state of one kill loop: the current database, its model, the workload
/// position and the random source (every choice comes from the seed).
final class CrashRun {
    let seed: UInt64
    /// Chooses what each child does and when it is killed.
    var rng: SeededGenerator
    /// Chooses which documents are searched after a run (a stream of its own, so
    /// that the schedule does not depend on how many documents a run acknowledged).
    var probeRNG: SeededGenerator
    let workload: CrashWorkload
    private(set) var directory = TemporaryDirectory("fathom-crash")
    private(set) var database = ""
    private(set) var configuration: [String] = []
    var model = CrashModel()
    /// Live segments after the last run (from `stats`), to tell whether a killed compaction had published.
    var segments: Int?
    var nextChunk = 0
    /// Chunks sent to the current database, with the last revision sent.
    var sentChunks: [Int: Int] = [:]
    private var firstChunkOfDatabase = 0

    init(seed: UInt64, chunkSize: Int) {
        self.seed = seed
        rng = SeededGenerator(seed: seed)
        probeRNG = SeededGenerator(seed: CrashWorkload.hash(seed, 0x9B0B))
        workload = CrashWorkload(seed: CrashWorkload.hash(seed, 0xC4A5), chunkSize: chunkSize)
    }

    /// Starts a fresh database (small seal threshold, so that kills land in seals too).
    func freshDatabase() throws {
        directory = TemporaryDirectory("fathom-crash")
        database = directory.path("crash.fathom")
        segments = nil
        configuration = ["--sparse", "--dense-dim", String(CrashWorkload.denseDimension),
                         "--seal-threshold", String(Int.random(in: 60...150, using: &rng)),
                         "--dense-graph-min-docs", "32"]
        if Bool.random(using: &rng) { configuration.append("--seismic") }
        let create = try CLI.run(["create", database] + configuration)
        try #require(create.succeeded, "seed \(seed): create \(configuration): \(create)")
        model = CrashModel()
        sentChunks = [:]
        firstChunkOfDatabase = nextChunk
    }

    /// Whether the current database can take another new chunk with distinct heavy terms.
    func hasRoom(forChunks count: Int) -> Bool {
        (nextChunk + count + 1 - firstChunkOfDatabase) * workload.chunkSize + 1 < CrashWorkload.distinctiveSpan
    }

    func chunkFile(_ chunk: Int, revision: Int) throws -> String {
        let path = directory.path("chunk-\(chunk)-r\(revision).jsonl")
        if !FileManager.default.fileExists(atPath: path) {
            try Files.write(Files.jsonl(workload.chunk(chunk).map { workload.document($0, revision: revision) }), to: path)
        }
        return path
    }

    /// Setup for modes that need data: an ingest that is not killed.
    func ingestUninterrupted(chunk: Int) throws {
        let file = try chunkFile(chunk, revision: 0)
        let result = try CLI.run(["ingest", database, file, "--batch", "50"])
        try #require(result.succeeded, "seed \(seed): setup ingest: \(result)")
        model = model.writing(Array(workload.chunk(chunk)), prefix: workload.chunkSize, revision: 0)
        sentChunks[chunk] = 0
    }

    /// Live segments, from `fathom stats`.
    func liveSegments() throws -> Int {
        let stats = try CLI.run(["stats", database, "--json"])
        let collections = JSON.parse(stats.stdout)?["collections"] as? [[String: Any]]
        return try #require((collections?.first?["segments"] as? NSNumber)?.intValue, "seed \(seed): stats: \(stats)")
    }

    /// Keeps a failing database for inspection; returns where.
    func keepDatabase(_ label: String) -> String {
        let kept = FileManager.default.temporaryDirectory.appendingPathComponent("fathom-crash-failure-\(seed)-\(label)")
        try? FileManager.default.removeItem(at: kept)
        try? FileManager.default.copyItem(at: directory.url, to: kept)
        return kept.path
    }
}

/// Counts for the report line.
struct CrashTotals {
    var iterations = 0
    var kills = 0
    var completed = 0
    var survived = 0
    var databases = 0
    var acknowledgedDocuments = 0
    var acknowledgedDeletes = 0
    var lostDocuments = 0
    var unexpectedStates = 0
    var verifyFailures = 0
    var searchChecks = 0
    var searchFailures = 0
    var otherFailures = 0
    var stages: [String: Int] = [:]
    var outcomes: [String: Int] = [:]
    var seconds = 0.0
    /// Child timings that chose the kill moments, in ms ("startup" and one per mode).
    var childMilliseconds: [String: Int] = [:]

    var failed: Bool { lostDocuments + unexpectedStates + verifyFailures + searchFailures + otherFailures > 0 }

    func line(_ name: String, seed: UInt64) -> String {
        func list(_ counts: [String: Int]) -> String { counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") }
        return "crash test (\(name)): kills=\(kills) survived=\(survived) completed-before-kill=\(completed) "
            + "acknowledged-docs=\(acknowledgedDocuments) acknowledged-deletes=\(acknowledgedDeletes) lost=\(lostDocuments) "
            + "unexpected-states=\(unexpectedStates) verify-failures=\(verifyFailures) search-checks=\(searchChecks) "
            + "search-failures=\(searchFailures) databases=\(databases) seed=\(seed) "
            + String(format: "time=%.1fs", seconds) + " [where the kills landed: \(list(stages))] [states found: \(list(outcomes))]"
            + " [uninterrupted child, ms: \(list(childMilliseconds))]"
    }
}

enum CrashHarness {
    /// `FATHOM_CRASH_SEED` (decimal or 0x-hex) or a random seed.
    static func seed() -> UInt64 {
        if let text = ProcessInfo.processInfo.environment["FATHOM_CRASH_SEED"] {
            let value = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            if let value { return value }
        }
        return UInt64.random(in: 1...UInt64(UInt32.max))
    }

    /// `FATHOM_CRASH_KILLS` (a longer soak) scaled by `share`, or the CI default.
    static func kills(default count: Int, share: Double = 1) -> Int {
        guard let text = ProcessInfo.processInfo.environment["FATHOM_CRASH_KILLS"], let n = Int(text), n > 0 else { return count }
        return max(1, Int((Double(n) * share).rounded(.up)))
    }

    /// Spawns children of `modes` (picked by weight) and SIGKILLs them at random
    /// moments until `kills` of them were killed (at most 3·kills + 10 runs), and
    /// checks the database after each run. A fresh database every
    /// `runsPerDatabase` runs keeps verification short. Stops at the first run
    /// whose checks fail (recording the problems) and keeps that database.
    static func killLoop(_ name: String, modes: [(mode: CrashMode, weight: Int)], kills target: Int, seed: UInt64,
                         chunkSize: Int = 300, runsPerDatabase: Int = 20) throws -> CrashTotals {
        print("crash test (\(name)): seed=\(seed) target kills=\(target) (FATHOM_CRASH_SEED=\(seed) to repeat the schedule)")
        let started = DispatchTime.now().uptimeNanoseconds
        let run = CrashRun(seed: seed, chunkSize: chunkSize)
        let io = TemporaryDirectory("fathom-crash-io")
        var totals = CrashTotals()
        /// Per mode: how long an uninterrupted child took (chooses kill moments; nil until measured).
        var duration: [String: Double] = [:]
        /// How long a child takes to start and open the database: `fathom stats` (measured once).
        var startup = 0.0
        var runsInDatabase = 0
        while totals.kills < target && totals.iterations < 3 * target + 10 {
            if totals.iterations == 0 || runsInDatabase >= runsPerDatabase || !run.hasRoom(forChunks: 2) {
                try run.freshDatabase()
                totals.databases += 1
                runsInDatabase = 0
            }
            if totals.iterations == 0 {
                startup = try Child.run(["stats", run.database], killAfter: nil, io: io).elapsed
            }
            totals.iterations += 1
            runsInDatabase += 1
            var pick = Int.random(in: 0..<modes.reduce(0) { $0 + $1.weight }, using: &run.rng)
            let mode = modes.first { pick -= $0.weight; return pick < 0 }!.mode
            let plan = try mode.plan(run)
            // The first run of each mode is not killed: it measures how long the child takes.
            // Later kills land uniformly between the end of the startup and the end of that time.
            let killAfter = duration[mode.name].map { Double.random(in: min(0.8 * startup, 0.5 * $0)...$0, using: &run.rng) }
            let outcome = try Child.run(plan.arguments, killAfter: killAfter, io: io)
            let judgement = plan.judge(outcome)
            if outcome.killed {
                totals.kills += 1
            } else {
                totals.completed += 1
            }
            if judgement.measuresDuration {
                duration[mode.name] = nextDuration(duration[mode.name], outcome: outcome, progress: judgement.progress, startup: startup)
            }
            totals.stages["\(mode.name): \(judgement.stage)", default: 0] += 1

            let context = "seed \(seed) (FATHOM_CRASH_SEED=\(seed)), run \(totals.iterations), database \(totals.databases) "
                + "created with \(run.configuration.joined(separator: " ")): \(plan.description); \(outcome.summary)"
            var problems = judgement.problems
            if !outcome.killed && !outcome.exitedCleanly {
                problems.append("the child failed on its own")
                totals.otherFailures += 1
            }
            if !judgement.problems.isEmpty { totals.otherFailures += 1 }
            problems += check(run, mode: mode.name, judgement: judgement, totals: &totals)
            if problems.isEmpty {
                if outcome.killed { totals.survived += 1 }
                totals.acknowledgedDocuments += judgement.acknowledgedDocuments.count
                totals.acknowledgedDeletes += judgement.acknowledgedDeletes.count
            } else {
                let kept = run.keepDatabase("run\(totals.iterations)")
                // (The console drops a comment's first line: keep it empty.)
                Issue.record("""

                    crash test (\(name)): \(problems.count) problem\(problems.count == 1 ? "" : "s") after run \(totals.iterations), seed \(seed)
                    \(problems.map { "- " + $0 }.joined(separator: "\n"))
                    \(context)
                    database kept in \(kept)
                    """)
                break
            }
        }
        totals.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        totals.childMilliseconds["startup"] = Int(startup * 1000)
        for (mode, seconds) in duration { totals.childMilliseconds[mode] = Int(seconds * 1000) }
        print(totals.line(name, seed: seed))
        return totals
    }

    /// The estimate of an uninterrupted child's duration after a run (it only
    /// chooses kill moments). A completed run measures it; a run killed before
    /// any acknowledgement needed longer than it was given (the database grew,
    /// or a seal of a large write buffer is pending), so the estimate grows and
    /// later kills spread over the longer run; a run killed part-way extrapolates.
    static func nextDuration(_ estimate: Double?, outcome: ChildOutcome, progress: Double, startup: Double) -> Double {
        guard let estimate else { return outcome.elapsed }
        if !outcome.killed { return 0.5 * estimate + 0.5 * outcome.elapsed }
        if progress <= 0 { return max(estimate, 1.25 * outcome.elapsed) }
        if progress >= 1 { return estimate }
        return 0.5 * estimate + 0.5 * (startup + max(0, outcome.elapsed - startup) / progress)
    }

    /// Everything checked after a child run. Updates the run's model to the state
    /// found when it is one of the allowed ones.
    static func check(_ run: CrashRun, mode: String, judgement: CrashJudgement, totals: inout CrashTotals) -> [String] {
        var problems: [String] = []
        do {
            // 1. The first open after the kill (it recovers the WAL) is verify's: it must pass.
            let verify = try CLI.run(["verify", run.database, "--json"])
            let report = JSON.parse(verify.stdout)
            if !verify.succeeded || (report?["problems"] as? [Any])?.isEmpty != true {
                totals.verifyFailures += 1
                problems.append("verify failed after the run: \(verify)")
            }
            // Segments a killed compaction wrote but never published, or published and had not removed yet.
            if let retired = (report?["retiredSegments"] as? NSNumber)?.intValue, retired > 0 {
                totals.outcomes["\(mode): retired segments left for the next compaction", default: 0] += 1
            }
            // 2. The content, document by document, against the generator.
            let observation = try CrashObservation.read(run.database, workload: run.workload)
            if !observation.problems.isEmpty {
                totals.otherFailures += 1
                problems += observation.problems.prefix(10)
            }
            let observed = observation.model
            // 3. One of the allowed states: all acknowledged writes, no acknowledged delete, no partial batch.
            if let match = judgement.allowed.first(where: { $0.model == observed }) {
                totals.outcomes["\(mode): \(match.label)", default: 0] += 1
                run.model = observed
            } else {
                let acknowledged = judgement.allowed[0].model
                let lost = judgement.acknowledgedDocuments.filter { observed.revisions[$0] != acknowledged.revisions[$0] }
                    + judgement.acknowledgedDeletes.filter { observed.revisions[$0] != nil }
                totals.lostDocuments += lost.count
                totals.unexpectedStates += 1
                problems.append("the database is in none of the allowed states; compared with each: "
                    + judgement.allowed.map { "[\($0.label)] \($0.model.difference(to: observed))" }.joined(separator: " | ")
                    + "; acknowledged writes or deletes not reflected: \(lost.count)")
            }
            // 4. stats agrees on the count.
            let stats = try CLI.run(["stats", run.database, "--json"])
            let collections = JSON.parse(stats.stdout)?["collections"] as? [[String: Any]]
            let documents = (collections?.first?["documents"] as? NSNumber)?.intValue
            if !stats.succeeded || documents != observed.count {
                totals.otherFailures += 1
                problems.append("stats reports \(documents.map(String.init) ?? "nothing") documents, export has \(observed.count): \(stats)")
            }
            let segments = (collections?.first?["segments"] as? NSNumber)?.intValue
            if mode == "compact", let before = run.segments, let segments {
                totals.outcomes[segments < before ? "compact: merge published" : "compact: segments unchanged", default: 0] += 1
            }
            run.segments = segments
            // 5. Searchable: acknowledged and touched documents are found (live) or not (deleted, never written).
            problems += try checkSearch(run, observed: observed, judgement: judgement, totals: &totals)
        } catch {
            totals.otherFailures += 1
            problems.append("checking failed: \(error)")
        }
        return problems
    }

    /// Exact sparse and dense searches with documents' own vectors: a live
    /// document ranks first in sparse mode with the score of its current
    /// revision and is among the dense hits; an absent one is in no hit list.
    static func checkSearch(_ run: CrashRun, observed: CrashModel, judgement: CrashJudgement,
                            totals: inout CrashTotals) throws -> [String] {
        var probes = Set(judgement.acknowledgedDocuments.shuffled(using: &run.probeRNG).prefix(4))
        probes.formUnion(judgement.acknowledgedDeletes.shuffled(using: &run.probeRNG).prefix(2))
        probes.formUnion(judgement.touched.shuffled(using: &run.probeRNG).prefix(2))
        probes.formUnion(observed.revisions.keys.sorted().shuffled(using: &run.probeRNG).prefix(2))
        guard !probes.isEmpty else { return [] }
        let probeList = probes.sorted()
        let queries = run.directory.path("queries.jsonl")
        // A live document is queried with its current revision; an absent one with revision 0.
        try Files.write(Files.jsonl(probeList.map { run.workload.document($0, revision: observed.revisions[$0] ?? 0) }), to: queries)
        var problems: [String] = []
        for mode in ["sparse", "dense"] {
            let search = try CLI.run(["search", run.database, "--query-file", queries, "--mode", mode, "--exact", "--k", "10", "--json"])
            guard search.succeeded else {
                totals.searchFailures += 1
                problems.append("search --mode \(mode) failed: \(search)")
                continue
            }
            var answered = Set<Int>()
            for line in search.stdoutLines {
                guard let object = JSON.parse(line), let query = object["query"] as? String, let i = CrashWorkload.number(query),
                      let hits = object["hits"] as? [[String: Any]] else {
                    problems.append("search --mode \(mode): unreadable line \(line.prefix(200))")
                    continue
                }
                answered.insert(i)
                totals.searchChecks += 1
                let ids = hits.compactMap { $0["id"] as? String }
                var failure: String?
                if Set(ids).count != ids.count {
                    failure = "duplicate hits \(ids)"
                } else if let revision = observed.revisions[i] {
                    if mode == "sparse" {
                        let sparse = run.workload.document(i, revision: revision).sparse!
                        let expected = zip(sparse.values, sparse.values).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                        let score = (hits.first?["score"] as? NSNumber).map { Float($0.doubleValue) }
                        if ids.first != query {
                            failure = "live \(query) is not the first sparse hit: \(ids)"
                        } else if let score, abs(score - expected) > 1e-3 * expected {
                            failure = "\(query) scores \(score) against its own vector, expected \(expected) (revision \(revision))"
                        }
                    } else if !ids.contains(query) {
                        failure = "live \(query) is not among the dense hits of its own vector: \(ids)"
                    }
                } else if ids.contains(query) {
                    failure = "absent \(query) (deleted or never committed) is returned by a \(mode) search: \(ids)"
                }
                if let failure {
                    totals.searchFailures += 1
                    problems.append("search --mode \(mode) --exact: \(failure)")
                }
            }
            if answered != probes {
                totals.searchFailures += 1
                problems.append("search --mode \(mode) answered \(answered.sorted()) for queries \(probeList)")
            }
        }
        return problems
    }
}
