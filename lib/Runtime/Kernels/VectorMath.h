//===- VectorMath.h - AVX2 helpers shared by loomrt's kernels ---*- C++ -*-===//
//
// exp for the softmax and attention kernels (Cody-Waite reduction, a
// polynomial, the power of two built in the exponent bits: no libm call, no
// float-to-int conversion), horizontal reductions, and partial loads and
// stores for row tails. Only for functions compiled with
// __attribute__((target("avx2,fma"))), chosen at run time.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_KERNELS_VECTORMATH_H
#define LOOM_LIB_RUNTIME_KERNELS_VECTORMATH_H

#include <cstdint>
#include <limits>

#if defined(__x86_64__)
#include <immintrin.h>

namespace loomrt::avx2 {

#define LOOM_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline
// For lambdas inside AVX2 functions (they do not inherit the target).
#define LOOM_AVX2_LAMBDA __attribute__((target("avx2,fma"), always_inline))

constexpr float kLog2e = 1.44269504088896341f;
// Cody & Waite: ln 2 = kLn2Hi + kLn2Lo, n * kLn2Hi exact for |n| < 2^15.
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
// Rounding by adding 1.5 * 2^23 (+ 127, the exponent bias): the sum's low
// mantissa bits are then n + 127, so shifting its bits left by 23 gives 2^n
// without a float-to-int conversion (slow on some x86 cores).
constexpr float kRoundBias = 12582912.0f + 127.0f;

/// Loads the first `n` (< 8) floats of `p`, the other lanes `fill`.
LOOM_AVX2 __m256 loadTail(const float *p, int64_t n, float fill) {
  __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), lanes);
  __m256 v = _mm256_maskload_ps(p, mask);
  return _mm256_blendv_ps(_mm256_set1_ps(fill), v, _mm256_castsi256_ps(mask));
}

LOOM_AVX2 void storeTail(float *p, int64_t n, __m256 v) {
  __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  _mm256_maskstore_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), lanes), v);
}

/// e^r for |r| <= ln2/2: a degree-5 minimax polynomial, relative error
/// 1.7e-7 in float32 (scripts/fit-exp-polynomial.py derives it; the degree-6
/// Taylor series it replaced had 2.4e-7 and cost one more FMA per exp).
LOOM_AVX2 __m256 expReduced(__m256 r) {
  __m256 p = _mm256_set1_ps(8.290315047e-03f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.189793020e-02f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.666763574e-01f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.999915063e-01f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(9.999997020e-01f));
  return _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
}

/// exp(x) for x <= 0; exactly 0 below -87.3 (and for -inf).
LOOM_AVX2 __m256 expNonPositive(__m256 x) {
  __m256 clamped = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
  __m256 t = _mm256_fmadd_ps(clamped, _mm256_set1_ps(kLog2e), _mm256_set1_ps(kRoundBias));
  __m256 n = _mm256_sub_ps(t, _mm256_set1_ps(kRoundBias));
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), clamped);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), r);
  __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23));
  __m256 underflow = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_LT_OQ);
  return _mm256_andnot_ps(underflow, _mm256_mul_ps(expReduced(r), scale));
}

LOOM_AVX2 float horizontalMax(__m256 v) {
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

LOOM_AVX2 float horizontalSum(__m256 v) {
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

} // namespace loomrt::avx2

#endif // __x86_64__
#endif // LOOM_LIB_RUNTIME_KERNELS_VECTORMATH_H
