import Foundation
import Testing
import Fathom
import FathomTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What the machine allows the fault tests to do, probed once. A test that
/// cannot run is disabled with a comment, and the reason is printed.
enum FaultEnvironment {
    static func tool(_ name: String) -> URL? {
        ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].map { URL(fileURLWithPath: "\($0)/\(name)") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]

    /// Why `fathom` cannot be run as uid 65534 here, or nil. Root ignores file
    /// modes (a write to a 0444 file succeeds), so only another user shows
    /// what a read-only database does.
    static let readOnlyUnavailable: String? = {
        let reason: String? = {
            guard getuid() == 0 else { return "not root, so the tests cannot switch to uid 65534" }
            guard let setpriv = tool("setpriv") else { return "setpriv (util-linux) is not installed" }
            guard let probe = try? CLI.run(executable: setpriv, nobody + [CLI.executable.path, "--version"]), probe.succeeded else {
                return "uid 65534 cannot run \(CLI.executable.path) (a directory on its path is not searchable)"
            }
            return nil
        }()
        if let reason { print("SKIP read-only CLI tests: \(reason)") }
        return reason
    }()

    /// The command prefix that starts a child with SIGXFSZ unblocked and at its default action
    /// (GNU env), as a shell would: children of the test process inherit a signal mask that
    /// blocks it, and a blocked SIGXFSZ turns into EFBIG whether or not fathom ignores it.
    static let defaultSignalXFSZ: [String] = {
        guard let env = tool("env"),
              let probe = try? CLI.run(executable: env, ["--default-signal=XFSZ", "true"]), probe.succeeded
        else {
            print("NOTE file-size-limit tests: env --default-signal is missing, so they cannot show that fathom ignores SIGXFSZ")
            return []
        }
        return [env.path, "--default-signal=XFSZ"]
    }()

    /// Why a tmpfs cannot be mounted here, or nil.
    static let tmpfsUnavailable: String? = {
        let reason: String? = {
            guard getuid() == 0, let mount = tool("mount"), let umount = tool("umount") else {
                return "not root, or mount/umount missing"
            }
            let probe = TemporaryDirectory("fathom-tmpfs-probe")
            guard let mounted = try? CLI.run(executable: mount, ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.url.path]),
                  mounted.succeeded
            else { return "mount -t tmpfs is not permitted (no CAP_SYS_ADMIN in this container?)" }
            _ = try? CLI.run(executable: umount, [probe.url.path])
            return nil
        }()
        if let reason { print("SKIP disk-full tmpfs test: \(reason)") }
        return reason
    }()
}

/// Faults the operator's machine causes, through the real `fathom` binary:
/// a file-size limit (`ulimit -f`, RLIMIT_FSIZE), a full file system, and a
/// database file the user may only read. In every case: a clean exit with one
/// line on stderr that says what happened, and a database that verifies and
/// keeps every committed batch.
@Suite("fathom under faults: a file-size limit, a full disk, a read-only database")
struct FaultTests {
    // MARK: - Helpers

    /// Runs fathom under a file-size limit of 1 MiB: `ulimit -f 2048` in /bin/sh counts
    /// 512-byte blocks in dash and 1 KiB blocks in bash, so 1-2 MiB; either is far below
    /// what the sample needs (about 6 MiB). fathom ignores SIGXFSZ, so a write past the
    /// limit fails with EFBIG instead of killing the process (which a test would see as
    /// `terminationReason == .uncaughtSignal`).
    static func runLimited(_ arguments: [String]) throws -> CLIResult {
        try CLI.run(executable: URL(fileURLWithPath: "/bin/sh"),
                    ["-c", #"ulimit -f 2048 && exec "$0" "$@""#] + FaultEnvironment.defaultSignalXFSZ
                        + [CLI.executable.path] + arguments)
    }

    /// The N of each `committed N` line, which must be all of stdout.
    static func committedCounts(_ result: CLIResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Int] {
        try result.stdoutLines.map { line in
            try #require(line.hasPrefix("committed ") ? Int(line.dropFirst("committed ".count)) : nil,
                         "unexpected stdout line '\(line)'", sourceLocation: sourceLocation)
        }
    }

    /// `verify` passes, `stats` counts exactly `ids`, and `export` lists them in order.
    static func expectIntact(_ database: String, ids: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let verify = try CLI.run(["verify", database])
        #expect(verify.succeeded && verify.stdout.hasPrefix("ok:"), "verify: \(verify)", sourceLocation: sourceLocation)
        #expect(try StatsSnapshot.read(database, sourceLocation: sourceLocation).int("documents") == ids.count,
                sourceLocation: sourceLocation)
        #expect(try IngestCommandTests.exportedIDs(database, sourceLocation: sourceLocation) == ids, sourceLocation: sourceLocation)
    }

    /// The sample's first document under another id, as one JSONL line.
    static func extraDocument(id: String) throws -> String {
        let first = try #require(try Files.lines(SampleDatabase.corpus).first)
        let original = try #require(SampleDatabase.corpusIDs.first)
        let renamed = first.replacingOccurrences(of: "\"id\":\(JSON.quote(original))", with: "\"id\":\(JSON.quote(id))")
        try #require(renamed != first, "the sample's first line starts with its id")
        return renamed + "\n"
    }

    // MARK: - File-size limit

    @Test("under a file-size limit, ingest stops with a one-line error; every committed batch survives and the ingest then completes")
    func fileSizeLimitDuringIngest() throws {
        let directory = TemporaryDirectory("fathom-fault-fsize")
        let database = directory.path("limited.fathom")
        try CLI.succeed(["create", database, "--dense-dim", "384", "--sparse"])

        let limited = try Self.runLimited(["ingest", database, SampleDatabase.corpus, "--batch", "50"])
        // Not killed by SIGXFSZ: a clean exit with one line.
        CLI.expectOneLineError(limited, "ingest under ulimit -f")
        #expect(limited.stderr.hasPrefix("Error: storage error 778 while writing 50 documents"), "\(limited)")
        #expect(limited.stderr.contains("file size limit reached") && limited.stderr.contains("ulimit -f"), "\(limited)")
        let committed = try Self.committedCounts(limited)
        let last = try #require(committed.last, "at least one batch fits under the limit: \(limited)")
        #expect(committed == Array(stride(from: 50, through: last, by: 50)))
        #expect(last < SampleDatabase.corpusIDs.count, "the limit stopped the ingest early")

        // Without the limit: exactly the committed batches, whole (the failed one rolled back).
        try Self.expectIntact(database, ids: Array(SampleDatabase.corpusIDs.prefix(last)))

        // Ingesting the file again completes it (an id already present replaces itself).
        let resumed = try CLI.succeed(["ingest", database, SampleDatabase.corpus, "--batch", "50"])
        #expect(try Self.committedCounts(resumed).last == SampleDatabase.corpusIDs.count)
        try Self.expectIntact(database, ids: SampleDatabase.corpusIDs)
    }

    @Test("a seal that hits the file-size limit fails cleanly; the documents stay in the write buffer, searchable, and the next ingest seals them")
    func fileSizeLimitDuringSeal() throws {
        let directory = TemporaryDirectory("fathom-fault-seal")
        let database = directory.path("seal.fathom")
        try CLI.succeed(["create", database, "--dense-dim", "384", "--sparse"])
        try CLI.succeed(["ingest", database, SampleDatabase.corpus, "--no-seal"])
        let extra = directory.path("extra.jsonl")
        try Files.write(try Self.extraDocument(id: "extra"), to: extra)

        // The one-line batch fits under the limit; the seal at the end, which rewrites ~6 MiB, does not.
        let limited = try Self.runLimited(["ingest", database, extra])
        CLI.expectOneLineError(limited, "ingest (seal) under ulimit -f")
        #expect(limited.stderr.contains("while sealing the write buffer of 'default'")
                    && limited.stderr.contains("file size limit reached"), "\(limited)")
        #expect(try Self.committedCounts(limited) == [1])

        let ids = SampleDatabase.corpusIDs + ["extra"]
        try Self.expectIntact(database, ids: ids)
        let stats = try StatsSnapshot.read(database)
        #expect(stats.int("bufferedDocuments") == ids.count)
        #expect(stats.int("segments") == 0)
        let search = try CLI.succeed(["search", database, "--query-file", SampleDatabase.queries, "--limit", "1", "--k", "3"])
        #expect(search.stdoutLines.count >= 2, "a query line and hits: \(search)")

        try CLI.succeed(["ingest", database, extra])
        let sealed = try StatsSnapshot.read(database)
        #expect(sealed.int("bufferedDocuments") == 0)
        #expect(sealed.int("segments") == 1)
        try Self.expectIntact(database, ids: ids)
    }

    // MARK: - Full file system

    @Test("on a full file system ingest fails with 'disk full'; reads keep working; after space is freed the ingest completes",
          .enabled(if: FaultEnvironment.tmpfsUnavailable == nil, "needs root with permission to mount a tmpfs"))
    func fullFileSystem() throws {
        let mount = try #require(FaultEnvironment.tool("mount")), umount = try #require(FaultEnvironment.tool("umount"))
        let mountPoint = TemporaryDirectory("fathom-fault-tmpfs")
        let mounted = try CLI.run(executable: mount, ["-t", "tmpfs", "-o", "size=32m", "tmpfs", mountPoint.url.path])
        try #require(mounted.succeeded, "mount: \(mounted)")
        defer {
            // Lazily if something still holds a file, so the directory can always be removed.
            if (try? CLI.run(executable: umount, [mountPoint.url.path]))?.succeeded != true {
                _ = try? CLI.run(executable: umount, ["-l", mountPoint.url.path])
            }
        }
        let database = mountPoint.path("full.fathom")
        try CLI.succeed(["create", database, "--dense-dim", "384", "--sparse"])
        // Leave about 2 MiB free: a few batches fit, the sample (~6 MiB) does not.
        let ballast = mountPoint.path("ballast")
        try #require(FileManager.default.createFile(atPath: ballast, contents: Data(count: 30 << 20)))

        let full = try CLI.run(["ingest", database, SampleDatabase.corpus, "--batch", "50"])
        CLI.expectOneLineError(full, "ingest on a full tmpfs")
        #expect(full.stderr.hasPrefix("Error: storage error 13 while writing 50 documents"), "\(full)")
        #expect(full.stderr.contains("disk full: no space left on the device"), "\(full)")
        let last = try #require(try Self.committedCounts(full).last, "at least one batch fits: \(full)")
        #expect(last < SampleDatabase.corpusIDs.count)

        // While the disk is still full: verify, stats, export and search all work.
        try Self.expectIntact(database, ids: Array(SampleDatabase.corpusIDs.prefix(last)))
        let search = try CLI.succeed(["search", database, "--query-file", SampleDatabase.queries, "--limit", "1", "--k", "3"])
        #expect(search.stdoutLines.count >= 2, "a query line and hits: \(search)")

        try FileManager.default.removeItem(atPath: ballast)
        try CLI.succeed(["ingest", database, SampleDatabase.corpus, "--batch", "50"])
        try Self.expectIntact(database, ids: SampleDatabase.corpusIDs)
    }

    // MARK: - Read-only

    /// A private copy of the sample database that uid 65534 may read but not write:
    /// files 0644, directory 0755, both owned by root (Fathom creates files 0600).
    static func readableCopy() throws -> (TemporaryDirectory, String) {
        let (directory, database) = try SampleDatabase.ready().freshCopy()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.url.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: database)
        return (directory, database)
    }

    /// Runs fathom as uid/gid 65534 (nobody).
    static func runAsNobody(_ arguments: [String]) throws -> CLIResult {
        let setpriv = try #require(FaultEnvironment.tool("setpriv"))
        return try CLI.run(executable: setpriv, FaultEnvironment.nobody + [CLI.executable.path] + arguments)
    }

    static let readCommands: [[String]] = [["stats"], ["verify"], ["export"], ["search", "--query-file", "queries.jsonl"]]

    /// Arguments of each command for `database`; files named here are in `directory`.
    static func arguments(_ command: [String], _ database: String, in directory: TemporaryDirectory) -> [String] {
        [command[0], database] + command.dropFirst().map { $0.hasSuffix(".jsonl") ? directory.path($0) : $0 }
    }

    /// One query and one new document, readable by uid 65534.
    static func writeInputs(in directory: TemporaryDirectory) throws {
        let query = try #require(try Files.lines(SampleDatabase.queries).first)
        try Files.write(query + "\n", to: directory.path("queries.jsonl"))
        try Files.write(try extraDocument(id: "extra"), to: directory.path("extra.jsonl"))
        for file in ["queries.jsonl", "extra.jsonl"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.path(file))
        }
    }

    @Test("while a writer has the database open, a user who may only read it can search, stats, verify and export; ingest and delete fail with one line and change nothing",
          .enabled(if: FaultEnvironment.readOnlyUnavailable == nil, "needs root and setpriv to run fathom as uid 65534"))
    func readOnlyUserWithWriterOpen() throws {
        let (directory, database) = try Self.readableCopy()
        try Self.writeInputs(in: directory)
        // A process that has the database open keeps its -wal and -shm files (mode 0644, like the
        // database), which is what lets SQLite serve a reader who cannot create them.
        let writer = try Database(path: database)
        let before = try Data(contentsOf: URL(fileURLWithPath: database))

        let stats = try Self.runAsNobody(["stats", database, "--json"])
        #expect(stats.succeeded, "\(stats)")
        #expect((try? JSON.object(stats.stdout))?["collections"] != nil, "\(stats)")
        #expect(stats.stdout.contains("\"documents\":800"), "\(stats)")
        let verify = try Self.runAsNobody(["verify", database])
        #expect(verify.succeeded && verify.stdout.hasPrefix("ok:"), "\(verify)")
        let export = try Self.runAsNobody(["export", database])
        #expect(export.succeeded && export.stdoutLines.count == 800, "\(export.stderr)")
        let search = try Self.runAsNobody(Self.arguments(["search", "--query-file", "queries.jsonl", "--k", "3"], database, in: directory))
        #expect(search.succeeded && search.stdoutLines.count == 4, "a query line and three hits: \(search)")

        for command in [["ingest", "extra.jsonl"], ["delete", SampleDatabase.corpusIDs[0]]] {
            let result = try Self.runAsNobody(Self.arguments(command, database, in: directory))
            CLI.expectOneLineError(result, "\(command[0]) as uid 65534")
            #expect(result.stderr == "Error: \(database) is read-only (opened read-only, or the file is not writable by this user): writes are refused\n",
                    "\(result)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before, "the database file is byte-for-byte unchanged")
        #expect(try writer.collection().count() == 800)
        #expect(try writer.collection().document(id: "extra") == nil)
        #expect(try writer.collection().document(id: SampleDatabase.corpusIDs[0]) != nil)
    }

    @Test("with no process holding it open, a database in a directory the user cannot write cannot be read either: every command fails with one line saying why, and nothing is created",
          .enabled(if: FaultEnvironment.readOnlyUnavailable == nil, "needs root and setpriv to run fathom as uid 65534"))
    func readOnlyUserWithoutWriter() throws {
        let (directory, database) = try Self.readableCopy()
        try Self.writeInputs(in: directory)
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        let listing = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()

        // SQLite must create the -wal and -shm files even to read a WAL database (they vanish
        // when the last connection closes); a limit of WAL mode, reported as such.
        for command in Self.readCommands + [["ingest", "extra.jsonl"], ["delete", "x"]] {
            let result = try Self.runAsNobody(Self.arguments(command, database, in: directory))
            CLI.expectOneLineError(result, "\(command[0]) as uid 65534")
            #expect(result.stderr == "Error: \(database): cannot be opened: its directory is not writable, and SQLite must "
                        + "create the database's -wal and -shm files there, even to read it\n", "\(result)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == listing, "no stray files")
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before, "the database file is byte-for-byte unchanged")
    }
}
