import Foundation

/// One document as written in JSONL (the corpus, query files and `export`
/// all use this shape), before validation against a collection's schema:
///
/// ```
/// {"id": "doc-1",
///  "sparse": {"indices": [101, 2054], "values": [0.81, 1.3]},   // or {"ocean": 1.2, ...}
///  "dense": [0.013, -0.094, ...],
///  "metadata": {"year": 2021},
///  "text": "optional stored text"}
/// ```
///
/// A top-level `"vector": {"term": weight}` (as Seismic's JSONL writes it) is
/// read as string-term sparse. Other keys are ignored.
struct DocumentRecord: Decodable, Equatable {
    enum Sparse: Equatable {
        case indexed(indices: [Int64], values: [Float])
        case terms([String: Float])
    }

    var id: String?
    var sparse: Sparse?
    var dense: [Float]?
    var metadata: [String: JSONValue]?
    var text: String?
    /// Set for API documents that carry both sparse forms (an error).
    var hasBothSparseForms = false

    init(id: String?, sparse: Sparse?, dense: [Float]?, metadata: [String: JSONValue]?, text: String?) {
        self.id = id
        self.sparse = sparse
        self.dense = dense
        self.metadata = metadata
        self.text = text
    }

    private enum Keys: String, CodingKey { case id, sparse, dense, metadata, text, vector }
    private enum IndexedKeys: String, CodingKey { case indices, values }

    private struct TermKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        dense = try container.decodeFloatsIfPresent(forKey: .dense)
        metadata = try container.decodeIfPresent([String: JSONValue].self, forKey: .metadata)
        text = try container.decodeIfPresent(String.self, forKey: .text)
        if container.contains(.sparse), try !container.decodeNil(forKey: .sparse) {
            // The indexed form is {"indices": [...], "values": [...]}; an object
            // whose "indices"/"values" are not arrays is string terms ("values"
            // is a WordPiece token).
            let probe = try container.nestedContainer(keyedBy: TermKey.self, forKey: .sparse)
            func isArray(_ key: String) -> Bool {
                (try? probe.nestedUnkeyedContainer(forKey: TermKey(stringValue: key))) != nil
            }
            if isArray("indices") || isArray("values") {
                let indexed = try container.nestedContainer(keyedBy: IndexedKeys.self, forKey: .sparse)
                sparse = .indexed(indices: try indexed.decodeIntegers(forKey: .indices),
                                  values: try indexed.decodeFloatsIfPresent(forKey: .values)
                                      ?? { throw DecodingError.keyNotFound(IndexedKeys.values, .init(
                                          codingPath: indexed.codingPath, debugDescription: "missing")) }())
            } else {
                sparse = .terms(try container.decode([String: Float].self, forKey: .sparse))
            }
        } else if let terms = try container.decodeIfPresent([String: Float].self, forKey: .vector) {
            sparse = .terms(terms)
        }
    }

    /// The record of a document given through the API. A document carrying
    /// both `sparse` and `sparseTerms` is rejected by the validator, since the
    /// record keeps the integer form only (`hasBothSparseForms`).
    init(_ document: Document) {
        self.id = document.id
        self.hasBothSparseForms = document.sparse != nil && document.sparseTerms != nil
        if let sparse = document.sparse {
            self.sparse = .indexed(indices: sparse.indices.map { Int64($0) }, values: sparse.values)
        } else if let terms = document.sparseTerms {
            self.sparse = .terms(terms)
        }
        self.dense = document.dense
        self.metadata = document.metadata
        self.text = document.text
    }
}

private struct ArrayIndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

extension KeyedDecodingContainer {
    /// `[Float]`, parsed as floats (exact); when that fails because a number
    /// does not fit a float (Foundation then reports no position), the element
    /// is found and named: `dense[1]: 1e+39 is outside the range of a 32-bit float`.
    fileprivate func decodeFloatsIfPresent(forKey key: Key) throws -> [Float]? {
        do {
            return try decodeIfPresent([Float].self, forKey: key)
        } catch {
            // Foundation throws an internal error here that it reports, at the
            // top, as "not valid JSON" without a position.
            guard let doubles = try? decodeIfPresent([Double].self, forKey: key),
                  let bad = doubles.firstIndex(where: { !Float($0).isFinite })
            else { throw error }
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath + [key, ArrayIndexKey(intValue: bad)],
                debugDescription: "\(doubles[bad]) is outside the range of a 32-bit float"))
        }
    }

    /// `[Int64]`, naming the element that is not an integer.
    fileprivate func decodeIntegers(forKey key: Key) throws -> [Int64] {
        do {
            return try decode([Int64].self, forKey: key)
        } catch {
            guard let doubles = try? decode([Double].self, forKey: key),
                  let bad = doubles.firstIndex(where: { $0.rounded() != $0 || abs($0) > 9.2e18 })
            else { throw error }
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath + [key, ArrayIndexKey(intValue: bad)],
                debugDescription: "\(doubles[bad]) is not an integer"))
        }
    }
}

/// A field-level reason a record was rejected; callers attach where it came
/// from (file and line, or document id).
struct ValidationFailure: Error, Equatable {
    var field: String
    var reason: String

    func located(at location: InputLocation) -> FathomError {
        .invalidRecord(location: location, field: field, reason: reason)
    }
}

/// Parsing of one JSONL line into a `DocumentRecord`, with errors that name
/// the field (`sparse.values[3]`) and what was expected.
enum DocumentRecordDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from line: Data) throws(ValidationFailure) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: line)
        } catch let error as DecodingError {
            throw describe(error)
        } catch {
            throw ValidationFailure(field: "", reason: "invalid JSON: \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> ValidationFailure {
        func path(_ codingPath: [CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return text
        }
        func underlying(_ context: DecodingError.Context) -> String {
            guard let underlying = context.underlyingError else { return context.debugDescription }
            let nsError = underlying as NSError
            return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(underlying)"
        }
        switch error {
        case .typeMismatch(let type, let context):
            return ValidationFailure(field: path(context.codingPath), reason: "expected \(describe(type))")
        case .valueNotFound(let type, let context):
            return ValidationFailure(field: path(context.codingPath), reason: "expected \(describe(type)), found null")
        case .keyNotFound(let key, let context):
            return ValidationFailure(field: path(context.codingPath + [key]), reason: "missing")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return ValidationFailure(field: "", reason: "invalid JSON: \(underlying(context))")
            }
            return ValidationFailure(field: path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return ValidationFailure(field: "", reason: "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Float.Type, is Double.Type: return "a number"
        case is Int64.Type, is Int.Type: return "an integer"
        case is [Float].Type, is [Int64].Type: return "an array of numbers"
        case is [String: JSONValue].Type, is [String: Float].Type: return "an object"
        default:
            let name = "\(type)"
            return name.hasPrefix("Dictionary") ? "an object" : name.hasPrefix("Array") ? "an array" : name
        }
    }
}
