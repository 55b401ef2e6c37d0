import FathomTestSupport

/// Seeded random inputs shared by the codec, kernel and JSONL tests.
enum RandomData {
    static func floats(_ count: Int, in range: ClosedRange<Float>, using generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &generator) }
    }

    static func bytes(_ count: Int, using generator: inout SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// `count` distinct values from `0..<limit`, ascending.
    static func ascending(_ count: Int, below limit: UInt32, using generator: inout SeededGenerator) -> [UInt32] {
        precondition(count <= limit)
        var chosen = Set<UInt32>()
        while chosen.count < count { chosen.insert(UInt32.random(in: 0..<limit, using: &generator)) }
        return chosen.sorted()
    }

    /// A finite float drawn from its bit pattern, so subnormals, huge and tiny
    /// magnitudes and both signs all occur (NaN and ±∞ are redrawn).
    static func finiteFloat(nonNegative: Bool = false, using generator: inout SeededGenerator) -> Float {
        while true {
            var bits = UInt32.random(in: .min ... .max, using: &generator)
            if nonNegative { bits &= 0x7FFF_FFFF }
            let value = Float(bitPattern: bits)
            if value.isFinite { return value }
        }
    }
}
