import Foundation
@testable import Fathom
import Testing

/// Schemas and helpers shared by the JSONL record tests.
enum RecordFixtures {
    /// Sparse term ids in 0..<100 and 3-dimensional dense vectors.
    static let hybrid = CollectionSchema(dense: DenseSchema(dimension: 3, metric: .dot), sparse: .termIDs(dimension: 100))
    static let sparseOnly = CollectionSchema(sparse: .termIDs(dimension: 100))
    static let denseOnly = CollectionSchema(dense: DenseSchema(dimension: 3))
    static let vocabulary = CollectionSchema(sparse: .vocabulary)

    static func decode(_ line: String) throws(ValidationFailure) -> DocumentRecord {
        try DocumentRecordDecoder.decode(DocumentRecord.self, from: Data(line.utf8))
    }

    /// Decodes and validates one line, as ingest does.
    static func prepare(_ line: String, schema: CollectionSchema = hybrid) throws(ValidationFailure) -> PreparedDocument {
        try DocumentValidator.prepare(try decode(line), schema: schema)
    }

    /// Expects the line to be rejected with a failure naming `field` (and,
    /// when given, a reason containing `reason`).
    @discardableResult
    static func expectRejection(_ line: String, schema: CollectionSchema = hybrid, field: String, reason: String? = nil,
                                sourceLocation: SourceLocation = #_sourceLocation) -> ValidationFailure? {
        let failure = #expect(throws: ValidationFailure.self, "\(line)", sourceLocation: sourceLocation) {
            try prepare(line, schema: schema)
        }
        guard let failure else { return nil }
        #expect(failure.field == field, "reason: \(failure.reason)", sourceLocation: sourceLocation)
        if let reason {
            #expect(failure.reason.contains(reason), "reason: \(failure.reason)", sourceLocation: sourceLocation)
        }
        return failure
    }
}
