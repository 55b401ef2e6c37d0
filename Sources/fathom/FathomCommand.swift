import ArgumentParser
import Fathom
import Foundation

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
            CompactCommand.self, StatsCommand.self, VerifyCommand.self, ExportCommand.self, BenchCommand.self,
            VocabCommand.self,
        ]
    )

    /// Runs the command line. Usage errors are reported like every other
    /// error: one line on stderr (the parser's default adds usage and help
    /// lines), with the parser's exit code; help and version go to stdout.
    static func main() {
        // A write past the file-size limit (RLIMIT_FSIZE, `ulimit -f`) raises
        // SIGXFSZ, whose default action kills the process mid-transaction with
        // no message. Ignored, the write fails with EFBIG instead: SQLite rolls
        // the transaction back and the command reports a storage error.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            // The command already said what went wrong.
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            let message = message(for: error).split(separator: "\n", omittingEmptySubsequences: true).first
                .map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
