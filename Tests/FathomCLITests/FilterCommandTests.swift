import Foundation
import Testing
import FathomTestSupport

/// `--filter` on search and bench: filtered hits, the explained plan, and
/// one-line errors that point at the bad character.
@Suite("fathom: --filter")
struct FilterCommandTests {
    @Test("search --filter returns only admitted documents and explains the filter")
    func filteredSearch() throws {
        let sample = try SampleDatabase.ready()
        // The sample's metadata names the package each paragraph comes from.
        let key = "package", value = "apple/swift-nio"
        let filter = "\(key) = \"\(value)\""
        let result = try CLI.succeed(["search", sample.database, "--query-file", SampleDatabase.queries, "--limit", "5",
                                      "--filter", filter, "--explain", "--json"])
        let admitted = Set(try Files.lines(SampleDatabase.corpus).compactMap { line -> String? in
            guard let object = JSON.parse(line), (object["metadata"] as? [String: Any])?[key] as? String == value else { return nil }
            return object["id"] as? String
        })
        for line in try SearchCommandTests.parseLines(result, explain: true) {
            #expect(line.hits.allSatisfy { admitted.contains($0.id) }, "\(line.query)")
            #expect(line.plan?["filter"] as? String == filter)
            #expect(JSON.double(line.plan?["filterMatches"]) == Double(admitted.count))
        }
    }

    @Test("a malformed filter is a one-line error naming the character")
    func malformed() throws {
        let sample = try SampleDatabase.ready()
        for (filter, position) in [("year >= ", 9), ("(a = 1", 7), ("a = \"x", 7)] {
            let result = try CLI.run(["search", sample.database, "--query-file", SampleDatabase.queries, "--filter", filter])
            CLI.expectOneLineError(result, filter)
            #expect(result.stderr.contains("invalid filter at character \(position)"), "\(result)")
        }
    }
}
