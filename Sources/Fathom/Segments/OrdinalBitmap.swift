/// A set of local ordinals of one segment, one bit each: the deleted ones
/// (from its tombstones), or the documents a search has already scored.
struct OrdinalBitmap: Sendable {
    /// Bit `o & 63` of word `o >> 6` is ordinal o.
    private(set) var words: [UInt64]
    private(set) var count = 0

    init(documentCount: Int) {
        words = [UInt64](repeating: 0, count: (documentCount + 63) / 64)
    }

    /// The ordinals whose bits are set in `words`.
    init(words: [UInt64]) {
        self.words = words
        count = words.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    mutating func insert(_ ordinal: Int) {
        let bit: UInt64 = 1 << UInt64(ordinal & 63)
        if words[ordinal >> 6] & bit == 0 {
            words[ordinal >> 6] |= bit
            count += 1
        }
    }

    @inline(__always)
    func contains(_ ordinal: Int) -> Bool {
        words[ordinal >> 6] & (1 << UInt64(ordinal & 63)) != 0
    }
}
