import Dispatch
import Foundation
import Synchronization
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Filter metadata columns")
struct FilterColumnsTests {
    typealias F = FilterFixtures

    @Test("thousands of random filters select what the reference evaluator selects, by every evaluator")
    func randomFiltersAgainstReference() throws {
        let rows = F.randomRows(seed: 0xC0_1F11, count: 700)
        let decoded = MetadataColumns(rows)
        let json = try MetadataColumns(json: rows.enumerated().map { $0.offset % 50 == 7 ? nil : CanonicalJSON.encode($0.element) })
        let jsonRows = rows.enumerated().map { $0.offset % 50 == 7 ? [:] : $0.element }
        var g = SeededGenerator(seed: 0x5EED)
        var failures: [String] = []
        var selectedSizes = Set<Int>()
        let total = 4_000
        for _ in 0..<total {
            let expr = F.randomExpr(&g)
            let text = withUnsafeMutablePointer(to: &g) { F.render(expr, style: $0) }
            let filter = try MetadataFilter(text)
            let expected = rows.indices.filter { F.reference(expr, rows[$0]) }
            let expectedJSON = jsonRows.indices.filter { F.reference(expr, jsonRows[$0]) }
            selectedSizes.insert(expected.count)
            let byRow = rows.indices.filter { filter.matches(rows[$0]) }
            let byDecoded = decoded.rows(matching: filter).rows
            let byJSON = json.rows(matching: filter).rows
            let bitmap = json.evaluate(filter)
            if byRow != expected || byDecoded != expected || byJSON != expectedJSON
                || bitmap.count != expectedJSON.count || !expectedJSON.allSatisfy(bitmap.contains) {
                failures.append("\(expr) [\(text)]: expected \(expected.count), matches \(byRow.count), decoded \(byDecoded.count), json \(byJSON.count)/\(expectedJSON.count)")
            }
        }
        Behaviour.expectNoFailures(failures, of: total, "random filters")
        #expect(selectedSizes.count > 100)   // the filters select varied sets, not just none or all
    }

    @Test("columns hold each type in its own bitmap, with a sorted dictionary")
    func columnLayout() throws {
        let rows: [[String: JSONValue]] = [
            ["f": 3], ["f": "b"], ["f": true], ["f": false], ["f": nil], ["f": ["x", "a", "x", 2, [1]]],
            ["f": ["k": 1]], [:], ["f": "a"], ["f": -1.5], ["g": 1],
        ]
        for columns in [MetadataColumns(rows), try MetadataColumns(json: rows.map { CanonicalJSON.encode($0) })] {
            let column = columns.column(FieldPath(["f"]))
            #expect(column.present.rows == [0, 1, 2, 3, 4, 5, 6, 8, 9])
            #expect(column.numberRows.rows == [0, 9])
            #expect(column.stringRows.rows == [1, 8])
            #expect(column.trues.rows == [2])
            #expect(column.falses.rows == [3])
            #expect(column.nulls.rows == [4])
            #expect(column.arrayRows.rows == [5])
            #expect(column.strings == [Array("a".utf8), Array("b".utf8), Array("x".utf8)])
            #expect(column.stringIDs[1] == 1 && column.stringIDs[8] == 0)
            #expect(column.elementRows[.string(2)] == [5])
            #expect(column.elementRows[.number(2)] == [5])
            #expect(column.numbers[0] == 3 && column.numbers[9] == -1.5 && column.numbers[1].isNaN)
            #expect(columns.column(FieldPath(["missing"])).present.isEmpty)
            #expect(columns.column(FieldPath(["missing"])).numbers.isEmpty)
        }
    }

    @Test("the JSON reader handles escapes, white space, nesting and Unicode keys like the decoder")
    func jsonReader() throws {
        let texts: [String] = [
            #"{"a\u0062":"x\"y","n":{"k":[1,{"k":2},"\ud83e\udded"]}}"#,
            "  {\n \"ab\" : \"\\u00e9\" ,\t\"n\" : { \"k\" : -2.5e1 } }  ",
            #"{"ab":"é","n":{"k":true},"zz":[[[[[]]]]]}"#,
            #"{"e\u0301":1,"ab":"\u0000\t","n":null}"#,
            #"{"ab":"x","ab2":"y","n":{"j":1,"k":"🧭"}}"#,
        ]
        let rows = try texts.map { try CanonicalJSON.decode($0) }
        let json = try MetadataColumns(json: texts)
        let decoded = MetadataColumns(rows)
        for text in [#"ab = "x\"y""#, #"ab = "é""#, #"ab = "\u0000\t""#, #"ab > "a""#, "n.k HAS 1", "n.k HAS \"🧭\"",
                     "n.k = -25", "n.k", "EXISTS n.k", "n = null", "`\u{E9}` = 1", "`e\u{301}` = 1", "EXISTS zz",
                     "ab2 = \"y\"", "n.k IN (\"🧭\", true)"] {
            let filter = try MetadataFilter(text)
            let expected = rows.indices.filter { filter.matches(rows[$0]) }
            #expect(json.rows(matching: filter).rows == expected, "\(text)")
            #expect(decoded.rows(matching: filter).rows == expected, "\(text)")
        }
        #expect(json.rows(matching: try MetadataFilter(#"ab = "x\"y""#)).rows == [0])
        #expect(json.rows(matching: try MetadataFilter("n.k HAS \"🧭\"")).rows == [0, 4])
        // Keys match as Swift dictionary keys do (canonical equivalence).
        #expect(json.rows(matching: try MetadataFilter("`\u{E9}` = 1")).rows == [3])
    }

    @Test("stored metadata that is not a JSON object is reported as corruption", arguments: [
        "", " ", "[1]", "1", "\"x\"", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1} x", "{\"a\":tru}",
        "{\"a\":01x}", "{\"a\":\"\u{1}\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":[1,]}", "{\"a\":[1 2]}",
        "{\"a\":{\"b\":1]}", "{'a':1}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":1e}", "{\"a\" 1}",
        "{\"a\":" + String(repeating: "[", count: 100_000),
    ])
    func corruptRows(text: String) {
        let error = #expect(throws: FathomError.self) { try MetadataColumns(json: [#"{"a":1}"#, text]) }
        #expect(error == .corruption(what: "document metadata", detail: "the metadata of ordinal 1 is not a JSON object"))
    }

    @Test("deeply nested stored values are read without recursion")
    func deepRows() throws {
        let deep = #"{"a":"# + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + #","b":1}"#
        let columns = try MetadataColumns(json: [deep])
        #expect(columns.rows(matching: try MetadataFilter("b = 1 AND EXISTS a AND NOT a HAS 1")).rows == [0])
    }

    @Test("evaluate returns an OrdinalBitmap of the selected rows")
    func ordinalBitmap() throws {
        let rows: [[String: JSONValue]] = (0..<300).map { ["i": .number(Double($0)), "even": .bool($0 % 2 == 0)] }
        let bitmap = MetadataColumns(rows).evaluate(try MetadataFilter("even AND i >= 100"))
        #expect(bitmap.count == 100)
        #expect((0..<300).allSatisfy { bitmap.contains($0) == ($0 % 2 == 0 && $0 >= 100) })
    }

    @Test("bitset operations keep bits beyond the row count clear")
    func bitsets() {
        for rowCount in [0, 1, 63, 64, 65, 130] {
            let all = RowBitset(rowCount: rowCount, filled: true)
            #expect(all.cardinality == rowCount)
            #expect(all.complemented().isEmpty)
            var odd = RowBitset(rowCount: rowCount)
            for row in stride(from: 1, to: rowCount, by: 2) { odd.insert(row) }
            #expect(odd.complemented().cardinality == (rowCount + 1) / 2)
            #expect(odd.union(odd.complemented()) == all)
            #expect(odd.intersection(odd.complemented()).isEmpty)
            #expect(all.subtracting(odd) == odd.complemented())
            #expect(RowBitset(rowCount: rowCount, rows: odd.rows.map(UInt32.init)) == odd)
            #expect(RowBitset(rowCount: rowCount, words: [UInt64](repeating: ~0, count: (rowCount + 63) / 64)) == all)
        }
    }

    @Test("threads sharing one instance build each column once and all get the same answers")
    func concurrentUse() throws {
        let rows = F.randomRows(seed: 0xAB, count: 2_000)
        let shared = try MetadataColumns(json: rows.map { CanonicalJSON.encode($0) })
        var g = SeededGenerator(seed: 0xCD)
        let filters = try (0..<64).map { _ in try MetadataFilter(F.render(F.randomExpr(&g), style: nil)) }
        let expected = filters.map { filter in rows.indices.filter { filter.matches(rows[$0]) } }
        final class Counter: Sendable { let value = Mutex(0) }
        let mismatches = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<filters.count {
                let index = (round * 7 + worker * 13) % filters.count
                let selected = shared.rows(matching: filters[index]).rows
                let estimate = shared.statistics(for: filters[index]).estimatedSelectivity(filters[index])
                if selected != expected[index] || !(0...1).contains(estimate) { mismatches.value.withLock { $0 += 1 } }
            }
        }
        #expect(mismatches.value.withLock { $0 } == 0)
    }
}
