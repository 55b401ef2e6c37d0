import Foundation

/// How a collection weighs the tokens of a text query.
public enum QueryWeighting: String, Sendable, Codable, Equatable {
    /// A weight table supplied with ``Collection/setQueryWeights(_:)`` (an
    /// inference-free model's `idf.json`): a token's weight is its entry; a
    /// token the table lacks (or gives 0) is dropped.
    case supplied
    /// IDF from the collection's own document frequencies, kept exact by every
    /// write: `ln(1 + (N − df + 0.5) / (df + 0.5))` with N the live documents
    /// and df those whose sparse vector has the term (BM25's IDF, always > 0).
    /// A token no live document has is dropped (it could not match anything).
    case corpusIDF = "corpus-idf"
}

/// One term of a sparse query built from text: what was searched, and why.
public struct TextQueryTerm: Sendable, Equatable, Codable {
    /// The WordPiece token (`##` marks a continuation).
    public var token: String
    /// The term id searched: the token's id in the vocabulary for integer
    /// term-id collections, the collection's own id of the token string for
    /// string-term collections.
    public var termID: UInt32
    /// The query weight of the term.
    public var weight: Float
    /// The term's document frequency (live documents that have it), for
    /// ``QueryWeighting/corpusIDF``; nil with supplied weights.
    public var documentFrequency: Int?
}

/// What a collection's text queries are made with: the stored tokenizer and,
/// when supplied, the weight of every token (by token id).
struct TextQueryModel: Sendable {
    let tokenizer: WordPieceTokenizer
    /// Supplied weights by token id (0: the table has none), or nil for corpus IDF.
    let weights: [Float]?
    /// Incremented by every change of the stored tokenizer (caches key on it).
    let revision: Int64

    var weighting: QueryWeighting { weights == nil ? .corpusIDF : .supplied }

    /// The sparse query of `text`, with the terms it kept and the tokens it
    /// dropped (special tokens, `[UNK]`, tokens without a weight or without a
    /// document). Each distinct token counts once, at its weight — as
    /// inference-free learned-sparse models build queries (a token vector of
    /// 0/1 times the IDF table), not weighted by repeats.
    ///
    /// - Parameters:
    ///   - vocabulary: The collection's string-term vocabulary (nil for integer term ids).
    ///   - documentCount: N, the collection's live documents (corpus IDF).
    ///   - frequencies: Looks up the document frequencies of term ids (corpus IDF).
    func query(for text: String, record: CollectionRecord, vocabulary: Vocabulary?, documentCount: Int,
               frequencies: ([UInt32]) throws -> [Int]) throws -> (vector: SparseVector, terms: [TextQueryTerm], dropped: [String]) {
        var ids: [Int32] = []
        tokenizer.encode(text, into: &ids)
        let tokens = tokenizer.vocabulary.tokens
        let special = Set(tokenizer.vocabulary.specialTokenIDs.map(Int32.init))
        // The distinct tokens in order of appearance, with the collection's term id of each (nil: not searchable).
        var seen = Set<Int32>()
        var distinct: [(token: Int32, term: UInt32?)] = []
        for id in ids where seen.insert(id).inserted {
            var term: UInt32?
            if !special.contains(id) {
                switch record.schema.sparse {
                case .termIDs(let dimension)?: term = Int(id) < dimension ? UInt32(id) : nil
                case .vocabulary?: term = vocabulary?.ids[tokens[Int(id)]]
                case nil: term = nil
                }
            }
            distinct.append((id, term))
        }
        // Weight and document frequency of each searchable token (weight 0: dropped).
        var weighed = [(weight: Float, df: Int?)](repeating: (0, nil), count: distinct.count)
        let searchable = distinct.indices.filter { distinct[$0].term != nil }
        if let weights {
            for i in searchable { weighed[i] = (weights[Int(distinct[i].token)], nil) }
        } else {
            let counts = try frequencies(searchable.map { distinct[$0].term! })
            for (i, df) in zip(searchable, counts) where df > 0 {
                weighed[i] = (Self.inverseDocumentFrequency(documents: documentCount, containing: df), df)
            }
        }
        var terms: [TextQueryTerm] = []
        var dropped: [String] = []
        for (entry, weight) in zip(distinct, weighed) {
            if let term = entry.term, weight.weight > 0 {
                terms.append(TextQueryTerm(token: tokens[Int(entry.token)], termID: term, weight: weight.weight,
                                           documentFrequency: weight.df))
            } else {
                dropped.append(tokens[Int(entry.token)])
            }
        }
        guard !terms.isEmpty else {
            let why: String
            if dropped.isEmpty {
                why = "it has no tokens"
            } else {
                let listed = dropped.prefix(10).map(\.debugDescription).joined(separator: ", ") + (dropped.count > 10 ? ", …" : "")
                why = "its tokens (\(listed)) are special, unknown to the collection or "
                    + (weights == nil ? "in no document" : "without a query weight")
            }
            throw FathomError.invalidQuery(reason: "the text \(text.debugDescription) gives no query term: \(why)")
        }
        let sorted = terms.sorted { $0.termID < $1.termID }
        return (SparseVector(validatedIndices: sorted.map(\.termID), values: sorted.map(\.weight)), terms, dropped)
    }

    /// BM25's inverse document frequency: `ln(1 + (N − df + 0.5) / (df + 0.5))`.
    static func inverseDocumentFrequency(documents: Int, containing: Int) -> Float {
        let n = Double(max(documents, containing)), df = Double(containing)
        return Float(log(1 + (n - df + 0.5) / (df + 0.5)))
    }
}
