import Testing
@testable import Fathom

/// The semantics table of ``MetadataFilter``, checked through every
/// evaluator (row-at-a-time, columns over decoded rows and over JSON text).
@Suite("Metadata filter semantics")
struct MetadataFilterSemanticsTests {
    typealias F = FilterFixtures

    static let row: [String: JSONValue] = [
        "year": 1987, "score": 2.5, "title": "BAHIA COCOA REVIEW", "date": "1987-02-26T15:01:01",
        "topics": ["cocoa", "earn"], "mixed": ["a", 1, true, nil, ["nested"], ["k": "v"]], "empty": [],
        "draft": true, "final": false, "one": 1, "yes": "true", "nothing": nil,
        "nested": ["lang": "en", "deeper": ["n": 3]], "lang-code": "pt", "a.b": "dotted", "and": true,
        "composed": "\u{E9}", "negativeZero": .number(-0.0),
    ]

    @Test("each predicate on the example row", arguments: [
        // = and != compare scalars of the literal's type.
        ("year = 1987", true), ("year = 1987.0", true), ("year = 1.987e3", true), ("year != 1987", false),
        ("year != 1986", true), ("year = \"1987\"", false), ("year != \"1987\"", false),
        ("title = \"BAHIA COCOA REVIEW\"", true), ("title = \"bahia cocoa review\"", false),
        ("draft = true", true), ("draft != false", true), ("draft = false", false), ("final = false", true),
        ("draft = 1", false), ("one = true", false), ("yes = true", false),
        ("negativeZero = 0", true), ("negativeZero < 0", false),
        // null: = null only for null; != null for any present non-null value.
        ("nothing = null", true), ("nothing != null", false), ("year = null", false), ("year != null", true),
        ("topics != null", true), ("nested != null", true), ("missing != null", false), ("missing = null", false),
        // Ordering: numbers numerically, strings by scalars; mixed types false.
        ("year > 1986.5", true), ("year >= 1987", true), ("year < 1987", false), ("score <= 2.5", true),
        ("year > \"1000\"", false), ("title > 5", false),
        ("date >= \"1987-02-26\"", true), ("date < \"1987-02-27\"", true), ("date < \"1987-02-26\"", false),
        ("title < \"b\"", true), ("title < \"BAHIA\"", false), ("title > \"BAHIA\"", true),
        ("composed > \"z\"", true), ("composed = \"e\u{301}\"", false), ("composed = \"\\u00E9\"", true),
        // Arrays and objects are never equal to a value.
        ("topics = \"cocoa\"", false), ("topics != \"cocoa\"", false), ("topics < \"zzz\"", false),
        ("nested = \"en\"", false), ("empty = null", false),
        // IN: the scalar equals one of the values.
        ("year IN (1986, 1987)", true), ("year IN (\"1987\")", false), ("title IN (\"x\", \"BAHIA COCOA REVIEW\")", true),
        ("nothing IN (null)", true), ("draft IN (true)", true), ("year IN ()", false), ("topics IN (\"cocoa\")", false),
        ("missing IN (1, null)", false),
        // HAS: array membership, or equality for a scalar.
        ("topics HAS \"earn\"", true), ("topics HAS \"acq\"", false), ("topics HAS \"EARN\"", false),
        ("mixed HAS 1", true), ("mixed HAS true", true), ("mixed HAS null", true), ("mixed HAS \"a\"", true),
        ("mixed HAS \"1\"", false), ("mixed HAS \"nested\"", false), ("mixed HAS \"v\"", false),
        ("empty HAS null", false), ("title HAS \"BAHIA COCOA REVIEW\"", true), ("year HAS 1987", true),
        ("nested HAS \"en\"", false), ("missing HAS 1", false),
        // Bare field: boolean true only.
        ("draft", true), ("final", false), ("one", false), ("yes", false), ("topics", false), ("missing", false),
        ("`and`", true),
        // EXISTS: present, null included.
        ("EXISTS nothing", true), ("EXISTS empty", true), ("EXISTS nested.deeper", true), ("EXISTS missing", false),
        ("EXISTS nested.missing", false), ("EXISTS title.x", false),
        // Paths into nested objects; a scalar on the way makes the field missing.
        ("nested.lang = \"en\"", true), ("nested.deeper.n >= 3", true), ("title.length > 0", false),
        ("`lang-code` = \"pt\"", true), ("`a.b` = \"dotted\"", true), ("a.b = \"dotted\"", false),
        // NOT negates the result: a missing field makes a comparison false and its negation true.
        ("NOT missing = 1", true), ("NOT missing != 1", true), ("NOT year = \"1987\"", true),
        ("NOT draft", false), ("NOT final", true), ("NOT NOT draft", true), ("NOT EXISTS missing", true),
        // Connectives and precedence.
        ("draft AND year = 1987", true), ("draft AND final", false), ("final OR draft", true),
        ("final AND draft OR year = 1987", true), ("final AND (draft OR year = 1987)", false),
        ("NOT final AND draft", true), ("NOT (final OR draft)", false),
    ])
    func predicate(filter: String, expected: Bool) throws {
        #expect(try F.holds(filter, Self.row) == expected)
    }

    @Test("an empty row and a row without metadata select nothing but negations")
    func emptyRows() throws {
        for filter in ["a = 1", "a != 1", "a != null", "a IN (null)", "a HAS null", "a", "EXISTS a", "a < \"z\""] {
            #expect(try F.holds(filter, [:]) == false, "\(filter)")
            #expect(try F.holds("NOT " + filter, [:]) == true, "NOT \(filter)")
        }
        let columns = try MetadataColumns(json: [nil, "{}", #"{"a": 1}"#])
        #expect(columns.rows(matching: try MetadataFilter("NOT EXISTS a")).rows == [0, 1])
        #expect(columns.rows(matching: try MetadataFilter("a = 1")).rows == [2])
    }
}
