/// The sparse scoring loops. Each takes unsafe buffers at its entry and does
/// no allocation inside; the query is a dense array over the term space, so
/// looking up a term's query weight is one load.
enum SparseKernels {
    /// Dot product of a document (terms, values) with a dense query.
    /// Four accumulators break the floating-point dependency chain (Swift has
    /// no fast-math; measured 1.2× over one accumulator).
    @inline(__always)
    static func dot(query: UnsafePointer<Float>, terms: UnsafePointer<UInt32>, values: UnsafePointer<Float>,
                    count: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= count {
            s0 += query[Int(terms[i])] * values[i]
            s1 += query[Int(terms[i + 1])] * values[i + 1]
            s2 += query[Int(terms[i + 2])] * values[i + 2]
            s3 += query[Int(terms[i + 3])] * values[i + 3]
            i += 4
        }
        while i < count {
            s0 += query[Int(terms[i])] * values[i]
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// Dot product of a compact document (16-bit terms, 8-bit codes into a
    /// 256-value codebook, see `CompactForwardIndex`) with a dense query.
    @inline(__always)
    static func dotCodebook(query: UnsafePointer<Float>, terms: UnsafePointer<UInt16>, codes: UnsafePointer<UInt8>,
                            codebook: UnsafePointer<Float>, count: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= count {
            s0 += query[Int(terms[i])] * codebook[Int(codes[i])]
            s1 += query[Int(terms[i + 1])] * codebook[Int(codes[i + 1])]
            s2 += query[Int(terms[i + 2])] * codebook[Int(codes[i + 2])]
            s3 += query[Int(terms[i + 3])] * codebook[Int(codes[i + 3])]
            i += 4
        }
        while i < count {
            s0 += query[Int(terms[i])] * codebook[Int(codes[i])]
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// Dot product of two sparse vectors with strictly increasing terms, by
    /// merging them: for term spaces too large for a dense query array.
    @inline(__always)
    static func dotMerge(queryTerms: UnsafePointer<UInt32>, queryValues: UnsafePointer<Float>, queryCount: Int,
                         terms: UnsafePointer<UInt32>, values: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        var i = 0, j = 0
        while i < queryCount && j < count {
            let a = queryTerms[i], b = terms[j]
            if a == b {
                sum += queryValues[i] * values[j]
                i += 1
                j += 1
            } else if a < b {
                i += 1
            } else {
                j += 1
            }
        }
        return sum
    }

    /// Adds `weight × postingWeight` into `accumulators[ordinal]` for every
    /// posting of one block (term-at-a-time scoring).
    @inline(__always)
    static func accumulate(ordinals: UnsafePointer<UInt32>, weights: UnsafePointer<Float>, count: Int,
                           queryWeight: Float, into accumulators: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            accumulators[Int(ordinals[i])] += queryWeight * weights[i]
        }
    }
}
