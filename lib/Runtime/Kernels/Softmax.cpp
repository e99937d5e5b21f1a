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
#include <vector>

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

// Each algorithm is built from passes over a range of a row, so that a row
// can be processed by one thread or, when there are fewer rows than
// threads, split into chunks whose statistics are merged between passes.

/// Pass statistics: three-pass (maximum, sum), two-pass (mantissa M,
/// exponent N: the sum is M 2^N), online (maximum m, sum of exp(x - m)).
struct Stats {
  float a, b;
};

__attribute__((target("avx2,fma"))) float maxAvx2(const float *x, int64_t n) {
  // Four accumulators hide the latency.
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
  return horizontalMax(_mm256_max_ps(_mm256_max_ps(m0, m1), _mm256_max_ps(m2, m3)));
}

/// y = exp(x - m); returns the sum of y (three-pass, second pass).
__attribute__((target("avx2,fma"))) float expStoreSumAvx2(const float *x, float *y, int64_t n,
                                                          float max) {
  __m256 m = _mm256_set1_ps(max), s0 = _mm256_setzero_ps(), s1 = s0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
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
  return horizontalSum(_mm256_add_ps(s0, s1));
}

/// y *= factor (three-pass, third pass: the output is re-read).
__attribute__((target("avx2,fma"))) void scaleAvx2(float *y, int64_t n, float factor) {
  __m256 f = _mm256_set1_ps(factor);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), f));
  if (i < n)
    storeTail(y + i, n - i, _mm256_mul_ps(loadTail(y + i, n - i, 0.0f), f));
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

/// The sum of exp(x) as (M, N) with no maximum pass (two-pass, first pass).
__attribute__((target("avx2,fma"))) Stats twoPassStatsAvx2(const float *x, int64_t n) {
  // Two independent (mantissa, exponent) accumulators per lane.
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
  return {mant, expo};
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

/// The running maximum and rescaled sum (online, first pass). A block of
/// four vectors raises the maximum once, so most elements cost one
/// exponential.
__attribute__((target("avx2,fma"))) Stats onlineStatsAvx2(const float *x, int64_t n) {
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
  // Merge the lanes: sum over lanes of s_l exp(m_l - M).
  float rowMax = horizontalMax(m);
  return {rowMax, horizontalSum(_mm256_mul_ps(s, expShifted(m, _mm256_set1_ps(rowMax))))};
}

/// y = exp(x - c) with c = hi + lo, the log of the row's sum of exp(x): the
/// second pass of the two-pass and online algorithms, one exponential per
/// output. x - hi is exact near the top of the row (Sterbenz), which keeps
/// large inputs (1e4) accurate.
__attribute__((target("avx2,fma"))) void expOutputAvx2(const float *x, float *y, int64_t n,
                                                       float hi, float lo) {
  __m256 cHi = _mm256_set1_ps(hi), cLo = _mm256_set1_ps(lo);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, expNonPositive(_mm256_sub_ps(
                                _mm256_sub_ps(_mm256_loadu_ps(x + i), cHi), cLo)));
  if (i < n)
    storeTail(y + i, n - i,
              expNonPositive(_mm256_sub_ps(
                  _mm256_sub_ps(loadTail(x + i, n - i, kMinusInf), cHi), cLo)));
}
#endif

Stats mergeTwoPass(Stats p, Stats q) {
  float top = std::max(p.b, q.b);
  return {p.a * pow2NonPositive(p.b - top) + q.a * pow2NonPositive(q.b - top), top};
}

Stats mergeOnline(Stats p, Stats q) {
  float m = std::max(p.a, q.a);
  if (m == kMinusInf)
    return {m, 0.0f};
  float s = 0.0f;
  for (Stats t : {p, q})
    if (t.b > 0.0f)
      s += t.b * std::exp(t.a - m);
  return {m, s};
}

/// The log of the row's sum of exp(x) from merged statistics, as hi + lo
/// floats; false when the sum is 0 (every input -inf).
bool logSum(int32_t algorithm, Stats s, float &hi, float &lo) {
  double c;
  if (algorithm == kTwoPass) {
    if (!(s.a > 0.0f))
      return false;
    c = double(s.b) * 0.69314718055994530942 + std::log(double(s.a));
  } else {
    if (!(s.b > 0.0f))
      return false;
    c = double(s.a) + std::log(double(s.b));
  }
  hi = float(c);
  lo = float(c - double(hi));
  return true;
}

void fillNaN(float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = std::nanf("");
}

#if defined(__x86_64__)
/// One contiguous row on one thread.
void rowAvx2(int32_t algorithm, const float *x, float *y, int64_t n) {
  if (algorithm == kThreePass) {
    float m = maxAvx2(x, n);
    if (m == kMinusInf)
      return fillNaN(y, n);
    scaleAvx2(y, n, 1.0f / expStoreSumAvx2(x, y, n, m));
    return;
  }
  Stats s = algorithm == kTwoPass ? twoPassStatsAvx2(x, n) : onlineStatsAvx2(x, n);
  float hi, lo;
  if (!logSum(algorithm, s, hi, lo))
    return fillNaN(y, n);
  expOutputAvx2(x, y, n, hi, lo);
}

/// Fewest columns per chunk when a row is split across threads.
constexpr int64_t kMinChunk = 16384;

/// Rows split into `chunks` column ranges each: every pass runs over all
/// (row, chunk) pairs in parallel, and each row's chunk statistics are
/// merged between passes.
void splitRowsAvx2(int32_t algorithm, const float *x, int64_t xr, float *y, int64_t yr,
                   int64_t rows, int64_t cols, int64_t chunks) {
  const int64_t per = (cols + chunks - 1) / chunks;
  std::vector<Stats> stats(size_t(rows * chunks));
  std::vector<Stats> merged(static_cast<size_t>(rows));
  auto range = [&](int64_t task, int64_t &begin, int64_t &count) {
    begin = std::min(cols, (task % chunks) * per);
    count = std::min(cols, begin + per) - begin;
  };
  auto pass = [&](auto &&body) {
    loomrt::parallelFor(rows * chunks, [&](int64_t task) {
      int64_t r = task / chunks, begin, count;
      range(task, begin, count);
      body(task, r, x + r * xr + begin, y + r * yr + begin, count);
    });
  };
  if (algorithm == kThreePass) {
    pass([&](int64_t task, int64_t, const float *xs, float *, int64_t n) {
      stats[size_t(task)].a = n > 0 ? maxAvx2(xs, n) : kMinusInf;
    });
    for (int64_t r = 0; r < rows; ++r) {
      merged[size_t(r)].a = kMinusInf;
      for (int64_t c = 0; c < chunks; ++c)
        merged[size_t(r)].a = std::max(merged[size_t(r)].a, stats[size_t(r * chunks + c)].a);
    }
    pass([&](int64_t task, int64_t r, const float *xs, float *ys, int64_t n) {
      float m = merged[size_t(r)].a;
      stats[size_t(task)].b = m == kMinusInf || n == 0 ? 0.0f : expStoreSumAvx2(xs, ys, n, m);
    });
    for (int64_t r = 0; r < rows; ++r) {
      merged[size_t(r)].b = 0.0f;
      for (int64_t c = 0; c < chunks; ++c)
        merged[size_t(r)].b += stats[size_t(r * chunks + c)].b;
    }
    pass([&](int64_t, int64_t r, const float *, float *ys, int64_t n) {
      if (merged[size_t(r)].a == kMinusInf)
        return fillNaN(ys, n);
      scaleAvx2(ys, n, 1.0f / merged[size_t(r)].b);
    });
    return;
  }
  pass([&](int64_t task, int64_t, const float *xs, float *, int64_t n) {
    if (n == 0)
      stats[size_t(task)] = algorithm == kTwoPass ? Stats{0.0f, -1e9f} : Stats{kMinusInf, 0.0f};
    else
      stats[size_t(task)] = algorithm == kTwoPass ? twoPassStatsAvx2(xs, n) : onlineStatsAvx2(xs, n);
  });
  for (int64_t r = 0; r < rows; ++r) {
    Stats s = stats[size_t(r * chunks)];
    for (int64_t c = 1; c < chunks; ++c)
      s = algorithm == kTwoPass ? mergeTwoPass(s, stats[size_t(r * chunks + c)])
                                : mergeOnline(s, stats[size_t(r * chunks + c)]);
    merged[size_t(r)] = s;
  }
  pass([&](int64_t, int64_t r, const float *xs, float *ys, int64_t n) {
    float hi, lo;
    if (!logSum(algorithm, merged[size_t(r)], hi, lo))
      return fillNaN(ys, n);
    expOutputAvx2(xs, ys, n, hi, lo);
  });
}
#endif

} // namespace

extern "C" void _mlir_ciface_loomrt_softmax_f32(MemRef<2> *in, MemRef<2> *out,
                                                int32_t algorithm) {
  const int64_t rows = in->sizes[0], cols = in->sizes[1];
  if (rows == 0 || cols == 0)
    return;
  if (algorithm < kThreePass || algorithm > kOnline)
    algorithm = kThreePass; // the lowering only emits the three values
  const float *x = in->aligned + in->offset;
  float *y = out->aligned + out->offset;
  const int64_t xr = in->strides[0], xc = in->strides[1];
  const int64_t yr = out->strides[0], yc = out->strides[1];
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2 && xc == 1 && yc == 1) {
    // Fewer rows than the threads can take: split the rows' columns too.
    int64_t chunks = 1;
    if (const int64_t wanted = 2 * int64_t(loomrt::numThreads()); rows < wanted)
      chunks = std::clamp<int64_t>((wanted + rows - 1) / rows, 1, cols / kMinChunk);
    if (chunks > 1)
      return splitRowsAvx2(algorithm, x, xr, y, yr, rows, cols, chunks);
    loomrt::parallelFor(rows, [&](int64_t r) { rowAvx2(algorithm, x + r * xr, y + r * yr, cols); });
    return;
  }
#endif
  RowFn row = kScalar[algorithm];
  loomrt::parallelFor(rows, [&](int64_t r) { row(x + r * xr, xc, y + r * yr, yc, cols); });
}
