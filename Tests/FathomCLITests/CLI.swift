import Foundation
import Testing
import Fathom
import FathomTestSupport

/// What one run of the `fathom` binary produced.
struct CLIResult: Sendable, CustomStringConvertible {
    var status: Int32
    /// `.uncaughtSignal` when the process crashed (trap, abort, segfault).
    var terminationReason: Process.TerminationReason
    var stdout: String
    var stderr: String

    var succeeded: Bool { status == 0 && terminationReason == .exit }
    /// Exited on its own (no crash) with a non-zero status.
    var failedCleanly: Bool { status != 0 && terminationReason == .exit }

    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    var description: String {
        "exit \(status)\(terminationReason == .uncaughtSignal ? " (signal)" : "")\n--- stdout\n\(stdout.prefix(2_000))\n--- stderr\n\(stderr.prefix(2_000))"
    }
}

/// Runs the real `fathom` executable. Standard output and error go to files
/// (not pipes, so large outputs cannot deadlock, and stdout is never a
/// terminal); `stdin` is fed from a file, or /dev/null when nil.
enum CLI {
    static var executable: URL { TestPaths.fathomExecutable }

    static func run(_ arguments: [String], stdin: Data? = nil, in directory: URL? = nil) throws -> CLIResult {
        try run(executable: executable, arguments, stdin: stdin, in: directory)
    }

    static func run(executable: URL, _ arguments: [String], stdin: Data? = nil, in directory: URL? = nil) throws -> CLIResult {
        let io = TemporaryDirectory("fathom-cli-io")
        let output = try ChildOutputFiles(in: io)
        defer { output.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        output.attach(to: process)
        var input: FileHandle?
        if let stdin {
            let inPath = io.path("stdin")
            try stdin.write(to: URL(fileURLWithPath: inPath))
            input = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
            process.standardInput = input
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        try? input?.close()
        let (stdout, stderr) = try output.read()
        return CLIResult(status: process.terminationStatus, terminationReason: process.terminationReason,
                         stdout: stdout, stderr: stderr)
    }

    /// Runs and expects exit status 0; returns the result either way.
    @discardableResult
    static func succeed(_ arguments: [String], stdin: Data? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
        let result = try run(arguments, stdin: stdin)
        #expect(result.succeeded, "fathom \(arguments.joined(separator: " ")): \(result)", sourceLocation: sourceLocation)
        return result
    }

    /// The contract for every failure: a clean non-zero exit and exactly one
    /// line on stderr.
    static func expectOneLineError(_ result: CLIResult, _ command: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.failedCleanly, "\(command) should fail without crashing: \(result)", sourceLocation: sourceLocation)
        #expect(result.stderrLines.count == 1, "\(command) should print one error line: \(result)", sourceLocation: sourceLocation)
    }
}

/// Files that take a child's standard output and error: not pipes, so that
/// large outputs cannot deadlock, stdout is never a terminal, and what a
/// killed child wrote before it died is kept.
struct ChildOutputFiles {
    private let outPath: String, errPath: String
    private let out: FileHandle, err: FileHandle

    init(in io: TemporaryDirectory) throws {
        outPath = io.path("stdout")
        errPath = io.path("stderr")
        // A failure to create shows as the FileHandle error below.
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    }

    func attach(to process: Process) {
        process.standardOutput = out
        process.standardError = err
    }

    /// Everything written so far, decoded as UTF-8.
    func read() throws -> (stdout: String, stderr: String) {
        (String(decoding: try Data(contentsOf: URL(fileURLWithPath: outPath)), as: UTF8.self),
         String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self))
    }

    func close() {
        try? out.close()
        try? err.close()
    }
}

// MARK: - JSON

enum JSON {
    static func object(_ text: some StringProtocol, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(String(text).utf8), options: [.fragmentsAllowed])
        return try #require(value as? [String: Any], "not a JSON object: \(text.prefix(200))", sourceLocation: sourceLocation)
    }

    /// Parses without recording an issue (for fixtures).
    static func parse(_ text: some StringProtocol) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(String(text).utf8))) as? [String: Any]
    }

    /// A JSON number. (On Linux, JSONSerialization's NSNumber for 0 and 1 also
    /// casts to Bool, so booleans cannot be told apart here.)
    static func double(_ value: Any?) -> Double? {
        (value as? NSNumber)?.doubleValue
    }

    /// A Swift string literal as JSON.
    static func quote(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), as: UTF8.self)
    }
}

/// Collection statistics from `fathom stats --json`.
struct StatsSnapshot {
    var raw: [String: Any]
    var collections: [String: [String: Any]]

    static func read(_ database: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> StatsSnapshot {
        let result = try CLI.run(["stats", database, "--json"])
        try #require(result.succeeded, "stats --json: \(result)", sourceLocation: sourceLocation)
        #expect(result.stdoutLines.count == 1, "stats --json prints one object", sourceLocation: sourceLocation)
        let raw = try JSON.object(result.stdout, sourceLocation: sourceLocation)
        let list = try #require(raw["collections"] as? [[String: Any]], sourceLocation: sourceLocation)
        var collections: [String: [String: Any]] = [:]
        for collection in list { collections[collection["name"] as? String ?? "?"] = collection }
        return StatsSnapshot(raw: raw, collections: collections)
    }

    func int(_ key: String, in collection: String = "default") -> Int? {
        (collections[collection]?[key] as? NSNumber)?.intValue
    }
}

// MARK: - Files

enum Files {
    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    static func lines(_ path: String) throws -> [String] {
        try read(path).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// A document as one JSONL line (floats in their shortest round-trip form).
    static func jsonl(_ document: Document) -> String {
        var fields = ["\"id\":" + JSON.quote(document.id)]
        if let sparse = document.sparse {
            fields.append("\"sparse\":{\"indices\":[\(sparse.indices.map(String.init).joined(separator: ","))],"
                + "\"values\":[\(sparse.values.map(\.description).joined(separator: ","))]}")
        }
        if let dense = document.dense { fields.append("\"dense\":[\(dense.map(\.description).joined(separator: ","))]") }
        if let metadata = document.metadata {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            fields.append("\"metadata\":" + String(decoding: try! encoder.encode(metadata), as: UTF8.self))
        }
        if let text = document.text { fields.append("\"text\":" + JSON.quote(text)) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func jsonl(_ documents: [Document]) -> String {
        documents.map { jsonl($0) + "\n" }.joined()
    }
}

// MARK: - sqlite3

/// The `sqlite3` command-line tool, for tampering with a database file.
enum SQLite3 {
    static func run(_ database: String, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/env"), ["sqlite3", database, sql])
        try #require(result.succeeded, "sqlite3 \(sql): \(result)", sourceLocation: sourceLocation)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

// MARK: - The sample database

/// The sample corpus (samples/swift-docs) ingested once into a template
/// database, shared by all tests. Read-only tests use `database`; tests that
/// modify a database take a `freshCopy()` of the untouched template.
final class SampleDatabase: Sendable {
    static let shared = SampleDatabase()

    static let batch = 250
    static var corpus: String { TestPaths.sample.appendingPathComponent("corpus.jsonl").path }
    static var queries: String { TestPaths.sample.appendingPathComponent("queries.jsonl").path }
    static var sparseTruth: String { TestPaths.sample.appendingPathComponent("gt_sparse.jsonl").path }
    static var denseTruth: String { TestPaths.sample.appendingPathComponent("gt_dense.jsonl").path }

    let directory = TemporaryDirectory("fathom-cli-sample")
    /// Never opened after the ingest: the source of fresh copies.
    let template: String
    /// A copy for read-only tests.
    let database: String
    let create: CLIResult?
    let ingest: CLIResult?
    let setupError: String?

    private init() {
        template = directory.path("template.fathom")
        database = directory.path("shared.fathom")
        var create: CLIResult?, ingest: CLIResult?, failure: String?
        do {
            create = try CLI.run(["create", template, "--dense-dim", "384", "--metric", "cosine", "--sparse"])
            if create?.succeeded == true {
                ingest = try CLI.run(["ingest", template, Self.corpus, "--batch", String(Self.batch)])
                if ingest?.succeeded == true {
                    try FileManager.default.copyItem(atPath: template, toPath: database)
                } else {
                    failure = "ingest failed: \(ingest!)"
                }
            } else {
                failure = "create failed: \(create!)"
            }
        } catch {
            failure = "\(error)"
        }
        self.create = create
        self.ingest = ingest
        self.setupError = failure
        // A static is never deinitialised: remove the directory when the test process exits.
        atexit { try? FileManager.default.removeItem(at: SampleDatabase.shared.directory.url) }
    }

    /// The shared database, or a test failure explaining why it is missing.
    static func ready(sourceLocation: SourceLocation = #_sourceLocation) throws -> SampleDatabase {
        let sample = shared
        try #require(sample.setupError == nil, "sample database setup failed: \(sample.setupError ?? "")",
                     sourceLocation: sourceLocation)
        return sample
    }

    /// A private copy of the freshly ingested sample database.
    func freshCopy() throws -> (TemporaryDirectory, String) {
        let directory = TemporaryDirectory("fathom-cli-copy")
        let path = directory.path("copy.fathom")
        try FileManager.default.copyItem(atPath: template, toPath: path)
        return (directory, path)
    }

    /// The ids of the sample corpus, in file order.
    static let corpusIDs: [String] = {
        let lines = (try? Files.lines(corpus)) ?? []
        return lines.compactMap { JSON.parse($0)?["id"] as? String }
    }()

    static let queryIDs: [String] = {
        let lines = (try? Files.lines(queries)) ?? []
        return lines.compactMap { JSON.parse($0)?["id"] as? String }
    }()
}
