import ArgumentParser
import Fathom

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the SQLite file, every block checksum and every manifest invariant.",
        discussion: """
            Exits 0 when everything checks out. When it finds problems it prints one line per
            problem, naming what is broken, and exits 2; it exits 1 when the database cannot be
            opened or read at all.

              fathom verify demo.fathom
            """)

    @Argument(help: "Path of the database file.")
    var database: String

    @Flag(name: .long, help: "Print the report as one JSON object.")
    var json = false

    func run() throws {
        let db = try Database(path: database, options: Database.Options(create: false, compaction: nil))
        let report = try db.verify()
        if json {
            Output.line(JSONText.encode(report))
        } else if report.isHealthy {
            Output.line("ok: \(Plural.count(report.collectionsChecked, "collection")), "
                + "\(Plural.count(report.segmentsChecked, "segment")), \(Plural.count(report.blobsChecked, "blob")), "
                + "\(Plural.count(report.documentsChecked, "document")) checked; SQLite integrity \(report.sqliteIntegrity)"
                + (report.retiredSegments > 0
                    ? "; \(Plural.count(report.retiredSegments, "retired segment")) awaiting removal by the next compaction" : ""))
        } else {
            for problem in report.problems { Output.line("problem: \(problem)") }
        }
        if !report.isHealthy {
            Output.error("Error: verification found \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")")
            throw ExitCode(2)
        }
    }
}
