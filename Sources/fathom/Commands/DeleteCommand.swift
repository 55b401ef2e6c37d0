import ArgumentParser
import Fathom

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete documents by id.",
        discussion: """
            Deleted documents disappear from every search as soon as the command returns.

              fathom delete demo.fathom doc-1 doc-2 --collection default
            """)

    @Argument(help: "Path of the database file.")
    var database: String

    @Argument(help: "Ids of the documents to delete.")
    var ids: [String]

    @Option(name: .long, help: "Collection name.")
    var collection: String = "default"

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("give at least one document id") }
    }

    func run() throws {
        let db = try Database(path: database, options: Database.Options(create: false, compaction: nil))
        let removed = try db.collection(collection).delete(ids: ids)
        Output.line("deleted \(removed) of \(ids.count) documents")
    }
}
