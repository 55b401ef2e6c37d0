import ArgumentParser
import Fathom

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a collection as JSONL to stdout (the format ingest reads back exactly).",
        discussion: """
              fathom export demo.fathom > backup.jsonl
              fathom export demo.fathom --collection tags | fathom ingest copy.fathom - --collection tags
            """)

    @OptionGroup var target: DatabaseOptions

    func run() throws {
        let db = try target.open()
        var output = BufferedOutput()
        let count = try db.collection(target.collection).exportJSONL { output.line($0) }
        output.flush()
        Output.error("exported \(count) documents")
    }
}
