import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Export: export, ingest into a fresh database, export again gives the same lines")
struct ExportTests {
    typealias B = Behaviour

    /// Exports `collection`, ingests the lines into a fresh collection of the
    /// same schema, exports that, and checks that both exports are identical
    /// and every document reads back equal.
    static func expectRoundTrip(_ collection: Collection, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let first = try B.export(collection)
        #expect(first.count == (try collection.count()), sourceLocation: sourceLocation)
        let scratch = B.Scratch("copy.fathom")
        let file = scratch.file("export.jsonl")
        try B.writeLines(first, to: file)
        for sealAtEnd in [true, false] {
            let copy = try scratch.open().createCollection("copy-\(sealAtEnd)", schema: collection.schema)
            let report = try copy.ingest(jsonl: file, options: IngestOptions(batchSize: 7, sealAtEnd: sealAtEnd))
            #expect(report.documentsCommitted == first.count && report.rejectedCount == 0, sourceLocation: sourceLocation)
            let second = try B.export(copy)
            #expect(second.count == first.count, sourceLocation: sourceLocation)
            let differing = zip(first, second).filter { $0 != $1 }
            let differingCount = differing.count
            #expect(differingCount == 0, "lines differ; first: \(differing.first.map { "\($0.0)\n  vs\n\($0.1)" } ?? "")",
                    sourceLocation: sourceLocation)
            var unequal: [String] = []
            for line in first.prefix(200) {
                let id = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["id"] as! String
                if try copy.document(id: id) != collection.document(id: id) { unequal.append(id) }
            }
            #expect(unequal.isEmpty, "documents read back differently after the round trip: \(unequal.prefix(5))",
                    sourceLocation: sourceLocation)
        }
    }

    @Test("integer-term collection: segments, buffer, replacements, deletes, metadata of every JSON kind, Unicode text")
    func termIDsCollection() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(
            dense: DenseSchema(dimension: 6, metric: .l2), sparse: .termIDs(dimension: 300),
            index: IndexParameters(sealThreshold: 30, postingBlockSize: 8)))
        var model = B.Model()
        var documents = B.richDocuments(seed: 13_000, count: 90, sparseDimension: 300, denseDimension: 6)
        // Floats at the edges of the format: subnormal, largest, smallest normal, not exactly decimal.
        documents[0].dense = [1e-45, 3.4028235e38, 1.1754944e-38, 0.1, -16777217, 0]
        documents[1].sparse = B.sparse([(0, 1e-45), (1, 3.4028235e38), (2, 0), (299, 0.1)])
        try B.upsert(documents, into: collection, model: &model, batchSize: 12)
        try collection.upsert([Document(id: "doc-5", sparse: B.sparse([(7, 7)]), text: "replaced"), documents[40]])
        model.upsert([Document(id: "doc-5", sparse: B.sparse([(7, 7)]), text: "replaced"), documents[40]])
        try collection.delete(ids: ["doc-6", "doc-80"])
        model.delete(["doc-6", "doc-80"])
        let layout = try B.layout(collection)
        #expect(layout.segments >= 2 && layout.buffered > 0 && layout.deletedInSegments > 0)

        // The export lists the live documents in the order they were last written.
        let lines = try B.export(collection)
        let ids = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["id"] as! String }
        #expect(ids == model.ids)
        try Self.expectRoundTrip(collection)
    }

    @Test("string-term collection: Unicode and escaped terms, and vocabulary ids that differ from a fresh database's")
    func vocabularyCollection() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(
            dense: DenseSchema(dimension: 3), sparse: .vocabulary, index: IndexParameters(sealThreshold: 4, postingBlockSize: 8)))
        let awkwardTerms = ["zebra", "apple", "ça", "naïve", "検索", "🧭", "quote\"d", "back\\slash", "tab\tterm", "##ing", "Z", "a"]
        var generator = SeededGenerator(seed: 14_000)
        var documents: [Document] = []
        for i in 0..<40 {
            var terms: [String: Float] = [:]
            for term in awkwardTerms.shuffled(using: &generator).prefix(Int.random(in: 1...6, using: &generator)) {
                terms[term] = Float.random(in: 0...3, using: &generator)
            }
            documents.append(Document(id: "v\(i)", sparseTerms: terms, dense: i % 3 == 0 ? nil : [1, Float(i), -2],
                                      metadata: ["i": .number(Double(i)), "list": [true, nil, 2.5]],
                                      text: B.awkwardTexts[i % B.awkwardTexts.count]))
        }
        // The first documents introduce terms in an order a fresh database will not
        // see again: they are then deleted or replaced.
        try collection.upsert([Document(id: "first", sparseTerms: ["zebra": 1]), Document(id: "second", sparseTerms: ["ça": 1, "🧭": 2])])
        for start in stride(from: 0, to: 40, by: 5) { try collection.upsert(Array(documents[start..<(start + 5)])) }
        try collection.delete(ids: ["first"])
        try collection.upsert([Document(id: "second", sparseTerms: ["apple": 1, "zebra": 2, "a": 3])])
        try collection.upsert([Document(id: "v3", sparseTerms: ["Z": 0.5, "zebra": 0.25, "##ing": 1])])
        #expect(try collection.count() == 41)
        try Self.expectRoundTrip(collection)
    }

    @Test("an empty collection exports nothing; a dense-only collection round-trips")
    func emptyAndDenseOnly() throws {
        let scratch = B.Scratch()
        let database = try scratch.open()
        let empty = try database.createCollection("empty", schema: CollectionSchema(sparse: .termIDs(dimension: 5)))
        #expect(try B.export(empty).isEmpty)
        let dense = try database.createCollection("dense", schema: CollectionSchema(
            dense: DenseSchema(dimension: 2, metric: .dot), index: IndexParameters(sealThreshold: 3)))
        try dense.upsert((0..<8).map { Document(id: "p\($0)", dense: [Float($0) / 3, -Float($0)], metadata: [:]) })
        try Self.expectRoundTrip(dense)
    }
}
