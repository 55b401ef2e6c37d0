/// One live document as an export reads it from a snapshot: what every line
/// encoder turns into its format.
struct ExportedDocument {
    var id: String
    /// Nil when the document has no sparse part or an empty one.
    var sparse: SparseVector?
    var dense: [Float]?
    /// The stored canonical JSON object, written as is (so it is exact).
    var metadata: String?
    var text: String?
}
