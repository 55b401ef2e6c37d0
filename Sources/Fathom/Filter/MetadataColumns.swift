import Foundation
import Synchronization

/// The metadata of many documents (a segment's, in ordinal order) seen column
/// by column, to evaluate filters over all of them at once.
///
/// A column is built for a field path the first time a filter reads it, then
/// kept: rows that hold a number, a string, a boolean, null or an array at
/// that path are bitmaps; numbers are one `Double` per row, strings one id per
/// row into the column's sorted dictionary (so that id order is string order
/// and `<` on strings is `<` on ids); array elements are posting lists of rows
/// per distinct element. Evaluating a filter is a few linear passes over
/// these arrays, 64 rows per bitmap word.
///
/// The rows are kept as given: decoded objects (``init(_:)``), or the stored
/// canonical JSON text (``init(json:)``), which is several times smaller than
/// the decoded dictionaries and is read for one path at a time by a small
/// scanner, without decoding the rest of the row.
///
/// Shared between threads (the segment cache holds one per segment): the rows
/// never change after `init`, and the column and statistics caches are behind
/// one mutex. Columns are built outside the lock, so two threads may build
/// the same column at once; the first one stored wins and both are equal.
final class MetadataColumns: Sendable {
    /// The number of rows (documents).
    let rowCount: Int
    private let source: MetadataRows
    /// Guards the columns and statistics built so far, by field path.
    private let cache = Mutex<Cache>(Cache())

    private struct Cache {
        var columns: [FieldPath: FieldColumn] = [:]
        var statistics: [FieldPath: FieldStatistics] = [:]
    }

    /// Columns over decoded metadata objects, one per row.
    init(_ rows: [[String: JSONValue]]) {
        rowCount = rows.count
        source = .decoded(rows)
    }

    /// Columns over stored metadata: each row's canonical JSON text, or nil
    /// for a document without metadata (it has no fields).
    ///
    /// - Throws: ``FathomError/corruption(what:detail:)`` when a row is not a
    ///   well-formed JSON object.
    init(json: [String?]) throws {
        var text = CanonicalRows(bytes: [], offsets: [0])
        text.offsets.reserveCapacity(json.count + 1)
        for row in json {
            if let row { text.bytes.append(contentsOf: row.utf8) }
            text.offsets.append(text.bytes.count)
        }
        try text.bytes.withUnsafeBufferPointer { buffer in
            for (ordinal, row) in json.enumerated() where row != nil {
                var scanner = JSONScanner(buffer, start: text.offsets[ordinal], end: text.offsets[ordinal + 1])
                guard scanner.isObject() else {
                    throw FathomError.corruption(what: "document metadata",
                                                 detail: "the metadata of ordinal \(ordinal) is not a JSON object")
                }
            }
        }
        rowCount = json.count
        source = .canonicalJSON(text)
    }

    /// The column of `path`, built on first use.
    func column(_ path: FieldPath) -> FieldColumn {
        if let column = cache.withLock({ $0.columns[path] }) { return column }
        let built = buildColumn(path)
        return cache.withLock { cache in
            if let raced = cache.columns[path] { return raced }
            cache.columns[path] = built
            return built
        }
    }

    /// The statistics of `path`, built from its column on first use.
    func statistics(_ path: FieldPath) -> FieldStatistics {
        if let statistics = cache.withLock({ $0.statistics[path] }) { return statistics }
        let built = FieldStatistics(column(path))
        return cache.withLock { cache in
            if let raced = cache.statistics[path] { return raced }
            cache.statistics[path] = built
            return built
        }
    }

    /// The statistics of every field `filter` reads.
    func statistics(for filter: MetadataFilter) -> MetadataStatistics {
        var fields: [FieldPath: FieldStatistics] = [:]
        for path in filter.fieldPaths { fields[path] = statistics(path) }
        return MetadataStatistics(rowCount: rowCount, fields: fields)
    }

    /// The ordinals of the rows that satisfy `filter`.
    func evaluate(_ filter: MetadataFilter) -> OrdinalBitmap {
        OrdinalBitmap(rows(matching: filter))
    }

    /// The rows that satisfy `filter`, as a bitset (cheaper to combine than
    /// an ``OrdinalBitmap``).
    func rows(matching filter: MetadataFilter) -> RowBitset {
        var columns: [FieldPath: FieldColumn] = [:]
        for path in filter.fieldPaths { columns[path] = column(path) }
        return rows(filter.expression, columns)
    }

    private func rows(_ expression: FilterExpression, _ columns: [FieldPath: FieldColumn]) -> RowBitset {
        switch expression {
        case .and(let children):
            var result = RowBitset(rowCount: rowCount, filled: true)
            for child in children {
                result.formIntersection(rows(child, columns))
                if result.isEmpty { break }
            }
            return result
        case .or(let children):
            var result = RowBitset(rowCount: rowCount)
            for child in children { result.formUnion(rows(child, columns)) }
            return result
        case .not(let child):
            return rows(child, columns).complemented()
        case .compare(let path, let op, let literal):
            return (columns[path] ?? column(path)).rows(op, literal)
        case .oneOf(let path, let literals):
            return (columns[path] ?? column(path)).rows(in: literals)
        case .has(let path, let literal):
            return (columns[path] ?? column(path)).rows(having: literal)
        case .isTrue(let path):
            return (columns[path] ?? column(path)).trues
        case .exists(let path):
            return (columns[path] ?? column(path)).present
        }
    }

    private func buildColumn(_ path: FieldPath) -> FieldColumn {
        var builder = ColumnBuilder(path: path, rowCount: rowCount)
        switch source {
        case .decoded(let objects):
            for (row, object) in objects.enumerated() {
                if let value = path.value(in: object) { builder.add(value, row: row) }
            }
        case .canonicalJSON(let text):
            let key = ScannerPath(path)
            text.bytes.withUnsafeBufferPointer { buffer in
                for row in 0..<rowCount {
                    var scanner = JSONScanner(buffer, start: text.offsets[row], end: text.offsets[row + 1])
                    if scanner.seek(key) { scanner.readValue(row: row, into: &builder) }
                }
            }
        }
        return builder.finish()
    }
}

/// The rows of a ``MetadataColumns``, as they were given.
private enum MetadataRows: Sendable {
    case decoded([[String: JSONValue]])
    case canonicalJSON(CanonicalRows)
}

/// Every row's JSON text back to back: row `r` is `bytes[offsets[r]..<offsets[r + 1]]`.
private struct CanonicalRows: Sendable {
    var bytes: [UInt8]
    var offsets: [Int]
}

// MARK: - Bitsets

/// A set of rows `0..<rowCount`, 64 to a word. Bits at and beyond `rowCount`
/// are always zero, so counts and complements need no masking afterwards.
struct RowBitset: Sendable, Equatable {
    private(set) var words: [UInt64]
    let rowCount: Int

    /// No rows, or (`filled`) every row.
    init(rowCount: Int, filled: Bool = false) {
        self.rowCount = rowCount
        words = [UInt64](repeating: filled ? ~0 : 0, count: (rowCount + 63) >> 6)
        if filled { clearTail() }
    }

    /// From words (any bits beyond `rowCount` are cleared).
    init(rowCount: Int, words: [UInt64]) {
        precondition(words.count == (rowCount + 63) >> 6, "a bitset of \(rowCount) rows has \((rowCount + 63) >> 6) words")
        self.rowCount = rowCount
        self.words = words
        clearTail()
    }

    /// A set holding `rows` (ascending or not; each below `rowCount`).
    init(rowCount: Int, rows: [UInt32]) {
        self.init(rowCount: rowCount)
        words.withUnsafeMutableBufferPointer { words in
            for row in rows { words[Int(row) >> 6] |= 1 << UInt64(row & 63) }
        }
    }

    private mutating func clearTail() {
        let used = rowCount & 63
        if used != 0 { words[words.count - 1] &= (1 << UInt64(used)) - 1 }
    }

    @inline(__always)
    func contains(_ row: Int) -> Bool {
        words[row >> 6] & (1 << UInt64(row & 63)) != 0
    }

    @inline(__always)
    mutating func insert(_ row: Int) {
        words[row >> 6] |= 1 << UInt64(row & 63)
    }

    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    /// The number of rows in the set.
    var cardinality: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    mutating func formIntersection(_ other: RowBitset) {
        combine(other) { $0 & $1 }
    }

    mutating func formUnion(_ other: RowBitset) {
        combine(other) { $0 | $1 }
    }

    mutating func subtract(_ other: RowBitset) {
        combine(other) { $0 & ~$1 }
    }

    func intersection(_ other: RowBitset) -> RowBitset {
        var result = self
        result.formIntersection(other)
        return result
    }

    func union(_ other: RowBitset) -> RowBitset {
        var result = self
        result.formUnion(other)
        return result
    }

    func subtracting(_ other: RowBitset) -> RowBitset {
        var result = self
        result.subtract(other)
        return result
    }

    /// Every row not in the set.
    func complemented() -> RowBitset {
        var result = self
        result.words.withUnsafeMutableBufferPointer { words in
            for index in words.indices { words[index] = ~words[index] }
        }
        result.clearTail()
        return result
    }

    @inline(__always)
    private mutating func combine(_ other: RowBitset, _ operation: (UInt64, UInt64) -> UInt64) {
        precondition(other.rowCount == rowCount, "bitsets of \(rowCount) and \(other.rowCount) rows")
        words.withUnsafeMutableBufferPointer { words in
            other.words.withUnsafeBufferPointer { others in
                for index in words.indices { words[index] = operation(words[index], others[index]) }
            }
        }
    }

    /// Calls `body` with every row of the set, in ascending order.
    func forEach(_ body: (Int) -> Void) {
        for (index, word) in words.enumerated() {
            var word = word
            while word != 0 {
                body(index << 6 | word.trailingZeroBitCount)
                word &= word - 1
            }
        }
    }

    /// The rows of the set in ascending order.
    var rows: [Int] {
        var rows: [Int] = []
        rows.reserveCapacity(cardinality)
        forEach { rows.append($0) }
        return rows
    }

    /// The rows `i` of `0..<rowCount` for which `predicate(values[i])` holds,
    /// among those of `mask`. `values` has `rowCount` elements. Inlined so that
    /// each call site gets a loop specialised for its predicate.
    @inline(__always)
    static func scan<Value>(_ values: [Value], mask: RowBitset, _ predicate: (Value) -> Bool) -> RowBitset {
        let rowCount = mask.rowCount
        precondition(values.count == rowCount, "\(values.count) values for \(rowCount) rows")
        var words = [UInt64](repeating: 0, count: mask.words.count)
        values.withUnsafeBufferPointer { values in
            mask.words.withUnsafeBufferPointer { mask in
                words.withUnsafeMutableBufferPointer { words in
                    for index in 0..<words.count where mask[index] != 0 {
                        let base = index << 6
                        let end = min(base + 64, rowCount)
                        var bits: UInt64 = 0
                        for row in base..<end {
                            bits |= (predicate(values[row]) ? 1 : 0) << UInt64(row - base)
                        }
                        words[index] = bits & mask[index]
                    }
                }
            }
        }
        return RowBitset(rowCount: rowCount, words: words)
    }
}

extension OrdinalBitmap {
    /// The ordinals of `rows` (the same bit layout, so the words carry over).
    init(_ rows: RowBitset) {
        self.init(words: rows.words)
    }
}

// MARK: - Columns

/// The value of one element of an array, as a key of the element postings
/// (strings by their id in the column's dictionary).
enum ElementKey: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(UInt32)
}

/// One field path's values over all rows of a ``MetadataColumns``.
///
/// Invariants: every bitset has `rowCount` rows; the type bitsets (`nulls`,
/// `trues`, `falses`, `numberRows`, `stringRows`, `arrayRows`) are disjoint
/// subsets of `present` (a row whose value is an object is only in
/// `present`); `numbers` is empty when no row holds a number, else has one
/// entry per row, NaN where the row holds no number (so comparisons with it
/// are false); `stringIDs` likewise, `UInt32.max` where the row holds no
/// string; `strings` is sorted by UTF-8 bytes (= by Unicode scalars) without
/// duplicates and holds the strings of scalars and of array elements;
/// each posting list of `elementRows` is ascending without repeats.
final class FieldColumn: Sendable {
    let path: FieldPath
    let rowCount: Int
    let present: RowBitset
    let nulls: RowBitset
    let trues: RowBitset
    let falses: RowBitset
    let numberRows: RowBitset
    let numbers: [Double]
    let stringRows: RowBitset
    let stringIDs: [UInt32]
    let strings: [[UInt8]]
    let arrayRows: RowBitset
    let elementRows: [ElementKey: [UInt32]]

    fileprivate init(path: FieldPath, rowCount: Int, present: RowBitset, nulls: RowBitset, trues: RowBitset,
                     falses: RowBitset, numberRows: RowBitset, numbers: [Double], stringRows: RowBitset,
                     stringIDs: [UInt32], strings: [[UInt8]], arrayRows: RowBitset, elementRows: [ElementKey: [UInt32]]) {
        self.path = path
        self.rowCount = rowCount
        self.present = present
        self.nulls = nulls
        self.trues = trues
        self.falses = falses
        self.numberRows = numberRows
        self.numbers = numbers
        self.stringRows = stringRows
        self.stringIDs = stringIDs
        self.strings = strings
        self.arrayRows = arrayRows
        self.elementRows = elementRows
    }

    /// Where `string` is in the sorted dictionary: its id when `found`, else
    /// the id it would have (the number of smaller strings).
    func lookup(_ string: String) -> (index: Int, found: Bool) {
        var string = string
        return string.withUTF8 { key in
            var low = 0, high = strings.count
            while low < high {
                let middle = (low + high) >> 1
                let order = strings[middle].withUnsafeBytes { ScalarOrder.compare($0, UnsafeRawBufferPointer(key)) }
                if order == 0 { return (middle, true) }
                if order < 0 { low = middle + 1 } else { high = middle }
            }
            return (low, false)
        }
    }

    /// The key of `literal` among array elements; nil for a string not in the dictionary.
    func elementKey(_ literal: FilterLiteral) -> ElementKey? {
        switch literal {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .number(let value): return .number(value)
        case .string(let value):
            let (index, found) = lookup(value)
            return found ? .string(UInt32(index)) : nil
        }
    }

    private var empty: RowBitset { RowBitset(rowCount: rowCount) }

    /// The rows where `field op literal` holds.
    func rows(_ op: ComparisonOperator, _ literal: FilterLiteral) -> RowBitset {
        switch literal {
        case .null:
            switch op {
            case .equal: return nulls
            case .notEqual: return present.subtracting(nulls)
            default: return empty
            }
        case .bool(let value):
            switch op {
            case .equal: return value ? trues : falses
            case .notEqual: return value ? falses : trues
            default: return empty
            }
        case .number(let x):
            guard !numbers.isEmpty else { return empty }
            switch op {
            case .equal: return RowBitset.scan(numbers, mask: numberRows) { $0 == x }
            case .notEqual: return RowBitset.scan(numbers, mask: numberRows) { $0 != x }
            case .less: return RowBitset.scan(numbers, mask: numberRows) { $0 < x }
            case .lessOrEqual: return RowBitset.scan(numbers, mask: numberRows) { $0 <= x }
            case .greater: return RowBitset.scan(numbers, mask: numberRows) { $0 > x }
            case .greaterOrEqual: return RowBitset.scan(numbers, mask: numberRows) { $0 >= x }
            }
        case .string(let text):
            guard !stringIDs.isEmpty else { return empty }
            let (index, found) = lookup(text)
            let id = UInt32(index)
            // The first id above the literal.
            let above = found ? id + 1 : id
            switch op {
            case .equal: return found ? RowBitset.scan(stringIDs, mask: stringRows) { $0 == id } : empty
            case .notEqual: return found ? RowBitset.scan(stringIDs, mask: stringRows) { $0 != id } : stringRows
            case .less: return RowBitset.scan(stringIDs, mask: stringRows) { $0 < id }
            case .lessOrEqual: return RowBitset.scan(stringIDs, mask: stringRows) { $0 < above }
            case .greater: return RowBitset.scan(stringIDs, mask: stringRows) { $0 >= above }
            case .greaterOrEqual: return RowBitset.scan(stringIDs, mask: stringRows) { $0 >= id }
            }
        }
    }

    /// The rows whose scalar equals one of `literals`.
    func rows(in literals: [FilterLiteral]) -> RowBitset {
        var result = empty
        var numberSet: [Double] = []
        var idSet: [UInt32] = []
        for literal in literals {
            switch literal {
            case .null: result.formUnion(nulls)
            case .bool(let value): result.formUnion(value ? trues : falses)
            case .number(let value): numberSet.append(value)
            case .string(let value):
                let (index, found) = lookup(value)
                if found { idSet.append(UInt32(index)) }
            }
        }
        if !numberSet.isEmpty && !numbers.isEmpty {
            if numberSet.count <= 4 {
                for x in numberSet { result.formUnion(RowBitset.scan(numbers, mask: numberRows) { $0 == x }) }
            } else {
                let sorted = Array(Set(numberSet)).sorted()
                result.formUnion(RowBitset.scan(numbers, mask: numberRows) { value in
                    var low = 0, high = sorted.count
                    while low < high {
                        let middle = (low + high) >> 1
                        if sorted[middle] < value { low = middle + 1 } else { high = middle }
                    }
                    return low < sorted.count && sorted[low] == value
                })
            }
        }
        if !idSet.isEmpty && !stringIDs.isEmpty {
            if idSet.count <= 4 {
                for id in idSet { result.formUnion(RowBitset.scan(stringIDs, mask: stringRows) { $0 == id }) }
            } else {
                var member = [Bool](repeating: false, count: strings.count)
                for id in idSet { member[Int(id)] = true }
                result.formUnion(member.withUnsafeBufferPointer { member in
                    RowBitset.scan(stringIDs, mask: stringRows) { Int($0) < member.count && member[Int($0)] }
                })
            }
        }
        return result
    }

    /// The rows whose array has an element equal to `literal`, or whose scalar equals it.
    func rows(having literal: FilterLiteral) -> RowBitset {
        var result = rows(.equal, literal)
        if let key = elementKey(literal), let postings = elementRows[key] {
            result.formUnion(RowBitset(rowCount: rowCount, rows: postings))
        }
        return result
    }
}

/// Accumulates one column, row by row (rows in ascending order).
private struct ColumnBuilder {
    let path: FieldPath
    let rowCount: Int
    var present: RowBitset
    var nulls: RowBitset
    var trues: RowBitset
    var falses: RowBitset
    var numberRows: RowBitset
    var stringRows: RowBitset
    var arrayRows: RowBitset
    var numbers: [Double] = []
    /// Ids in order of first appearance until `finish` sorts the dictionary.
    var stringIDs: [UInt32] = []
    var strings = StringInterner()
    var elementRows: [ElementKey: [UInt32]] = [:]

    init(path: FieldPath, rowCount: Int) {
        self.path = path
        self.rowCount = rowCount
        present = RowBitset(rowCount: rowCount)
        nulls = present
        trues = present
        falses = present
        numberRows = present
        stringRows = present
        arrayRows = present
    }

    mutating func addNull(row: Int) {
        present.insert(row)
        nulls.insert(row)
    }

    mutating func addBool(_ value: Bool, row: Int) {
        present.insert(row)
        if value { trues.insert(row) } else { falses.insert(row) }
    }

    mutating func addNumber(_ value: Double, row: Int) {
        present.insert(row)
        numberRows.insert(row)
        if numbers.isEmpty { numbers = [Double](repeating: .nan, count: rowCount) }
        numbers[row] = value
    }

    mutating func addString(_ utf8: UnsafeBufferPointer<UInt8>, row: Int) {
        present.insert(row)
        stringRows.insert(row)
        if stringIDs.isEmpty { stringIDs = [UInt32](repeating: .max, count: rowCount) }
        stringIDs[row] = strings.intern(utf8)
    }

    mutating func addArray(row: Int) {
        present.insert(row)
        arrayRows.insert(row)
    }

    /// A value that is neither a scalar nor an array (an object).
    mutating func addOther(row: Int) {
        present.insert(row)
    }

    mutating func addElement(_ key: ElementKey, row: Int) {
        let row = UInt32(row)
        if elementRows[key]?.last != row { elementRows[key, default: []].append(row) }
    }

    mutating func addElementString(_ utf8: UnsafeBufferPointer<UInt8>, row: Int) {
        addElement(.string(strings.intern(utf8)), row: row)
    }

    /// Adds a decoded value.
    mutating func add(_ value: JSONValue, row: Int) {
        switch value {
        case .null: addNull(row: row)
        case .bool(let value): addBool(value, row: row)
        case .number(let value): addNumber(value, row: row)
        case .string(var value): value.withUTF8 { addString($0, row: row) }
        case .object: addOther(row: row)
        case .array(let elements):
            addArray(row: row)
            for element in elements {
                switch element {
                case .null: addElement(.null, row: row)
                case .bool(let value): addElement(.bool(value), row: row)
                case .number(let value): addElement(.number(value), row: row)
                case .string(var value): value.withUTF8 { addElementString($0, row: row) }
                case .array, .object: break   // never equal to a literal
                }
            }
        }
    }

    /// Sorts the dictionary and renumbers the ids in that order.
    consuming func finish() -> FieldColumn {
        let (sorted, rank) = strings.sorted()
        if !stringIDs.isEmpty {
            stringIDs.withUnsafeMutableBufferPointer { ids in
                for index in ids.indices where ids[index] != .max { ids[index] = rank[Int(ids[index])] }
            }
        }
        var elements: [ElementKey: [UInt32]] = [:]
        elements.reserveCapacity(elementRows.count)
        for (key, rows) in elementRows {
            if case .string(let id) = key { elements[.string(rank[Int(id)])] = rows } else { elements[key] = rows }
        }
        return FieldColumn(path: path, rowCount: rowCount, present: present, nulls: nulls, trues: trues, falses: falses,
                           numberRows: numberRows, numbers: numbers, stringRows: stringRows, stringIDs: stringIDs,
                           strings: sorted, arrayRows: arrayRows, elementRows: elements)
    }
}

/// Distinct byte strings, numbered in order of first appearance: an open
/// addressing table over their hashes, so that looking up a string that is
/// already there allocates nothing.
private struct StringInterner {
    private(set) var values: [[UInt8]] = []
    private var hashes: [Int] = []
    /// Index into `values` + 1; 0 is an empty slot. The capacity is a power of
    /// two, at least twice the count.
    private var slots = [Int32](repeating: 0, count: 16)

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        return hasher.finalize()
    }

    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let hash = Self.hash(bytes)
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != 0 {
            let id = Int(slots[slot]) - 1
            if hashes[id] == hash, values[id].elementsEqual(bytes) { return UInt32(id) }
            slot = (slot + 1) & mask
        }
        let id = values.count
        values.append(Array(bytes))
        hashes.append(hash)
        slots[slot] = Int32(id + 1)
        if values.count * 2 > slots.count { grow() }
        return UInt32(id)
    }

    private mutating func grow() {
        var larger = [Int32](repeating: 0, count: slots.count * 2)
        let mask = larger.count - 1
        for (id, hash) in hashes.enumerated() {
            var slot = hash & mask
            while larger[slot] != 0 { slot = (slot + 1) & mask }
            larger[slot] = Int32(id + 1)
        }
        slots = larger
    }

    /// The values sorted by bytes, and each first-appearance id's rank in that order.
    func sorted() -> (values: [[UInt8]], rank: [UInt32]) {
        let order = values.indices.sorted { a, b in
            values[a].withUnsafeBytes { x in values[b].withUnsafeBytes { y in ScalarOrder.compare(x, y) < 0 } }
        }
        var rank = [UInt32](repeating: 0, count: values.count)
        for (position, id) in order.enumerated() { rank[id] = UInt32(position) }
        return (order.map { values[$0] }, rank)
    }
}

// MARK: - Reading canonical JSON

/// A field path prepared for matching raw keys.
private struct ScannerPath {
    struct Component {
        let string: String
        let utf8: [UInt8]
        let isASCII: Bool
    }

    let components: [Component]

    init(_ path: FieldPath) {
        components = path.components.map { Component(string: $0, utf8: Array($0.utf8), isASCII: $0.utf8.allSatisfy { $0 < 0x80 }) }
    }
}

/// A forward-only reader of one row's JSON text.
///
/// `isObject` validates the whole row (the grammar of RFC 8259, iteratively,
/// so deep nesting cannot overflow the stack); the other methods assume a
/// validated row but still check every index, so a damaged one reads as
/// missing values rather than trapping. Keys are matched as Swift matches
/// dictionary keys (canonical equivalence, with a byte comparison when both
/// sides are ASCII); the first member with the key is taken (stored rows are
/// encoded from dictionaries, so keys do not repeat).
private struct JSONScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index: Int
    private let end: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) {
        self.bytes = bytes
        index = start
        self.end = min(end, bytes.count)
    }

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
    private static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    private static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")
    private static let comma = UInt8(ascii: ","), colon = UInt8(ascii: ":"), minus = UInt8(ascii: "-")

    @inline(__always)
    private var byte: UInt8? { index < end ? bytes[index] : nil }

    @inline(__always)
    private mutating func skipWhitespace() {
        while index < end {
            let c = bytes[index]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            index += 1
        }
    }

    /// Whether the text is exactly one JSON object (white space around it allowed).
    mutating func isObject() -> Bool {
        skipWhitespace()
        guard byte == Self.openBrace, skipValue() else { return false }
        skipWhitespace()
        return index == end
    }

    /// Skips one value, checking its grammar; false when it is not JSON.
    private mutating func skipValue() -> Bool {
        var closers: [UInt8] = []
        while true {
            skipWhitespace()
            guard let c = byte else { return false }
            switch c {
            case Self.openBrace:
                index += 1
                skipWhitespace()
                if byte == Self.closeBrace {
                    index += 1
                } else {
                    closers.append(Self.closeBrace)
                    guard skipMemberName() else { return false }
                    continue
                }
            case Self.openBracket:
                index += 1
                skipWhitespace()
                if byte == Self.closeBracket {
                    index += 1
                } else {
                    closers.append(Self.closeBracket)
                    continue
                }
            case Self.quote:
                guard stringContent() != nil else { return false }
            case UInt8(ascii: "t"): guard skipWord("true") else { return false }
            case UInt8(ascii: "f"): guard skipWord("false") else { return false }
            case UInt8(ascii: "n"): guard skipWord("null") else { return false }
            case Self.minus, UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard numberEnd() != nil else { return false }
            default:
                return false
            }
            // A value is complete: close the containers it completes.
            while true {
                guard let closer = closers.last else { return true }
                skipWhitespace()
                guard let c = byte else { return false }
                if c == Self.comma {
                    index += 1
                    if closer == Self.closeBrace { guard skipMemberName() else { return false } }
                    break
                }
                guard c == closer else { return false }
                index += 1
                closers.removeLast()
            }
        }
    }

    /// `"name" :`
    private mutating func skipMemberName() -> Bool {
        skipWhitespace()
        guard byte == Self.quote, stringContent() != nil else { return false }
        skipWhitespace()
        guard byte == Self.colon else { return false }
        index += 1
        return true
    }

    private mutating func skipWord(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard end - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// At a `"`: moves past the string and returns the range of its content
    /// (between the quotes), whether it has escapes and whether it is all ASCII;
    /// nil when it is malformed.
    private mutating func stringContent() -> (start: Int, end: Int, escaped: Bool, ascii: Bool)? {
        index += 1
        let start = index
        var escaped = false, ascii = true
        while index < end {
            let c = bytes[index]
            if c == Self.quote {
                index += 1
                return (start, index - 1, escaped, ascii)
            }
            if c < 0x20 { return nil }
            if c >= 0x80 { ascii = false }
            if c == Self.backslash {
                escaped = true
                guard index + 1 < end else { return nil }
                switch bytes[index + 1] {
                case Self.quote, Self.backslash, UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                case UInt8(ascii: "u"):
                    guard index + 6 <= end else { return nil }
                    for offset in 2..<6 where Self.hexValue(bytes[index + offset]) == nil { return nil }
                    index += 6
                default:
                    return nil
                }
                continue
            }
            index += 1
        }
        return nil
    }

    private static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// The content of a string with its escapes resolved, as UTF-8 (lone
    /// surrogates become U+FFFD, as in Swift strings).
    private func unescaped(_ start: Int, _ end: Int) -> [UInt8] {
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        var index = start
        func flush(_ scalars: inout String.UnicodeScalarView, _ raw: inout [UInt8]) {
            if !raw.isEmpty {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll(keepingCapacity: true)
            }
        }
        func hex(at offset: Int) -> UInt32 {
            guard offset + 4 <= end else { return 0xFFFD }
            var value: UInt32 = 0
            for i in offset..<offset + 4 { value = value << 4 | (Self.hexValue(bytes[i]) ?? 0) }
            return value
        }
        while index < end {
            let c = bytes[index]
            guard c == Self.backslash, index + 1 < end else {
                raw.append(c)
                index += 1
                continue
            }
            flush(&scalars, &raw)
            let e = bytes[index + 1]
            index += 2
            switch e {
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var value = hex(at: index)
                index += 4
                if (0xD800..<0xDC00).contains(value), index + 6 <= end,
                   bytes[index] == Self.backslash, bytes[index + 1] == UInt8(ascii: "u") {
                    let low = hex(at: index + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    }
                }
                scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            default: scalars.append(Unicode.Scalar(e))
            }
        }
        flush(&scalars, &raw)
        return Array(String(scalars).utf8)
    }

    /// At a number: the index just past it; nil when it is malformed.
    private mutating func numberEnd() -> Int? {
        func digits() -> Int {
            let start = index
            while index < end, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - start
        }
        if byte == Self.minus { index += 1 }
        guard digits() > 0 else { return nil }
        if byte == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
        }
        if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            index += 1
            if byte == UInt8(ascii: "+") || byte == Self.minus { index += 1 }
            guard digits() > 0 else { return nil }
        }
        return index
    }

    /// At a number: its value (nil when malformed or out of range).
    private mutating func number() -> Double? {
        let start = index
        guard let stop = numberEnd() else { return nil }
        // Fast path: a short integer is exact in a double.
        var negative = false, position = start, integer: Int64 = 0
        if bytes[position] == Self.minus {
            negative = true
            position += 1
        }
        if stop - position <= 15 {
            while position < stop, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                integer = integer * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
                position += 1
            }
            if position == stop { return negative ? -Double(integer) : Double(integer) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    private func keyMatches(_ key: (start: Int, end: Int, escaped: Bool, ascii: Bool), _ component: ScannerPath.Component) -> Bool {
        if key.ascii && !key.escaped && component.isASCII {
            guard key.end - key.start == component.utf8.count else { return false }
            return component.utf8.withUnsafeBufferPointer { name in
                guard let base = bytes.baseAddress, let other = name.baseAddress, name.count > 0 else { return true }
                return memcmp(base + key.start, other, name.count) == 0
            }
        }
        let name = key.escaped ? String(decoding: unescaped(key.start, key.end), as: UTF8.self)
            : String(decoding: UnsafeBufferPointer(rebasing: bytes[key.start..<key.end]), as: UTF8.self)
        return name == component.string
    }

    /// Moves to the value at `path`; false when it is missing.
    mutating func seek(_ path: ScannerPath) -> Bool {
        for component in path.components {
            skipWhitespace()
            guard byte == Self.openBrace else { return false }
            index += 1
            skipWhitespace()
            guard byte != Self.closeBrace else { return false }
            while true {
                skipWhitespace()
                guard byte == Self.quote, let key = stringContent() else { return false }
                skipWhitespace()
                guard byte == Self.colon else { return false }
                index += 1
                skipWhitespace()
                if keyMatches(key, component) { break }
                guard skipValue() else { return false }
                skipWhitespace()
                guard byte == Self.comma else { return false }   // "}": no such key
                index += 1
            }
        }
        return true
    }

    /// Reads the value at the scanner into `builder` for `row`.
    mutating func readValue(row: Int, into builder: inout ColumnBuilder) {
        skipWhitespace()
        guard let c = byte else { return }
        switch c {
        case Self.openBrace:
            builder.addOther(row: row)
        case Self.openBracket:
            builder.addArray(row: row)
            index += 1
            skipWhitespace()
            guard byte != Self.closeBracket else { return }
            while true {
                skipWhitespace()
                guard let e = byte else { return }
                switch e {
                case Self.openBrace, Self.openBracket:
                    guard skipValue() else { return }
                case Self.quote:
                    guard let string = stringContent() else { return }
                    withString(string) { builder.addElementString($0, row: row) }
                case UInt8(ascii: "t"), UInt8(ascii: "f"):
                    let value = e == UInt8(ascii: "t")
                    guard skipWord(value ? "true" : "false") else { return }
                    builder.addElement(.bool(value), row: row)
                case UInt8(ascii: "n"):
                    guard skipWord("null") else { return }
                    builder.addElement(.null, row: row)
                default:
                    guard let value = number() else { return }
                    builder.addElement(.number(value), row: row)
                }
                skipWhitespace()
                guard byte == Self.comma else { return }
                index += 1
            }
        case Self.quote:
            guard let string = stringContent() else { return }
            withString(string) { builder.addString($0, row: row) }
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            let value = c == UInt8(ascii: "t")
            if skipWord(value ? "true" : "false") { builder.addBool(value, row: row) }
        case UInt8(ascii: "n"):
            if skipWord("null") { builder.addNull(row: row) }
        default:
            if let value = number() { builder.addNumber(value, row: row) }
        }
    }

    private func withString(_ string: (start: Int, end: Int, escaped: Bool, ascii: Bool),
                            _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if string.escaped {
            unescaped(string.start, string.end).withUnsafeBufferPointer(body)
        } else {
            body(UnsafeBufferPointer(rebasing: bytes[string.start..<string.end]))
        }
    }
}
