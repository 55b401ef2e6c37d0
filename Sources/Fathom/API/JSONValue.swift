import Foundation

/// A JSON value, as stored in a document's metadata.
///
/// Numbers are IEEE doubles, as in JavaScript. Literals work as expected:
///
/// ```swift
/// let metadata: [String: JSONValue] = ["year": 2021, "lang": "en", "topics": ["earn", "acq"]]
/// ```
public enum JSONValue: Sendable, Hashable, Codable {
    /// JSON `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, as a double; it must be finite to be stored.
    case number(Double)
    /// A string.
    case string(String)
    /// An array of values.
    case array([JSONValue])
    /// An object: values by key.
    case object([String: JSONValue])

    /// Decodes any JSON value.
    ///
    /// A number a double cannot hold (`1e-400`, `1e999`) is an error at its own
    /// path, not "expected an object", and so is any error inside an array.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            // A type mismatch at this value's own path means "not this kind";
            // any other error comes from inside it and is the one to report.
            func isNotThisKind(_ error: Error) -> Bool {
                guard case DecodingError.typeMismatch(_, let context) = error else { return false }
                return context.codingPath.count == decoder.codingPath.count
            }
            do {
                self = .array(try container.decode([JSONValue].self))
                return
            } catch where isNotThisKind(error) {}
            do {
                self = .object(try container.decode([String: JSONValue].self))
                return
            } catch where isNotThisKind(error) {}
            // Not null, a bool, a string, an array or an object: a number Foundation could not convert.
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "is not a number a 64-bit float can hold",
                                                    underlyingError: UnrepresentableNumber()))
        }
    }

    /// Encodes the value as the JSON it represents.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// Creates ``null`` from `nil`.
    public init(nilLiteral: ()) { self = .null }
    /// Creates ``bool(_:)``.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// Creates ``number(_:)``, converting the integer to a double.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// Creates ``number(_:)``.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// Creates ``string(_:)``.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Creates ``array(_:)``.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Creates ``object(_:)``; when a key repeats, the last value wins.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// The canonical text form of metadata objects: keys sorted, no insignificant
/// white space. Stored in the database and written by `export`, so that an
/// export re-ingested and exported again is byte-identical.
enum CanonicalJSON {
    static func encode(_ object: [String: JSONValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a tree of JSONValue cannot fail: every case is representable
        // (non-finite numbers never get in, the decoder rejects them).
        guard let data = try? encoder.encode(object) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ text: String) throws -> [String: JSONValue] {
        do {
            return try JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))
        } catch {
            throw FathomError.corruption(what: "document metadata", detail: "stored metadata is not a JSON object")
        }
    }
}
