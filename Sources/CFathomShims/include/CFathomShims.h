#ifndef FATHOM_SHIMS_H
#define FATHOM_SHIMS_H

#include <stddef.h>
#include <stdint.h>

/// Hints the CPU to start loading the cache line at `address` for reading.
/// Swift has no prefetch intrinsic; Seismic's document scoring is bound by the
/// latency of the first cache miss of each document it scores.
static inline void fathom_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// A spin-wait hint (x86 `pause`, arm64 `yield`) for a thread polling a flag
/// that another core will set soon.
static inline void fathom_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

// Hamming distances of binary codes. Swift's `nonzeroBitCount` compiles, for
// the baseline x86-64 target, to a dozen-instruction bit-twiddling sequence;
// the POPCNT instruction (every x86-64 CPU since 2008, but not part of the
// baseline) does it in one. The scans below are compiled twice: once for
// POPCNT, chosen at run time when `fathom_cpu_has_popcnt()` says the CPU has
// it, and once portably. Codes are `words` 64-bit words each, contiguous.

/// `out[i]` = popcount(query XOR code i), for codes `0..<count`.
#define FATHOM_HAMMING_SCAN_BODY                                                   \
    for (size_t i = 0; i < count; i++) {                                          \
        const uint64_t *code = codes + i * words;                                  \
        uint32_t distance = 0;                                                     \
        for (size_t w = 0; w < words; w++)                                         \
            distance += (uint32_t)__builtin_popcountll(query[w] ^ code[w]);        \
        out[i] = distance;                                                         \
    }

/// `out[j]` = popcount(query XOR code rows[j]), for `j in 0..<count`.
#define FATHOM_HAMMING_GATHER_BODY                                                 \
    for (size_t j = 0; j < count; j++) {                                          \
        const uint64_t *code = codes + (size_t)rows[j] * words;                    \
        uint32_t distance = 0;                                                     \
        for (size_t w = 0; w < words; w++)                                         \
            distance += (uint32_t)__builtin_popcountll(query[w] ^ code[w]);        \
        out[j] = distance;                                                         \
    }

static inline void fathom_hamming_scan_portable(const uint64_t *query, const uint64_t *codes, size_t words,
                                                size_t count, uint32_t *out) {
    FATHOM_HAMMING_SCAN_BODY
}

static inline void fathom_hamming_gather_portable(const uint64_t *query, const uint64_t *codes, size_t words,
                                                  const uint32_t *rows, size_t count, uint32_t *out) {
    FATHOM_HAMMING_GATHER_BODY
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/// 1 when the CPU has the POPCNT instruction (CPUID leaf 1, ECX bit 23).
static inline int fathom_cpu_has_popcnt(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx >> 23) & 1;
}

__attribute__((target("popcnt")))
static inline void fathom_hamming_scan_popcnt(const uint64_t *query, const uint64_t *codes, size_t words,
                                              size_t count, uint32_t *out) {
    FATHOM_HAMMING_SCAN_BODY
}

__attribute__((target("popcnt")))
static inline void fathom_hamming_gather_popcnt(const uint64_t *query, const uint64_t *codes, size_t words,
                                                const uint32_t *rows, size_t count, uint32_t *out) {
    FATHOM_HAMMING_GATHER_BODY
}
#else
// Other architectures (arm64) have a population count in their baseline.
static inline int fathom_cpu_has_popcnt(void) { return 0; }

static inline void fathom_hamming_scan_popcnt(const uint64_t *query, const uint64_t *codes, size_t words,
                                              size_t count, uint32_t *out) {
    FATHOM_HAMMING_SCAN_BODY
}

static inline void fathom_hamming_gather_popcnt(const uint64_t *query, const uint64_t *codes, size_t words,
                                                const uint32_t *rows, size_t count, uint32_t *out) {
    FATHOM_HAMMING_GATHER_BODY
}
#endif

#undef FATHOM_HAMMING_SCAN_BODY
#undef FATHOM_HAMMING_GATHER_BODY

// Symmetric scalar quantisation, one loop for int8 rows and int16 queries:
// `scale = max|xᵢ| / LIMIT`, `out[i] = round(xᵢ / scale)` (half away from
// zero, clamped to −LIMIT...LIMIT). Input that is all zeros, or whose scale is
// not a finite positive float, gets zeros and `EMPTY_SCALE`. In C because the
// comparisons and the float-to-int conversion vectorise here (Swift's
// NaN-aware `max`, `rounded()` — a `roundf` call each — and range-checked
// conversions kept the loops scalar: 35 ms for reuters21578's 7.3 M values,
// and 11% of the samples of a k-1 `fathom bench` profile for the query).
#define FATHOM_QUANTIZE_BODY(OUT_TYPE, LIMIT, EMPTY_SCALE)                           \
    float largest = 0;                                                               \
    for (size_t i = 0; i < count; i++) {                                             \
        float magnitude = x[i] < 0 ? -x[i] : x[i];                                   \
        largest = magnitude > largest ? magnitude : largest;                         \
    }                                                                                \
    float scale = largest / (LIMIT);                                                 \
    if (!(scale > 0) || !__builtin_isfinite(scale)) {                                \
        for (size_t i = 0; i < count; i++) out[i] = 0;                               \
        return (EMPTY_SCALE);                                                        \
    }                                                                                \
    for (size_t i = 0; i < count; i++) {                                             \
        float scaled = x[i] / scale;                                                 \
        scaled = scaled > (LIMIT) ? (LIMIT) : (scaled < -(LIMIT) ? -(LIMIT) : scaled); \
        out[i] = (OUT_TYPE)(int)(scaled + (scaled < 0 ? -0.5f : 0.5f));              \
    }                                                                                \
    return scale;

/// One row as int8 codes in −127...127; returns the row's scale (0 for a zero row).
static inline float fathom_quantize_i8_row(const float *x, size_t count, int8_t *out) {
    FATHOM_QUANTIZE_BODY(int8_t, 127.0f, 0.0f)
}

/// A query as int16 values in −limit...limit; returns its scale (1 for a zero query).
static inline float fathom_quantize_i16(const float *x, size_t count, float limit, int16_t *out) {
    FATHOM_QUANTIZE_BODY(int16_t, limit, 1.0f)
}

#undef FATHOM_QUANTIZE_BODY

// Dot product of a float query with float16 codes, for x86-64 CPUs
// with AVX and F16C (Intel since 2012, AMD since 2012; checked at run time by
// `fathom_cpu_has_avx_f16c()`, which also asks the OS whether it saves the
// 256-bit registers). Without them (and on other architectures) Swift's
// portable SIMD loops are used: the baseline x86-64 target has no
// half-to-float instruction, which makes that loop 2-3x slower than this one
// (int8 codes are scored against an int16 query instead: fathom_dot_i8_i16_avx2).
// Written with clang vector extensions, so no
// intrinsics header is imported into Swift. Products are summed in 2 x 8 lanes
// (a different order than the Swift loops: results may differ in the last bits).

typedef float fathom_f32x8 __attribute__((ext_vector_type(8)));
typedef _Float16 fathom_f16x8 __attribute__((ext_vector_type(8)));

#if defined(__x86_64__)
static inline int fathom_cpu_has_avx_f16c(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const unsigned int osxsave = 1u << 27, avx = 1u << 28, f16c = 1u << 29;
    if ((ecx & (osxsave | avx | f16c)) != (osxsave | avx | f16c)) return 0;
    unsigned int xcr0, xcr0High;
    __asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(xcr0High) : "c"(0));
    return (xcr0 & 6) == 6;  // the OS saves SSE and AVX state
}

__attribute__((target("avx,f16c")))
static inline float fathom_horizontal_sum(fathom_f32x8 v) {
    return ((v.s0 + v.s4) + (v.s1 + v.s5)) + ((v.s2 + v.s6) + (v.s3 + v.s7));
}

// The code kernel's loop: 16 codes per step in two accumulators,
// widened to float with `__builtin_convertvector`; `SCALAR(i)` is code i as a
// float, for the tail.
#define FATHOM_CODE_DOT_BODY(CODE_VECTOR, SCALAR)                                  \
    fathom_f32x8 acc0 = 0, acc1 = 0;                                                 \
    size_t i = 0;                                                                    \
    for (; i + 16 <= count; i += 16) {                                               \
        CODE_VECTOR c0, c1;                                                          \
        fathom_f32x8 q0, q1;                                                         \
        __builtin_memcpy(&c0, code + i, sizeof c0);                                  \
        __builtin_memcpy(&c1, code + i + 8, sizeof c1);                              \
        __builtin_memcpy(&q0, query + i, sizeof q0);                                 \
        __builtin_memcpy(&q1, query + i + 8, sizeof q1);                             \
        acc0 += q0 * __builtin_convertvector(c0, fathom_f32x8);                      \
        acc1 += q1 * __builtin_convertvector(c1, fathom_f32x8);                      \
    }                                                                                \
    float sum = fathom_horizontal_sum(acc0 + acc1);                                  \
    for (; i < count; i++) sum += query[i] * SCALAR(i);                              \
    return sum;

__attribute__((target("avx,f16c")))
static inline float fathom_half_to_float(const uint16_t *code, size_t i) {
    _Float16 h;
    __builtin_memcpy(&h, code + i, sizeof h);
    return (float)h;
}

#define FATHOM_HALF_AT(i) fathom_half_to_float(code, i)

/// Σ query[i] × code[i] with `code` IEEE binary16 bit patterns.
__attribute__((target("avx,f16c")))
static inline float fathom_dot_f16_avx(const float *query, const uint16_t *code, size_t count) {
    FATHOM_CODE_DOT_BODY(fathom_f16x8, FATHOM_HALF_AT)
}


#undef FATHOM_CODE_DOT_BODY
#undef FATHOM_HALF_AT

// Float32 dot product and squared distance for CPUs with AVX2 and FMA (and F16C,
// which every AVX2 CPU has and which lets fathom_horizontal_sum inline here)
// (checked at run time by `fathom_cpu_has_avx2_fma()`): the inner loops of the
// flat dense scan and of graph search. Swift's SIMD16 loops compile to 4-wide
// SSE multiplies and adds on the baseline target; these use 8-wide fused
// multiply-adds in 4 independent accumulators.
static inline int fathom_cpu_has_avx2_fma(void) {
    if (!fathom_cpu_has_avx_f16c()) return 0;  // AVX enabled by the OS
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 12))) return 0;  // FMA
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & (1u << 5)) != 0;  // AVX2
}

// One step of each float32 kernel on 8 lanes: acc + a·b, and acc + (a − b)².
__attribute__((target("avx2,fma,f16c")))
static inline fathom_f32x8 fathom_step_dot(fathom_f32x8 acc, fathom_f32x8 a, fathom_f32x8 b) {
    return __builtin_elementwise_fma(a, b, acc);
}

__attribute__((target("avx2,fma,f16c")))
static inline fathom_f32x8 fathom_step_squared_l2(fathom_f32x8 acc, fathom_f32x8 a, fathom_f32x8 b) {
    fathom_f32x8 d = a - b;
    return __builtin_elementwise_fma(d, d, acc);
}

// One loop for both float32 kernels: 32 floats per step in 4 independent
// accumulators, then 8 at a time, then a scalar tail (`SCALAR(x, y)`).
#define FATHOM_F32_LOAD_STEP(ACC, OFFSET, STEP)                                      \
    {                                                                                \
        fathom_f32x8 x, y;                                                           \
        __builtin_memcpy(&x, a + (OFFSET), sizeof x);                                \
        __builtin_memcpy(&y, b + (OFFSET), sizeof y);                                \
        ACC = STEP(ACC, x, y);                                                       \
    }

// (The four accumulators are spelled out: an array of them, or an inner loop
// over them, measured 20–25% slower — the compiler kept them in memory.)
#define FATHOM_F32_KERNEL_BODY(STEP, SCALAR)                                         \
    fathom_f32x8 acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;                             \
    size_t i = 0;                                                                    \
    for (; i + 32 <= count; i += 32) {                                               \
        FATHOM_F32_LOAD_STEP(acc0, i, STEP)                                          \
        FATHOM_F32_LOAD_STEP(acc1, i + 8, STEP)                                      \
        FATHOM_F32_LOAD_STEP(acc2, i + 16, STEP)                                     \
        FATHOM_F32_LOAD_STEP(acc3, i + 24, STEP)                                     \
    }                                                                                \
    for (; i + 8 <= count; i += 8) FATHOM_F32_LOAD_STEP(acc0, i, STEP)               \
    float sum = fathom_horizontal_sum((acc0 + acc1) + (acc2 + acc3));                \
    for (; i < count; i++) sum += SCALAR(a[i], b[i]);                                \
    return sum;

#define FATHOM_SCALAR_DOT(x, y) ((x) * (y))
#define FATHOM_SCALAR_SQUARED_L2(x, y) (((x) - (y)) * ((x) - (y)))

__attribute__((target("avx2,fma,f16c")))
static inline float fathom_dot_f32_avx2(const float *a, const float *b, size_t count) {
    FATHOM_F32_KERNEL_BODY(fathom_step_dot, FATHOM_SCALAR_DOT)
}

__attribute__((target("avx2,fma,f16c")))
static inline float fathom_squared_l2_f32_avx2(const float *a, const float *b, size_t count) {
    FATHOM_F32_KERNEL_BODY(fathom_step_squared_l2, FATHOM_SCALAR_SQUARED_L2)
}

// Σ query[i] × code[i] for int8 codes and an int16 query, exactly in int32:
// the graph walk over int8 codes. Sign-extending the codes to 16 bits and
// multiplying pairs with `vpmaddwd` does 16 products per instruction (the
// float path needs a widening, a conversion and an FMA per 8). No overflow
// when count × max|q| × max|c| < 2³¹, which the caller guarantees by the
// range it quantises the query to (`QuantizedQuery.largestValue`): every
// partial sum is bounded by that total.
typedef short fathom_i16x16 __attribute__((vector_size(32)));
typedef int fathom_i32x8 __attribute__((vector_size(32)));
typedef signed char fathom_i8x16 __attribute__((ext_vector_type(16)));
typedef short fathom_i16x16e __attribute__((ext_vector_type(16)));

__attribute__((target("avx2,fma,f16c")))
static inline int32_t fathom_dot_i8_i16_avx2(const int16_t *query, const int8_t *code, size_t count) {
    fathom_i32x8 acc0 = {0}, acc1 = {0};
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        fathom_i8x16 c0, c1;
        fathom_i16x16 q0, q1;
        __builtin_memcpy(&c0, code + i, sizeof c0);
        __builtin_memcpy(&c1, code + i + 16, sizeof c1);
        __builtin_memcpy(&q0, query + i, sizeof q0);
        __builtin_memcpy(&q1, query + i + 16, sizeof q1);
        fathom_i16x16e w0 = __builtin_convertvector(c0, fathom_i16x16e);
        fathom_i16x16e w1 = __builtin_convertvector(c1, fathom_i16x16e);
        fathom_i16x16 v0, v1;
        __builtin_memcpy(&v0, &w0, sizeof v0);
        __builtin_memcpy(&v1, &w1, sizeof v1);
        acc0 += (fathom_i32x8)__builtin_ia32_pmaddwd256(q0, v0);
        acc1 += (fathom_i32x8)__builtin_ia32_pmaddwd256(q1, v1);
    }
    fathom_i32x8 acc = acc0 + acc1;
    int32_t sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < count; i++) sum += (int32_t)query[i] * (int32_t)code[i];
    return sum;
}

#undef FATHOM_F32_KERNEL_BODY
#undef FATHOM_F32_LOAD_STEP
#undef FATHOM_SCALAR_DOT
#undef FATHOM_SCALAR_SQUARED_L2
#else
static inline int fathom_cpu_has_avx2_fma(void) { return 0; }
static inline float fathom_dot_f32_avx2(const float *a, const float *b, size_t count) {
    (void)a; (void)b; (void)count;
    return 0;  // never called: fathom_cpu_has_avx2_fma() is 0
}
static inline float fathom_squared_l2_f32_avx2(const float *a, const float *b, size_t count) {
    (void)a; (void)b; (void)count;
    return 0;  // never called: fathom_cpu_has_avx2_fma() is 0
}
static inline int32_t fathom_dot_i8_i16_avx2(const int16_t *query, const int8_t *code, size_t count) {
    (void)query; (void)code; (void)count;
    return 0;  // never called: fathom_cpu_has_avx2_fma() is 0
}
static inline int fathom_cpu_has_avx_f16c(void) { return 0; }
static inline float fathom_dot_f16_avx(const float *query, const uint16_t *code, size_t count) {
    (void)query; (void)code; (void)count;
    return 0;  // never called: fathom_cpu_has_avx_f16c() is 0
}
#endif

#endif
