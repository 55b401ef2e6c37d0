/// A predicate over a document's metadata, written in Fathom's small filter
/// language:
///
/// ```swift
/// let filter = try MetadataFilter(#"year >= 2019 AND lang IN ("en", "de") AND NOT draft"#)
/// print(filter)   // the canonical form: year >= 2019 AND lang IN ("en", "de") AND NOT draft
/// ```
///
/// ## Grammar
///
/// ```
/// filter     = or-expr end-of-input ;
/// or-expr    = and-expr { "OR" and-expr } ;
/// and-expr   = not-expr { "AND" not-expr } ;
/// not-expr   = "NOT" not-expr | primary ;
/// primary    = "(" or-expr ")"
///            | "EXISTS" field
///            | field comparison value
///            | field "IN" "(" [ value { "," value } ] ")"
///            | field "HAS" value
///            | field ;                                  (* truthiness *)
/// comparison = "=" | "!=" | "<" | "<=" | ">" | ">=" ;
/// value      = string | number | "TRUE" | "FALSE" | "NULL" ;
/// field      = name { "." ( name | digits ) } ;         (* no spaces around "." *)
/// name       = letter-or-_ { letter-or-_ | digit } | "`" { any-but-` | "``" } "`" ;
/// string     = '"' { character | escape } '"' ;         (* JSON escapes: \" \\ \/ \b \f \n \r \t \uXXXX *)
/// number     = [ "-" ] digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ] ;
/// ```
///
/// Keywords (`AND OR NOT IN HAS EXISTS TRUE FALSE NULL`) are case-insensitive;
/// a field whose name is a keyword, has other characters (spaces, dashes,
/// non-ASCII) or contains a dot is written between backquotes, a backquote in
/// it doubled: `` `lang-code` ``, `` nested.`a.b` `` (key `a.b` inside `nested`).
/// `NOT` binds tighter than `AND`, which binds tighter than `OR`. White space
/// is space, tab, carriage return and line feed.
///
/// ## Semantics
///
/// A field path leads from the metadata object through nested objects
/// (`a.b` is key `b` of the object at key `a`); it is *missing* when a key is
/// absent or an intermediate value is not an object. Values are compared by
/// type: a comparison is true only between a number and a number or a string
/// and a string (or booleans, or null, for `=`); any other pairing, and any
/// missing field, makes it false — never an error.
///
/// | predicate | true when the value at `f` is … |
/// | --- | --- |
/// | `f = v` | a scalar of `v`'s type equal to `v` (numbers numerically: `1 = 1.0`; strings scalar by scalar) |
/// | `f != v` | a scalar of `v`'s type different from `v`; for `v` = `null`: present and not null |
/// | `f < v`, `<=`, `>`, `>=` | a number, when `v` is a number, ordered numerically; a string, when `v` is a string, ordered by Unicode scalars (ISO-8601 dates order correctly) |
/// | `f IN (v1, …)` | a scalar equal (as for `=`) to one of the values; `IN ()` is never true |
/// | `f HAS v` | an array with an element equal to `v` (as for `=`), or a scalar equal to `v` |
/// | `f` | the boolean `true` (not a non-zero number, not a non-empty string) |
/// | `EXISTS f` | present, whatever its type, `null` included |
/// | `NOT p` | `p` is false: `NOT f = 1` holds for a missing `f`, `f != 1` does not |
///
/// Arrays and objects are never equal to a value; they are reached only by
/// `HAS` (arrays), `EXISTS` and `!= null`. Booleans and null have no order, so
/// `f < true` is refused when parsing. Strings are compared by their Unicode
/// scalars — not by Swift's canonical equivalence — so that equality agrees
/// with the order; object keys are matched as Swift matches dictionary keys.
///
/// ## Limits
///
/// A filter is at most ``maximumLength`` characters, nests at most
/// ``maximumDepth`` levels of parentheses and `NOT`, and an `IN` list holds
/// at most ``maximumListCount`` values. Anything else that is not a filter
/// throws ``FathomError/invalidFilter(expression:position:reason:)``; parsing
/// never traps, whatever the input.
public struct MetadataFilter: Sendable, Equatable, CustomStringConvertible {
    /// The longest filter accepted, in Unicode scalars.
    public static let maximumLength = 10_000
    /// The deepest nesting of parentheses and `NOT` accepted.
    public static let maximumDepth = 64
    /// The most values an `IN` list may hold.
    public static let maximumListCount = 1_000

    /// The parsed predicate. Equal filters have equal trees: parsing the
    /// ``description`` of a filter gives the same tree back.
    let expression: FilterExpression

    /// Parses `expression`.
    ///
    /// - Throws: ``FathomError/invalidFilter(expression:position:reason:)``
    ///   naming the first offending character, what was expected there and
    ///   what was found.
    public init(_ expression: String) throws {
        var parser = try FilterParser(expression)
        self.expression = try parser.parseFilter()
    }

    /// A filter from an already built tree (integration and tests).
    init(expression: FilterExpression) {
        self.expression = expression
    }

    /// The canonical text of the filter: keywords in capitals, single spaces,
    /// parentheses only where precedence needs them, fields backquoted only
    /// when they must be, numbers in their shortest exact form.
    public var description: String {
        var text = ""
        expression.write(to: &text)
        return text
    }

    /// The distinct field paths the filter reads, in first-use order.
    var fieldPaths: [FieldPath] {
        var paths: [FieldPath] = []
        var seen = Set<FieldPath>()
        expression.forEachPath { path in
            if seen.insert(path).inserted { paths.append(path) }
        }
        return paths
    }

    /// Whether one document's metadata satisfies the filter: the row-at-a-time
    /// evaluation, for documents that are not in a segment (the write buffer).
    /// ``MetadataColumns/evaluate(_:)`` gives the same answers for many rows.
    func matches(_ metadata: [String: JSONValue]) -> Bool {
        expression.matches(metadata)
    }
}

// MARK: - The predicate tree

/// The path from a metadata object to one of its values: `a.b` is
/// `["a", "b"]`. Never empty.
struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    let components: [String]

    init(_ components: [String]) {
        precondition(!components.isEmpty, "a field path has at least one key")
        self.components = components
    }

    /// A path from its dotted text, for code and tests: `"a.b"` is
    /// `["a", "b"]` (a key containing a dot needs ``init(_:)``).
    init(dotted: String) {
        self.init(dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init))
    }

    /// The path as the filter language writes it.
    var description: String {
        var text = ""
        for (index, component) in components.enumerated() {
            if index > 0 { text += "." }
            text += FieldPath.isPlainName(component, first: index == 0, alone: components.count == 1)
                ? component : "`" + component.replacingOccurrences(of: "`", with: "``") + "`"
        }
        return text
    }

    /// Whether `name` can be written without backquotes: an identifier (any
    /// run of letters, digits and `_` after a dot), not a keyword when alone.
    static func isPlainName(_ name: String, first: Bool, alone: Bool) -> Bool {
        guard let head = name.unicodeScalars.first else { return false }
        if first && !FilterLexer.isNameStart(head) { return false }
        guard name.unicodeScalars.allSatisfy(FilterLexer.isNameContinuation) else { return false }
        return !(alone && FilterKeyword(rawValue: name.uppercased()) != nil)
    }

    /// The value at the path, or nil when it is missing.
    func value(in metadata: [String: JSONValue]) -> JSONValue? {
        var object = metadata
        for component in components.dropLast() {
            guard case .object(let next)? = object[component] else { return nil }
            object = next
        }
        return object[components[components.count - 1]]
    }
}

/// The comparison operators.
enum ComparisonOperator: String, Sendable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="

    /// Whether the operator orders values (and so takes only numbers and strings).
    var isOrdering: Bool { self != .equal && self != .notEqual }

    /// Whether `comparison` (the sign of left − right: -1, 0 or 1) satisfies the operator.
    @inline(__always)
    func holds(_ comparison: Int) -> Bool {
        switch self {
        case .equal: return comparison == 0
        case .notEqual: return comparison != 0
        case .less: return comparison < 0
        case .lessOrEqual: return comparison <= 0
        case .greater: return comparison > 0
        case .greaterOrEqual: return comparison >= 0
        }
    }
}

/// A literal value of the language.
///
/// Equality of strings is by Unicode scalars (not Swift's canonical
/// equivalence), like every string comparison of a filter.
enum FilterLiteral: Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)

    static func == (left: FilterLiteral, right: FilterLiteral) -> Bool {
        switch (left, right) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return ScalarOrder.equal(a, b)
        default: return false
        }
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value): return FilterLiteral.format(value)
        case .string(let value): return FilterLiteral.quote(value)
        }
    }

    /// A finite double in the shortest text that reads back to it: integers
    /// without a fraction, others as Swift prints them (`0.1`, `1e-300`).
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// `value` as a double-quoted literal with JSON escapes for `"`, `\` and
    /// control characters.
    static func quote(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }

    /// Whether `value` is a scalar of this literal's type equal to it.
    func equals(_ value: JSONValue) -> Bool {
        switch (value, self) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return ScalarOrder.equal(a, b)
        default: return false
        }
    }
}

/// A filter's predicate tree.
///
/// Invariants (kept by the parser; code that builds trees keeps them too):
/// `and` and `or` have at least two children, none of them of the same kind
/// (nested ones are flattened, so the tree is canonical); a comparison with
/// an ordering operator has a number or string literal; `oneOf` holds at most
/// ``MetadataFilter/maximumListCount`` values. The depth is bounded by the
/// parser's nesting limit, so recursive walks cannot overflow the stack.
indirect enum FilterExpression: Sendable, Equatable {
    case and([FilterExpression])
    case or([FilterExpression])
    case not(FilterExpression)
    /// `field op literal`.
    case compare(FieldPath, ComparisonOperator, FilterLiteral)
    /// `field IN (literals)`.
    case oneOf(FieldPath, [FilterLiteral])
    /// `field HAS literal`: array membership, or equality for a scalar.
    case has(FieldPath, FilterLiteral)
    /// A bare field: true when the value is boolean `true`.
    case isTrue(FieldPath)
    /// `EXISTS field`.
    case exists(FieldPath)

    func forEachPath(_ body: (FieldPath) -> Void) {
        switch self {
        case .and(let children), .or(let children): children.forEach { $0.forEachPath(body) }
        case .not(let child): child.forEachPath(body)
        case .compare(let path, _, _), .oneOf(let path, _), .has(let path, _), .isTrue(let path), .exists(let path):
            body(path)
        }
    }

    /// Writes the canonical text: children of `AND` that are `OR`, and
    /// operands of `NOT` that are `AND` or `OR`, get parentheses.
    func write(to text: inout String) {
        switch self {
        case .or(let children):
            for (index, child) in children.enumerated() {
                if index > 0 { text += " OR " }
                child.write(to: &text)
            }
        case .and(let children):
            for (index, child) in children.enumerated() {
                if index > 0 { text += " AND " }
                child.writeOperand(to: &text, parenthesize: { if case .or = $0 { return true } else { return false } })
            }
        case .not(let child):
            text += "NOT "
            child.writeOperand(to: &text, parenthesize: {
                switch $0 {
                case .and, .or: return true
                default: return false
                }
            })
        case .compare(let path, let op, let literal):
            text += "\(path) \(op.rawValue) \(literal)"
        case .oneOf(let path, let literals):
            text += "\(path) IN (" + literals.map(\.description).joined(separator: ", ") + ")"
        case .has(let path, let literal):
            text += "\(path) HAS \(literal)"
        case .isTrue(let path):
            text += path.description
        case .exists(let path):
            text += "EXISTS \(path)"
        }
    }

    private func writeOperand(to text: inout String, parenthesize: (FilterExpression) -> Bool) {
        if parenthesize(self) {
            text += "("
            write(to: &text)
            text += ")"
        } else {
            write(to: &text)
        }
    }

    /// The row-at-a-time evaluation (see ``MetadataFilter`` for the semantics).
    func matches(_ metadata: [String: JSONValue]) -> Bool {
        switch self {
        case .and(let children): return children.allSatisfy { $0.matches(metadata) }
        case .or(let children): return children.contains { $0.matches(metadata) }
        case .not(let child): return !child.matches(metadata)
        case .compare(let path, let op, let literal):
            guard let value = path.value(in: metadata) else { return false }
            return FilterExpression.satisfies(value, op, literal)
        case .oneOf(let path, let literals):
            guard let value = path.value(in: metadata) else { return false }
            return literals.contains { $0.equals(value) }
        case .has(let path, let literal):
            switch path.value(in: metadata) {
            case .array(let elements)?: return elements.contains { literal.equals($0) }
            case let value?: return literal.equals(value)
            case nil: return false
            }
        case .isTrue(let path):
            return path.value(in: metadata) == .bool(true)
        case .exists(let path):
            return path.value(in: metadata) != nil
        }
    }

    /// Whether `value` compares to `literal` as `op` asks (see the table of ``MetadataFilter``).
    static func satisfies(_ value: JSONValue, _ op: ComparisonOperator, _ literal: FilterLiteral) -> Bool {
        switch (value, literal) {
        case (.number(let a), .number(let b)):
            return op.holds(a < b ? -1 : (a == b ? 0 : 1))
        case (.string(let a), .string(let b)):
            return op.holds(ScalarOrder.compare(a, b))
        case (.bool(let a), .bool(let b)):
            return !op.isOrdering && op.holds(a == b ? 0 : 1)
        case (.null, .null):
            return op == .equal
        case (_, .null):
            return op == .notEqual   // present and not null
        default:
            return false
        }
    }
}

/// Ordering and equality of strings by Unicode scalars. UTF-8 byte order is
/// scalar order, so this compares the UTF-8 bytes.
enum ScalarOrder {
    @inline(__always)
    static func equal(_ a: String, _ b: String) -> Bool {
        compare(a, b) == 0
    }

    /// -1, 0 or 1 as `a` sorts before, with or after `b`.
    static func compare(_ a: String, _ b: String) -> Int {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in compare(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) }
        }
    }

    static func compare(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Int {
        let common = min(x.count, y.count)
        var index = 0
        while index < common {
            let p = x[index], q = y[index]
            if p != q { return p < q ? -1 : 1 }
            index += 1
        }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }
}

// MARK: - Lexer

enum FilterKeyword: String, Sendable {
    case and = "AND", or = "OR", not = "NOT", `in` = "IN", has = "HAS", exists = "EXISTS"
    case `true` = "TRUE", `false` = "FALSE", null = "NULL"
}

struct FilterToken {
    enum Kind: Equatable {
        case field(FieldPath)
        case keyword(FilterKeyword)
        case string(String)
        case number(Double)
        case comparison(ComparisonOperator)
        case leftParenthesis, rightParenthesis, comma
        /// A character that starts no token; `hint` says what to write instead.
        case invalid(hint: String)
        case end
    }

    var kind: Kind
    /// 1-based offset of the first scalar.
    var position: Int
    /// The source text, for messages.
    var text: String

    /// The token as an error message names it.
    var found: String {
        switch kind {
        case .end: return "end of input"
        case .field(let path): return "the field \(FilterToken.shorten(path.description))"
        case .string: return "the string \(FilterToken.shorten(text))"
        case .number: return "the number \(FilterToken.shorten(text))"
        case .invalid(let hint):
            var shown = "\"\(text)\""
            if let scalar = text.unicodeScalars.first,
               scalar.value < 0x20 || scalar.value == 0x7F || scalar.properties.isWhitespace {
                shown = "the character U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
            }
            return hint.isEmpty ? shown : "\(shown) (\(hint))"
        default: return "\"\(text)\""
        }
    }

    static func shorten(_ text: String) -> String {
        text.unicodeScalars.count <= 40 ? text : String(String.UnicodeScalarView(text.unicodeScalars.prefix(40))) + "…"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Splits a filter into tokens, one at a time (so the first error reported
/// is the leftmost one). Works on Unicode scalars; positions are 1-based.
struct FilterLexer {
    let source: String
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ source: String, scalars: [Unicode.Scalar]) {
        self.source = source
        self.scalars = scalars
    }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }

    static func isNameContinuation(_ c: Unicode.Scalar) -> Bool {
        isNameStart(c) || isDigit(c)
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private func error(at offset: Int, _ reason: String) -> FathomError {
        .invalidFilter(expression: source, position: offset + 1, reason: reason)
    }

    private func text(_ start: Int, _ end: Int) -> String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[start..<end])
        return String(text)
    }

    mutating func next() throws -> FilterToken {
        while let c = peek(), c == " " || c == "\t" || c == "\n" || c == "\r" { index += 1 }
        let start = index
        guard let c = peek() else { return FilterToken(kind: .end, position: start + 1, text: "") }
        func token(_ kind: FilterToken.Kind, length: Int) -> FilterToken {
            index = start + length
            return FilterToken(kind: kind, position: start + 1, text: text(start, start + length))
        }
        switch c {
        case "(": return token(.leftParenthesis, length: 1)
        case ")": return token(.rightParenthesis, length: 1)
        case ",": return token(.comma, length: 1)
        case "=":
            if peek(1) == "=" { throw error(at: start, "expected \"=\" (the equality operator), found \"==\"") }
            return token(.comparison(.equal), length: 1)
        case "!":
            if peek(1) == "=" { return token(.comparison(.notEqual), length: 2) }
            return token(.invalid(hint: "write NOT for negation, != for inequality"), length: 1)
        case "<":
            if peek(1) == "=" { return token(.comparison(.lessOrEqual), length: 2) }
            if peek(1) == ">" { throw error(at: start, "expected \"!=\" (the inequality operator), found \"<>\"") }
            return token(.comparison(.less), length: 1)
        case ">":
            if peek(1) == "=" { return token(.comparison(.greaterOrEqual), length: 2) }
            return token(.comparison(.greater), length: 1)
        case "\"":
            let value = try lexString()
            return FilterToken(kind: .string(value), position: start + 1, text: text(start, index))
        case "-", "0"..."9":
            let value = try lexNumber()
            return FilterToken(kind: .number(value), position: start + 1, text: text(start, index))
        case "`":
            return try lexFieldOrKeyword()
        case _ where FilterLexer.isNameStart(c):
            return try lexFieldOrKeyword()
        case "'": return token(.invalid(hint: "strings are written in double quotes"), length: 1)
        case "&": return token(.invalid(hint: "write AND"), length: 1)
        case "|": return token(.invalid(hint: "write OR"), length: 1)
        default: return token(.invalid(hint: ""), length: 1)
        }
    }

    /// A double-quoted string with JSON escapes; control characters must be escaped.
    private mutating func lexString() throws -> String {
        let open = index
        index += 1
        var value = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw error(at: scalars.count, "expected a closing '\"' for the string that starts at character \(open + 1), found end of input")
            }
            if c == "\"" {
                index += 1
                return String(value)
            }
            if c.value < 0x20 {
                throw error(at: index, "expected a character of a string, found the control character U+"
                    + String(c.value, radix: 16, uppercase: true).leftPadded(to: 4) + " (write it as an escape such as \\n or \\u000A)")
            }
            if c != "\\" {
                value.append(c)
                index += 1
                continue
            }
            let escape = index
            index += 1
            guard let e = peek() else {
                throw error(at: scalars.count, "expected an escaped character after \"\\\", found end of input")
            }
            index += 1
            switch e {
            case "\"": value.append("\"")
            case "\\": value.append("\\")
            case "/": value.append("/")
            case "b": value.append("\u{08}")
            case "f": value.append("\u{0C}")
            case "n": value.append("\n")
            case "r": value.append("\r")
            case "t": value.append("\t")
            case "u":
                let high = try lexHex(escape: escape)
                if (0xD800..<0xDC00).contains(high) {
                    guard peek() == "\\", peek(1) == "u" else {
                        throw error(at: index, "expected \"\\u\" and a low surrogate after the high surrogate \\u\(String(high, radix: 16, uppercase: true)), found \(describe(at: index))")
                    }
                    let second = index
                    index += 2
                    let low = try lexHex(escape: second)
                    guard (0xDC00..<0xE000).contains(low) else {
                        throw error(at: second, "expected a low surrogate (\\uDC00 to \\uDFFF), found \\u\(String(low, radix: 16, uppercase: true).leftPadded(to: 4))")
                    }
                    // Always a valid scalar (U+10000 to U+10FFFF).
                    value.append(Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}")
                } else if let scalar = Unicode.Scalar(high) {
                    value.append(scalar)
                } else {
                    throw error(at: escape, "expected a high surrogate before the low surrogate \\u\(String(high, radix: 16, uppercase: true)), found none")
                }
            default:
                throw error(at: escape, "expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), found \"\\\(e.escaped(asASCII: true))\"")
            }
        }
    }

    /// The four hex digits of a `\u` escape (the index is past the `u`).
    private mutating func lexHex(escape: Int) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = peek(), let digit = c.properties.isASCIIHexDigit ? UInt32(String(c), radix: 16) : nil else {
                throw error(at: index, "expected four hexadecimal digits after \"\\u\", found \(describe(at: index))")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private func describe(at offset: Int) -> String {
        guard offset < scalars.count else { return "end of input" }
        let c = scalars[offset]
        return c.value < 0x20 ? "the control character U+" + String(c.value, radix: 16, uppercase: true).leftPadded(to: 4)
            : "\"\(String(c))\""
    }

    private mutating func digits() -> Int {
        let start = index
        while let c = peek(), FilterLexer.isDigit(c) { index += 1 }
        return index - start
    }

    private mutating func lexNumber() throws -> Double {
        let start = index
        if peek() == "-" {
            index += 1
            guard let c = peek(), FilterLexer.isDigit(c) else {
                throw error(at: index, "expected a digit after \"-\", found \(describe(at: index))")
            }
        }
        _ = digits()
        if peek() == "." {
            index += 1
            guard digits() > 0 else {
                throw error(at: index, "expected a digit after the decimal point, found \(describe(at: index))")
            }
        }
        if peek() == "e" || peek() == "E" {
            index += 1
            if peek() == "+" || peek() == "-" { index += 1 }
            guard digits() > 0 else {
                throw error(at: index, "expected a digit in the exponent, found \(describe(at: index))")
            }
        }
        if let c = peek(), FilterLexer.isNameContinuation(c) || c == "." {
            throw error(at: index, "expected a separator after the number \(FilterToken.shorten(text(start, index))), found \(describe(at: index))")
        }
        let literal = text(start, index)
        guard let value = Double(literal), value.isFinite else {
            throw error(at: start, "expected a finite number, found \(FilterToken.shorten(literal)), which is out of range")
        }
        return value
    }

    /// A field path, or a keyword when the path is one unquoted name that is one.
    private mutating func lexFieldOrKeyword() throws -> FilterToken {
        let start = index
        var components: [String] = []
        var quotedAny = false
        while true {
            let segmentStart = index
            if peek() == "`" {
                components.append(try lexQuotedName())
                quotedAny = true
            } else if let c = peek(), components.isEmpty ? FilterLexer.isNameStart(c) : FilterLexer.isNameContinuation(c) {
                while let c = peek(), FilterLexer.isNameContinuation(c) { index += 1 }
                components.append(text(segmentStart, index))
            } else {
                throw error(at: index, "expected a field name after \".\", found \(describe(at: index))")
            }
            guard peek() == "." else { break }
            index += 1
        }
        let source = text(start, index)
        if components.count == 1, !quotedAny, let keyword = FilterKeyword(rawValue: components[0].uppercased()) {
            return FilterToken(kind: .keyword(keyword), position: start + 1, text: source)
        }
        return FilterToken(kind: .field(FieldPath(components)), position: start + 1, text: source)
    }

    /// A backquoted name; a doubled backquote stands for one.
    private mutating func lexQuotedName() throws -> String {
        let open = index
        index += 1
        var name = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw error(at: scalars.count, "expected a closing \"`\" for the field name that starts at character \(open + 1), found end of input")
            }
            if c == "`" {
                if peek(1) == "`" {
                    name.append("`")
                    index += 2
                    continue
                }
                index += 1
                return String(name)
            }
            if c.value < 0x20 || c.value == 0x7F {
                throw error(at: index, "expected a character of a field name, found \(describe(at: index))")
            }
            name.append(c)
            index += 1
        }
    }
}

// MARK: - Parser

/// Recursive descent over the grammar of ``MetadataFilter``. Recursion
/// happens only for `(` and `NOT`, both counted against
/// ``MetadataFilter/maximumDepth``; `AND` and `OR` chains are loops.
struct FilterParser {
    private var lexer: FilterLexer
    private var current: FilterToken
    private var depth = 0
    /// Whether the last primary parsed was a bare field (so an operator may follow).
    private var afterBareField = false
    private let source: String

    init(_ source: String) throws {
        self.source = source
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(min(source.utf8.count, MetadataFilter.maximumLength + 1))
        for scalar in source.unicodeScalars {
            guard scalars.count < MetadataFilter.maximumLength else {
                throw FathomError.invalidFilter(expression: source, position: MetadataFilter.maximumLength + 1,
                                                reason: "expected at most \(MetadataFilter.maximumLength) characters, found more")
            }
            scalars.append(scalar)
        }
        lexer = FilterLexer(source, scalars: scalars)
        current = try lexer.next()
    }

    private func error(_ token: FilterToken, expected: String) -> FathomError {
        .invalidFilter(expression: source, position: token.position, reason: "expected \(expected), found \(token.found)")
    }

    private mutating func advance() throws {
        current = try lexer.next()
    }

    mutating func parseFilter() throws -> FilterExpression {
        let expression = try parseOr()
        guard case .end = current.kind else {
            throw error(current, expected: (afterBareField ? "an operator (=, !=, <, <=, >, >=, IN, HAS), " : "")
                + "\"AND\", \"OR\" or end of input")
        }
        return expression
    }

    private mutating func parseOr() throws -> FilterExpression {
        var children: [FilterExpression] = []
        while true {
            let child = try parseAnd()
            if case .or(let grandchildren) = child { children += grandchildren } else { children.append(child) }
            guard current.kind == .keyword(.or) else { break }
            try advance()
        }
        return children.count == 1 ? children[0] : .or(children)
    }

    private mutating func parseAnd() throws -> FilterExpression {
        var children: [FilterExpression] = []
        while true {
            let child = try parseNot()
            if case .and(let grandchildren) = child { children += grandchildren } else { children.append(child) }
            guard current.kind == .keyword(.and) else { break }
            try advance()
        }
        return children.count == 1 ? children[0] : .and(children)
    }

    private mutating func enter() throws {
        depth += 1
        if depth > MetadataFilter.maximumDepth {
            throw FathomError.invalidFilter(expression: source, position: current.position,
                                            reason: "expected at most \(MetadataFilter.maximumDepth) levels of parentheses and NOT, found more")
        }
    }

    private mutating func parseNot() throws -> FilterExpression {
        guard current.kind == .keyword(.not) else { return try parsePrimary() }
        try enter()
        try advance()
        let operand = try parseNot()
        depth -= 1
        return .not(operand)
    }

    private mutating func parsePrimary() throws -> FilterExpression {
        afterBareField = false
        switch current.kind {
        case .leftParenthesis:
            let open = current
            try enter()
            try advance()
            let inner = try parseOr()
            guard current.kind == .rightParenthesis else {
                throw error(current, expected: (afterBareField ? "an operator (=, !=, <, <=, >, >=, IN, HAS), " : "")
                    + "\"AND\", \"OR\" or \")\" to close the \"(\" at character \(open.position)")
            }
            depth -= 1
            afterBareField = false
            try advance()
            return inner
        case .keyword(.exists):
            try advance()
            guard case .field(let path) = current.kind else {
                throw error(current, expected: "a field after EXISTS")
            }
            try advance()
            return .exists(path)
        case .field(let path):
            try advance()
            switch current.kind {
            case .comparison(let op):
                let opToken = current
                try advance()
                let valueToken = current
                let literal = try parseValue(expected: "a value after \"\(opToken.text)\"")
                if op.isOrdering {
                    switch literal {
                    case .null, .bool:
                        throw error(valueToken, expected: "a number or a string after \"\(opToken.text)\" (booleans and null are not ordered)")
                    case .number, .string: break
                    }
                }
                return .compare(path, op, literal)
            case .keyword(.in):
                try advance()
                guard current.kind == .leftParenthesis else { throw error(current, expected: "\"(\" after IN") }
                try advance()
                var literals: [FilterLiteral] = []
                if current.kind == .rightParenthesis {
                    try advance()
                    return .oneOf(path, literals)
                }
                while true {
                    if literals.count == MetadataFilter.maximumListCount {
                        throw FathomError.invalidFilter(expression: source, position: current.position,
                                                        reason: "expected at most \(MetadataFilter.maximumListCount) values in an IN list, found more")
                    }
                    literals.append(try parseValue(expected: literals.isEmpty ? "a value or \")\" in the IN list" : "a value after \",\" in the IN list"))
                    if current.kind == .rightParenthesis { break }
                    guard current.kind == .comma else { throw error(current, expected: "\",\" or \")\" in the IN list") }
                    try advance()
                }
                try advance()
                return .oneOf(path, literals)
            case .keyword(.has):
                try advance()
                return .has(path, try parseValue(expected: "a value after HAS"))
            default:
                afterBareField = true
                return .isTrue(path)
            }
        case .keyword(let keyword) where [.true, .false, .null, .in, .has].contains(keyword):
            throw error(current, expected: "a field, \"NOT\", \"EXISTS\" or \"(\" (a field named \(current.text) is written `\(current.text)`)")
        default:
            throw error(current, expected: "a field, \"NOT\", \"EXISTS\" or \"(\"")
        }
    }

    private mutating func parseValue(expected: String) throws -> FilterLiteral {
        let literal: FilterLiteral
        switch current.kind {
        case .string(let value): literal = .string(value)
        case .number(let value): literal = .number(value)
        case .keyword(.true): literal = .bool(true)
        case .keyword(.false): literal = .bool(false)
        case .keyword(.null): literal = .null
        case .field(let path) where path.components.count == 1:
            throw error(current, expected: expected + " (a string is written in double quotes: \"\(path.components[0])\")")
        default:
            throw error(current, expected: expected)
        }
        try advance()
        return literal
    }
}
