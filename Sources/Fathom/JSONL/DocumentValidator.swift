/// Validates a document against its collection's schema: one set of rules
/// for the API and for JSONL ingest.
///
/// - `id` present, a non-empty string of at most 4,096 bytes;
/// - sparse: integer indices in `0..<dimension` (duplicates are an error; order
///   is free, they are sorted), as many values as indices, each finite and ≥ 0;
///   or, for a vocabulary collection, string terms with such weights;
/// - dense: exactly `dimension` finite numbers;
/// - at least one vector part, and only parts the collection has;
/// - metadata a JSON object (stored in canonical form).
enum DocumentValidator {
    static let maxIDBytes = 4_096

    static func prepare(_ record: DocumentRecord, schema: CollectionSchema) throws(ValidationFailure) -> PreparedDocument {
        guard let id = record.id else { throw ValidationFailure(field: "id", reason: "missing") }
        guard !id.isEmpty else { throw ValidationFailure(field: "id", reason: "must be a non-empty string") }
        guard id.utf8.count <= maxIDBytes else {
            throw ValidationFailure(field: "id", reason: "longer than \(maxIDBytes) bytes")
        }
        if let metadata = record.metadata { try checkFinite(.object(metadata), field: "metadata") }
        if record.hasBothSparseForms {
            throw ValidationFailure(field: "sparse", reason: "give sparse (term ids) or sparseTerms (strings), not both")
        }
        var prepared = PreparedDocument(externalID: id, sparse: nil, sparseTerms: nil, dense: nil,
                                        metadata: record.metadata.map(CanonicalJSON.encode), text: record.text)
        switch (record.sparse, schema.sparse) {
        case (nil, _):
            break
        case (.some, nil):
            throw ValidationFailure(field: "sparse", reason: "the collection has no sparse part")
        case (.indexed(let indices, let values)?, .termIDs(let dimension)?):
            // An empty sparse vector is the same as none (it can match nothing).
            let vector = try sparseVector(indices: indices, values: values, dimension: dimension)
            prepared.sparse = vector.isEmpty ? nil : vector
        case (.terms(let terms)?, .vocabulary?):
            let weights = try termWeights(terms)
            prepared.sparseTerms = weights.isEmpty ? nil : weights
        case (.indexed?, .vocabulary?):
            throw ValidationFailure(field: "sparse",
                                    reason: "the collection maps string terms: expected an object of term weights")
        case (.terms?, .termIDs?):
            throw ValidationFailure(field: "sparse",
                                    reason: "the collection uses integer term ids: expected {\"indices\": [...], \"values\": [...]}")
        }
        if let dense = record.dense {
            guard let schemaDense = schema.dense else {
                throw ValidationFailure(field: "dense", reason: "the collection has no dense part")
            }
            guard dense.count == schemaDense.dimension else {
                throw ValidationFailure(field: "dense",
                                        reason: "has \(dense.count) values, the collection's dimension is \(schemaDense.dimension)")
            }
            if let bad = dense.firstIndex(where: { !$0.isFinite }) {
                throw ValidationFailure(field: "dense[\(bad)]", reason: "must be a finite number")
            }
            prepared.dense = dense
        }
        guard prepared.sparse != nil || prepared.sparseTerms != nil || prepared.dense != nil else {
            throw ValidationFailure(field: "", reason: "the document has neither a sparse nor a dense vector")
        }
        return prepared
    }

    /// JSON has no infinities or NaN; metadata given through the API must not either.
    private static func checkFinite(_ value: JSONValue, field: String) throws(ValidationFailure) {
        switch value {
        case .number(let number) where !number.isFinite:
            throw ValidationFailure(field: field, reason: "must be a finite number, got \(number)")
        case .array(let items):
            for (i, item) in items.enumerated() { try checkFinite(item, field: "\(field)[\(i)]") }
        case .object(let members):
            for (key, member) in members { try checkFinite(member, field: "\(field).\(key)") }
        default:
            break
        }
    }

    static func sparseVector(indices: [Int64], values: [Float], dimension: Int) throws(ValidationFailure) -> SparseVector {
        guard indices.count == values.count else {
            throw ValidationFailure(field: "sparse",
                                    reason: "has \(indices.count) indices but \(values.count) values")
        }
        for (i, index) in indices.enumerated() where !(0..<Int64(dimension)).contains(index) {
            throw ValidationFailure(field: "sparse.indices[\(i)]",
                                    reason: "\(index) is outside the term range 0..<\(dimension)")
        }
        for (i, value) in values.enumerated() where !(value.isFinite && value >= 0) {
            throw ValidationFailure(field: "sparse.values[\(i)]", reason: "must be finite and >= 0, got \(value)")
        }
        var order = Array(indices.indices)
        if !zip(indices, indices.dropFirst()).allSatisfy({ $0 < $1 }) {
            order.sort { indices[$0] < indices[$1] }
            for j in 1..<order.count where indices[order[j]] == indices[order[j - 1]] {
                throw ValidationFailure(field: "sparse.indices[\(max(order[j], order[j - 1]))]",
                                        reason: "repeats index \(indices[order[j]])")
            }
        }
        return SparseVector(validatedIndices: order.map { UInt32(indices[$0]) }, values: order.map { values[$0] })
    }

    static func termWeights(_ terms: [String: Float]) throws(ValidationFailure) -> [(term: String, weight: Float)] {
        var pairs: [(term: String, weight: Float)] = []
        for (term, weight) in terms.sorted(by: { $0.key < $1.key }) {
            guard !term.isEmpty else { throw ValidationFailure(field: "sparse", reason: "empty term") }
            guard weight.isFinite, weight >= 0 else {
                throw ValidationFailure(field: "sparse.\(term)", reason: "must be finite and >= 0, got \(weight)")
            }
            pairs.append((term, weight))
        }
        return pairs
    }
}
