@testable import Fathom
import Testing

@Suite("JSONL record decoding and validation")
struct DocumentValidatorTests {
    typealias F = RecordFixtures

    // MARK: Valid lines

    @Test("a full hybrid line is accepted with every field")
    func fullLine() throws {
        let prepared = try F.prepare("""
            {"id": "doc-1", "sparse": {"indices": [3, 42], "values": [0.5, 1.25]}, "dense": [0.1, -0.2, 0.3],
             "metadata": {"year": 2021, "lang": "en"}, "text": "hello", "ignored": [1, 2]}
            """)
        #expect(prepared.externalID == "doc-1")
        #expect(prepared.sparse == SparseVector(validatedIndices: [3, 42], values: [0.5, 1.25]))
        #expect(prepared.dense == [0.1, -0.2, 0.3])
        #expect(prepared.metadata == #"{"lang":"en","year":2021}"#)
        #expect(prepared.text == "hello")
        #expect(prepared.sparseTerms == nil)
    }

    @Test("unsorted indices are sorted together with their values")
    func unsortedIndicesAreSorted() throws {
        let prepared = try F.prepare(#"{"id": "a", "sparse": {"indices": [30, 2, 17, 0], "values": [0.3, 0.02, 0.17, 5]}}"#)
        #expect(prepared.sparse?.indices == [0, 2, 17, 30])
        #expect(prepared.sparse?.values == [5, 0.02, 0.17, 0.3])
    }

    @Test("a sparse-only line and a dense-only line are each accepted")
    func singlePart() throws {
        let sparse = try F.prepare(#"{"id": "s", "sparse": {"indices": [99], "values": [0]}}"#)
        #expect(sparse.sparse?.indices == [99])
        #expect(sparse.dense == nil)
        let dense = try F.prepare(#"{"id": "d", "dense": [1, 2, 3]}"#, schema: F.denseOnly)
        #expect(dense.dense == [1, 2, 3])
        #expect(dense.sparse == nil)
    }

    @Test("string terms are accepted on a vocabulary collection, sorted by term")
    func stringTerms() throws {
        let prepared = try F.prepare(#"{"id": "v", "sparse": {"ocean": 1.5, "blue": 0.25}}"#, schema: F.vocabulary)
        #expect(prepared.sparseTerms?.map(\.term) == ["blue", "ocean"])
        #expect(prepared.sparseTerms?.map(\.weight) == [0.25, 1.5])
    }

    @Test("string terms that share a name with the indexed form's fields are still terms")
    func termsNamedLikeFields() throws {
        let prepared = try F.prepare(#"{"id": "v", "sparse": {"values": 0.5, "ocean": 1}}"#, schema: F.vocabulary)
        #expect(prepared.sparseTerms?.map(\.term) == ["ocean", "values"])
        let indices = try F.prepare(#"{"id": "v", "sparse": {"indices": 2}}"#, schema: F.vocabulary)
        #expect(indices.sparseTerms?.map(\.term) == ["indices"])
    }

    @Test("Seismic's top-level \"vector\" object is read as string terms")
    func seismicVector() throws {
        let prepared = try F.prepare(#"{"id": "v", "vector": {"sea": 2}}"#, schema: F.vocabulary)
        #expect(prepared.sparseTerms?.map(\.term) == ["sea"])
    }

    @Test("an id of exactly 4,096 bytes is accepted")
    func longestID() throws {
        let id = String(repeating: "é", count: 2_048)   // 2 bytes each
        #expect(try F.prepare(#"{"id": "\#(id)", "dense": [1, 2, 3]}"#).externalID == id)
    }

    @Test("a null sparse part is the same as none")
    func nullSparse() throws {
        let prepared = try F.prepare(#"{"id": "a", "sparse": null, "dense": [1, 2, 3]}"#)
        #expect(prepared.sparse == nil)
    }

    // MARK: The id

    @Test("a missing id is rejected")
    func missingID() {
        F.expectRejection(#"{"dense": [1, 2, 3]}"#, field: "id", reason: "missing")
    }

    @Test("a null id is rejected as missing")
    func nullID() {
        F.expectRejection(#"{"id": null, "dense": [1, 2, 3]}"#, field: "id", reason: "missing")
    }

    @Test("an empty id is rejected")
    func emptyID() {
        F.expectRejection(#"{"id": "", "dense": [1, 2, 3]}"#, field: "id")
    }

    @Test("a numeric id is rejected")
    func numericID() {
        F.expectRejection(#"{"id": 17, "dense": [1, 2, 3]}"#, field: "id", reason: "string")
    }

    @Test("an id longer than 4,096 bytes is rejected")
    func overlongID() {
        let id = String(repeating: "x", count: 4_097)
        F.expectRejection(#"{"id": "\#(id)", "dense": [1, 2, 3]}"#, field: "id", reason: "4096")
    }

    // MARK: The line as a whole

    @Test("a line that is not a JSON object is rejected", arguments: ["[1, 2, 3]", "42", #""doc""#, "null", "true"])
    func notAnObject(line: String) {
        F.expectRejection(line, field: "", reason: "object")
    }

    @Test("a line that is not valid JSON is rejected", arguments: [#"{"id": "a""#, "{id: 1}", #"{"id": "a" "dense": [1, 2, 3]}"#, "nonsense"])
    func invalidJSON(line: String) {
        F.expectRejection(line, field: "", reason: "invalid JSON")
    }

    @Test("a line with neither a sparse nor a dense vector is rejected")
    func neitherVector() {
        F.expectRejection(#"{"id": "a", "metadata": {"k": 1}}"#, field: "", reason: "neither")
    }

    @Test("an empty sparse vector counts as no vector")
    func emptySparseIsNoVector() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [], "values": []}}"#, field: "", reason: "neither")
    }

    // MARK: Sparse part

    @Test("a negative sparse index is rejected, naming its position")
    func negativeIndex() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [1, -4], "values": [1, 1]}}"#,
                          field: "sparse.indices[1]", reason: "-4")
    }

    @Test("a sparse index at or above the dimension is rejected, naming its position", arguments: [100, 100_000])
    func indexOutOfRange(index: Int) {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [\#(index), 3], "values": [1, 1]}}"#,
                          field: "sparse.indices[0]", reason: "\(index)")
    }

    @Test("a non-integer sparse index is rejected, naming its position")
    func fractionalIndex() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [1, 2, 3.5], "values": [1, 1, 1]}}"#,
                          field: "sparse.indices[2]")
    }

    @Test("a string sparse index is rejected, naming its position")
    func stringIndex() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": ["7"], "values": [1]}}"#, field: "sparse.indices[0]")
    }

    @Test("a repeated sparse index is rejected, naming the index")
    func duplicateIndex() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [5, 9, 5], "values": [1, 1, 1]}}"#,
                          field: "sparse.indices[2]", reason: "repeats index 5")
    }

    @Test("a repeated sparse index among sorted ones is rejected")
    func duplicateSortedIndex() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [2, 2], "values": [1, 1]}}"#,
                          field: "sparse.indices[1]", reason: "repeats index 2")
    }

    @Test("indices and values of different lengths are rejected")
    func lengthMismatch() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [1, 2, 3], "values": [1, 1]}}"#,
                          field: "sparse", reason: "3 indices but 2 values")
    }

    @Test("a sparse part without values is rejected, naming the missing field")
    func missingValues() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [1]}}"#, field: "sparse.values", reason: "missing")
    }

    @Test("a negative sparse value is rejected, naming its position")
    func negativeValue() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [1, 2], "values": [0.5, -0.1]}}"#,
                          field: "sparse.values[1]", reason: ">= 0")
    }

    @Test("a sparse value beyond the Float range is rejected, naming its position")
    func valueOutOfFloatRange() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [1, 2], "values": [0.5, 1e39]}}"#,
                          field: "sparse.values[1]")
    }

    @Test("a sparse part that is not an object is rejected")
    func sparseNotAnObject() {
        F.expectRejection(#"{"id": "a", "sparse": [1, 2]}"#, field: "sparse")
    }

    @Test("a sparse part on a collection without one is rejected")
    func sparseWithoutSparsePart() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [1], "values": [1]}, "dense": [1, 2, 3]}"#,
                          schema: F.denseOnly, field: "sparse", reason: "no sparse part")
    }

    @Test("string terms on an integer-id collection are rejected")
    func stringTermsOnTermIDs() {
        F.expectRejection(#"{"id": "a", "sparse": {"ocean": 1}}"#, field: "sparse", reason: "integer term ids")
    }

    @Test("integer ids on a string-term collection are rejected")
    func termIDsOnVocabulary() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [1], "values": [1]}}"#,
                          schema: F.vocabulary, field: "sparse", reason: "string terms")
    }

    @Test("a negative string-term weight is rejected, naming the term")
    func negativeTermWeight() {
        F.expectRejection(#"{"id": "a", "sparse": {"ocean": 1, "sky": -2}}"#, schema: F.vocabulary, field: "sparse.sky")
    }

    @Test("an empty string term is rejected")
    func emptyTerm() {
        F.expectRejection(#"{"id": "a", "sparse": {"": 1}}"#, schema: F.vocabulary, field: "sparse", reason: "empty term")
    }

    // MARK: Dense part

    @Test("a dense vector of the wrong length is rejected", arguments: ["[]", "[1, 2]", "[1, 2, 3, 4]"])
    func denseWrongLength(dense: String) {
        F.expectRejection(#"{"id": "a", "dense": \#(dense)}"#, field: "dense", reason: "dimension is 3")
    }

    @Test("a dense vector holding a string is rejected, naming its position")
    func denseWithString() {
        F.expectRejection(#"{"id": "a", "dense": [1, "2", 3]}"#, field: "dense[1]", reason: "number")
    }

    @Test("a dense vector holding null is rejected, naming its position")
    func denseWithNull() {
        F.expectRejection(#"{"id": "a", "dense": [1, 2, null]}"#, field: "dense[2]")
    }

    @Test("a dense value beyond the Float range is rejected, naming its position")
    func denseOutOfFloatRange() {
        F.expectRejection(#"{"id": "a", "dense": [1, -1e39, 3]}"#, field: "dense[1]")
    }

    @Test("a dense vector that is not an array is rejected")
    func denseNotAnArray() {
        F.expectRejection(#"{"id": "a", "dense": {"x": 1}}"#, field: "dense")
    }

    @Test("a dense vector on a collection without a dense part is rejected")
    func denseWithoutDensePart() {
        F.expectRejection(#"{"id": "a", "sparse": {"indices": [1], "values": [1]}, "dense": [1, 2, 3]}"#,
                          schema: F.sparseOnly, field: "dense", reason: "no dense part")
    }

    // MARK: Metadata and text

    @Test("metadata that is not an object is rejected", arguments: ["[1, 2]", #""note""#, "3"])
    func metadataNotAnObject(metadata: String) {
        F.expectRejection(#"{"id": "a", "dense": [1, 2, 3], "metadata": \#(metadata)}"#, field: "metadata", reason: "object")
    }

    @Test("nested metadata is stored in canonical form: keys sorted, no white space")
    func canonicalMetadata() throws {
        let prepared = try F.prepare(#"{"id": "a", "dense": [1, 2, 3], "metadata": {"z": [1, {"b": true, "a": null}], "a": "x/y", "one": 1, "zero": 0}}"#)
        #expect(prepared.metadata == #"{"a":"x/y","one":1,"z":[1,{"a":null,"b":true}],"zero":0}"#)
    }

    @Test("a text that is not a string is rejected")
    func textNotAString() {
        F.expectRejection(#"{"id": "a", "dense": [1, 2, 3], "text": 5}"#, field: "text", reason: "string")
    }
}
