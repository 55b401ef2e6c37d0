import CFathomShims

/// A segment's documents in 3 bytes per posting — a 16-bit term id and an
/// 8-bit value code — for the Seismic search to score candidates with.
///
/// Scoring a document is a walk over its postings, and what it waits on is
/// memory: the 8-byte postings of `ForwardIndex` put a 172-term Reuters
/// document on 22 cache lines, these on 9. The scores are approximate (see
/// `maximumError`), so the search re-ranks its best candidates exactly
/// through the full forward index.
///
/// Built in memory from the forward index on first use (nothing extra on
/// disk); only for segments whose term ids all fit in 16 bits.
struct CompactForwardIndex: Sendable {
    /// `offsets[i]..<offsets[i+1]` are document i's postings.
    let offsets: [UInt32]
    let terms: [UInt16]
    let codes: [UInt8]
    let codebook: ValueCodebook

    /// Nil when some term id does not fit in 16 bits.
    init?(_ forward: ForwardIndex) {
        guard forward.terms.allSatisfy({ $0 <= UInt32(UInt16.max) }) else { return nil }
        offsets = forward.offsets
        terms = forward.terms.map { UInt16(truncatingIfNeeded: $0) }
        let codebook = ValueCodebook(maximum: forward.values.max() ?? 0)
        codes = forward.values.map(codebook.code)
        self.codebook = codebook
    }

    var documentCount: Int { offsets.count - 1 }

    /// The approximate score of document `ordinal` against a dense query array:
    /// within `codebook.maximumError × ‖q‖₁` of the exact score.
    @inline(__always)
    func score(_ query: UnsafePointer<Float>, _ ordinal: Int) -> Float {
        let start = Int(offsets[ordinal]), end = Int(offsets[ordinal + 1])
        return terms.withUnsafeBufferPointer { terms in
            codes.withUnsafeBufferPointer { codes in
                codebook.values.withUnsafeBufferPointer { book in
                    SparseKernels.dotCodebook(query: query, terms: terms.baseAddress! + start,
                                              codes: codes.baseAddress! + start, codebook: book.baseAddress!,
                                              count: end - start)
                }
            }
        }
    }

    /// Starts loading every cache line of document `ordinal`'s postings.
    @inline(__always)
    func prefetch(_ ordinal: Int) {
        let start = Int(offsets[ordinal]), end = Int(offsets[ordinal + 1])
        terms.withUnsafeBufferPointer { terms in
            var i = start
            while i < end { fathom_prefetch(terms.baseAddress! + i); i += 32 }
        }
        codes.withUnsafeBufferPointer { codes in
            var i = start
            while i < end { fathom_prefetch(codes.baseAddress! + i); i += 64 }
        }
    }
}

/// 256 representable posting values, denser near zero: value(c) = max·(c/255)².
///
/// Learned-sparse weights are skewed (on Reuters the median is 0.5, the
/// maximum ≈ 4, and 10% are below 0.08); the square-root domain spends the
/// codes where the values are while keeping the absolute error of the large
/// weights, which dominate dot products, below max/255.
struct ValueCodebook: Sendable {
    let maximum: Float
    /// `values[c]` is the value of code c.
    let values: [Float]
    /// The largest |value − value(code(value))| over 0...maximum: half the
    /// widest gap between codes, which is the top one.
    let maximumError: Float

    init(maximum: Float) {
        self.maximum = maximum
        values = (0..<256).map { maximum * Float($0 * $0) / Float(255 * 255) }
        maximumError = (values[255] - values[254]) / 2
    }

    @inline(__always)
    func code(_ value: Float) -> UInt8 {
        guard maximum > 0 else { return 0 }
        let scaled = (max(0, min(value, maximum)) / maximum).squareRoot() * 255
        return UInt8(scaled.rounded())
    }
}
