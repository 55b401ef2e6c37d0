import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

/// Shared helpers of the filter tests: evaluation through every path
/// (row-at-a-time, columns over decoded rows, columns over canonical JSON),
/// seeded random metadata, and random filters with an independent
/// reference evaluator (it does not use the library's tree or semantics code).
enum FilterFixtures {
    // MARK: - Evaluating through every path

    /// The rows of `rows` that `filter` selects, after checking that the three
    /// evaluators (``MetadataFilter/matches(_:)``, columns over decoded rows,
    /// columns over canonical JSON) agree.
    static func selected(_ filter: MetadataFilter, _ rows: [[String: JSONValue]],
                         sourceLocation: SourceLocation = #_sourceLocation) throws -> [Int] {
        let byRow = rows.indices.filter { filter.matches(rows[$0]) }
        let decoded = MetadataColumns(rows).rows(matching: filter).rows
        let json = try MetadataColumns(json: rows.map { CanonicalJSON.encode($0) }).rows(matching: filter).rows
        #expect(decoded == byRow, "columns over decoded rows disagree with matches() for \(filter)", sourceLocation: sourceLocation)
        #expect(json == byRow, "columns over JSON disagree with matches() for \(filter)", sourceLocation: sourceLocation)
        return byRow
    }

    /// Whether `filter` (parsed from `text`) holds for `metadata`, by every evaluator.
    static func holds(_ text: String, _ metadata: [String: JSONValue],
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        let filter = try MetadataFilter(text)
        return try selected(filter, [metadata], sourceLocation: sourceLocation) == [0]
    }

    /// The ``FathomError/invalidFilter(expression:position:reason:)`` parsing `text` throws, if any.
    static func parseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation)
        -> (position: Int, reason: String)? {
        do {
            let filter = try MetadataFilter(text)
            Issue.record("\(text.prefix(80)) parsed as \(String(filter.description.prefix(80)))", sourceLocation: sourceLocation)
            return nil
        } catch let error as FathomError {
            guard case .invalidFilter(let expression, let position, let reason) = error else {
                Issue.record("expected invalidFilter, got \(error)", sourceLocation: sourceLocation)
                return nil
            }
            #expect(expression == text, sourceLocation: sourceLocation)
            return (position, reason)
        } catch {
            Issue.record("expected a FathomError, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    // MARK: - Random metadata

    static let words = ["a", "b", "B", "ab", "", "é", "zz", "a\"b", "tab\there", "\u{1F9ED}", "10", "true"]

    static func randomScalar(_ g: inout SeededGenerator) -> JSONValue {
        switch Int.random(in: 0..<10, using: &g) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &g))
        case 2, 3, 4: return .number(Double(Int.random(in: -3...12, using: &g)) / (Bool.random(using: &g) ? 1 : 2))
        default: return .string(words.randomElement(using: &g)!)
        }
    }

    static func randomValue(_ g: inout SeededGenerator, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<10, using: &g) {
        case 0, 1:
            return .array((0..<Int.random(in: 0...4, using: &g)).map { _ in
                Int.random(in: 0..<8, using: &g) == 0 ? .array([randomScalar(&g)]) : randomScalar(&g)
            })
        case 2 where depth < 2:
            return .object(randomObject(&g, depth: depth + 1))
        default:
            return randomScalar(&g)
        }
    }

    /// The keys random rows and random filters use: plain names, a keyword,
    /// names that need backquotes, one with a dot inside.
    static let keys = ["n", "s", "tags", "flag", "nested", "and", "lang-code", "a.b", "k"]

    static func randomObject(_ g: inout SeededGenerator, depth: Int = 0) -> [String: JSONValue] {
        var object: [String: JSONValue] = [:]
        for key in keys where Int.random(in: 0..<4, using: &g) != 0 {
            object[key] = randomValue(&g, depth: depth)
        }
        return object
    }

    /// Seeded random rows, biased so that each field has every type often.
    static func randomRows(seed: UInt64, count: Int) -> [[String: JSONValue]] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in randomObject(&g) }
    }

    // MARK: - Random filters (an AST of the tests' own)

    indirect enum Expr: CustomStringConvertible {
        case and([Expr]), or([Expr]), not(Expr)
        case compare([String], String, JSONValue)
        case oneOf([String], [JSONValue])
        case has([String], JSONValue)
        case truthy([String])
        case exists([String])

        var description: String { FilterFixtures.render(self, style: nil) }
    }

    static func randomPath(_ g: inout SeededGenerator) -> [String] {
        var path = [keys.randomElement(using: &g)!]
        if Int.random(in: 0..<4, using: &g) == 0 { path.append(keys.randomElement(using: &g)!) }
        return path
    }

    static func randomLiteral(_ g: inout SeededGenerator, ordered: Bool = false) -> JSONValue {
        while true {
            let value = randomScalar(&g)
            switch value {
            case .null, .bool: if !ordered { return value }
            default: return value
            }
        }
    }

    static func randomExpr(_ g: inout SeededGenerator, depth: Int = 0) -> Expr {
        let leaf = depth >= 4 || Int.random(in: 0..<3, using: &g) != 0
        if !leaf {
            switch Int.random(in: 0..<3, using: &g) {
            case 0: return .and((0..<Int.random(in: 2...3, using: &g)).map { _ in randomExpr(&g, depth: depth + 1) })
            case 1: return .or((0..<Int.random(in: 2...3, using: &g)).map { _ in randomExpr(&g, depth: depth + 1) })
            default: return .not(randomExpr(&g, depth: depth + 1))
            }
        }
        let path = randomPath(&g)
        switch Int.random(in: 0..<8, using: &g) {
        case 0, 1:
            let op = ["=", "!=", "<", "<=", ">", ">="].randomElement(using: &g)!
            return .compare(path, op, randomLiteral(&g, ordered: op != "=" && op != "!="))
        case 2: return .oneOf(path, (0..<Int.random(in: 0...6, using: &g)).map { _ in randomLiteral(&g) })
        case 3, 4: return .has(path, randomLiteral(&g))
        case 5: return .truthy(path)
        default: return .exists(path)
        }
    }

    /// Writes `expr` as filter text. With a generator, varies the surface:
    /// keyword case, spacing, redundant parentheses and backquotes, number
    /// spellings and string escapes; without one, a plain fully
    /// parenthesised form.
    static func render(_ expr: Expr, style g: UnsafeMutablePointer<SeededGenerator>?) -> String {
        func chance(_ n: Int) -> Bool { g.map { Int.random(in: 0..<n, using: &$0.pointee) == 0 } ?? false }
        func keyword(_ word: String) -> String {
            guard let g else { return word }
            switch Int.random(in: 0..<3, using: &g.pointee) {
            case 0: return word.lowercased()
            case 1: return word.prefix(1) + word.dropFirst().lowercased()
            default: return word
            }
        }
        func space() -> String { chance(3) ? ["  ", "\t", "\n ", "\r\n"][Int.random(in: 0..<4, using: &g!.pointee)] : " " }
        func name(_ key: String, first: Bool) -> String {
            let plain = key.range(of: first ? "^[A-Za-z_][A-Za-z0-9_]*$" : "^[A-Za-z0-9_]+$", options: .regularExpression) != nil
                && !(first && ["AND", "OR", "NOT", "IN", "HAS", "EXISTS", "TRUE", "FALSE", "NULL"].contains(key.uppercased()))
            if plain && !chance(4) { return key }
            return "`" + key.replacingOccurrences(of: "`", with: "``") + "`"
        }
        func path(_ p: [String]) -> String { p.enumerated().map { name($1, first: $0 == 0) }.joined(separator: ".") }
        func literal(_ value: JSONValue) -> String {
            switch value {
            case .null: return keyword("NULL")
            case .bool(let b): return keyword(b ? "TRUE" : "FALSE")
            case .number(let x):
                if chance(3) { return String(format: "%.3e", x) }
                if chance(3), x == x.rounded() { return String(Int(x)) + ".0" }
                return x == x.rounded() ? String(Int(x)) : "\(x)"
            case .string(let s):
                var text = "\""
                for scalar in s.unicodeScalars {
                    switch scalar {
                    case "\"": text += "\\\""
                    case "\\": text += "\\\\"
                    case "\t": text += chance(2) ? "\\t" : "\\u0009"
                    case "a" where chance(4): text += "\\u0061"
                    case _ where scalar.value > 0xFFFF && chance(2):
                        let v = scalar.value - 0x10000
                        text += String(format: "\\u%04X\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                    default: text.unicodeScalars.append(scalar)
                    }
                }
                return text + "\""
            default: preconditionFailure("not a literal")
            }
        }
        func wrap(_ text: String) -> String { "(" + space() + text + space() + ")" }
        func operand(_ e: Expr) -> String {
            let text = render(e, style: g)
            switch e {
            case .and, .or, .not: return wrap(text)
            default: return chance(8) ? wrap(text) : text
            }
        }
        switch expr {
        case .and(let children): return children.map(operand).joined(separator: space() + keyword("AND") + space())
        case .or(let children): return children.map(operand).joined(separator: space() + keyword("OR") + space())
        case .not(let child): return keyword("NOT") + space() + operand(child)
        case .compare(let p, let op, let value): return path(p) + (chance(3) ? "" : space()) + op + space() + literal(value)
        case .oneOf(let p, let values):
            return path(p) + space() + keyword("IN") + space() + "(" + values.map(literal).joined(separator: "," + space()) + ")"
        case .has(let p, let value): return path(p) + space() + keyword("HAS") + space() + literal(value)
        case .truthy(let p): return path(p)
        case .exists(let p): return keyword("EXISTS") + space() + path(p)
        }
    }

    // MARK: - The reference evaluator

    /// The value at `path`: keys of nested objects, nil when missing.
    static func lookup(_ path: [String], _ object: [String: JSONValue]) -> JSONValue? {
        var current: JSONValue = .object(object)
        for key in path {
            guard case .object(let members) = current, let next = members[key] else { return nil }
            current = next
        }
        return current
    }

    /// Strings order by their Unicode scalar values, one by one.
    static func scalarOrder(_ a: String, _ b: String) -> Int {
        let x = a.unicodeScalars.map(\.value), y = b.unicodeScalars.map(\.value)
        if x == y { return 0 }
        return x.lexicographicallyPrecedes(y) ? -1 : 1
    }

    /// `value = literal` in the filter language: same scalar type and equal.
    static func sameScalar(_ value: JSONValue, _ literal: JSONValue) -> Bool {
        switch (value, literal) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return scalarOrder(a, b) == 0
        default: return false
        }
    }

    static func reference(_ expr: Expr, _ row: [String: JSONValue]) -> Bool {
        switch expr {
        case .and(let children): return children.allSatisfy { reference($0, row) }
        case .or(let children): return children.contains { reference($0, row) }
        case .not(let child): return !reference(child, row)
        case .truthy(let path): return lookup(path, row) == .bool(true)
        case .exists(let path): return lookup(path, row) != nil
        case .oneOf(let path, let values):
            guard let value = lookup(path, row) else { return false }
            return values.contains { sameScalar(value, $0) }
        case .has(let path, let literal):
            guard let value = lookup(path, row) else { return false }
            if case .array(let elements) = value { return elements.contains { sameScalar($0, literal) } }
            return sameScalar(value, literal)
        case .compare(let path, let op, let literal):
            guard let value = lookup(path, row) else { return false }
            if case .null = literal {
                if op == "=" { return value == .null }
                if op == "!=" { return value != .null }
                return false
            }
            let order: Int
            switch (value, literal) {
            case (.number(let a), .number(let b)): order = a < b ? -1 : (a > b ? 1 : 0)
            case (.string(let a), .string(let b)): order = scalarOrder(a, b)
            case (.bool(let a), .bool(let b)):
                guard op == "=" || op == "!=" else { return false }
                order = a == b ? 0 : 1
            default: return false
            }
            switch op {
            case "=": return order == 0
            case "!=": return order != 0
            case "<": return order < 0
            case "<=": return order <= 0
            case ">": return order > 0
            default: return order >= 0
            }
        }
    }
}
