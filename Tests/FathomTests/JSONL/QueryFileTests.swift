@testable import Fathom
import Testing

@Suite("Query file records")
struct QueryFileTests {
    typealias F = RecordFixtures

    static func makeQuery(_ line: String, schema: CollectionSchema = F.hybrid, k: Int = 10,
                          mode: Query.Mode = .auto) throws -> QueryRecord {
        try QueryFile.makeQuery(try F.decode(line), schema: schema, k: k, mode: mode)
    }

    /// Expects the line to be refused as a query, with a failure naming `field`.
    static func expectRejection(_ line: String, schema: CollectionSchema = F.hybrid, field: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        let failure = #expect(throws: ValidationFailure.self, sourceLocation: sourceLocation) {
            try makeQuery(line, schema: schema)
        }
        #expect(failure?.field == field, sourceLocation: sourceLocation)
    }

    @Test("a hybrid query line carries its id, both parts, k, mode and text")
    func hybridQuery() throws {
        let record = try Self.makeQuery(#"{"id": "q1", "sparse": {"indices": [40, 7], "values": [0.4, 0.7]}, "dense": [1, 0, -1], "text": "what"}"#,
                                        k: 25, mode: .hybrid)
        #expect(record.id == "q1")
        #expect(record.text == "what")
        #expect(record.query.sparse == SparseVector(validatedIndices: [7, 40], values: [0.7, 0.4]))
        #expect(record.query.dense == [1, 0, -1])
        #expect(record.query.k == 25)
        #expect(record.query.mode == .hybrid)
    }

    @Test("string terms become the query's term weights on a vocabulary collection")
    func stringTermQuery() throws {
        let record = try Self.makeQuery(#"{"id": "q", "sparse": {"ocean": 1.5, "sky": 0.5}}"#, schema: F.vocabulary)
        #expect(record.query.sparseTerms == ["ocean": 1.5, "sky": 0.5])
        #expect(record.query.sparse == nil)
    }

    @Test("a part the collection does not have is ignored rather than rejected")
    func unusablePartsIgnored() throws {
        let denseOnly = try Self.makeQuery(#"{"id": "q", "sparse": {"indices": [1], "values": [1]}, "dense": [1, 2, 3]}"#,
                                           schema: F.denseOnly)
        #expect(denseOnly.query.sparse == nil)
        #expect(denseOnly.query.dense == [1, 2, 3])
        let sparseOnly = try Self.makeQuery(#"{"id": "q", "sparse": {"indices": [1], "values": [1]}, "dense": [1, 2]}"#,
                                            schema: F.sparseOnly)
        #expect(sparseOnly.query.sparse?.indices == [1])
        #expect(sparseOnly.query.dense == nil)
    }

    @Test("a query without an id is rejected", arguments: [#"{"dense": [1, 2, 3]}"#, #"{"id": "", "dense": [1, 2, 3]}"#])
    func missingID(line: String) {
        Self.expectRejection(line, field: "id")
    }

    @Test("a dense part of the wrong length is rejected")
    func denseWrongLength() {
        Self.expectRejection(#"{"id": "q", "dense": [1, 2]}"#, field: "dense")
    }

    @Test("sparse indices are validated like a document's")
    func sparseValidated() {
        Self.expectRejection(#"{"id": "q", "sparse": {"indices": [100], "values": [1]}}"#, field: "sparse.indices[0]")
        Self.expectRejection(#"{"id": "q", "sparse": {"indices": [1, 1], "values": [1, 1]}}"#, field: "sparse.indices[1]")
        Self.expectRejection(#"{"id": "q", "sparse": {"indices": [1], "values": [-1]}}"#, field: "sparse.values[0]")
    }

    @Test("the wrong kind of sparse terms is rejected")
    func wrongKindOfTerms() {
        Self.expectRejection(#"{"id": "q", "sparse": {"ocean": 1}}"#, field: "sparse")
        Self.expectRejection(#"{"id": "q", "sparse": {"indices": [1], "values": [1]}}"#, schema: F.vocabulary, field: "sparse")
    }
}
