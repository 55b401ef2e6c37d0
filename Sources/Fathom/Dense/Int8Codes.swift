import CFathomShims

/// Every row as signed bytes with one float scale per row (symmetric scalar
/// quantisation): `scale = max|xᵢ| / 127`, `cᵢ = round(xᵢ / scale)` in
/// `-127...127`, decoded `x̂ᵢ = cᵢ × scale`.
///
/// Error bound: |xᵢ − x̂ᵢ| ≤ scale/2 for every component (plus the rounding of
/// one float division), so |q·d − q·d̂| ≤ scale/2 · Σ|qᵢ| = scale/2 · ‖q‖₁ and
/// the score error is that times `ApproximateScoring.errorFactor`
/// (``scoreErrorBound(query:row:)``). A row whose largest component is so
/// small that the scale underflows is stored as zeros (its error is then at
/// most that component).
///
/// The scan multiplies the float query by the widened codes and applies the
/// scale once per row: `fathom_dot_i8_avx` when the CPU has AVX
/// (`DenseCodeKernels.accelerated`), else SIMD8 lanes in Swift (which it
/// inlines, unlike its SIMD16 integer-to-float conversion).
struct Int8Codes: ScalarCodes, Equatable {
    let dimension: Int
    let metric: DenseMetric
    let present: [Bool]
    /// Row-major, `documentCount × dimension`.
    let codes: [Int8]
    /// Per row: max|xᵢ|/127 (0 for a zero or absent row).
    let scales: [Float]
    let scoring: ApproximateScoring

    var documentCount: Int { present.count }

    init(_ vectors: DenseMatrix, metric: DenseMetric) {
        let dimension = vectors.dimension
        self.dimension = dimension
        self.metric = metric
        present = vectors.present
        var codes = [Int8](repeating: 0, count: vectors.values.count)
        var scales = [Float](repeating: 0, count: vectors.documentCount)
        for row in 0..<vectors.documentCount {
            let start = row * dimension
            var largest: Float = 0
            for i in start..<(start + dimension) { largest = max(largest, abs(vectors.values[i])) }
            let scale = largest / 127
            guard scale > 0, scale.isFinite else { continue }
            scales[row] = scale
            for i in start..<(start + dimension) {
                codes[i] = Int8(min(max((vectors.values[i] / scale).rounded(), -127), 127))
            }
        }
        self.codes = codes
        self.scales = scales
        scoring = ApproximateScoring(vectors, metric: metric)
    }

    static func bytesPerVector(dimension: Int, metric: DenseMetric) -> Int {
        dimension + MemoryLayout<Float>.size + ApproximateScoring.bytesPerVector(metric: metric)
    }

    /// Row `row` decoded.
    func decodedRow(_ row: Int) -> [Float] {
        codes[(row * dimension)..<((row + 1) * dimension)].map { Float($0) * scales[row] }
    }

    /// Σ qᵢ·cᵢ over `count` components (unscaled).
    @inline(__always)
    static func portableDot(_ query: UnsafePointer<Float>, _ code: UnsafePointer<Int8>, count: Int) -> Float {
        let q = UnsafeRawPointer(query), c = UnsafeRawPointer(code)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += SIMD8<Float>(c.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self))
                * q.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            acc1 += SIMD8<Float>(c.loadUnaligned(fromByteOffset: i + 8, as: SIMD8<Int8>.self))
                * q.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            sum += query[i] * Float(code[i])
            i += 1
        }
        return sum
    }

    func rowScale(_ row: Int) -> Float { scales[row] }

    static func acceleratedDot(_ query: UnsafePointer<Float>, _ code: UnsafePointer<Int8>, count: Int) -> Float {
        fathom_dot_i8_avx(query, code, count)
    }

    /// The largest |approximate − exact score| of `row` (see the type's
    /// comment), before float rounding of the sums.
    func scoreErrorBound(query: UnsafePointer<Float>, row: Int) -> Float {
        var norm1: Float = 0
        for i in 0..<dimension { norm1 += abs(query[i]) }
        return scales[row] / 2 * norm1 * scoring.errorFactor(row: row)
    }
}
