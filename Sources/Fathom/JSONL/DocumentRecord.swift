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
                sparse = .terms(try container.decodeTermWeightsIfPresent(forKey: .sparse) ?? [:])
            }
        } else if let terms = try container.decodeTermWeightsIfPresent(forKey: .vector) {
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

/// A JSON document that is one object of term weights: the `idf.json` that
/// inference-free sparse models publish (token → weight). Decoded with the
/// same number rules as a document's string-term `sparse` object (a weight
/// that does not fit a 32-bit float names its term).
struct TermWeightsDocument: Decodable {
    var weights: [String: Float]

    init(from decoder: Decoder) throws {
        do {
            weights = try decoder.singleValueContainer().decode([String: Float].self)
        } catch let error as DecodingError {
            throw error
        } catch {
            guard let terms = try? decoder.container(keyedBy: NameKey.self) else { throw error }
            for term in terms.allKeys.sorted(by: { $0.stringValue < $1.stringValue })
            where (try? terms.decode(Float.self, forKey: term)) == nil {
                throw KeyedDecodingContainer<NameKey>.outOfFloatRange(try? terms.decode(Double.self, forKey: term),
                                                                     at: [term])
            }
            throw error
        }
    }
}

/// A JSON document that is one array of numbers (a dense query vector given
/// in a file), decoded as floats with the rules of a document's `dense`.
struct FloatArrayDocument: Decodable {
    var values: [Float]

    init(from decoder: Decoder) throws {
        do {
            values = try decoder.singleValueContainer().decode([Float].self)
        } catch let error as DecodingError {
            throw error
        } catch {
            guard var elements = try? decoder.unkeyedContainer() else { throw error }
            while !elements.isAtEnd {
                let index = elements.currentIndex
                if (try? elements.decode(Float.self)) != nil { continue }
                throw KeyedDecodingContainer<NameKey>.outOfFloatRange(try? elements.decode(Double.self),
                                                                     at: [ArrayIndexKey(intValue: index)])
            }
            throw error
        }
    }
}

private struct ArrayIndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

/// Marks a number Foundation parsed but could not convert even to a 64-bit
/// float (`1e-400`), or malformed in a way its lazy number scanner lets through
/// to conversion (`1..2`): the message then comes from `JSONSyntax` when the
/// line has a syntax error, and names the field otherwise.
struct UnrepresentableNumber: Error {}

private struct NameKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Foundation reports a number that does not fit the requested type as "not
/// valid JSON", without a position (an internal error that is not a
/// `DecodingError` until it reaches the top). These find the element and name it.
extension KeyedDecodingContainer {
    /// `[Float]`, parsed as floats (exact); a number that does not fit a float is
    /// named: `dense[1]: 1e+39 is outside the range of a 32-bit float`.
    fileprivate func decodeFloatsIfPresent(forKey key: Key) throws -> [Float]? {
        do {
            return try decodeIfPresent([Float].self, forKey: key)
        } catch let error as DecodingError {
            throw error   // a wrong type: Foundation names the element itself
        } catch {
            guard var elements = try? nestedUnkeyedContainer(forKey: key) else { throw error }
            while !elements.isAtEnd {
                let index = elements.currentIndex
                // A failed decode does not move the container on, so the same element can be read again.
                if (try? elements.decode(Float.self)) != nil { continue }
                throw Self.outOfFloatRange(try? elements.decode(Double.self),
                                           at: codingPath + [key, ArrayIndexKey(intValue: index)])
            }
            throw error
        }
    }

    /// `[String: Float]` (string terms), naming the term whose weight does not fit a float.
    fileprivate func decodeTermWeightsIfPresent(forKey key: Key) throws -> [String: Float]? {
        do {
            return try decodeIfPresent([String: Float].self, forKey: key)
        } catch let error as DecodingError {
            throw error
        } catch {
            guard let terms = try? nestedContainer(keyedBy: NameKey.self, forKey: key) else { throw error }
            for term in terms.allKeys.sorted(by: { $0.stringValue < $1.stringValue })
            where (try? terms.decode(Float.self, forKey: term)) == nil {
                throw Self.outOfFloatRange(try? terms.decode(Double.self, forKey: term), at: codingPath + [key, term])
            }
            throw error
        }
    }

    fileprivate static func outOfFloatRange(_ value: Double?, at path: [CodingKey]) -> DecodingError {
        guard let value else {
            return DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "is not a number a 64-bit float can hold",
                                                     underlyingError: UnrepresentableNumber()))
        }
        return DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "\(value) is outside the range of a 32-bit float"))
    }

    /// `[Int64]`, naming the element that is not an integer.
    fileprivate func decodeIntegers(forKey key: Key) throws -> [Int64] {
        do {
            return try decode([Int64].self, forKey: key)
        } catch let error as DecodingError {
            throw error
        } catch {
            guard var elements = try? nestedUnkeyedContainer(forKey: key) else { throw error }
            while !elements.isAtEnd {
                let index = elements.currentIndex
                if (try? elements.decode(Int64.self)) != nil { continue }
                let path = codingPath + [key, ArrayIndexKey(intValue: index)]
                guard let value = try? elements.decode(Double.self) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "is not a number a 64-bit float can hold",
                                                            underlyingError: UnrepresentableNumber()))
                }
                throw DecodingError.dataCorrupted(.init(
                    codingPath: path,
                    debugDescription: value.rounded() == value ? "\(value) is outside the range of a 64-bit integer" : "\(value) is not an integer"))
            }
            throw error
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
            throw describe(error, line: line)
        } catch {
            throw JSONSyntax.firstError(in: line).map { ValidationFailure(field: "", reason: $0.message) }
                ?? ValidationFailure(field: "", reason: "invalid JSON: \(error)")
        }
    }

    /// `line` is the input that failed: Foundation reports malformed JSON
    /// without a position, so it is scanned again to say where (`JSONSyntax`).
    static func describe(_ error: DecodingError, line: Data) -> ValidationFailure {
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
            if context.underlyingError is UnrepresentableNumber, let syntax = JSONSyntax.firstError(in: line) {
                return ValidationFailure(field: "", reason: syntax.message)
            }
            if context.codingPath.isEmpty {
                if let syntax = JSONSyntax.firstError(in: line) { return ValidationFailure(field: "", reason: syntax.message) }
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
