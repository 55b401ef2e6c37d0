import CFathomShims

/// How a graph search scores the query against a node as it walks: over the
/// float32 rows (`Float32GraphScorer`), or over int8 codes (`Int8GraphScorer`)
/// whose approximate scores are re-scored in float32 at the end. Generic
/// rather than a closure so that each walk is specialised with its kernel inlined.
protocol GraphScorer {
    /// The similarity of the query and `node` (higher is better).
    func score(_ node: UInt32) -> Float
    /// Starts loading what `score(node)` reads.
    func prefetch(_ node: UInt32)
}

/// Scores with `DenseKernels.score` over the float32 rows.
struct Float32GraphScorer: GraphScorer {
    let metric: DenseMetric
    let query: UnsafePointer<Float>
    let values: UnsafePointer<Float>
    let inverseNorms: UnsafePointer<Float>
    let dimension: Int

    @inline(__always)
    func score(_ node: UInt32) -> Float {
        DenseKernels.score(metric, query: query, document: values + Int(node) * dimension,
                           dimension: dimension, inverseNorm: inverseNorms[Int(node)])
    }

    @inline(__always)
    func prefetch(_ node: UInt32) {
        DenseGraph.prefetch(row: values + Int(node) * dimension, dimension: dimension)
    }
}

/// Scores over `Int8Codes` with the query quantised to int16 (see
/// `QuantizedQuery`): `q · d̂ ≈ queryScale × rowScale × Σ q₁₆ᵢ cᵢ`, turned
/// into the metric's score by `ApproximateScoring` (cosine: × 1/‖d‖; l2:
/// 2 q·d̂ − ‖d‖² − ‖q‖²). A quarter of the bytes of a float32 row per node.
struct Int8GraphScorer: GraphScorer {
    let query: QuantizedQuery
    let codes: UnsafePointer<Int8>
    let scales: UnsafePointer<Float>
    let scoring: ApproximateScoring
    let dimension: Int

    @inline(__always)
    func score(_ node: UInt32) -> Float {
        let row = Int(node)
        let dot = Float(query.dot(codes + row * dimension, count: dimension)) * query.scale * scales[row]
        return scoring.score(dot: dot, row: row, querySquaredNorm: query.squaredNorm)
    }

    @inline(__always)
    func prefetch(_ node: UInt32) {
        let start = UnsafeRawPointer(codes + Int(node) * dimension)
        var offset = 0
        while offset < dimension {
            fathom_prefetch(start + offset)
            offset += 64
        }
    }
}

/// A float query as int16 values with one scale: `qᵢ ≈ scale × valuesᵢ` with
/// `|valuesᵢ| ≤ largestValue(dimension:)`, so each component is within
/// `scale/2` (a relative error of 2⁻¹⁶ of the largest component at 384
/// dimensions, 2⁻¹³ at 4,096: far below int8 codes' 2⁻⁸).
struct QuantizedQuery {
    let values: UnsafeMutablePointer<Int16>
    let scale: Float
    /// ‖q‖² of the float query (for l2).
    let squaredNorm: Float

    /// The largest |valueᵢ| for a query of `dimension` components: 32767, or
    /// less where `dimension × 127 × value` would not fit in an Int32 (the
    /// kernels' sums; every partial sum is bounded by the same total).
    static func largestValue(dimension: Int) -> Int {
        max(1, min(Int(Int16.max), Int(Int32.max) / (127 * max(dimension, 1))))
    }

    /// Quantises `query` into `storage` (`dimension` entries).
    init(_ query: UnsafePointer<Float>, dimension: Int, storage: UnsafeMutablePointer<Int16>, metric: DenseMetric) {
        scale = fathom_quantize_i16(query, dimension, Float(Self.largestValue(dimension: dimension)), storage)
        values = storage
        squaredNorm = metric == .l2 && dimension > 0 ? DenseKernels.dot(query, query, count: dimension) : 0
    }

    /// Σ valuesᵢ × codeᵢ, exact in integers.
    @inline(__always)
    func dot(_ code: UnsafePointer<Int8>, count: Int) -> Int32 {
        Self.dot(values, code, count: count, accelerated: DenseKernels.accelerated)
    }

    /// The same with the kernel chosen (tests run both): `vpmaddwd` on AVX2
    /// CPUs, else a scalar loop. Exact either way when every |queryᵢ| is at
    /// most `largestValue(dimension: count)` and every |codeᵢ| at most 127.
    @inline(__always)
    static func dot(_ query: UnsafePointer<Int16>, _ code: UnsafePointer<Int8>, count: Int, accelerated: Bool) -> Int32 {
        if accelerated { return fathom_dot_i8_i16_avx2(query, code, count) }
        var sum: Int32 = 0
        for i in 0..<count { sum &+= Int32(query[i]) &* Int32(code[i]) }
        return sum
    }
}
