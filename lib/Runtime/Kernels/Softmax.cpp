//===- Softmax.cpp - softmax over the rows of a matrix, three ways --------===//
//
// loom.softmax on the last axis of an f32 tensor becomes a call to
// loomrt_softmax_f32 with the algorithm chosen at compile time
// (loom-compile --softmax):
//
//  three-pass  maximum; exp(x - max) written to the output and summed;
//              the output scaled by 1/sum (the output is re-read).
//  two-pass    Dukhan & Ablavatski, "The Two-Pass Softmax Algorithm" (2020):
//              exp(x) = 2^n e^r with n = round(x log2 e), |r| <= ln2/2, so a
//              sum of exponentials is a pair (mantissa M, exponent N) that
//              never overflows and needs no maximum first; the second pass
//              writes e^r 2^(n - N) / M. The input is read twice, the output
//              written once.
//  online      Milakov & Gimelshein, "Online normalizer calculation for
//              softmax" (2018): one pass keeps the running maximum m and the
//              sum of exp(x - m), rescaled when m grows; the second pass
//              writes exp(x - m) / sum.
//
// Each algorithm keeps eight lanes of partial state (one AVX2 register) and
// merges the lanes at the end of the row. Rows are split across the thread
// pool. A portable scalar version of each serves machines without AVX2 and
// views whose columns are not contiguous.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "../ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "VectorMath.h"

using loomrt::MemRef;

namespace {

enum Algorithm : int32_t { kThreePass = 0, kTwoPass = 1, kOnline = 2 };

// The scalar rows share the vector code's constants.
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

/// 2^k for an integral k <= 0 given as a float; 0 below 2^-126.
inline float pow2NonPositive(float k) {
  int32_t bits = (static_cast<int32_t>(std::max(k, -127.0f)) + 127) << 23;
  float r;
  std::memcpy(&r, &bits, sizeof r);
  return r;
}

//===----------------------------------------------------------------------===//
// Portable scalar rows (any column stride)
//===----------------------------------------------------------------------===//

void threePassScalar(const float *x, int64_t xs, float *y, int64_t ys, int64_t n) {
  float m = kMinusInf;
  for (int64_t i = 0; i < n; ++i)
    m = std::max(m, x[i * xs]);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    float e = std::exp(x[i * xs] - m);
    y[i * ys] = e;
    sum += e;
  }
  float inv = 1.0f / sum;
  for (int64_t i = 0; i < n; ++i)
    y[i * ys] *= inv;
}

/// x = n ln2 + r; returns e^r and sets n (a very small n for -inf).
inline float decomposeScalar(float x, float &n) {
  n = std::max(std::nearbyint(x * kLog2e), -1e9f);
  float r = std::clamp(x - n * kLn2Hi - n * kLn2Lo, -1.0f, 1.0f);
  return x == kMinusInf ? 0.0f : std::exp(r);
}

void twoPassScalar(const float *x, int64_t xs, float *y, int64_t ys, int64_t len) {
  float mant = 0.0f, expo = -1e9f;
  for (int64_t i = 0; i < len; ++i) {
    float n, e = decomposeScalar(x[i * xs], n);
    float top = std::max(expo, n);
    mant = mant * pow2NonPositive(expo - top) + e * pow2NonPositive(n - top);
    expo = top;
  }
  float inv = 1.0f / mant;
  for (int64_t i = 0; i < len; ++i) {
    float n, e = decomposeScalar(x[i * xs], n);
    y[i * ys] = e * pow2NonPositive(n - expo) * inv;
  }
}

void onlineScalar(const float *x, int64_t xs, float *y, int64_t ys, int64_t n) {
  float m = kMinusInf, sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i * xs];
    if (v > m) {
      sum = sum * std::exp(m - v) + 1.0f; // exp(-inf) = 0 on the first element
      m = v;
    } else if (v != kMinusInf) {
      sum += std::exp(v - m);
    }
  }
  float inv = 1.0f / sum;
  for (int64_t i = 0; i < n; ++i)
    y[i * ys] = std::exp(x[i * xs] - m) * inv;
}

using RowFn = void (*)(const float *, int64_t, float *, int64_t, int64_t);
constexpr RowFn kScalar[] = {threePassScalar, twoPassScalar, onlineScalar};

//===----------------------------------------------------------------------===//
// AVX2 rows (contiguous columns)
//===----------------------------------------------------------------------===//

#if defined(__x86_64__)
using namespace loomrt::avx2;

/// 2^k for integral k <= 0 given as a float (0 below 2^-126).
LOOM_AVX2 __m256 pow2(__m256 k) {
  __m256 t = _mm256_add_ps(_mm256_max_ps(k, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(kRoundBias));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23));
}

/// x = n ln2 + r: returns e^r and sets n. Inputs are clamped to
/// [-2^21, 2^21], where the rounding trick holds (softmax of anything
/// larger is absurd); -inf lanes give e^r = 0.
LOOM_AVX2 __m256 decompose(__m256 x, __m256 &n) {
  __m256 isMinusInf = _mm256_cmp_ps(x, _mm256_set1_ps(kMinusInf), _CMP_EQ_OQ);
  __m256 clamped = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-2097152.0f)),
                                 _mm256_set1_ps(2097152.0f));
  n = _mm256_sub_ps(
      _mm256_fmadd_ps(clamped, _mm256_set1_ps(kLog2e), _mm256_set1_ps(kRoundBias)),
      _mm256_set1_ps(kRoundBias));
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), clamped);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), r);
  return _mm256_andnot_ps(isMinusInf, expReduced(r));
}

__attribute__((target("avx2,fma"))) void threePassAvx2(const float *x, int64_t, float *y,
                                                       int64_t, int64_t n) {
  // Pass 1: the maximum (four accumulators hide the latency).
  __m256 m0 = _mm256_set1_ps(kMinusInf), m1 = m0, m2 = m0, m3 = m0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + i));
    m1 = _mm256_max_ps(m1, _mm256_loadu_ps(x + i + 8));
    m2 = _mm256_max_ps(m2, _mm256_loadu_ps(x + i + 16));
    m3 = _mm256_max_ps(m3, _mm256_loadu_ps(x + i + 24));
  }
  for (; i + 8 <= n; i += 8)
    m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + i));
  if (i < n)
    m0 = _mm256_max_ps(m0, loadTail(x + i, n - i, kMinusInf));
  __m256 m = _mm256_set1_ps(
      horizontalMax(_mm256_max_ps(_mm256_max_ps(m0, m1), _mm256_max_ps(m2, m3))));
  // Pass 2: y = exp(x - max), summed.
  __m256 s0 = _mm256_setzero_ps(), s1 = s0;
  for (i = 0; i + 16 <= n; i += 16) {
    __m256 e0 = expNonPositive(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
    __m256 e1 = expNonPositive(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), m));
    _mm256_storeu_ps(y + i, e0);
    _mm256_storeu_ps(y + i + 8, e1);
    s0 = _mm256_add_ps(s0, e0);
    s1 = _mm256_add_ps(s1, e1);
  }
  for (; i + 8 <= n; i += 8) {
    __m256 e = expNonPositive(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
    _mm256_storeu_ps(y + i, e);
    s0 = _mm256_add_ps(s0, e);
  }
  if (i < n) {
    __m256 e = expNonPositive(_mm256_sub_ps(loadTail(x + i, n - i, kMinusInf), m));
    storeTail(y + i, n - i, e);
    s0 = _mm256_add_ps(s0, e);
  }
  // Pass 3: scale the output in place.
  __m256 inv = _mm256_set1_ps(1.0f / horizontalSum(_mm256_add_ps(s0, s1)));
  for (i = 0; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), inv));
  if (i < n)
    storeTail(y + i, n - i, _mm256_mul_ps(loadTail(y + i, n - i, 0.0f), inv));
}

/// Adds the exponentials of one vector of inputs to the (mantissa, exponent)
/// lanes: N' = max(N, n), M' = M 2^(N - N') + e^r 2^(n - N').
LOOM_AVX2 void accumulateTwoPass(__m256 x, __m256 &mant, __m256 &expo) {
  __m256 n, e = decompose(x, n);
  __m256 top = _mm256_max_ps(expo, n);
  mant = _mm256_fmadd_ps(mant, pow2(_mm256_sub_ps(expo, top)),
                         _mm256_mul_ps(e, pow2(_mm256_sub_ps(n, top))));
  expo = top;
}

__attribute__((target("avx2,fma"))) void twoPassAvx2(const float *x, int64_t, float *y,
                                                     int64_t, int64_t n) {
  // Pass 1: two independent (mantissa, exponent) accumulators per lane.
  __m256 ma = _mm256_setzero_ps(), mb = ma;
  __m256 ea = _mm256_set1_ps(-1e9f), eb = ea;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    accumulateTwoPass(_mm256_loadu_ps(x + i), ma, ea);
    accumulateTwoPass(_mm256_loadu_ps(x + i + 8), mb, eb);
  }
  for (; i + 8 <= n; i += 8)
    accumulateTwoPass(_mm256_loadu_ps(x + i), ma, ea);
  if (i < n)
    accumulateTwoPass(loadTail(x + i, n - i, kMinusInf), ma, ea);
  // Merge the accumulators and then the lanes into one (M, N).
  __m256 top = _mm256_max_ps(ea, eb);
  __m256 lanesMant = _mm256_fmadd_ps(ma, pow2(_mm256_sub_ps(ea, top)),
                                     _mm256_mul_ps(mb, pow2(_mm256_sub_ps(eb, top))));
  float expo = horizontalMax(top);
  float mant =
      horizontalSum(_mm256_mul_ps(lanesMant, pow2(_mm256_sub_ps(top, _mm256_set1_ps(expo)))));
  // Pass 2: y = e^r 2^(n - N) / M = exp(x - c) with c = N ln2 + ln M, one
  // exponential per output. c is split into hi + lo floats: x - hi is exact
  // near the top of the row, which keeps large inputs (1e4) accurate.
  if (!(mant > 0.0f)) { // every input -inf: 0/0 as in the definition
    for (i = 0; i < n; ++i)
      y[i] = std::nanf("");
    return;
  }
  double c = double(expo) * 0.69314718055994530942 + std::log(double(mant));
  float hi = float(c);
  __m256 cHi = _mm256_set1_ps(hi), cLo = _mm256_set1_ps(float(c - double(hi)));
  for (i = 0; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, expNonPositive(_mm256_sub_ps(
                                _mm256_sub_ps(_mm256_loadu_ps(x + i), cHi), cLo)));
  if (i < n)
    storeTail(y + i, n - i,
              expNonPositive(_mm256_sub_ps(
                  _mm256_sub_ps(loadTail(x + i, n - i, kMinusInf), cHi), cLo)));
}

/// exp(x - m) lane by lane, 0 where x is -inf (also when m is -inf: no NaN).
LOOM_AVX2 __m256 expShifted(__m256 x, __m256 m) {
  __m256 isMinusInf = _mm256_cmp_ps(x, _mm256_set1_ps(kMinusInf), _CMP_EQ_OQ);
  return _mm256_andnot_ps(isMinusInf, expNonPositive(_mm256_sub_ps(x, m)));
}

/// Raises the running maximum m to include `blockMax` and rescales the sum
/// s by exp(m_old - m_new); lanes whose maximum is unchanged (also -inf,
/// where the difference would be NaN) keep their sum.
LOOM_AVX2 void raiseMaximum(__m256 blockMax, __m256 &m, __m256 &s) {
  __m256 top = _mm256_max_ps(m, blockMax);
  __m256 same = _mm256_cmp_ps(m, top, _CMP_EQ_OQ);
  __m256 c = _mm256_blendv_ps(expNonPositive(_mm256_sub_ps(m, top)), _mm256_set1_ps(1.0f), same);
  s = _mm256_mul_ps(s, c);
  m = top;
}

__attribute__((target("avx2,fma"))) void onlineAvx2(const float *x, int64_t, float *y,
                                                    int64_t, int64_t n) {
  // Pass 1: per lane, the running maximum m and the sum s of exp(x - m). A
  // block of four vectors raises the maximum once, so most elements cost
  // one exponential.
  __m256 m = _mm256_set1_ps(kMinusInf), s = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8),
           v2 = _mm256_loadu_ps(x + i + 16), v3 = _mm256_loadu_ps(x + i + 24);
    raiseMaximum(_mm256_max_ps(_mm256_max_ps(v0, v1), _mm256_max_ps(v2, v3)), m, s);
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(expShifted(v0, m), expShifted(v1, m)),
                                       _mm256_add_ps(expShifted(v2, m), expShifted(v3, m))));
  }
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    raiseMaximum(v, m, s);
    s = _mm256_add_ps(s, expShifted(v, m));
  }
  if (i < n) {
    __m256 v = loadTail(x + i, n - i, kMinusInf);
    raiseMaximum(v, m, s);
    s = _mm256_add_ps(s, expShifted(v, m));
  }
  // Merge the lanes: sum = sum over lanes of s_l exp(m_l - M).
  __m256 rowMax = _mm256_set1_ps(horizontalMax(m));
  float sum = horizontalSum(_mm256_mul_ps(s, expShifted(m, rowMax)));
  // Pass 2: y = exp(x - M) / sum.
  __m256 inv = _mm256_set1_ps(1.0f / sum);
  for (i = 0; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_mul_ps(expShifted(_mm256_loadu_ps(x + i), rowMax), inv));
  if (i < n)
    storeTail(y + i, n - i,
              _mm256_mul_ps(expShifted(loadTail(x + i, n - i, kMinusInf), rowMax), inv));
}

constexpr RowFn kAvx2[] = {threePassAvx2, twoPassAvx2, onlineAvx2};
#endif

} // namespace

extern "C" void _mlir_ciface_loomrt_softmax_f32(MemRef<2> *in, MemRef<2> *out,
                                                int32_t algorithm) {
  const int64_t rows = in->sizes[0], cols = in->sizes[1];
  if (rows == 0 || cols == 0)
    return;
  if (algorithm < kThreePass || algorithm > kOnline)
    algorithm = kThreePass; // the lowering only emits the three values
  RowFn row = kScalar[algorithm];
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2 && in->strides[1] == 1 && out->strides[1] == 1)
    row = kAvx2[algorithm];
#endif
  const float *x = in->aligned + in->offset;
  float *y = out->aligned + out->offset;
  const int64_t xr = in->strides[0], xc = in->strides[1];
  const int64_t yr = out->strides[0], yc = out->strides[1];
  loomrt::parallelFor(rows, [&](int64_t r) { row(x + r * xr, xc, y + r * yr, yc, cols); });
}
