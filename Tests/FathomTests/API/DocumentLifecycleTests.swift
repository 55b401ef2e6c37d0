import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Upserts and deletes")
struct DocumentLifecycleTests {
    typealias B = Behaviour

    /// 3 sealed segments of 60 and 40 buffered documents (seal threshold 60,
    /// upserts of 20), over sparse terms 0..<800 of a 1,000-term space (terms
    /// 800... are free for the tests to mark documents with).
    static func populated(_ scratch: B.Scratch, metric: DenseMetric = .cosine) throws -> (Collection, B.Model) {
        let corpus = SyntheticCorpus(seed: 11, count: 220, sparseDimension: 800, denseDimension: 16)
        let collection = try scratch.open().createCollection(
            schema: B.schema(corpus, metric: metric, sealThreshold: 60, postingBlockSize: 8, sparseDimension: 1_000))
        var model = B.Model()
        try B.upsert(corpus.documents, into: collection, model: &model, batchSize: 20)
        let layout = try B.layout(collection)
        #expect(layout.segments == 3 && layout.buffered == 40)
        return (collection, model)
    }

    @Test("delete returns how many of the given ids existed (buffered or sealed; unknown and repeated ids not counted)")
    func deleteCountsExistingDocuments() throws {
        let scratch = B.Scratch()
        let (collection, model) = try Self.populated(scratch)
        // d5 is sealed, d210 buffered.
        #expect(try collection.delete(ids: ["d5", "d210", "nope", "d5", "d210"]) == 2)
        #expect(try collection.delete(ids: ["d5", "d210"]) == 0)
        #expect(try collection.delete(ids: []) == 0)
        #expect(try collection.count() == model.count - 2)
        #expect(try collection.document(id: "d5") == nil)
        #expect(try collection.document(id: "d210") == nil)
        #expect(try collection.document(id: "d6") == model["d6"])
    }

    @Test("a deleted document is never returned by sparse, dense or hybrid search, from a segment or the buffer")
    func deletedDocumentsAreNeverReturned() throws {
        let scratch = B.Scratch()
        var (collection, model) = try Self.populated(scratch)
        // From every segment (ordinals 0...59, 60...119, 120...179) and the buffer.
        let victims = ["d0", "d17", "d59", "d60", "d99", "d150", "d179", "d180", "d201", "d219"]
        let originals = victims.compactMap { model[$0] }
        #expect(try collection.delete(ids: victims) == victims.count)
        model.delete(victims)

        func check(_ collection: Collection) throws {
            #expect(try collection.count() == model.count)
            for original in originals {
                let id = original.id
                // The document's own vectors would rank it first; k covers every live document.
                let queries = [
                    Query(sparse: original.sparse, k: 300, mode: .sparse),
                    Query(dense: original.dense, k: 300, mode: .dense),
                    Query(sparse: original.sparse, dense: original.dense, k: 300, mode: .hybrid, candidateDepth: 300),
                ]
                for query in queries {
                    let hits = try collection.search(query)
                    #expect(!hits.contains { victims.contains($0.id) }, "\(query.mode) search for \(id) returned a deleted document")
                    #expect(Set(hits.map(\.id)).isSubset(of: Set(model.ids)))
                }
            }
            let all = try collection.search(Query(dense: [Float](repeating: 1, count: 16), k: 1_000, mode: .dense))
            #expect(all.count == model.count)
        }
        try check(collection)
        // Sealing the buffer keeps its deletions; so does reopening.
        try collection.seal()
        try check(collection)
        collection = try scratch.open().collection()
        try check(collection)
    }

    @Test("upserting an existing id replaces it: old vectors never match, new ones do, the count is unchanged")
    func upsertReplaces() throws {
        let scratch = B.Scratch()
        let (collection, model) = try Self.populated(scratch, metric: .dot)
        // Mark one sealed and one buffered document with private terms, then replace them.
        let marked = ["d30": B.sparse([(900, 2), (901, 1)]), "d205": B.sparse([(910, 2), (911, 1)])]
        try collection.upsert(marked.map { Document(id: $0.key, sparse: $0.value, dense: [Float](repeating: 0.5, count: 16)) })
        #expect(try collection.count() == model.count)
        for (id, vector) in marked {
            #expect(try collection.search(B.sparseQuery(vector, k: 5)).map(\.id) == [id])
        }
        try collection.seal()   // the marked versions are now sealed too
        var replacements: [Document] = []
        for (offset, id) in marked.keys.sorted().enumerated() {
            let new = B.sparse([(UInt32(950 + offset), 1.5)])
            replacements.append(Document(id: id, sparse: new, dense: [Float](repeating: -0.25, count: 16), text: "new \(id)"))
        }
        try collection.upsert(replacements)
        #expect(try collection.count() == model.count)
        for (id, old) in marked {
            #expect(try collection.search(B.sparseQuery(old, k: 5)).isEmpty, "the old vector of \(id) still matches")
        }
        for replacement in replacements {
            let hits = try collection.search(B.sparseQuery(replacement.sparse!, k: 5))
            #expect(hits.map(\.id) == [replacement.id])
            #expect(hits.first.map { $0.score.bitPattern } == Float(2.25).bitPattern, "score \(hits.first?.score ?? -1)")
            #expect(try collection.document(id: replacement.id) == replacement)
            // Dense (dot): the replaced document is scored with its new vector only.
            let dense = try collection.search(B.denseQuery([Float](repeating: 1, count: 16), k: 1_000))
            #expect(dense.filter { $0.id == replacement.id }.map(\.score) == [-4])
        }
    }

    @Test("a repeated id inside one upsert call: the last one wins", arguments: [false, true])
    func repeatedIDInOneCallLastWins(previouslySealed: Bool) throws {
        let scratch = B.Scratch()
        let (collection, model) = try Self.populated(scratch)
        let versions = (0..<3).map { v in
            Document(id: previouslySealed ? "d7" : "new", sparse: B.sparse([(UInt32(900 + v), 1)]), text: "version \(v)")
        }
        try collection.upsert([versions[0], Document(id: "other", sparse: B.sparse([(920, 1)])), versions[1], versions[2]])
        #expect(try collection.count() == model.count + (previouslySealed ? 1 : 2))
        #expect(try collection.document(id: versions[0].id) == versions[2])
        #expect(try collection.search(B.sparseQuery(B.sparse([(900, 1), (901, 1)]), k: 5)).isEmpty)
        #expect(try collection.search(B.sparseQuery(B.sparse([(902, 1)]), k: 5)).map(\.id) == [versions[0].id])
        try collection.seal()
        #expect(try collection.document(id: versions[0].id) == versions[2])
        #expect(try collection.search(B.sparseQuery(B.sparse([(900, 1), (901, 1), (902, 1)]), k: 5)).map(\.id) == [versions[0].id])
    }

    @Test("an upsert with one invalid document writes nothing")
    func invalidDocumentWritesNothing() throws {
        let scratch = B.Scratch()
        let (collection, model) = try Self.populated(scratch)
        let good = Document(id: "good", sparse: B.sparse([(1, 1)]))
        let replacement = Document(id: "d3", sparse: B.sparse([(2, 1)]))
        let invalid: [Document] = [
            Document(id: "no-vector"),
            Document(id: "wrong-dimension", dense: [1, 2, 3]),
            Document(id: "out-of-range", sparse: B.sparse([(1_000, 1)])),
            Document(id: "non-finite", dense: [Float](repeating: .nan, count: 16)),
            Document(id: "", sparse: B.sparse([(1, 1)])),
            Document(id: "terms", sparseTerms: ["word": 1]),
            Document(id: "both-kinds", sparse: B.sparse([(1, 1)]), sparseTerms: ["word": 1]),
            Document(id: String(repeating: "é", count: 2_049), sparse: B.sparse([(1, 1)])),   // 4,098 bytes
        ]
        for bad in invalid {
            let error = B.thrown { try collection.upsert([good, replacement, bad]) }
            guard case .invalidDocument(let id, _, _)? = error else {
                Issue.record("upserting \(bad.id.debugDescription) threw \(String(describing: error)), expected invalidDocument")
                continue
            }
            #expect(id == bad.id)
        }
        #expect(try collection.count() == model.count)
        #expect(try collection.document(id: "good") == nil)
        #expect(try collection.document(id: "d3") == model["d3"])
        // The longest id allowed: 4,096 bytes.
        let longest = Document(id: String(repeating: "é", count: 2_048), sparse: B.sparse([(1, 1)]))
        try collection.upsert([longest])
        #expect(try collection.document(id: longest.id) == longest)
    }

    @Test("ids and texts containing a NUL character are stored intact and stay distinct")
    func nulCharactersAreKept() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(sparse: .termIDs(dimension: 10)))
        let documents = [
            Document(id: "a\u{0}1", sparse: B.sparse([(1, 1)]), text: "before\u{0}after"),
            Document(id: "a\u{0}2", sparse: B.sparse([(2, 1)]), text: "x"),
        ]
        try collection.upsert(documents)
        #expect(try collection.count() == 2, "two distinct ids must give two documents")
        for document in documents {
            #expect(try collection.document(id: document.id) == document)
        }
        let hits = try collection.search(B.sparseQuery(B.sparse([(1, 1), (2, 1)]), k: 5))
        #expect(Set(hits.map(\.id)) == Set(documents.map(\.id)))
    }

    @Test("metadata holding a non-finite number is rejected rather than silently replaced")
    func nonFiniteMetadataIsRejected() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(sparse: .termIDs(dimension: 10)))
        let document = Document(id: "m", sparse: B.sparse([(1, 1)]), metadata: ["kept": "value", "bad": .number(.infinity)])
        let error = B.thrown { try collection.upsert([document]) }
        if case .invalidDocument(let id, _, _)? = error {
            #expect(id == "m")
            #expect(try collection.count() == 0)
        } else {
            // Accepted: then the metadata must at least come back as given (it cannot: ∞ is not JSON).
            let stored = try collection.document(id: "m")?.metadata
            Issue.record("upsert accepted metadata with ∞ (error: \(String(describing: error))); stored metadata: \(String(describing: stored))")
        }
    }
}
