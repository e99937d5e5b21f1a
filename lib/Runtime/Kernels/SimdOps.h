//===- SimdOps.h - one vector vocabulary for AVX2 and AVX-512 ---*- C++ -*-===//
//
// Kernels whose vector code is written once and compiled per instruction
// set use these names: loomrt::simd8 (AVX2 + FMA, 8 lanes, lane masks in
// vector registers) and loomrt::simd16 (AVX-512 F/BW/VL, 16 lanes, k-mask
// registers) have the same functions, so a kernel source included inside
// `namespace X { using namespace loomrt::simdN; #include "..." }` between
// the matching LOOM_TARGET_*_BEGIN / LOOM_TARGET_END (CpuFeatures.h) becomes
// that level's variant. SimdMath.inc adds exp on top of them.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_KERNELS_SIMDOPS_H
#define LOOM_LIB_RUNTIME_KERNELS_SIMDOPS_H

#include "CpuFeatures.h"

#include <cstdint>
#include <limits>

#if defined(__x86_64__)
#include <immintrin.h>

namespace loomrt::simd {
constexpr float kLog2e = 1.44269504088896341f;
// Cody & Waite: ln 2 = kLn2Hi + kLn2Lo, n * kLn2Hi exact for |n| < 2^15.
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
// Rounding by adding 1.5 * 2^23 (+ 127, the exponent bias): the sum's low
// mantissa bits are then n + 127, so shifting its bits left by 23 gives 2^n
// without a float-to-int conversion (slow on some x86 cores).
constexpr float kRoundBias = 12582912.0f + 127.0f;
} // namespace loomrt::simd

LOOM_TARGET_AVX2_BEGIN
namespace loomrt::simd8 {
using namespace loomrt::simd;
constexpr int kLanes = 8;
using F = __m256;
using M = __m256; // a lane mask: all bits set in the lanes it selects

inline F set1(float v) { return _mm256_set1_ps(v); }
inline F zero() { return _mm256_setzero_ps(); }
inline F load(const float *p) { return _mm256_loadu_ps(p); }
inline void store(float *p, F v) { _mm256_storeu_ps(p, v); }
/// A streaming store; p aligned to kLanes floats.
inline void stream(float *p, F v) { _mm256_stream_ps(p, v); }
/// Lanes [0, n) (n clamped to [0, kLanes]).
inline M firstLanes(int64_t n) {
  __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  int count = int(n < 0 ? 0 : n > kLanes ? kLanes : n);
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count), lanes));
}
/// The first n (< kLanes) floats of p, the other lanes `fill`.
inline F loadTail(const float *p, int64_t n, float fill) {
  M mask = firstLanes(n);
  return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, _mm256_castps_si256(mask)),
                          mask);
}
inline void storeTail(float *p, int64_t n, F v) {
  _mm256_maskstore_ps(p, _mm256_castps_si256(firstLanes(n)), v);
}
inline F add(F a, F b) { return _mm256_add_ps(a, b); }
inline F sub(F a, F b) { return _mm256_sub_ps(a, b); }
inline F mul(F a, F b) { return _mm256_mul_ps(a, b); }
inline F div(F a, F b) { return _mm256_div_ps(a, b); }
inline F max(F a, F b) { return _mm256_max_ps(a, b); }
inline F min(F a, F b) { return _mm256_min_ps(a, b); }
/// a b + c and c - a b.
inline F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
inline F fnmadd(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
inline M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
inline M gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
inline M eq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
inline M neq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_NEQ_OQ); }
inline M noLanes() { return _mm256_setzero_ps(); }
inline M maskOr(M a, M b) { return _mm256_or_ps(a, b); }
inline bool any(M m) { return _mm256_movemask_ps(m) != 0; }
/// v with the lanes of m zeroed.
inline F zeroWhere(M m, F v) { return _mm256_andnot_ps(m, v); }
/// m ? a : b lane by lane.
inline F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }
/// |v| and v with the sign of s.
inline F abs(F v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }
inline F withSignOf(F v, F s) {
  return _mm256_or_ps(v, _mm256_and_ps(_mm256_set1_ps(-0.0f), s));
}
/// The bits of t shifted into the exponent field (2^n from t = n + bias).
inline F exponentBits(F t) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23));
}
inline float first(F v) { return _mm256_cvtss_f32(v); }
inline float reduceMax(F v) {
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}
inline float reduceSum(F v) {
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}
inline void fence() { _mm_sfence(); }

#include "SimdMath.inc"
} // namespace loomrt::simd8
LOOM_TARGET_END

LOOM_TARGET_AVX512_BEGIN
namespace loomrt::simd16 {
using namespace loomrt::simd;
constexpr int kLanes = 16;
using F = __m512;
using M = __mmask16;

inline F set1(float v) { return _mm512_set1_ps(v); }
inline F zero() { return _mm512_setzero_ps(); }
inline F load(const float *p) { return _mm512_loadu_ps(p); }
inline void store(float *p, F v) { _mm512_storeu_ps(p, v); }
inline void stream(float *p, F v) { _mm512_stream_ps(p, v); }
inline M firstLanes(int64_t n) {
  return n <= 0 ? M(0) : n >= kLanes ? M(0xffff) : M((1u << n) - 1);
}
inline F loadTail(const float *p, int64_t n, float fill) {
  return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), firstLanes(n), p);
}
inline void storeTail(float *p, int64_t n, F v) { _mm512_mask_storeu_ps(p, firstLanes(n), v); }
inline F add(F a, F b) { return _mm512_add_ps(a, b); }
inline F sub(F a, F b) { return _mm512_sub_ps(a, b); }
inline F mul(F a, F b) { return _mm512_mul_ps(a, b); }
inline F div(F a, F b) { return _mm512_div_ps(a, b); }
inline F max(F a, F b) { return _mm512_max_ps(a, b); }
inline F min(F a, F b) { return _mm512_min_ps(a, b); }
inline F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
inline F fnmadd(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }
inline M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
inline M gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
inline M eq(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
inline M neq(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_NEQ_OQ); }
inline M noLanes() { return M(0); }
inline M maskOr(M a, M b) { return M(a | b); }
inline bool any(M m) { return m != 0; }
inline F zeroWhere(M m, F v) { return _mm512_maskz_mov_ps(M(~m), v); }
inline F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }
inline F abs(F v) { return _mm512_abs_ps(v); }
inline F withSignOf(F v, F s) {
  return _mm512_castsi512_ps(_mm512_or_si512(
      _mm512_castps_si512(v),
      _mm512_and_si512(_mm512_castps_si512(s), _mm512_set1_epi32(int(0x80000000u)))));
}
inline F exponentBits(F t) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(t), 23));
}
inline float first(F v) { return _mm512_cvtss_f32(v); }
inline float reduceMax(F v) { return _mm512_reduce_max_ps(v); }
inline float reduceSum(F v) { return _mm512_reduce_add_ps(v); }
inline void fence() { _mm_sfence(); }

#include "SimdMath.inc"
} // namespace loomrt::simd16
LOOM_TARGET_END

#endif // __x86_64__
#endif // LOOM_LIB_RUNTIME_KERNELS_SIMDOPS_H
