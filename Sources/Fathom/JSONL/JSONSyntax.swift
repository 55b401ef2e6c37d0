import Foundation

/// Says where a line stops being JSON, for error messages only.
///
/// Foundation's `JSONDecoder` rejects every malformed line with the same
/// "The given data was not valid JSON." and no position, so a user with a
/// million-line file cannot tell what to fix. When decoding fails that way,
/// this scanner re-reads the line and names the first byte that is wrong:
/// `invalid JSON at byte 24: expected ',' or ']' after an array element, found 'x'`.
///
/// It accepts what Foundation's `JSONSerialization` accepts (RFC 8259, plus the
/// trailing commas and leading byte-order mark Foundation tolerates; at most 512
/// levels of nesting; numbers that fit a 64-bit float). `JSONDecoder` checks
/// strings and numbers only in the fields it decodes, so a line can hold an
/// earlier error in a field Fathom ignores: that one is named then, which is
/// still a place the line must be fixed.
/// It never runs on the ingest fast path, only after a line was rejected. It
/// is iterative (an explicit stack), so no nesting depth can overflow the stack.
enum JSONSyntax {
    /// The deepest nesting of arrays and objects Foundation's parser accepts.
    static let maxDepth = 512

    /// The first syntax error: its 0-based byte offset and what is wrong there.
    struct Failure: Equatable {
        var offset: Int
        var reason: String

        /// The reason as shown to a user, with a 1-based byte position.
        var message: String { "invalid JSON at byte \(offset + 1): \(reason)" }
    }

    /// Whether Foundation's parsers would guess UTF-16 or UTF-32 for `line`
    /// (a NUL among its first four bytes, or a UTF-16 byte-order mark). JSONL is
    /// UTF-8, and this scanner reads UTF-8 only, so it reports such a line's
    /// first NUL as the error even when Foundation reads it.
    static func mayBeReadAsUTF16or32(_ line: Data) -> Bool {
        line.prefix(4).contains(0) || line.starts(with: [0xFE, 0xFF]) || line.starts(with: [0xFF, 0xFE])
    }

    /// The first syntax error in `line`, or nil when it is one well-formed JSON value.
    static func firstError(in line: Data) -> Failure? {
        line.withUnsafeBytes { raw in
            var scanner = Scanner(bytes: raw.bindMemory(to: UInt8.self))
            return scanner.scan()
        }
    }
}

private struct Scanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var stack: [Container] = []

    enum Container { case array, object }
    /// The grammar position between two steps of the loop in `scan()`.
    enum State { case value, key, afterValue }

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func scan() -> JSONSyntax.Failure? {
        // Foundation skips a UTF-8 byte-order mark before the value.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        var state = State.value
        while true {
            skipWhitespace()
            switch state {
            case .value:
                guard index < bytes.count else { return fail("unexpected end of line, expected a value") }
                switch bytes[index] {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard stack.count < JSONSyntax.maxDepth else {
                        return fail("arrays and objects nested deeper than \(JSONSyntax.maxDepth) levels")
                    }
                    let isObject = bytes[index] == UInt8(ascii: "{")
                    stack.append(isObject ? .object : .array)
                    index += 1
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: isObject ? "}" : "]") {
                        index += 1
                        stack.removeLast()
                        state = .afterValue
                    } else {
                        state = isObject ? .key : .value
                    }
                case UInt8(ascii: "\""):
                    if let failure = string() { return failure }
                    state = .afterValue
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    if let failure = number() { return failure }
                    state = .afterValue
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    if let failure = literal() { return failure }
                    state = .afterValue
                case UInt8(ascii: "N"), UInt8(ascii: "I"):
                    return fail("NaN and Infinity are not JSON numbers")
                default:
                    return fail("expected a value, found \(found())")
                }
            case .key:
                guard index < bytes.count else { return fail("unexpected end of line, expected a string key") }
                guard bytes[index] == UInt8(ascii: "\"") else { return fail("expected a string key, found \(found())") }
                if let failure = string() { return failure }
                skipWhitespace()
                guard index < bytes.count else { return fail("unexpected end of line, expected ':' after the key") }
                guard bytes[index] == UInt8(ascii: ":") else { return fail("expected ':' after the key, found \(found())") }
                index += 1
                state = .value
            case .afterValue:
                guard let container = stack.last else {
                    return index < bytes.count ? fail("unexpected \(found()) after the end of the JSON value") : nil
                }
                let close = UInt8(ascii: container == .object ? "}" : "]")
                let expected = container == .object ? "',' or '}' after an object member" : "',' or ']' after an array element"
                guard index < bytes.count else { return fail("unexpected end of line, expected \(expected)") }
                if bytes[index] == close {
                    index += 1
                    stack.removeLast()
                } else if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    skipWhitespace()
                    // Foundation accepts a trailing comma: `[1,]`, `{"a":1,}`.
                    if index < bytes.count, bytes[index] == close {
                        index += 1
                        stack.removeLast()
                    } else {
                        state = container == .object ? .key : .value
                    }
                } else {
                    return fail("expected \(expected), found \(found())")
                }
            }
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private func fail(_ reason: String, at offset: Int? = nil) -> JSONSyntax.Failure {
        JSONSyntax.Failure(offset: offset ?? index, reason: reason)
    }

    /// The byte at `index`, quoted when printable.
    private func found() -> String {
        guard index < bytes.count else { return "the end of the line" }
        let byte = bytes[index]
        return (0x21...0x7E).contains(byte) ? "'\(Character(UnicodeScalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private mutating func literal() -> JSONSyntax.Failure? {
        for word in ["true", "false", "null"] {
            let utf8 = Array(word.utf8)
            if bytes.count - index >= utf8.count, zip(utf8, bytes[index...]).allSatisfy({ $0 == $1 }) {
                index += utf8.count
                return nil
            }
        }
        return fail("expected a value (true, false, null, a number, a string, an array or an object), found \(found())")
    }

    private mutating func number() -> JSONSyntax.Failure? {
        let start = index
        func isDigit(_ offset: Int) -> Bool { offset < bytes.count && (0x30...0x39).contains(bytes[offset]) }
        if bytes[index] == UInt8(ascii: "-") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "I") { return fail("NaN and Infinity are not JSON numbers") }
        }
        guard isDigit(index) else { return fail("expected a digit after '-', found \(found())") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if isDigit(index) { return fail("a number may not start with 0 followed by a digit", at: start) }
        } else {
            while isDigit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { return fail("expected a digit after the decimal point, found \(found())") }
            while isDigit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { return fail("expected a digit in the exponent, found \(found())") }
            while isDigit(index) { index += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            return fail("the number \(text.prefix(40)) is outside the range of a 64-bit float", at: start)
        }
        return nil
    }

    private mutating func string() -> JSONSyntax.Failure? {
        let start = index
        index += 1   // the opening quote
        while true {
            guard index < bytes.count else { return fail("unexpected end of line inside the string that starts at byte \(start + 1)") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return nil
            case UInt8(ascii: "\\"):
                if let failure = escape() { return failure }
            case 0x00..<0x20:
                return fail("control character 0x\(String(byte, radix: 16, uppercase: true)) in a string must be escaped")
            case 0x20..<0x80:
                index += 1
            default:
                guard let length = utf8SequenceLength() else { return fail("invalid UTF-8 in a string") }
                index += length
            }
        }
    }

    /// An escape at `index` (the backslash); surrogates must come in pairs, as Foundation requires.
    private mutating func escape() -> JSONSyntax.Failure? {
        guard index + 1 < bytes.count else { return fail("unexpected end of line after '\\'") }
        switch bytes[index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 2
            return nil
        case UInt8(ascii: "u"):
            guard let unit = hex4(at: index + 2) else { return fail("expected four hexadecimal digits after '\\u'") }
            switch unit {
            case 0xD800...0xDBFF:
                guard index + 7 < bytes.count, bytes[index + 6] == UInt8(ascii: "\\"), bytes[index + 7] == UInt8(ascii: "u"),
                      let low = hex4(at: index + 8), (0xDC00...0xDFFF).contains(low)
                else { return fail("\\u\(String(unit, radix: 16, uppercase: true)) is a high surrogate without a low surrogate after it") }
                index += 12
            case 0xDC00...0xDFFF:
                return fail("\\u\(String(unit, radix: 16, uppercase: true)) is a low surrogate without a high surrogate before it")
            default:
                index += 6
            }
            return nil
        default:
            let byte = bytes[index + 1]
            let shown = (0x21...0x7E).contains(byte) ? "'\\\(Character(UnicodeScalar(byte)))'"
                : "'\\' followed by byte 0x\(String(byte, radix: 16, uppercase: true))"
            return fail("invalid escape \(shown) in a string")
        }
    }

    private func hex4(at offset: Int) -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[offset..<offset + 4] {
            guard let digit = Character(UnicodeScalar(byte)).hexDigitValue else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// The length of the well-formed UTF-8 sequence at `index` (Unicode Table 3-7:
    /// no overlong forms, no surrogates, nothing above U+10FFFF), or nil.
    private func utf8SequenceLength() -> Int? {
        let lead = bytes[index]
        let length: Int, second: ClosedRange<UInt8>
        switch lead {
        case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
        case 0xE0: (length, second) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
        case 0xED: (length, second) = (3, 0x80...0x9F)
        case 0xF0: (length, second) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
        case 0xF4: (length, second) = (4, 0x80...0x8F)
        default: return nil
        }
        guard index + length <= bytes.count, second.contains(bytes[index + 1]) else { return nil }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) { return nil }
        return length
    }
}
