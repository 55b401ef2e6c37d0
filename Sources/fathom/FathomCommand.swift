import ArgumentParser
import Fathom

@main
struct FathomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fathom",
        abstract: "Administer Fathom databases: create, ingest, search, verify and benchmark.",
        discussion: """
            Every command takes the database path first. Defaults make the short forms work:
            collection 'default', k 10, mode auto.

              fathom create demo.fathom --dense-dim 384 --sparse
              fathom ingest demo.fathom corpus.jsonl
              fathom search demo.fathom --query-file queries.jsonl --k 5
            """,
        version: "0.1.0 (SQLite \(Database.sqliteVersion))",
        subcommands: [
            CreateCommand.self, IngestCommand.self, SearchCommand.self, DeleteCommand.self,
            StatsCommand.self, VerifyCommand.self, ExportCommand.self, BenchCommand.self,
        ]
    )
}
