import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Text queries: tokenizer, weights and search")
struct TextQueryTests {
    typealias B = Behaviour

    static var vocabulary: WordPieceVocabulary { TokenizerFixtures.vocabulary }

    static func id(_ token: String) -> UInt32 { UInt32(vocabulary.id(of: token)!) }

    /// A document whose sparse vector has these tokens of the BERT vocabulary.
    static func document(_ id: String, _ weights: [String: Float], dense: [Float]? = nil) -> Document {
        Document(id: id, sparse: B.sparse(weights.map { (Self.id($0.key), $0.value) }), dense: dense)
    }

    static func idf(_ n: Int, _ df: Int) -> Float {
        Float(log(1 + (Double(n) - Double(df) + 0.5) / (Double(df) + 0.5)))
    }

    static func collection(_ scratch: B.Scratch, dense: Int? = nil, sealThreshold: Int = 20_000) throws -> Collection {
        let collection = try scratch.open().createCollection(schema: CollectionSchema(
            dense: dense.map { DenseSchema(dimension: $0, metric: .dot) }, sparse: .termIDs(dimension: 30_522),
            index: IndexParameters(sealThreshold: sealThreshold)))
        try collection.importVocabulary(vocabulary)
        return collection
    }

    @Test("corpus IDF weighs each distinct token ln(1 + (N − df + 0.5)/(df + 0.5)) over the live documents")
    func corpusIDF() throws {
        let scratch = B.Scratch()
        let collection = try Self.collection(scratch)
        try collection.upsert([
            Self.document("a", ["oil": 1, "price": 0.5]), Self.document("b", ["oil": 2, "gold": 1]),
            Self.document("c", ["gold": 0.3]), Self.document("d", ["wheat": 1]),
        ])
        try collection.seal()
        var terms = try collection.textQueryTerms("OIL, gold and Oil zebra")
        // "oil" counts once; "," and "and" and "zebra" are in no document.
        #expect(terms == [
            TextQueryTerm(token: "oil", termID: Self.id("oil"), weight: Self.idf(4, 2), documentFrequency: 2),
            TextQueryTerm(token: "gold", termID: Self.id("gold"), weight: Self.idf(4, 2), documentFrequency: 2),
        ])
        try collection.delete(ids: ["b"])
        try collection.upsert([Self.document("e", ["gold": 1, "oil": 1]), Self.document("f", ["gold": 2])])
        terms = try collection.textQueryTerms("oil gold")
        #expect(terms.map(\.documentFrequency) == [2, 3])
        #expect(terms.map(\.weight) == [Self.idf(5, 2), Self.idf(5, 3)])
        #expect(try collection.textQuerySettings()
            == TextQuerySettings(vocabularySize: 30_522, lowercase: true, weighting: .corpusIDF))
    }

    @Test("a text query returns exactly what the sparse query built by hand from its tokens and IDF weights returns")
    func sameAsHandBuilt() throws {
        let scratch = B.Scratch()
        let collection = try Self.collection(scratch, sealThreshold: 150)
        let words = ["oil", "price", "crude", "gold", "bank", "rates", "wheat", "grain", "shares", "profit", "quarter",
                     "market", "##s", "trade", "export", "dollar", "yen", "cut", "rise", "fall"]
        var generator = SeededGenerator(seed: 8_101)
        var model = B.Model()
        let documents = (0..<400).map { i in
            let chosen = words.shuffled(using: &generator).prefix(Int.random(in: 1...8, using: &generator))
            return Self.document("d\(i)", Dictionary(uniqueKeysWithValues: chosen.map {
                ($0, Float.random(in: 0.05...2.5, using: &generator))
            }))
        }
        try B.upsert(documents, into: collection, model: &model, batchSize: 50)
        let deleted = model.ids.filter { $0.hasSuffix("7") }
        try collection.delete(ids: deleted)
        model.delete(deleted)
        let tokenizer = try #require(try collection.tokenizer())
        var failures: [String] = []
        let texts = ["Crude oil prices rise", "gold and wheat", "BANK rates cut; yen falls", "exports of grain",
                     "profit quarter shares market trade dollar", "Oil oil OIL"]
        for text in texts {
            // By hand: distinct tokens in order, df from the model of live documents.
            var seen = Set<Int>(), pairs: [(UInt32, Float)] = []
            for id in tokenizer.tokenIDs(text) where seen.insert(id).inserted {
                let df = model.documents.filter { $0.sparse?.indices.contains(UInt32(id)) == true }.count
                if df > 0 { pairs.append((UInt32(id), Self.idf(model.count, df))) }
            }
            let byHand = try collection.search(Query(sparse: B.sparse(pairs), k: 25, mode: .sparse, exact: true))
            let result = try collection.searchExplained(Query(text: text, k: 25))
            if result.hits != byHand { failures.append("\(text): \(result.hits.prefix(3)) vs \(byHand.prefix(3))") }
            #expect(result.explanation.mode == "sparse")
            #expect(result.explanation.textTerms?.count == pairs.count)
        }
        B.expectNoFailures(failures, of: texts.count, "text queries")
    }

    @Test("supplied weights replace corpus IDF; tokens the table lacks are dropped; nil goes back to corpus IDF")
    func suppliedWeights() throws {
        let scratch = B.Scratch()
        let collection = try Self.collection(scratch)
        try collection.upsert([Self.document("a", ["oil": 1, "price": 2]), Self.document("b", ["gold": 1, "price": 1])])
        try collection.setQueryWeights(["oil": 3, "price": 0.5, "gold": 0, "[CLS]": 9])
        #expect(try collection.textQuerySettings()?.weighting == .supplied)
        let result = try collection.searchExplained(Query(text: "[CLS] price of gold and oil", k: 5))
        #expect(result.explanation.textWeighting == .supplied)
        #expect(result.explanation.textTerms == [
            TextQueryTerm(token: "price", termID: Self.id("price"), weight: 0.5),
            TextQueryTerm(token: "oil", termID: Self.id("oil"), weight: 3),
        ])
        #expect(result.explanation.textDroppedTokens == ["[CLS]", "of", "gold", "and"])
        #expect(result.hits.map(\.id) == ["a", "b"])
        #expect(result.hits.map(\.score) == [Float(4), Float(0.5)])  // 3 · 1 + 0.5 · 2, 0.5 · 1
        try collection.setQueryWeights(nil)
        #expect(try collection.textQueryTerms("oil").first?.documentFrequency == 1)
    }

    @Test("idf.json files are read as one JSON object; bad files and tables are named errors")
    func weightFiles() throws {
        let scratch = B.Scratch()
        let collection = try Self.collection(scratch)
        let path = scratch.file("idf.json")
        try ###"{"gold": 2.5, "##s": 0.25}"###.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try collection.setQueryWeights(contentsOf: path) == 2)
        #expect(try collection.textQueryTerms("golds").map(\.weight) == [2.5, 0.25])

        func failure(_ json: String) throws -> String? {
            try json.write(toFile: path, atomically: true, encoding: .utf8)
            return B.thrown { try collection.setQueryWeights(contentsOf: path) }?.description
        }
        #expect(try failure(#"{"oil": 2.5"#) == "\(path): invalid JSON at byte 12: unexpected end of line, expected ',' or '}' after an object member")
        #expect(try failure(#"{"oil": "high"}"#) == "\(path): the weight of \"oil\": expected a number")
        #expect(try failure(#"{"oil": 1e39}"#) == "\(path): the weight of \"oil\": 1e+39 is outside the range of a 32-bit float")
        #expect(try failure(#"{"oil": -1}"#) == "\(path): the weight of \"oil\" must be finite and >= 0, got -1.0")
        #expect(try failure(#"{"oil": 1, "Ölpreis": 2, "zzzzqqq": 3}"#)
            == "\(path): 2 of its 3 tokens are not in the collection's vocabulary, such as \"zzzzqqq\": it was made for another vocabulary")
        #expect(try failure("[1, 2]") == "\(path): expected an object")
        #expect(B.thrown { try collection.setQueryWeights(contentsOf: scratch.file("none.json")) }
            == .io(path: scratch.file("none.json"), reason: "no such file"))
        // The failed attempts changed nothing.
        #expect(try collection.textQueryTerms("golds").map(\.weight) == [2.5, 0.25])
    }

    @Test("text queries fail clearly without a vocabulary, without usable tokens, or with another sparse part")
    func queryErrors() throws {
        let scratch = B.Scratch()
        let database = try scratch.open()
        let bare = try database.createCollection("bare", schema: CollectionSchema(sparse: .termIDs(dimension: 30_522)))
        try bare.upsert([Self.document("a", ["oil": 1])])
        #expect(B.thrown { try bare.search(Query(text: "oil")) }
            == .invalidQuery(reason: "collection 'bare' has no vocabulary for text queries: import one (fathom vocab import)"))
        #expect(B.kind { try bare.setQueryWeights(["oil": 1]) } == .invalidArgument)

        let collection = try Self.collection(scratch)
        try collection.upsert([Self.document("a", ["oil": 1])])
        #expect(B.thrown { try collection.search(Query(text: "gold ☃")) }
            == .invalidQuery(reason: "the text \"gold ☃\" gives no query term: its tokens (\"gold\", \"[UNK]\") are special, unknown to the collection or in no document"))
        #expect(B.thrown { try collection.search(Query(text: " ,")) }?.description.contains("\",\"") == true)
        #expect(B.thrown { try collection.search(Query(text: "")) }
            == .invalidQuery(reason: "the text \"\" gives no query term: it has no tokens"))
        var both = Query(text: "oil")
        both.sparse = B.sparse([(1, 1)])
        #expect(B.kind { try collection.search(both) } == .invalidQuery)
        // Text in mode dense is not used (like a sparse part), so it needs a dense part.
        #expect(B.kind { try collection.search(Query(text: "oil", mode: .dense)) } == .invalidQuery)
    }

    @Test("a vocabulary must fit the collection: integer term ids below its size, and a sparse part")
    func importErrors() throws {
        let scratch = B.Scratch()
        let database = try scratch.open()
        let small = try database.createCollection("small", schema: CollectionSchema(sparse: .termIDs(dimension: 1_000)))
        #expect(B.thrown { try small.importVocabulary(Self.vocabulary) } == .invalidArgument(
            reason: "the vocabulary has 30522 tokens, but the term ids of collection 'small' are below 1000: its documents cannot have been encoded with it"))
        let dense = try database.createCollection("dense", schema: CollectionSchema(dense: DenseSchema(dimension: 2)))
        #expect(B.kind { try dense.importVocabulary(Self.vocabulary) } == .invalidArgument)
        #expect(B.kind { try small.importVocabulary("[UNK]\n[UNK]\n") } == .invalidVocabulary)
        #expect(try small.textQuerySettings() == nil)
        #expect(try small.tokenizer() == nil)
    }

    @Test("with a dense vector a text query runs hybrid, and the text's terms are in the explanation")
    func hybrid() throws {
        let scratch = B.Scratch()
        let collection = try Self.collection(scratch, dense: 2)
        try collection.upsert([Self.document("a", ["oil": 1], dense: [1, 0]), Self.document("b", ["gold": 1], dense: [0, 1]),
                               Self.document("c", ["oil": 0.2, "gold": 0.2], dense: [0.5, 0.5])])
        let result = try collection.searchExplained(Query(text: "oil", dense: [0, 1], k: 3))
        #expect(result.explanation.mode == "hybrid")
        #expect(result.explanation.textTerms?.map(\.token) == ["oil"])
        #expect(Set(result.hits.map(\.id)) == ["a", "b", "c"])
        let denseOnly = try collection.searchExplained(Query(text: "oil", dense: [0, 1], k: 3, mode: .dense))
        #expect(denseOnly.explanation.textTerms == nil)
    }

    @Test("string-term collections match the tokens to their own terms by text")
    func stringTermCollection() throws {
        let scratch = B.Scratch()
        let collection = try scratch.open().createCollection(schema: CollectionSchema(sparse: .vocabulary))
        try collection.upsert([Document(id: "a", sparseTerms: ["wheat": 1, "##s": 0.5]), Document(id: "b", sparseTerms: ["gold": 2])])
        try collection.importVocabulary(Self.vocabulary)
        let result = try collection.searchExplained(Query(text: "Wheats and gold", k: 5))
        #expect(result.explanation.textTerms?.map(\.token) == ["wheat", "##s", "gold"])
        #expect(result.explanation.textDroppedTokens == ["and"])
        #expect(Set(result.hits.map(\.id)) == ["a", "b"])
    }

    @Test("another handle on the same file sees a new vocabulary or new weights at its next query")
    func cacheFollowsRevision() throws {
        let scratch = B.Scratch()
        let collection = try Self.collection(scratch)
        try collection.upsert([Self.document("a", ["oil": 1])])
        let other = try scratch.open().collection()
        #expect(try other.textQueryTerms("oil").first?.documentFrequency == 1)
        try collection.setQueryWeights(["oil": 4])
        #expect(try other.textQueryTerms("oil").map(\.weight) == [4])
        try collection.importVocabulary(Self.vocabulary, lowercase: false)
        #expect(try other.textQuerySettings() == TextQuerySettings(vocabularySize: 30_522, lowercase: false, weighting: .corpusIDF))
        #expect(B.kind { try other.textQueryTerms("OIL") } == .invalidQuery)
    }

    @Test("a damaged stored vocabulary is reported by verify and by a text query, naming the blob")
    func damagedVocabulary() throws {
        let scratch = B.Scratch()
        let collection = try Self.collection(scratch)
        try collection.upsert([Self.document("a", ["oil": 1])])
        try collection.setQueryWeights(["oil": 1])
        try B.RawFile(scratch.path).flipByte("tokenizers", "vocabulary", rowid: 1, at: -3)
        let report = try scratch.open().verify()
        #expect(report.problems == ["corruption detected in tokenizer vocabulary of collection 1: checksum mismatch"])
        #expect(B.thrown { try scratch.open().collection().search(Query(text: "oil")) }
            == .corruption(what: "tokenizer vocabulary of collection 1", detail: "checksum mismatch"))
        // Documents and other searches are unaffected.
        #expect(try scratch.open().collection().search(Query(sparse: B.sparse([(Self.id("oil"), 1)]))).map(\.id) == ["a"])
    }

    @Test("query files give each query its text as the sparse part when asked, and name a query without text")
    func queryFiles() throws {
        let scratch = B.Scratch()
        let collection = try Self.collection(scratch)
        try collection.upsert([Self.document("a", ["oil": 1])])
        let path = scratch.file("queries.jsonl")
        try B.writeLines([#"{"id": "q1", "text": "oil", "sparse": {"indices": [5], "values": [1]}}"#, #"{"id": "q2", "sparse": {}}"#],
                         to: path)
        #expect(B.thrown { try QueryFile.load(path: path, for: collection, k: 5, mode: .auto, sparseFromText: true) }
            == .invalidRecord(location: InputLocation(file: path, line: 2), field: "text",
                              reason: "missing (the sparse part is made from the text)"))
        let first = try QueryFile.load(path: path, for: collection, k: 5, mode: .auto, limit: 1, sparseFromText: true)
        #expect(first.map(\.query.text) == ["oil"])
        #expect(first.map(\.query.sparse) == [nil])
        #expect(try collection.search(first[0].query).map(\.id) == ["a"])
    }
}
