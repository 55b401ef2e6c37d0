/// Writes a document as one Qdrant point (see ``ExportFormat/qdrant`` for the
/// shape and the reasons behind each rule).
struct QdrantPointEncoder {
    /// For a `.vocabulary` collection: the Qdrant index of each of its term
    /// ids (nil where the token table lacks the term), and the terms for messages.
    private let remapping: (indices: [UInt32?], terms: [String], source: String)?

    /// - Parameters:
    ///   - collection: The collection's name, for messages.
    ///   - terms: The string terms of a `.vocabulary` collection, by term id.
    ///   - tokens: Ids for those terms; required when `terms` is given.
    init(collection: String, terms: [String]?, tokens: TokenTable?) throws {
        guard let terms else {
            // Term ids are already Qdrant indices.
            remapping = nil
            return
        }
        guard let tokens else {
            throw FathomError.invalidArgument(
                reason: "collection '\(collection)' stores string terms and Qdrant sparse vectors have integer indices: give a token table that assigns the terms ids")
        }
        remapping = (terms.map { tokens.id(of: $0) }, terms, tokens.source)
    }

    func write(_ document: ExportedDocument, to write: (String) throws -> Void) throws {
        var out = "{\"id\":\"" + ExportFormat.qdrantPointID(forDocumentID: document.id) + "\",\"vector\":{"
        if let dense = document.dense {
            out += "\"dense\":["
            DocumentRecordEncoder.appendNumbers(dense, to: &out)
            out += "]"
        }
        if let sparse = document.sparse {
            let (indices, values) = try self.indices(sparse, of: document.id)
            if document.dense != nil { out += "," }
            out += "\"sparse\":{\"indices\":["
            out += indices.map { String($0) }.joined(separator: ",")
            out += "],\"values\":["
            DocumentRecordEncoder.appendNumbers(values, to: &out)
            out += "]}"
        }
        out += "},\"payload\":{\"fathom_id\":"
        DocumentRecordEncoder.appendString(document.id, to: &out)
        if let metadata = document.metadata { out += ",\"metadata\":" + metadata }
        if let text = document.text {
            out += ",\"text\":"
            DocumentRecordEncoder.appendString(text, to: &out)
        }
        out += "}}"
        try write(out)
    }

    /// Strictly increasing indices with their values.
    private func indices(_ sparse: SparseVector, of id: String) throws -> ([UInt32], [Float]) {
        guard let remapping else { return (sparse.indices, sparse.values) }
        var pairs: [(UInt32, Float)] = []
        pairs.reserveCapacity(sparse.indices.count)
        for (index, value) in zip(sparse.indices, sparse.values) {
            guard Int(index) < remapping.indices.count else {
                throw FathomError.corruption(what: "vocabulary", detail: "document '\(id)' uses term id \(index), which has no term")
            }
            guard let mapped = remapping.indices[Int(index)] else {
                throw FathomError.invalidArgument(
                    reason: "term '\(remapping.terms[Int(index)])' of document '\(id)' is not in \(remapping.source)")
            }
            pairs.append((mapped, value))
        }
        // Distinct terms have distinct tokens (TokenTable rejects repeats), so
        // the new indices are distinct too; only their order changes.
        pairs.sort { $0.0 < $1.0 }
        return (pairs.map(\.0), pairs.map(\.1))
    }
}
