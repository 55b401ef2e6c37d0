import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

/// Collections with a history (segments, write buffer, replacements,
/// deletes, edge-case weights and vectors) and helpers to read the exported
/// lines as JSON, shared by the OpenSearch and Qdrant export tests.
enum ExportFixtures {
    typealias B = Behaviour

    /// An integer-term collection with several segments and a write buffer,
    /// replaced and deleted documents, metadata of every JSON kind, and
    /// documents whose weights or vectors are at the edges: zero and subnormal
    /// weights, a sparse part of zeros only, an all-zero dense vector.
    struct Mixed {
        let scratch: B.Scratch
        let collection: Collection
        let model: B.Model
    }

    static let sparseDimension = 300
    static let denseDimension = 6

    static func mixed(metric: DenseMetric = .cosine) throws -> Mixed {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(
            dense: DenseSchema(dimension: denseDimension, metric: metric), sparse: .termIDs(dimension: sparseDimension),
            index: IndexParameters(sealThreshold: 25, postingBlockSize: 8)))
        var model = B.Model()
        var documents = B.richDocuments(seed: 31_000, count: 70, sparseDimension: sparseDimension, denseDimension: denseDimension)
        documents[0].sparse = B.sparse([(0, 0), (1, 1e-45), (2, Float.leastNormalMagnitude), (3, 0.5), (299, 3.4028235e38)])
        documents[3].sparse = B.sparse([(10, 0), (11, 0)])
        documents[3].dense = [Float](repeating: 0, count: denseDimension)
        documents[4].dense = [0, -0.0, 0, 0, 0, 1e-45]
        try B.upsert(documents, into: collection, model: &model, batchSize: 9)
        let replacement = Document(id: "doc-7", sparse: B.sparse([(5, 2)]), metadata: ["replaced": true], text: "replaced")
        try collection.upsert([replacement])
        model.upsert([replacement])
        try collection.delete(ids: ["doc-8", "doc-60", "doc-69"])
        model.delete(["doc-8", "doc-60", "doc-69"])
        let layout = try B.layout(collection)
        #expect(layout.segments >= 2 && layout.buffered > 0 && layout.deletedInSegments > 0, "the fixture covers every storage state")
        return Mixed(scratch: scratch, collection: collection, model: model)
    }

    /// A `.vocabulary` collection and the term weights of each live document.
    struct Vocabulary {
        /// Holds the file: the directory goes when this does.
        let scratch: B.Scratch
        let collection: Collection
        let weights: [String: [String: Float]]
    }

    /// A `.vocabulary` collection whose term ids (order of first appearance)
    /// differ from any sorted order, with a deleted document.
    static func vocabulary() throws -> Vocabulary {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection("tags", schema: CollectionSchema(
            dense: DenseSchema(dimension: 2), sparse: .vocabulary, index: IndexParameters(sealThreshold: 3, postingBlockSize: 8)))
        let documents = [
            Document(id: "t1", sparseTerms: ["zebra": 1, "apple": 0.5, "##ing": 0], dense: [1, 0], metadata: ["n": 1]),
            Document(id: "t2", sparseTerms: ["ça": 2, "a.b": 0.25], text: "dotted"),
            Document(id: "t3", sparseTerms: ["检索": 1.5, "zebra": 3]),
            Document(id: "t4", sparseTerms: ["apple": 1], dense: [0, 1]),
            Document(id: "gone", sparseTerms: ["never-exported": 1]),
        ]
        try collection.upsert(documents)
        try collection.delete(ids: ["gone"])
        var weights: [String: [String: Float]] = [:]
        for document in documents.dropLast() { weights[document.id] = document.sparseTerms }
        return Vocabulary(scratch: scratch, collection: collection, weights: weights)
    }

    /// Every line of an export, and the count it returned.
    static func lines(_ collection: Collection, _ format: ExportFormat, tokens: TokenTable? = nil) throws -> (lines: [String], count: Int) {
        var lines: [String] = []
        let count = try collection.export(format, tokens: tokens) { lines.append($0) }
        return (lines, count)
    }

    static func object(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(value as? [String: Any], "not a JSON object: \(line.prefix(200))", sourceLocation: sourceLocation)
    }

    /// A JSON array of numbers as floats, or nil when it is not one.
    static func floats(_ value: Any?) -> [Float]? {
        guard let array = value as? [Any] else { return nil }
        let numbers = array.compactMap { ($0 as? NSNumber).map { Float($0.doubleValue) } }
        return numbers.count == array.count ? numbers : nil
    }

    /// The `metadata` member of a line decoded as Fathom metadata (nil when absent).
    static func metadata(_ line: String) throws -> [String: JSONValue]? {
        struct Holder: Decodable { var metadata: [String: JSONValue]? }
        struct Payload: Decodable { var payload: Holder? }
        let data = Data(line.utf8)
        if let payload = try JSONDecoder().decode(Payload.self, from: data).payload { return payload.metadata }
        return try JSONDecoder().decode(Holder.self, from: data).metadata
    }
}
