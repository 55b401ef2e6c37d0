/// A summary of one field's values over a set of rows, to estimate what
/// fraction of the rows a predicate selects without evaluating it.
///
/// Built once from a ``FieldColumn`` (one pass plus a sort of its numbers),
/// then a few hundred values whatever the row count:
/// - counts of rows where the field is present, null, `true`, `false`, an array;
/// - for numbers and for strings, a ``ValueDistribution``: count, distinct
///   count, minimum and maximum, the most common values with their exact
///   counts, and an equi-depth histogram of the other values (strings are
///   ordered by Unicode scalars, so ISO-8601 dates get a time histogram);
/// - for array elements, the most common elements with the number of rows
///   holding each, and the distinct and total counts.
///
/// Estimates are exact for presence, booleans, null and the most common
/// values; ranges over other values interpolate within a histogram bucket
/// (error about one bucket, 1/``bucketCount`` of the values, at worst);
/// equality with a value that is not among the most common assumes the
/// others are equally frequent.
struct FieldStatistics: Sendable {
    /// Buckets of the equi-depth histograms.
    static let bucketCount = 32
    /// Values (and array elements) whose exact counts are kept.
    static let mostCommonCount = 32

    let rowCount: Int
    let presentCount: Int
    let nullCount: Int
    let trueCount: Int
    let falseCount: Int
    let arrayCount: Int
    /// Rows holding a number; nil when none does.
    let numbers: ValueDistribution<Double>?
    /// Rows holding a string; nil when none does.
    let strings: ValueDistribution<UTF8Text>?
    let elements: ElementFrequencies

    /// The statistics of a field no row has.
    init(absentFrom rowCount: Int) {
        self.rowCount = rowCount
        presentCount = 0
        nullCount = 0
        trueCount = 0
        falseCount = 0
        arrayCount = 0
        numbers = nil
        strings = nil
        elements = ElementFrequencies(mostCommon: [], distinctCount: 0, pairCount: 0)
    }

    init(_ column: FieldColumn) {
        rowCount = column.rowCount
        presentCount = column.present.cardinality
        nullCount = column.nulls.cardinality
        trueCount = column.trues.cardinality
        falseCount = column.falses.cardinality
        arrayCount = column.arrayRows.cardinality

        var values: [Double] = []
        values.reserveCapacity(column.numberRows.cardinality)
        column.numberRows.forEach { values.append(column.numbers[$0]) }
        values.sort()
        var numberRuns: [(value: Double, count: Int)] = []
        for value in values {
            if let last = numberRuns.last, last.value == value {
                numberRuns[numberRuns.count - 1].count += 1
            } else {
                numberRuns.append((value, 1))
            }
        }
        numbers = ValueDistribution(runs: numberRuns)

        // Ids are in string order: counting by id gives the runs in order.
        var idCounts = [Int](repeating: 0, count: column.strings.count)
        column.stringRows.forEach { idCounts[Int(column.stringIDs[$0])] += 1 }
        var stringRuns: [(value: UTF8Text, count: Int)] = []
        for (id, count) in idCounts.enumerated() where count > 0 {
            stringRuns.append((UTF8Text(column.strings[id]), count))
        }
        strings = ValueDistribution(runs: stringRuns)

        var pairCount = 0
        var frequent: [(key: ElementKey, count: Int)] = []
        for (key, rows) in column.elementRows {
            pairCount += rows.count
            frequent.append((key, rows.count))
        }
        frequent.sort { $0.count > $1.count }
        let mostCommon = frequent.prefix(Self.mostCommonCount).map { entry -> (FilterLiteral, Int) in
            switch entry.key {
            case .null: return (.null, entry.count)
            case .bool(let value): return (.bool(value), entry.count)
            case .number(let value): return (.number(value), entry.count)
            case .string(let id): return (.string(String(decoding: column.strings[Int(id)], as: UTF8.self)), entry.count)
            }
        }
        elements = ElementFrequencies(mostCommon: mostCommon, distinctCount: column.elementRows.count, pairCount: pairCount)
    }

    /// Estimated rows where `field op literal` holds.
    func estimatedRows(_ op: ComparisonOperator, _ literal: FilterLiteral) -> Double {
        switch literal {
        case .null:
            switch op {
            case .equal: return Double(nullCount)
            case .notEqual: return Double(presentCount - nullCount)
            default: return 0
            }
        case .bool(let value):
            switch op {
            case .equal: return Double(value ? trueCount : falseCount)
            case .notEqual: return Double(value ? falseCount : trueCount)
            default: return 0
            }
        case .number(let x):
            return numbers?.estimatedRows(op, x) ?? 0
        case .string(let text):
            return strings?.estimatedRows(op, UTF8Text(text)) ?? 0
        }
    }

    /// Estimated rows whose scalar equals one of `literals`.
    func estimatedRows(in literals: [FilterLiteral]) -> Double {
        var distinct: [FilterLiteral] = []
        for literal in literals where !distinct.contains(literal) { distinct.append(literal) }
        let total = distinct.reduce(0) { $0 + estimatedRows(.equal, $1) }
        return min(total, Double(presentCount - arrayCount))
    }

    /// Estimated rows whose array has `literal`, or whose scalar equals it.
    func estimatedRows(having literal: FilterLiteral) -> Double {
        estimatedRows(.equal, literal) + min(elements.estimatedRows(having: literal), Double(arrayCount))
    }
}

/// The statistics of the fields a filter reads, and the estimate of its selectivity.
struct MetadataStatistics: Sendable {
    let rowCount: Int
    /// By path; a path without an entry is taken as absent from every row.
    let fields: [FieldPath: FieldStatistics]

    /// The estimated fraction of rows that satisfy `filter`, in [0, 1].
    ///
    /// Leaves are estimated from their field's statistics; the predicates
    /// are assumed independent: `AND` multiplies, `OR` is inclusion–exclusion
    /// (1 − Π(1 − pᵢ)), `NOT` is the complement. One exception, since the
    /// bounds of a range are anything but independent: the ordering
    /// comparisons of one `AND` on the same field and type
    /// (`date >= "1987-03-01" AND date < "1987-04-01"`) are estimated together,
    /// as the interval between the tightest bounds.
    func estimatedSelectivity(_ filter: MetadataFilter) -> Double {
        guard rowCount > 0 else { return 0 }
        return estimate(filter.expression)
    }

    private func statistics(_ path: FieldPath) -> FieldStatistics {
        fields[path] ?? FieldStatistics(absentFrom: rowCount)
    }

    private func fraction(_ rows: Double) -> Double {
        min(1, max(0, rows / Double(rowCount)))
    }

    private func estimate(_ expression: FilterExpression) -> Double {
        switch expression {
        case .and(let children):
            return estimateConjunction(children)
        case .or(let children):
            return 1 - children.reduce(1) { $0 * (1 - estimate($1)) }
        case .not(let child):
            return 1 - estimate(child)
        case .compare(let path, let op, let literal):
            return fraction(statistics(path).estimatedRows(op, literal))
        case .oneOf(let path, let literals):
            return fraction(statistics(path).estimatedRows(in: literals))
        case .has(let path, let literal):
            return fraction(statistics(path).estimatedRows(having: literal))
        case .isTrue(let path):
            return fraction(Double(statistics(path).trueCount))
        case .exists(let path):
            return fraction(Double(statistics(path).presentCount))
        }
    }

    /// A field and the type of the literals bounding it.
    private struct RangeKey: Hashable {
        let path: FieldPath
        let isString: Bool
    }

    /// The tightest lower and upper bounds of one field in one `AND`.
    private struct Range {
        var lower: (literal: FilterLiteral, inclusive: Bool)?
        var upper: (literal: FilterLiteral, inclusive: Bool)?

        /// -1, 0 or 1 for two literals of the same type (number or string).
        static func order(_ a: FilterLiteral, _ b: FilterLiteral) -> Int {
            switch (a, b) {
            case (.number(let x), .number(let y)): return x < y ? -1 : (x == y ? 0 : 1)
            case (.string(let x), .string(let y)): return ScalarOrder.compare(x, y)
            default: return 0
            }
        }

        mutating func add(_ op: ComparisonOperator, _ literal: FilterLiteral) {
            switch op {
            case .greater, .greaterOrEqual:
                let inclusive = op == .greaterOrEqual
                if let lower, Range.order(literal, lower.literal) < 0
                    || (Range.order(literal, lower.literal) == 0 && (inclusive || !lower.inclusive)) { return }
                lower = (literal, inclusive)
            case .less, .lessOrEqual:
                let inclusive = op == .lessOrEqual
                if let upper, Range.order(literal, upper.literal) > 0
                    || (Range.order(literal, upper.literal) == 0 && (inclusive || !upper.inclusive)) { return }
                upper = (literal, inclusive)
            case .equal, .notEqual:
                break
            }
        }
    }

    private func estimateConjunction(_ children: [FilterExpression]) -> Double {
        var product = 1.0
        var ranges: [RangeKey: Range] = [:]
        var order: [RangeKey] = []
        for child in children {
            if case .compare(let path, let op, let literal) = child, op.isOrdering {
                let key: RangeKey?
                switch literal {
                case .number: key = RangeKey(path: path, isString: false)
                case .string: key = RangeKey(path: path, isString: true)
                case .null, .bool: key = nil
                }
                if let key {
                    if ranges[key] == nil { order.append(key) }
                    ranges[key, default: Range()].add(op, literal)
                    continue
                }
            }
            product *= estimate(child)
        }
        for key in order {
            guard let range = ranges[key] else { continue }
            product *= estimateRange(statistics(key.path), range)
        }
        return product
    }

    /// The estimated fraction of rows between the bounds of `range`.
    private func estimateRange(_ field: FieldStatistics, _ range: Range) -> Double {
        func rows<Value>(_ distribution: ValueDistribution<Value>?, _ value: (FilterLiteral) -> Value?) -> Double {
            guard let distribution else { return 0 }
            var upper = Double(distribution.count), lower = 0.0
            if let bound = range.upper, let x = value(bound.literal) {
                upper = distribution.estimatedRows(below: x, orEqual: bound.inclusive)
            }
            if let bound = range.lower, let x = value(bound.literal) {
                lower = distribution.estimatedRows(below: x, orEqual: !bound.inclusive)
            }
            return max(0, upper - lower)
        }
        let selected: Double
        switch (range.lower ?? range.upper)?.literal {
        case .string?:
            selected = rows(field.strings) { if case .string(let text) = $0 { return UTF8Text(text) } else { return nil } }
        default:
            selected = rows(field.numbers) { if case .number(let x) = $0 { return x } else { return nil } }
        }
        return fraction(selected)
    }
}

/// How often array elements occur: rows counted once per distinct element.
struct ElementFrequencies: Sendable {
    /// The most common elements and the number of rows holding each, most common first.
    let mostCommon: [(value: FilterLiteral, rows: Int)]
    /// Distinct elements over all rows.
    let distinctCount: Int
    /// Σ over rows of the distinct elements of the row's array.
    let pairCount: Int

    func estimatedRows(having literal: FilterLiteral) -> Double {
        if let entry = mostCommon.first(where: { $0.value == literal }) { return Double(entry.rows) }
        let others = distinctCount - mostCommon.count
        guard others > 0 else { return 0 }
        return Double(pairCount - mostCommon.reduce(0) { $0 + $1.rows }) / Double(others)
    }
}

/// A value a ``ValueDistribution`` can summarise: totally ordered, with a
/// way to say where a value lies between two others.
protocol HistogramValue: Sendable {
    static func < (left: Self, right: Self) -> Bool
    static func == (left: Self, right: Self) -> Bool
    /// Where `value` lies between `low` and `high` (`low < value ≤ high`), in [0, 1].
    static func position(of value: Self, from low: Self, to high: Self) -> Double
}

extension Double: HistogramValue {
    static func position(of value: Double, from low: Double, to high: Double) -> Double {
        let span = high - low
        guard span > 0, span.isFinite else { return 0.5 }
        return min(1, max(0, (value - low) / span))
    }
}

/// A string as UTF-8 bytes, ordered by bytes (= by Unicode scalars).
struct UTF8Text: HistogramValue, Equatable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }
    init(_ string: String) { bytes = Array(string.utf8) }

    static func < (left: UTF8Text, right: UTF8Text) -> Bool {
        left.bytes.withUnsafeBytes { x in right.bytes.withUnsafeBytes { y in ScalarOrder.compare(x, y) < 0 } }
    }

    static func == (left: UTF8Text, right: UTF8Text) -> Bool { left.bytes == right.bytes }

    /// Interpolates on the six bytes after the prefix `low` and `high` share
    /// (which `value`, between them, shares too), read as a mixed-radix
    /// number: base 10 where both `low` and `high` have a decimal digit,
    /// base 256 elsewhere. For ISO dates in one bucket this is close to
    /// linear in time (day 16 of 1–31 is half way, not a third).
    static func position(of value: UTF8Text, from low: UTF8Text, to high: UTF8Text) -> Double {
        var common = 0
        while common < low.bytes.count, common < high.bytes.count, low.bytes[common] == high.bytes[common] { common += 1 }
        func byte(_ text: UTF8Text, _ index: Int) -> Int { index < text.bytes.count ? Int(text.bytes[index]) : 0 }
        func isDigit(_ byte: Int) -> Bool { byte >= 0x30 && byte <= 0x39 }
        var l = 0.0, h = 0.0, v = 0.0
        for index in common..<common + 6 {
            let lowByte = byte(low, index), highByte = byte(high, index), valueByte = byte(value, index)
            if isDigit(lowByte) && isDigit(highByte) {
                l = l * 10 + Double(lowByte - 0x30)
                h = h * 10 + Double(highByte - 0x30)
                v = v * 10 + Double(min(9, max(0, valueByte - 0x30)))
            } else {
                l = l * 256 + Double(lowByte)
                h = h * 256 + Double(highByte)
                v = v * 256 + Double(valueByte)
            }
        }
        return Double.position(of: v, from: l, to: h)
    }
}

/// The distribution of one type of value of a field: the most common values
/// with exact counts, and an equi-depth histogram of the others.
struct ValueDistribution<Value: HistogramValue>: Sendable {
    /// Rows holding a value of this type.
    let count: Int
    let distinctCount: Int
    let minimum: Value
    let maximum: Value
    /// Values occurring more than once, at most ``FieldStatistics/mostCommonCount`` of the most frequent.
    let mostCommon: [(value: Value, count: Int)]
    /// How many rows hold a value not in `mostCommon`.
    let histogramCount: Int
    /// `bucketCount + 1` ascending boundaries (fewer when there are fewer
    /// values): boundary `k` is the value at rank ⌊k·(n − 1)/B⌋ of the `n`
    /// values not in `mostCommon`, so each bucket holds about n/B of them.
    let boundaries: [Value]

    /// From the runs of equal values, ascending; nil when there are none.
    init?(runs: [(value: Value, count: Int)]) {
        guard let first = runs.first, let last = runs.last else { return nil }
        count = runs.reduce(0) { $0 + $1.count }
        distinctCount = runs.count
        minimum = first.value
        maximum = last.value

        let ranked = runs.indices.filter { runs[$0].count > 1 }
            .sorted { runs[$0].count != runs[$1].count ? runs[$0].count > runs[$1].count : $0 < $1 }
            .prefix(FieldStatistics.mostCommonCount)
        var common = [Bool](repeating: false, count: runs.count)
        for index in ranked { common[index] = true }
        mostCommon = ranked.sorted().map { runs[$0] }

        var others: [(value: Value, count: Int)] = []
        for (index, run) in runs.enumerated() where !common[index] { others.append(run) }
        let n = others.reduce(0) { $0 + $1.count }
        histogramCount = n
        var boundaries: [Value] = []
        if n > 0 {
            let buckets = min(FieldStatistics.bucketCount, max(1, n - 1))
            var run = 0, seen = others[0].count   // values in runs 0...run
            for k in 0...buckets {
                let rank = k * (n - 1) / buckets
                while rank >= seen {
                    run += 1
                    seen += others[run].count
                }
                boundaries.append(others[run].value)
            }
        }
        self.boundaries = boundaries
    }

    /// Of the values not among the most common, the estimated fraction below
    /// `x` (or at most `x`).
    private func histogramFraction(below x: Value, orEqual: Bool) -> Double {
        guard let low = boundaries.first, let high = boundaries.last else { return 0 }
        if x < low { return 0 }
        if high < x { return 1 }
        let equal = orEqual ? 1 / Double(max(1, distinctCount - mostCommon.count)) : 0
        let buckets = boundaries.count - 1
        if buckets == 0 || x == low { return min(1, equal) }
        // The first boundary at or above x (x > boundaries[0] here).
        var lower = 1, upper = buckets
        while lower < upper {
            let middle = (lower + upper) >> 1
            if boundaries[middle] < x { lower = middle + 1 } else { upper = middle }
        }
        let within = Value.position(of: x, from: boundaries[lower - 1], to: boundaries[lower])
        return min(1, (Double(lower - 1) + within) / Double(buckets) + equal)
    }

    /// Estimated rows whose value is below `x` (or at most `x`).
    func estimatedRows(below x: Value, orEqual: Bool) -> Double {
        var rows = 0.0
        for entry in mostCommon where entry.value < x || (orEqual && entry.value == x) { rows += Double(entry.count) }
        return rows + Double(histogramCount) * histogramFraction(below: x, orEqual: orEqual)
    }

    /// Estimated rows whose value equals `x`.
    func estimatedRows(equalTo x: Value) -> Double {
        if let entry = mostCommon.first(where: { $0.value == x }) { return Double(entry.count) }
        if x < minimum || maximum < x { return 0 }
        let others = distinctCount - mostCommon.count
        return others > 0 ? Double(histogramCount) / Double(others) : 0
    }

    func estimatedRows(_ op: ComparisonOperator, _ x: Value) -> Double {
        switch op {
        case .equal: return estimatedRows(equalTo: x)
        case .notEqual: return Double(count) - estimatedRows(equalTo: x)
        case .less: return estimatedRows(below: x, orEqual: false)
        case .lessOrEqual: return estimatedRows(below: x, orEqual: true)
        case .greater: return Double(count) - estimatedRows(below: x, orEqual: true)
        case .greaterOrEqual: return Double(count) - estimatedRows(below: x, orEqual: false)
        }
    }
}
