import CFathomShims

/// The dense scoring loops. On CPUs with AVX2 and FMA (checked once, at run
/// time) the 8-wide fused-multiply-add kernels of `CFathomShims`; elsewhere
/// explicit `SIMD16<Float>` over unaligned loads with plain `*` and `+=` (no
/// FMA APIs: without a target CPU they become libm calls, measured 3.5×
/// slower than scalar C), which the baseline x86-64 target runs 4 lanes wide.
enum DenseKernels {
    /// Whether the AVX2 + FMA kernels are used.
    static let accelerated = fathom_cpu_has_avx2_fma() != 0

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        accelerated ? fathom_dot_f32_avx2(a, b, count) : portableDot(a, b, count: count)
    }

    @inline(__always)
    static func squaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        accelerated ? fathom_squared_l2_f32_avx2(a, b, count) : portableSquaredL2(a, b, count: count)
    }

    @inline(__always)
    static func portableDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
            i += 32
        }
        while i + 16 <= count {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    @inline(__always)
    static func portableSquaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            let d0 = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            let d1 = ra.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
            acc0 += d0 * d0
            acc1 += d1 * d1
            i += 32
        }
        while i + 16 <= count {
            let d = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            acc0 += d * d
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            let d = a[i] - b[i]
            sum += d * d
            i += 1
        }
        return sum
    }

    /// The score of the metric, higher is better. For cosine, `inverseNorm`
    /// is 1/‖d‖ of the document (the query is normalised by the caller).
    @inline(__always)
    static func score(_ metric: DenseMetric, query: UnsafePointer<Float>, document: UnsafePointer<Float>,
                      dimension: Int, inverseNorm: Float) -> Float {
        switch metric {
        case .dot: return dot(query, document, count: dimension)
        case .cosine: return dot(query, document, count: dimension) * inverseNorm
        case .l2: return -squaredL2(query, document, count: dimension)
        }
    }
}
