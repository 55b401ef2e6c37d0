import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("OpenSearch export: _bulk action and source lines with sparse_vector / rank_features and knn_vector fields")
struct OpenSearchExportTests {
    typealias B = Behaviour
    typealias F = ExportFixtures

    /// The `sparse` object a document should export: weights OpenSearch
    /// accepts (at least the smallest normal float), keyed by `key`.
    static func expectedFeatures(_ sparse: SparseVector?, key: (UInt32) -> String) -> [String: Float]? {
        guard let sparse else { return nil }
        var features: [String: Float] = [:]
        for (index, weight) in zip(sparse.indices, sparse.values) where weight >= Float.leastNormalMagnitude {
            features[key(index)] = weight
        }
        return features.isEmpty ? nil : features
    }

    static func features(_ value: Any?) -> [String: Float]? {
        guard let object = value as? [String: Any] else { return nil }
        let features = object.compactMapValues { ($0 as? NSNumber).map { Float($0.doubleValue) } }
        return features.count == object.count ? features : nil
    }

    @Test("action and source lines alternate, with exactly the documented fields, ids and values of every live document")
    func shape() throws {
        let mixed = try F.mixed()
        let (lines, count) = try F.lines(mixed.collection, .openSearch(index: "swift-docs"))
        #expect(count == mixed.model.count && lines.count == 2 * count)
        var ids: [String] = []
        for pair in stride(from: 0, to: lines.count - 1, by: 2) {
            let action = try F.object(lines[pair]), source = try F.object(lines[pair + 1])
            let operation = try #require(action["index"] as? [String: Any], "line \(pair + 1) is an index action: \(lines[pair])")
            #expect(action.count == 1 && Set(operation.keys) == ["_index", "_id"])
            #expect(operation["_index"] as? String == "swift-docs")
            let id = try #require(operation["_id"] as? String)
            ids.append(id)
            #expect(source["index"] == nil, "line \(pair + 2) is a source, not another action")
            #expect(Set(source.keys).isSubset(of: ["sparse", "dense", "metadata", "text"]), "fields of \(id): \(source.keys)")

            let document = try #require(mixed.model[id])
            let sparse = Self.features(source["sparse"])
            #expect(source["sparse"] == nil || sparse != nil, "sparse of \(id) maps strings to numbers")
            #expect(sparse == Self.expectedFeatures(document.sparse) { String($0) }, "sparse of \(id)")
            #expect(sparse?.keys.allSatisfy { $0.wholeMatch(of: /0|[1-9][0-9]*/) != nil } ?? true, "decimal term ids")
            #expect(sparse?.values.allSatisfy { $0.isFinite && $0 >= Float.leastNormalMagnitude } ?? true)
            let zero = document.dense?.allSatisfy { $0 == 0 } ?? false
            #expect(F.floats(source["dense"]) == (zero ? nil : document.dense), "dense of \(id)")
            #expect(source["dense"] == nil || F.floats(source["dense"])?.count == F.denseDimension)
            #expect(source["text"] as? String == document.text, "text of \(id)")
            // Metadata: the stored canonical text, byte for byte, and the same values.
            let stored = try mixed.collection.document(id: id)?.metadata
            #expect(try F.metadata(lines[pair + 1]) == stored, "metadata of \(id)")
            if let stored { #expect(lines[pair + 1].contains("\"metadata\":" + CanonicalJSON.encode(stored))) }
        }
        #expect(ids == mixed.model.ids, "every live document once, in the order of its last write; deleted ones absent")
    }

    @Test("a token table turns term ids into its tokens; a shorter table is an error naming the term id and the table")
    func tokens() throws {
        let mixed = try F.mixed()
        let awkward = ["##ing", "a.b", "quote\"d", "ü", "[CLS]"]
        let table = try TokenTable(tokens: awkward + (awkward.count..<F.sparseDimension).map { "tok\($0)" }, source: "vocab.txt")
        let (lines, _) = try F.lines(mixed.collection, .openSearch(index: "docs"), tokens: table)
        for pair in stride(from: 0, to: lines.count - 1, by: 2) {
            let id = try #require((try F.object(lines[pair])["index"] as? [String: Any])?["_id"] as? String)
            let expected = Self.expectedFeatures(mixed.model[id]?.sparse) { table.tokens[Int($0)] }
            #expect(Self.features(try F.object(lines[pair + 1])["sparse"]) == expected, "sparse of \(id)")
        }
        // doc-0 uses term ids 2 and 3 (ids 0 and 1 have weights OpenSearch refuses).
        #expect(lines.contains { $0.hasPrefix(#"{"sparse":{"quote\"d":1.1754944e-38,"ü":0.5,"#) })

        let short = try TokenTable(tokens: (0..<50).map { "t\($0)" }, source: "short.txt")
        var written: [String] = []
        let error = B.thrown { try mixed.collection.export(.openSearch(index: "docs"), tokens: short) { written.append($0) } }
        guard case .invalidArgument(let reason)? = error else { Issue.record("expected invalidArgument, got \(String(describing: error))"); return }
        #expect(reason.wholeMatch(of: /term id [0-9]+ of document '.+' has no token: short.txt has 50 lines \(term ids 0...49\)/) != nil, "\(reason)")
        #expect(written.count % 2 == 0, "no action line without its source")
    }

    @Test("a string-term collection writes its terms as keys (a token table is not used), deleted documents absent")
    func vocabularyCollection() throws {
        let fixture = try F.vocabulary()
        let collection = fixture.collection, weights = fixture.weights
        let table = try TokenTable(tokens: ["unrelated"])
        for tokens in [nil, table] {
            let (lines, count) = try F.lines(collection, .openSearch(index: "tags"), tokens: tokens)
            #expect(count == 4 && lines.count == 8)
            for pair in stride(from: 0, to: lines.count - 1, by: 2) {
                let id = try #require((try F.object(lines[pair])["index"] as? [String: Any])?["_id"] as? String)
                let expected = try #require(weights[id]).filter { $0.value >= Float.leastNormalMagnitude }
                #expect(Self.features(try F.object(lines[pair + 1])["sparse"]) == expected, "sparse of \(id)")
            }
            #expect(!lines.joined().contains("never-exported") && !lines.joined().contains("\"gone\""))
        }
        // String order, whatever order the terms reached the vocabulary in.
        #expect(try F.lines(collection, .openSearch(index: "tags")).lines[1].hasPrefix(#"{"sparse":{"apple":0.5,"zebra":1.0},"#))
    }

    @Test("a zero dense vector is left out under cosine (OpenSearch rejects it) and kept under dot and l2")
    func zeroVectors() throws {
        for metric in [DenseMetric.dot, .l2] {
            let mixed = try F.mixed(metric: metric)
            let (lines, _) = try F.lines(mixed.collection, .openSearch(index: "docs"))
            let source = try #require(lines.firstIndex(of: #"{"index":{"_index":"docs","_id":"doc-3"}}"#)).advanced(by: 1)
            #expect(F.floats(try F.object(lines[source])["dense"]) == [Float](repeating: 0, count: F.denseDimension), "\(metric)")
        }
        let mixed = try F.mixed(metric: .cosine)
        let (lines, _) = try F.lines(mixed.collection, .openSearch(index: "docs"))
        let source = try #require(lines.firstIndex(of: #"{"index":{"_index":"docs","_id":"doc-3"}}"#)).advanced(by: 1)
        // doc-3 has only zero weights and a zero vector: neither field is written.
        #expect(try F.object(lines[source])["dense"] == nil)
        #expect(try F.object(lines[source])["sparse"] == nil)
    }

    @Test("index names OpenSearch refuses and ids longer than 512 bytes are invalid arguments")
    func limits() throws {
        let mixed = try F.mixed()
        for bad in ["Docs", "", ".", "..", "_docs", "-docs", "+docs", "my docs", "a,b", "a:b", "a#b", "a*b", "a/b", "a\\b",
                    "a?b", "a\"b", "a<b", "a>b", "a|b", String(repeating: "x", count: 256)] {
            var written = 0
            #expect(B.kind { try mixed.collection.export(.openSearch(index: bad)) { _ in written += 1 } } == .invalidArgument, "'\(bad)'")
            #expect(written == 0, "nothing is written for the index name '\(bad)'")
        }
        for good in ["docs", "swift-docs_v2.1", "日本語", String(repeating: "x", count: 255)] {
            #expect(try F.lines(mixed.collection, .openSearch(index: good)).count == mixed.model.count, "'\(good)'")
        }

        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(sparse: .termIDs(dimension: 10)))
        let longest = String(repeating: "é", count: 256)   // 512 bytes
        try collection.upsert([Document(id: longest, sparse: B.sparse([(1, 1)]))])
        #expect(try F.lines(collection, .openSearch(index: "docs")).count == 1)
        try collection.upsert([Document(id: longest + "x", sparse: B.sparse([(1, 1)]))])
        var written: [String] = []
        let error = B.thrown { try collection.export(.openSearch(index: "docs")) { written.append($0) } }
        #expect(error == .invalidArgument(reason: "document id '\(String(repeating: "é", count: 40))…' is 513 bytes; OpenSearch's _id holds at most 512"))
        #expect(written.count == 2, "the documents before it are written, in whole pairs")
    }
}
