import CFathomShims

/// Every row's components as IEEE binary16 (`Float16`), 2 bytes each.
///
/// Error bound: a component x with |x| ≤ 65,504 is rounded to the nearest
/// half, so |x − x̂| ≤ 2⁻¹¹·|x| when |x| ≥ 2⁻¹⁴ (normal halves) and
/// ≤ 2⁻²⁵ below (subnormal halves); larger magnitudes saturate to ±65,504
/// (embeddings never come near). Hence |q·d − q·d̂| ≤ Σ|qᵢ|·max(2⁻¹¹|xᵢ|, 2⁻²⁵),
/// and the score error is that times `ApproximateScoring.errorFactor`
/// (``scoreErrorBound(query:row:)``), plus float rounding of the sums.
///
/// The scan uses `fathom_dot_f16_avx` (F16C's half-to-float instruction) when
/// the CPU has AVX and F16C (`DenseCodeKernels.accelerated`); otherwise it
/// widens halves with integer SIMD (exact for every finite half), because
/// `Float(Float16)` is a library call per value on baseline x86-64.
struct Float16Codes: ScalarCodes, Equatable {
    let dimension: Int
    let metric: DenseMetric
    let present: [Bool]
    /// Binary16 bit patterns, row-major, `documentCount × dimension`.
    let codes: [UInt16]
    let scoring: ApproximateScoring

    /// The largest finite half: components beyond ±this saturate.
    static let largestMagnitude: Float = 65_504

    var documentCount: Int { present.count }

    init(_ vectors: DenseMatrix, metric: DenseMetric) {
        dimension = vectors.dimension
        self.metric = metric
        present = vectors.present
        codes = vectors.values.map { Float16(min(max($0, -Self.largestMagnitude), Self.largestMagnitude)).bitPattern }
        scoring = ApproximateScoring(vectors, metric: metric)
    }

    static func bytesPerVector(dimension: Int, metric: DenseMetric) -> Int {
        2 * dimension + ApproximateScoring.bytesPerVector(metric: metric)
    }

    /// The float value of a finite half (bit-exact with `Float(Float16(bitPattern:))`).
    @inline(__always)
    static func decode(_ bits: UInt16) -> Float {
        widen(SIMD8<UInt16>(repeating: bits))[0]
    }

    /// Row `row` decoded.
    func decodedRow(_ row: Int) -> [Float] {
        codes[(row * dimension)..<((row + 1) * dimension)].map(Self.decode)
    }

    /// Half → float for 8 lanes at once, exact for finite halves (Giesen's
    /// branch-free conversion, with the lane select written as bit masks
    /// because Swift's `SIMDMask` selects compile to per-lane code):
    /// normal halves rebias the exponent by 112; zero and subnormal halves are
    /// made a normal float 2⁻¹⁴·(1 + m/1024) and have 2⁻¹⁴ subtracted, which
    /// leaves exactly m·2⁻²⁴.
    @inline(__always)
    static func widen(_ halves: SIMD8<UInt16>) -> SIMD8<Float> {
        let bits = SIMD8<UInt32>(truncatingIfNeeded: halves)
        let shifted = (bits & 0x7FFF) &<< 13
        // All ones in the lanes whose exponent field is 0 (zero or subnormal).
        let small = SIMD8<UInt32>(truncatingIfNeeded: SIMD8<Int32>(truncatingIfNeeded: (shifted & 0x0F80_0000) &- 1) &>> 31)
        let normal = shifted &+ 0x3800_0000
        let subnormal = unsafeBitCast(unsafeBitCast(shifted &+ 0x3880_0000, to: SIMD8<Float>.self)
                                      - SIMD8<Float>(repeating: 0x1p-14), to: SIMD8<UInt32>.self)
        let magnitude = (normal & ~small) | (subnormal & small)
        return unsafeBitCast(magnitude | ((bits & 0x8000) &<< 16), to: SIMD8<Float>.self)
    }

    /// q · d̂ over `count` components.
    @inline(__always)
    static func portableDot(_ query: UnsafePointer<Float>, _ code: UnsafePointer<UInt16>, count: Int) -> Float {
        let q = UnsafeRawPointer(query), c = UnsafeRawPointer(code)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += widen(c.loadUnaligned(fromByteOffset: i * 2, as: SIMD8<UInt16>.self))
                * q.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            acc1 += widen(c.loadUnaligned(fromByteOffset: i * 2 + 16, as: SIMD8<UInt16>.self))
                * q.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            sum += query[i] * decode(code[i])
            i += 1
        }
        return sum
    }

    static func acceleratedDot(_ query: UnsafePointer<Float>, _ code: UnsafePointer<UInt16>, count: Int) -> Float {
        fathom_dot_f16_avx(query, code, count)
    }

    /// The largest |approximate − exact score| of `row` (see the type's
    /// comment), before float rounding of the sums.
    func scoreErrorBound(query: UnsafePointer<Float>, row: Int) -> Float {
        var sum: Float = 0
        for i in 0..<dimension {
            // |x| ≤ |x̂|/(1 − 2⁻¹¹) for rounded normal values.
            let magnitude = abs(Self.decode(codes[row * dimension + i])) / (1 - 0x1p-11)
            sum += abs(query[i]) * max(0x1p-11 * magnitude, 0x1p-25)
        }
        return sum * scoring.errorFactor(row: row)
    }
}
