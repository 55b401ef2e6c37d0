import CFathomShims

/// Every row as signed bytes with one float scale per row (symmetric scalar
/// quantisation): `scale = max|xᵢ| / 127`, `cᵢ = round(xᵢ / scale)` in
/// `-127...127`, decoded `x̂ᵢ = cᵢ × scale`.
///
/// Scoring quantises the query too, to int16 with one scale (`QuantizedQuery`),
/// and sums `q₁₆ᵢ × cᵢ` exactly in integers (`vpmaddwd` on AVX2 CPUs): the
/// same kernel as the graph walk over these codes (`Int8GraphScorer`).
///
/// Error bound: |xᵢ − x̂ᵢ| ≤ scale/2 for every component (plus the rounding of
/// one float division), so |q·d − q·d̂| ≤ scale/2 · ‖q‖₁; the int16 query adds
/// at most scale_q/2 · Σ|x̂ᵢ|; the score error is their sum times
/// `ApproximateScoring.errorFactor` (``scoreErrorBound(query:row:)``). A row
/// whose largest component is so small that the scale underflows is stored as
/// zeros (its error is then at most that component).
struct Int8Codes: DenseCodes, Equatable {
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
        var scales = [Float](repeating: 0, count: vectors.documentCount)
        // Encoded once per segment, on the first query that walks or scans int8 codes.
        let codes = [Int8](unsafeUninitializedCapacity: vectors.values.count) { codes, initialized in
            vectors.values.withUnsafeBufferPointer { values in
                for row in 0..<vectors.documentCount {
                    scales[row] = fathom_quantize_i8_row(values.baseAddress! + row * dimension, dimension,
                                                         codes.baseAddress! + row * dimension)
                }
            }
            initialized = vectors.values.count
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

    func scores(query: UnsafePointer<Float>, into scores: inout [Float]) {
        self.scores(query: query, into: &scores, accelerated: DenseKernels.accelerated)
    }

    func scores(query: UnsafePointer<Float>, rows: [UInt32], into scores: inout [Float]) {
        self.scores(query: query, rows: rows, into: &scores, accelerated: DenseKernels.accelerated)
    }

    /// ``scores(query:into:)`` with the kernel chosen (tests run both).
    func scores(query: UnsafePointer<Float>, into scores: inout [Float], accelerated: Bool) {
        scan(query: query, count: documentCount, row: { $0 }, into: &scores, accelerated: accelerated)
    }

    /// ``scores(query:rows:into:)`` with the kernel chosen (tests run both).
    func scores(query: UnsafePointer<Float>, rows: [UInt32], into scores: inout [Float], accelerated: Bool) {
        precondition(rows.allSatisfy { Int($0) < documentCount }, "row out of range")
        scan(query: query, count: rows.count, row: { Int(rows[$0]) }, into: &scores, accelerated: accelerated)
    }

    @inline(__always)
    private func scan(query: UnsafePointer<Float>, count: Int, row: (Int) -> Int, into scores: inout [Float],
                      accelerated: Bool) {
        precondition(!accelerated || DenseKernels.accelerated, "this CPU lacks AVX2")
        if scores.count != count { scores = [Float](repeating: 0, count: count) }
        let dimension = self.dimension
        var storage = [Int16](repeating: 0, count: dimension)
        storage.withUnsafeMutableBufferPointer { storage in
            let quantized = QuantizedQuery(query, dimension: dimension, storage: storage.baseAddress!, metric: metric)
            codes.withUnsafeBufferPointer { codes in
                scales.withUnsafeBufferPointer { scales in
                    scores.withUnsafeMutableBufferPointer { scores in
                        // `Int8GraphScorer.score`'s formula, written out: routing
                        // this loop through the scorer (which must carry the kernel
                        // choice) measured 10% slower (215 → 237 µs on reuters21578).
                        for i in 0..<count {
                            let r = row(i)
                            guard present[r] else { scores[i] = -.infinity; continue }
                            let sum = QuantizedQuery.dot(quantized.values, codes.baseAddress! + r * dimension,
                                                         count: dimension, accelerated: accelerated)
                            let dot = Float(sum) * quantized.scale * scales[r]
                            scores[i] = scoring.score(dot: dot, row: r, querySquaredNorm: quantized.squaredNorm)
                        }
                    }
                }
            }
        }
    }

    /// The largest |approximate − exact score| of `row` (see the type's
    /// comment), before float rounding of the sums.
    func scoreErrorBound(query: UnsafePointer<Float>, row: Int) -> Float {
        var norm1: Float = 0, largest: Float = 0
        for i in 0..<dimension {
            norm1 += abs(query[i])
            largest = max(largest, abs(query[i]))
        }
        let queryScale = largest / Float(QuantizedQuery.largestValue(dimension: dimension))
        var codeNorm1: Float = 0
        for i in (row * dimension)..<((row + 1) * dimension) { codeNorm1 += abs(Float(codes[i])) }
        return (scales[row] / 2 * norm1 + queryScale / 2 * scales[row] * codeNorm1) * scoring.errorFactor(row: row)
    }
}
