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

// Dot products of a float query with float16 and int8 codes, for x86-64 CPUs
// with AVX and F16C (Intel since 2012, AMD since 2012; checked at run time by
// `fathom_cpu_has_avx_f16c()`, which also asks the OS whether it saves the
// 256-bit registers). Without them (and on other architectures) Swift's
// portable SIMD loops are used: the baseline x86-64 target has no
// half-to-float instruction and no sign-extending byte loads, which makes those
// loops 2-3x slower than these. Written with clang vector extensions, so no
// intrinsics header is imported into Swift. Products are summed in 2 x 8 lanes
// (a different order than the Swift loops: results may differ in the last bits).

typedef float fathom_f32x8 __attribute__((ext_vector_type(8)));
typedef _Float16 fathom_f16x8 __attribute__((ext_vector_type(8)));
typedef signed char fathom_i8x8 __attribute__((ext_vector_type(8)));

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

/// Σ query[i] × code[i] with `code` IEEE binary16 bit patterns.
__attribute__((target("avx,f16c")))
static inline float fathom_dot_f16_avx(const float *query, const uint16_t *code, size_t count) {
    fathom_f32x8 acc0 = 0, acc1 = 0;
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        fathom_f16x8 h0, h1;
        fathom_f32x8 q0, q1;
        __builtin_memcpy(&h0, code + i, sizeof h0);
        __builtin_memcpy(&h1, code + i + 8, sizeof h1);
        __builtin_memcpy(&q0, query + i, sizeof q0);
        __builtin_memcpy(&q1, query + i + 8, sizeof q1);
        acc0 += q0 * __builtin_convertvector(h0, fathom_f32x8);
        acc1 += q1 * __builtin_convertvector(h1, fathom_f32x8);
    }
    float sum = fathom_horizontal_sum(acc0 + acc1);
    for (; i < count; i++) {
        _Float16 h;
        __builtin_memcpy(&h, code + i, sizeof h);
        sum += query[i] * (float)h;
    }
    return sum;
}

/// Σ query[i] × code[i] for signed byte codes (unscaled).
__attribute__((target("avx,f16c")))
static inline float fathom_dot_i8_avx(const float *query, const int8_t *code, size_t count) {
    fathom_f32x8 acc0 = 0, acc1 = 0;
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        fathom_i8x8 c0, c1;
        fathom_f32x8 q0, q1;
        __builtin_memcpy(&c0, code + i, sizeof c0);
        __builtin_memcpy(&c1, code + i + 8, sizeof c1);
        __builtin_memcpy(&q0, query + i, sizeof q0);
        __builtin_memcpy(&q1, query + i + 8, sizeof q1);
        acc0 += q0 * __builtin_convertvector(c0, fathom_f32x8);
        acc1 += q1 * __builtin_convertvector(c1, fathom_f32x8);
    }
    float sum = fathom_horizontal_sum(acc0 + acc1);
    for (; i < count; i++) sum += query[i] * (float)code[i];
    return sum;
}

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

__attribute__((target("avx2,fma,f16c")))
static inline float fathom_dot_f32_avx2(const float *a, const float *b, size_t count) {
    fathom_f32x8 acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        fathom_f32x8 a0, a1, a2, a3, b0, b1, b2, b3;
        __builtin_memcpy(&a0, a + i, sizeof a0);
        __builtin_memcpy(&a1, a + i + 8, sizeof a1);
        __builtin_memcpy(&a2, a + i + 16, sizeof a2);
        __builtin_memcpy(&a3, a + i + 24, sizeof a3);
        __builtin_memcpy(&b0, b + i, sizeof b0);
        __builtin_memcpy(&b1, b + i + 8, sizeof b1);
        __builtin_memcpy(&b2, b + i + 16, sizeof b2);
        __builtin_memcpy(&b3, b + i + 24, sizeof b3);
        acc0 = __builtin_elementwise_fma(a0, b0, acc0);
        acc1 = __builtin_elementwise_fma(a1, b1, acc1);
        acc2 = __builtin_elementwise_fma(a2, b2, acc2);
        acc3 = __builtin_elementwise_fma(a3, b3, acc3);
    }
    for (; i + 8 <= count; i += 8) {
        fathom_f32x8 a0, b0;
        __builtin_memcpy(&a0, a + i, sizeof a0);
        __builtin_memcpy(&b0, b + i, sizeof b0);
        acc0 = __builtin_elementwise_fma(a0, b0, acc0);
    }
    float sum = fathom_horizontal_sum((acc0 + acc1) + (acc2 + acc3));
    for (; i < count; i++) sum += a[i] * b[i];
    return sum;
}

__attribute__((target("avx2,fma,f16c")))
static inline float fathom_squared_l2_f32_avx2(const float *a, const float *b, size_t count) {
    fathom_f32x8 acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        fathom_f32x8 a0, a1, a2, a3, b0, b1, b2, b3;
        __builtin_memcpy(&a0, a + i, sizeof a0);
        __builtin_memcpy(&a1, a + i + 8, sizeof a1);
        __builtin_memcpy(&a2, a + i + 16, sizeof a2);
        __builtin_memcpy(&a3, a + i + 24, sizeof a3);
        __builtin_memcpy(&b0, b + i, sizeof b0);
        __builtin_memcpy(&b1, b + i + 8, sizeof b1);
        __builtin_memcpy(&b2, b + i + 16, sizeof b2);
        __builtin_memcpy(&b3, b + i + 24, sizeof b3);
        fathom_f32x8 d0 = a0 - b0, d1 = a1 - b1, d2 = a2 - b2, d3 = a3 - b3;
        acc0 = __builtin_elementwise_fma(d0, d0, acc0);
        acc1 = __builtin_elementwise_fma(d1, d1, acc1);
        acc2 = __builtin_elementwise_fma(d2, d2, acc2);
        acc3 = __builtin_elementwise_fma(d3, d3, acc3);
    }
    for (; i + 8 <= count; i += 8) {
        fathom_f32x8 a0, b0;
        __builtin_memcpy(&a0, a + i, sizeof a0);
        __builtin_memcpy(&b0, b + i, sizeof b0);
        fathom_f32x8 d0 = a0 - b0;
        acc0 = __builtin_elementwise_fma(d0, d0, acc0);
    }
    float sum = fathom_horizontal_sum((acc0 + acc1) + (acc2 + acc3));
    for (; i < count; i++) { float d = a[i] - b[i]; sum += d * d; }
    return sum;
}
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
static inline int fathom_cpu_has_avx_f16c(void) { return 0; }
static inline float fathom_dot_f16_avx(const float *query, const uint16_t *code, size_t count) {
    (void)query; (void)code; (void)count;
    return 0;  // never called: fathom_cpu_has_avx_f16c() is 0
}
static inline float fathom_dot_i8_avx(const float *query, const int8_t *code, size_t count) {
    (void)query; (void)code; (void)count;
    return 0;  // never called: fathom_cpu_has_avx_f16c() is 0
}
#endif

#endif
