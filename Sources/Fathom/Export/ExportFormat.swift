/// What ``Collection/export(_:tokens:_:)`` writes: Fathom's own JSONL, or a
/// file a distributed engine bulk-loads. docs/scale-out.md shows how to create
/// the matching OpenSearch index or Qdrant collection and load the file.
///
/// Every format names the vector fields `sparse` and `dense` and carries the
/// metadata object unchanged (its stored canonical JSON) under `metadata`, so
/// that metadata keys can never collide with the fields an export adds.
///
/// ```swift
/// try docs.export(.jsonl) { print($0) }                        // what `ingest` reads back
/// try docs.export(.openSearch(index: "docs")) { print($0) }    // `_bulk` NDJSON
/// try docs.export(.qdrant) { print($0) }                       // one Qdrant point per line
/// ```
public enum ExportFormat: Sendable, Equatable {
    /// The JSONL `ingest` reads: one document per line; exporting, ingesting
    /// into a collection with the same schema and exporting again gives the
    /// same lines.
    case jsonl

    /// OpenSearch `_bulk` NDJSON: for each document an action line
    /// `{"index":{"_index":INDEX,"_id":ID}}` and then its source line
    /// `{"sparse":{KEY:WEIGHT,...},"dense":[...],"metadata":{...},"text":"..."}`
    /// (each field only when the document has it).
    ///
    /// - `sparse` is for a `sparse_vector` (neural sparse ANN, OpenSearch 3.3+) or
    ///   `rank_features` field. Keys are the decimal term ids, the form
    ///   `sparse_vector` requires; with a ``TokenTable`` they are its tokens
    ///   and the field must be `rank_features`; a `.vocabulary` collection
    ///   writes its string terms (also `rank_features`). Weights below the
    ///   smallest normal float (zero included) are left out: Lucene's feature
    ///   fields reject them, and in a dot product they contribute nothing.
    /// - `dense` is for a `knn_vector` field. A zero vector in a cosine
    ///   collection is left out: OpenSearch rejects it under `cosinesimil`.
    /// - `index` must be a valid OpenSearch index name (lowercase; not starting
    ///   with `_`, `-` or `+`; none of `\ / * ? " < > | , # :` or space; at
    ///   most 255 bytes) and each document id at most 512 bytes, OpenSearch's
    ///   limit for `_id`; otherwise the export throws
    ///   ``FathomError/invalidArgument(reason:)``.
    case openSearch(index: String)

    /// Qdrant points, one JSON object per line:
    /// `{"id":UUID,"vector":{"dense":[...],"sparse":{"indices":[...],"values":[...]}},"payload":{"fathom_id":ID,"metadata":{...},"text":"..."}}`,
    /// for a collection with a dense vector named `dense` and a sparse vector
    /// named `sparse`.
    ///
    /// - `id` is ``qdrantPointID(forDocumentID:)`` of the Fathom id (Qdrant ids
    ///   are unsigned integers or UUIDs); the Fathom id is kept in the payload
    ///   as `fathom_id`.
    /// - `sparse` indices are the term ids, strictly increasing. A
    ///   `.vocabulary` collection needs a ``TokenTable`` that gives its string
    ///   terms ids (Qdrant's indices are integers); without one the export
    ///   throws ``FathomError/invalidArgument(reason:)``.
    case qdrant

    /// The Qdrant point id of a Fathom document: the version-5 (SHA-1,
    /// name-based) UUID of the id's UTF-8 bytes in the namespace
    /// `8c01d74b-d9ae-565f-81f5-dea264d519b4`. Distinct ids give distinct
    /// UUIDs (a SHA-1 collision aside), and any language computes the same one,
    /// for example Python's
    /// `uuid.uuid5(uuid.UUID("8c01d74b-d9ae-565f-81f5-dea264d519b4"), fathom_id)`.
    ///
    /// ```swift
    /// ExportFormat.qdrantPointID(forDocumentID: "doc-1")   // "38e8a0cb-2a19-55d9-a6fe-1e8222368e91"
    /// ```
    public static func qdrantPointID(forDocumentID id: String) -> String {
        NameBasedUUID.version5(namespace: qdrantNamespace, name: id)
    }

    /// `8c01d74b-d9ae-565f-81f5-dea264d519b4`, fixed forever: changing it
    /// would give every exported point a new id.
    static let qdrantNamespace: [UInt8] = [0x8C, 0x01, 0xD7, 0x4B, 0xD9, 0xAE, 0x56, 0x5F,
                                           0x81, 0xF5, 0xDE, 0xA2, 0x64, 0xD5, 0x19, 0xB4]
}
