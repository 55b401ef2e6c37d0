import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Qdrant export: points with a UUID id, named dense and sparse vectors, and the metadata as payload")
struct QdrantExportTests {
    typealias B = Behaviour
    typealias F = ExportFixtures

    @Test("each point has exactly the documented fields, types and values, for every live document in order")
    func shape() throws {
        let mixed = try F.mixed()
        let (lines, count) = try F.lines(mixed.collection, .qdrant)
        #expect(count == mixed.model.count && lines.count == count)
        var ids: [String] = []
        var pointIDs = Set<String>()
        for line in lines {
            let point = try F.object(line)
            #expect(Set(point.keys) == ["id", "vector", "payload"], "\(point.keys)")
            let payload = try #require(point["payload"] as? [String: Any])
            #expect(Set(payload.keys).isSubset(of: ["fathom_id", "metadata", "text"]))
            let id = try #require(payload["fathom_id"] as? String)
            ids.append(id)
            let pointID = try #require(point["id"] as? String)
            #expect(UUID(uuidString: pointID) != nil && pointID == ExportFormat.qdrantPointID(forDocumentID: id))
            pointIDs.insert(pointID)

            let document = try #require(mixed.model[id])
            let vector = try #require(point["vector"] as? [String: Any])
            #expect(Set(vector.keys).isSubset(of: ["dense", "sparse"]))
            #expect(F.floats(vector["dense"]) == document.dense, "dense of \(id), zero vectors included")
            if let sparse = vector["sparse"] {
                let object = try #require(sparse as? [String: Any])
                #expect(Set(object.keys) == ["indices", "values"])
                let rawIndices = try #require(object["indices"] as? [Any])
                let indices = rawIndices.compactMap { ($0 as? NSNumber)?.uint32Value }
                #expect(indices.count == rawIndices.count, "integer indices of \(id)")
                let values = try #require(F.floats(object["values"]))
                #expect(zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 }, "strictly increasing indices of \(id)")
                #expect(values.allSatisfy { $0.isFinite && $0 >= 0 })
                #expect(indices == document.sparse?.indices && values == document.sparse?.values,
                        "sparse of \(id), zero and subnormal weights included")
            } else {
                #expect(document.sparse == nil || document.sparse?.isEmpty == true, "sparse of \(id)")
            }
            #expect(payload["text"] as? String == document.text, "text of \(id)")
            let stored = try mixed.collection.document(id: id)?.metadata
            #expect(try F.metadata(line) == stored, "metadata of \(id)")
            if let stored { #expect(line.contains("\"metadata\":" + CanonicalJSON.encode(stored) + (document.text == nil ? "}}" : ",\"text\":"))) }
        }
        #expect(ids == mixed.model.ids, "every live document once, in the order of its last write; deleted ones absent")
        #expect(pointIDs.count == ids.count, "distinct documents get distinct point ids")
        #expect(try F.lines(mixed.collection, .qdrant).lines == lines, "a second export is identical")
    }

    @Test("a string-term collection needs a token table: terms become its ids, sorted; a missing term is an error")
    func vocabularyCollection() throws {
        let fixture = try F.vocabulary()
        let collection = fixture.collection, weights = fixture.weights
        var written = 0
        #expect(B.thrown { try collection.export(.qdrant) { _ in written += 1 } } == .invalidArgument(reason:
            "collection 'tags' stores string terms and Qdrant sparse vectors have integer indices: give a token table that assigns the terms ids"))
        #expect(written == 0)

        // Table order differs from both string order and the collection's own term ids.
        let table = try TokenTable(tokens: ["[PAD]", "zebra", "ça", "检索", "a.b", "##ing", "apple", "never-exported"], source: "tags.txt")
        let (lines, count) = try F.lines(collection, .qdrant, tokens: table)
        #expect(count == 4)
        for line in lines {
            let point = try F.object(line)
            let id = try #require((point["payload"] as? [String: Any])?["fathom_id"] as? String)
            let sparse = try #require((point["vector"] as? [String: Any])?["sparse"] as? [String: Any])
            let indices = ((sparse["indices"] as? [Any]) ?? []).compactMap { ($0 as? NSNumber)?.uint32Value }
            let values = F.floats(sparse["values"]) ?? []
            let expected = try #require(weights[id]).map { (table.id(of: $0.key) ?? .max, $0.value) }.sorted { $0.0 < $1.0 }
            #expect(indices == expected.map(\.0) && values == expected.map(\.1), "sparse of \(id)")
        }

        let partial = try TokenTable(tokens: ["zebra", "apple"], source: "partial.txt")
        #expect(B.thrown { try collection.export(.qdrant, tokens: partial) { _ in } }
                == .invalidArgument(reason: "term '##ing' of document 't1' is not in partial.txt"))
    }

    @Test("jsonl takes no token table, and exportJSONL is export(.jsonl)")
    func jsonl() throws {
        let mixed = try F.mixed()
        var lines: [String] = []
        try mixed.collection.exportJSONL { lines.append($0) }
        #expect(try F.lines(mixed.collection, .jsonl).lines == lines)
        #expect(try F.lines(mixed.collection, .qdrant).lines.map { try F.object($0)["payload"].flatMap { ($0 as? [String: Any])?["fathom_id"] as? String } }
                == lines.map { try F.object($0)["id"] as? String }, "the same documents in the same order as jsonl")
        let table = try TokenTable(tokens: ["a"])
        #expect(B.kind { try mixed.collection.export(.jsonl, tokens: table) { _ in } } == .invalidArgument)
    }
}
