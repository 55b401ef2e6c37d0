import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Metadata filter parser")
struct MetadataFilterParserTests {
    typealias F = FilterFixtures

    // MARK: - Valid filters and their canonical form

    @Test("valid filters print in canonical form, and the canonical form parses to the same tree", arguments: [
        (#"year >= 2019 AND lang IN ("en","de") AND NOT draft"#, #"year >= 2019 AND lang IN ("en", "de") AND NOT draft"#),
        (#"topics HAS "earn""#, #"topics HAS "earn""#),
        (#"date >= "1987-03-01" AND date < "1987-04-01""#, #"date >= "1987-03-01" AND date < "1987-04-01""#),
        (#"(places HAS "usa" OR places HAS "japan") AND words > 100"#, #"(places HAS "usa" OR places HAS "japan") AND words > 100"#),
        (#"title = "X""#, #"title = "X""#),
        ("year != 1987", "year != 1987"),
        ("draft", "draft"),
        ("EXISTS orgs", "EXISTS orgs"),
        // Keywords in any case; spacing normalised.
        ("year>=1 and not draft or exists x", "year >= 1 AND NOT draft OR EXISTS x"),
        ("a\tOr\r\nb  aNd c", "a OR b AND c"),
        // Parentheses only where precedence needs them; nested AND/OR flattened.
        ("((a))", "a"),
        ("(a AND b) AND c", "a AND b AND c"),
        ("a AND (b AND c)", "a AND b AND c"),
        ("(a OR b) OR (c OR d)", "a OR b OR c OR d"),
        ("(a OR b) AND c", "(a OR b) AND c"),
        ("a OR (b AND c)", "a OR b AND c"),
        ("NOT (a AND b)", "NOT (a AND b)"),
        ("NOT (a OR b)", "NOT (a OR b)"),
        ("(NOT a) AND b", "NOT a AND b"),
        ("NOT NOT a", "NOT NOT a"),
        ("NOT (a = 1)", "NOT a = 1"),
        // Values.
        ("x = 1.0", "x = 1"),
        ("x = -0.5", "x = -0.5"),
        ("x = 1e3", "x = 1000"),
        ("x = 1.5E-300", "x = 1.5e-300"),
        ("x = 2.5e+20", "x = 2.5e+20"),
        ("x = 007", "x = 7"),
        ("x = 12345678901234567890", "x = 1.2345678901234567e+19"),
        ("x = tRuE OR y = False OR z = NULL", "x = true OR y = false OR z = null"),
        ("x != null", "x != null"),
        (#"s = "a\"b\\c\/d\n\u00e9\ud83d\ude00\u0001""#, #"s = "a\"b\\c/d\né😀\u0001""#),
        (#"s = "Ωmega café 🧭""#, #"s = "Ωmega café 🧭""#),
        ("x IN ()", "x IN ()"),
        ("x IN (1, \"a\", true, null)", "x IN (1, \"a\", true, null)"),
        ("x HAS -2", "x HAS -2"),
        // Fields.
        ("a.b.c = 1", "a.b.c = 1"),
        ("a.1 = 1", "a.1 = 1"),
        ("`lang-code` = \"x\"", "`lang-code` = \"x\""),
        ("`and`", "`and`"),
        ("`plain` = 1", "plain = 1"),
        ("a.`b.c`", "a.`b.c`"),
        ("`a``b`", "`a``b`"),
        ("``", "``"),
        ("`NOT`.x", "NOT.x"),
        ("not.x", "not.x"),
        ("`ünïcødé ключ`.x HAS 1", "`ünïcødé ключ`.x HAS 1"),
        ("EXISTS nested.`a b`", "EXISTS nested.`a b`"),
    ])
    func canonicalForm(input: String, canonical: String) throws {
        let filter = try MetadataFilter(input)
        #expect(filter.description == canonical)
        let reparsed = try MetadataFilter(filter.description)
        #expect(reparsed == filter)
        #expect(reparsed.description == canonical)
    }

    @Test("the tree has the expected shape and precedence")
    func treeShape() throws {
        let filter = try MetadataFilter("a OR NOT b AND c = 1")
        let expected = FilterExpression.or([
            .isTrue(FieldPath(["a"])),
            .and([.not(.isTrue(FieldPath(["b"]))), .compare(FieldPath(["c"]), .equal, .number(1))]),
        ])
        #expect(filter.expression == expected)
        #expect(try MetadataFilter("nested.`a.b`.c HAS \"x\"").expression == .has(FieldPath(["nested", "a.b", "c"]), .string("x")))
        #expect(try MetadataFilter("x IN (1, 2)").fieldPaths == [FieldPath(["x"])])
        #expect(try MetadataFilter("b AND a OR b.c AND EXISTS a").fieldPaths == [FieldPath(["b"]), FieldPath(["a"]), FieldPath(["b", "c"])])
    }

    @Test("string equality of filters is by Unicode scalars, not canonical equivalence")
    func scalarEquality() throws {
        let composed = try MetadataFilter("s = \"\u{E9}\"")
        let decomposed = try MetadataFilter("s = \"e\u{301}\"")
        #expect(composed != decomposed)
        #expect(composed == (try MetadataFilter("s = \"\\u00e9\"")))
    }

    @Test("every random filter text parses, and the canonical form round-trips")
    func randomRoundTrip() throws {
        var g = SeededGenerator(seed: 0xF117E5)
        for _ in 0..<2_000 {
            let expr = F.randomExpr(&g)
            let text = withUnsafeMutablePointer(to: &g) { F.render(expr, style: $0) }
            let filter = try MetadataFilter(text)
            let plain = try MetadataFilter(F.render(expr, style: nil))
            #expect(filter == plain, "\(text)")
            #expect(try MetadataFilter(filter.description) == filter, "\(filter)")
        }
    }

    // MARK: - Errors

    @Test("the message names the position, what was expected and what was found")
    func messageFormat() {
        let error = #expect(throws: FathomError.self) { try MetadataFilter("year >= 2019 AND x >=") }
        #expect(error?.description == #"invalid filter at character 22: expected a value after ">=", found end of input"#)
        #expect(error.map(Behaviour.ErrorKind.init) == .invalidFilter)
    }

    @Test("each kind of error reports its position and the expected token", arguments: [
        ("", 1, #"expected a field, "NOT", "EXISTS" or "(", found end of input"#),
        ("   ", 4, #"expected a field, "NOT", "EXISTS" or "(", found end of input"#),
        ("year >= ", 9, #"expected a value after ">=", found end of input"#),
        ("year 1987", 6, #"expected an operator (=, !=, <, <=, >, >=, IN, HAS), "AND", "OR" or end of input, found the number 1987"#),
        ("a = 1 b", 7, #"expected "AND", "OR" or end of input, found the field b"#),
        ("a = 1)", 6, #"expected "AND", "OR" or end of input, found ")""#),
        ("(a = 1", 7, #"expected "AND", "OR" or ")" to close the "(" at character 1, found end of input"#),
        ("(a x", 4, #"expected an operator (=, !=, <, <=, >, >=, IN, HAS), "AND", "OR" or ")" to close the "(" at character 1, found the field x"#),
        ("a AND", 6, #"expected a field, "NOT", "EXISTS" or "(", found end of input"#),
        ("AND a", 1, #"expected a field, "NOT", "EXISTS" or "(", found "AND""#),
        ("NOT", 4, #"expected a field, "NOT", "EXISTS" or "(", found end of input"#),
        ("()", 2, #"expected a field, "NOT", "EXISTS" or "(", found ")""#),
        ("TRUE", 1, #"expected a field, "NOT", "EXISTS" or "(" (a field named TRUE is written `TRUE`), found "TRUE""#),
        ("EXISTS", 7, "expected a field after EXISTS, found end of input"),
        ("EXISTS 1", 8, "expected a field after EXISTS, found the number 1"),
        ("title = X", 9, #"expected a value after "=" (a string is written in double quotes: "X"), found the field X"#),
        ("a = 'x'", 5, #"expected a value after "=", found "'" (strings are written in double quotes)"#),
        ("a = 1 && b", 7, #"expected "AND", "OR" or end of input, found "&" (write AND)"#),
        ("a = 1 || b", 7, #"expected "AND", "OR" or end of input, found "|" (write OR)"#),
        ("!a", 1, #"expected a field, "NOT", "EXISTS" or "(", found "!" (write NOT for negation, != for inequality)"#),
        ("a = 1 \u{07}", 7, #"expected "AND", "OR" or end of input, found the character U+0007"#),
        ("a = 1 \u{A0}", 7, #"expected "AND", "OR" or end of input, found the character U+00A0"#),
        ("a = 1 é", 7, #"expected "AND", "OR" or end of input, found "é""#),
        ("a == 1", 3, #"expected "=" (the equality operator), found "==""#),
        ("a <> 1", 3, #"expected "!=" (the inequality operator), found "<>""#),
        ("a < true", 5, #"expected a number or a string after "<" (booleans and null are not ordered), found "true""#),
        ("a >= null", 6, #"expected a number or a string after ">=" (booleans and null are not ordered), found "null""#),
        ("a IN 1", 6, #"expected "(" after IN, found the number 1"#),
        ("a IN (1,)", 9, #"expected a value after "," in the IN list, found ")""#),
        ("a IN (1 2)", 9, #"expected "," or ")" in the IN list, found the number 2"#),
        ("a IN (", 7, #"expected a value or ")" in the IN list, found end of input"#),
        ("a HAS", 6, "expected a value after HAS, found end of input"),
        ("a HAS (1)", 7, #"expected a value after HAS, found "(""#),
        (#"a = "abc"#, 9, #"expected a closing '"' for the string that starts at character 5, found end of input"#),
        ("a = \"x\ty\"", 7, #"expected a character of a string, found the control character U+0009 (write it as an escape such as \n or \u000A)"#),
        (#"a = "x\qy""#, 7, #"expected an escape (\" \\ \/ \b \f \n \r \t \uXXXX), found "\q""#),
        (#"a = "x\"#, 8, #"expected an escaped character after "\", found end of input"#),
        (#"a = "\u12""#, 10, #"expected four hexadecimal digits after "\u", found """"#),
        (#"a = "\ud83dx""#, 12, #"expected "\u" and a low surrogate after the high surrogate \uD83D, found "x""#),
        (#"a = "\ud83d\u0041""#, 12, #"expected a low surrogate (\uDC00 to \uDFFF), found \u0041"#),
        (#"a = "\ude00""#, 6, #"expected a high surrogate before the low surrogate \uDE00, found none"#),
        ("a = 1.", 7, "expected a digit after the decimal point, found end of input"),
        ("a = 1e", 7, "expected a digit in the exponent, found end of input"),
        ("a = -", 6, "expected a digit after \"-\", found end of input"),
        ("a = - 1", 6, "expected a digit after \"-\", found \" \""),
        ("a = 12abc", 7, "expected a separator after the number 12, found \"a\""),
        ("a = 1.5.2", 8, "expected a separator after the number 1.5, found \".\""),
        ("a = 1e999", 5, "expected a finite number, found 1e999, which is out of range"),
        ("a. = 1", 3, #"expected a field name after ".", found " ""#),
        ("a..b", 3, #"expected a field name after ".", found ".""#),
        ("`abc = 1", 9, "expected a closing \"`\" for the field name that starts at character 1, found end of input"),
        ("`a\u{0A}b`", 3, "expected a character of a field name, found the control character U+000A"),
    ])
    func errors(input: String, position: Int, reason: String) {
        let error = F.parseError(input)
        #expect(error?.position == position)
        #expect(error?.reason == reason)
    }

    // MARK: - Limits and hostile input

    @Test("nesting: 64 levels of parentheses or NOT parse, 65 are refused at the 65th")
    func nestingLimit() throws {
        let deepest = String(repeating: "(", count: 64) + "a" + String(repeating: ")", count: 64)
        #expect(try MetadataFilter(deepest).description == "a")
        let tooDeep = String(repeating: "(", count: 65) + "a" + String(repeating: ")", count: 65)
        let error = F.parseError(tooDeep)
        #expect(error?.position == 65)
        #expect(error?.reason == "expected at most 64 levels of parentheses and NOT, found more")

        let nots = String(repeating: "NOT ", count: 64) + "a"
        #expect(try MetadataFilter(nots).description == nots)
        #expect(F.parseError(String(repeating: "NOT ", count: 65) + "a")?.position == 257)
        // Mixed: 32 parentheses and 33 NOTs.
        let mixed = String(repeating: "(NOT ", count: 32) + "NOT a" + String(repeating: ")", count: 32)
        #expect(F.parseError(mixed)?.reason == "expected at most 64 levels of parentheses and NOT, found more")
    }

    @Test("hostile nesting within the length limit is refused quickly, never overflowing the stack")
    func hostileNesting() {
        for text in [String(repeating: "(", count: 10_000), String(repeating: "NOT ", count: 2_500),
                     String(repeating: "(NOT ", count: 2_000), String(repeating: "((a OR ", count: 1_400)] {
            #expect(F.parseError(text)?.reason == "expected at most 64 levels of parentheses and NOT, found more")
        }
    }

    @Test("an IN list of 1,000 values parses; the 1,001st is refused at its position")
    func listLimit() throws {
        let values = (0..<1_000).map(String.init)
        let filter = try MetadataFilter("x IN (" + values.joined(separator: ",") + ")")
        guard case .oneOf(_, let literals) = filter.expression else {
            Issue.record("not an IN list")
            return
        }
        #expect(literals.count == 1_000)
        let text = "x IN (" + (values + ["1000"]).joined(separator: ",") + ")"
        let error = F.parseError(text)
        #expect(error?.position == text.count - 4)
        #expect(error?.reason == "expected at most 1000 values in an IN list, found more")
    }

    @Test("10,000 characters parse; one more is refused at character 10,001, whatever the total size")
    func lengthLimit() throws {
        let padding = String(repeating: " ", count: 10_000 - 5)
        #expect(try MetadataFilter(padding + "a = 1").description == "a = 1")
        for text in [padding + "a = 12", String(repeating: "x", count: 5_000_000), String(repeating: "é", count: 10_001)] {
            let error = F.parseError(text)
            #expect(error?.position == 10_001)
            #expect(error?.reason == "expected at most 10000 characters, found more")
        }
        // Positions count Unicode scalars: 9,999 two-byte scalars inside a string fit.
        let wide = "s = \"" + String(repeating: "é", count: 10_000 - 6) + "\""
        #expect(throws: Never.self) { try MetadataFilter(wide) }
    }

    @Test("long tokens are shortened in messages")
    func longTokens() throws {
        let name = String(repeating: "n", count: 5_000)
        let error = F.parseError("a = 1 " + name)
        #expect(error?.reason == "expected \"AND\", \"OR\" or end of input, found the field " + String(repeating: "n", count: 40) + "…")
    }

    @Test("random garbage over the language's alphabet parses or throws invalidFilter with a position in range")
    func fuzz() throws {
        var g = SeededGenerator(seed: 0xBAD_F00D)
        let alphabet: [String] = ["(", ")", " ", "a", "b.c", "`x`", "`", "\"", "\"s\"", "\\", "\\u", "1", "-", ".", "e",
                                  "=", "!=", "<", ">=", "!", ",", "AND", "or", "NOT", "IN", "HAS", "EXISTS", "true",
                                  "null", "\u{0}", "\u{7}", "\n", "é", "🧭", "'", "&"]
        var parsed = 0
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...24, using: &g)).map { _ in alphabet.randomElement(using: &g)! }.joined()
            do {
                let filter = try MetadataFilter(text)
                parsed += 1
                #expect(try MetadataFilter(filter.description) == filter, "\(text)")
            } catch let error as FathomError {
                guard case .invalidFilter(_, let position, let reason) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect((1...text.unicodeScalars.count + 1).contains(position), "\(text): \(position)")
                #expect(reason.hasPrefix("expected "), "\(text): \(reason)")
            }
        }
        #expect(parsed > 50)   // the fuzzer reaches valid filters too
    }
}
