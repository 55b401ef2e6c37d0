// libFuzzer harness for one JSONL line: runs the input through exactly what
// `Collection.ingest(jsonl:)` runs on a line (DocumentRecordDecoder.decode, then
// DocumentValidator.prepare) for an integer-term and a string-term collection,
// and traps when the outcome breaks the oracle of
// Tests/FathomTests/JSONL/JSONLFuzzTests.swift:
//
// - a rejection has a non-empty, one-line reason naming a field or a byte position;
// - an accepted line satisfies the schema (sparse indices strictly increasing and in
//   range, values finite and >= 0, dense of the collection's dimension and finite,
//   metadata a JSON object) and reads back unchanged from its exported form;
// - JSONSyntax (which locates syntax errors) agrees with JSONSerialization.
//
// Any crash, ASan report or trap here is a bug; libFuzzer writes the input to
// the artifact directory. Built and run by tools/fuzz/run-jsonl-fuzz.sh.
import Foundation
@testable import Fathom

private let schemas = [
    CollectionSchema(dense: DenseSchema(dimension: 4, metric: .dot), sparse: .termIDs(dimension: 1_000)),
    CollectionSchema(dense: DenseSchema(dimension: 4, metric: .dot), sparse: .vocabulary),
]

private let wholeLineReasons = ["expected an object", "the document has neither a sparse nor a dense vector"]

private func prepare(_ line: Data, schema: CollectionSchema) -> Result<PreparedDocument, ValidationFailure> {
    Result { () throws(ValidationFailure) -> PreparedDocument in
        let record = try DocumentRecordDecoder.decode(DocumentRecord.self, from: line)
        return try DocumentValidator.prepare(record, schema: schema)
    }
}

private func fail(_ problem: String, _ line: Data) -> Never {
    fatalError("\(problem); line: \(String(decoding: line.prefix(300), as: UTF8.self))")
}

private func check(_ line: Data, schema: CollectionSchema) {
    switch prepare(line, schema: schema) {
    case .failure(let failure):
        if failure.reason.isEmpty { fail("empty reason", line) }
        if failure.field.isEmpty && !failure.reason.contains(" at byte ")
            && !wholeLineReasons.contains(where: failure.reason.hasPrefix) {
            fail("reason names neither a field nor a position: \(failure.reason)", line)
        }
        if failure.located(at: InputLocation(file: "f", line: 1)).description.contains("\n") {
            fail("multi-line message", line)
        }
    case .success(let document):
        if document.externalID.isEmpty { fail("empty id", line) }
        if let sparse = document.sparse {
            guard case .termIDs(let dimension)? = schema.sparse else { fail("sparse ids without a term-id schema", line) }
            if sparse.indices.isEmpty || sparse.indices.count != sparse.values.count { fail("sparse lengths", line) }
            if !zip(sparse.indices, sparse.indices.dropFirst()).allSatisfy({ $0 < $1 }) { fail("indices not increasing", line) }
            if let last = sparse.indices.last, Int(last) >= dimension { fail("index out of range", line) }
            if !sparse.values.allSatisfy({ $0.isFinite && $0 >= 0 }) { fail("bad sparse value", line) }
        }
        if let terms = document.sparseTerms,
           terms.isEmpty || terms.contains(where: { $0.term.isEmpty || !$0.weight.isFinite || $0.weight < 0 }) {
            fail("bad string terms", line)
        }
        if let dense = document.dense, dense.count != schema.dense?.dimension || !dense.allSatisfy(\.isFinite) {
            fail("bad dense vector", line)
        }
        if document.sparse == nil && document.sparseTerms == nil && document.dense == nil { fail("no vector", line) }
        if let metadata = document.metadata,
           !((try? JSONSerialization.jsonObject(with: Data(metadata.utf8))) is [String: Any]) {
            fail("metadata is not an object", line)
        }
        if document.sparseTerms == nil {
            let exported = DocumentRecordEncoder.line(id: document.externalID, sparse: document.sparse, terms: nil,
                                                      dense: document.dense, metadata: document.metadata, text: document.text)
            guard case .success(let again) = prepare(Data(exported.utf8), schema: schema),
                  again.externalID == document.externalID, again.sparse == document.sparse, again.dense == document.dense,
                  again.metadata == document.metadata, again.text == document.text
            else { fail("exported line does not read back: \(exported.prefix(200))", line) }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONLLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let line = Data(bytes: data, count: size)
    let syntax = JSONSyntax.firstError(in: line)
    let strictlyValid = (try? JSONSerialization.jsonObject(with: line, options: [.fragmentsAllowed])) != nil
    // JSONSerialization does not convert the numbers of a duplicate key's discarded value, and it reads
    // input with a NUL among its first bytes (or a UTF-16 byte-order mark) as UTF-16 or UTF-32.
    if strictlyValid != (syntax == nil), !(strictlyValid && syntax?.reason.hasSuffix("outside the range of a 64-bit float") == true),
       !JSONSyntax.mayBeReadAsUTF16or32(line) {
        fail("JSONSyntax (\(syntax?.message ?? "valid")) disagrees with JSONSerialization", line)
    }
    for schema in schemas { check(line, schema: schema) }
    return 0
}
