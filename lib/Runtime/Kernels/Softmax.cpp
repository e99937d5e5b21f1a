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
//              never overflows and needs no maximum first. Each vector lane
//              keeps its own N and moves it only when an input's n exceeds
//              it by more than 64 (the sum has room up to 2^127), so most
//              inputs cost one exponential and a compare. The first pass
//              also stores each term e^r 2^(n - N) in the output, recording
//              where the lanes' N changed; the second scales the terms by
//              2^(N - N_row) / M. The input is read once and each
//              exponential computed once. (The paper's second pass
//              recomputes exp(x - log sum) from the input instead; that form
//              remains as algorithm 3 for the benchmark and as the fallback
//              for rows whose exponents move more than kMaxEpochs times.)
//  online      Milakov & Gimelshein, "Online normalizer calculation for
//              softmax" (2018): one pass keeps the running maximum m and the
//              sum of exp(x - m), rescaled when m grows; the second pass
//              writes exp(x - m) / sum.
//
// Each algorithm keeps eight lanes of partial state (one AVX2 register) and
// merges the lanes at the end of the row. Rows are split across the thread
// pool. Outputs written once and larger than the caches (online, two-pass
// recomputing) use streaming stores. A portable scalar version of each
// serves machines without AVX2 and views whose columns are not contiguous.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "loom-c/Abi.h"

#include "../ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "VectorMath.h"

using loomrt::MemRef;

namespace {

// loom-c/Abi.h's numbering, which the compiler emits.
enum Algorithm : int32_t {
  kThreePass = LOOM_ABI_SOFTMAX_THREE_PASS,
  kTwoPass = LOOM_ABI_SOFTMAX_TWO_PASS,
  kOnline = LOOM_ABI_SOFTMAX_ONLINE,
  // Two-pass as the paper writes it: the second pass recomputes every
  // exponential from the input instead of scaling stored terms. Not offered
  // by loom-compile (it measured slower); bench/softmax_bench.cpp times it.
  kTwoPassRecompute = LOOM_ABI_SOFTMAX_TWO_PASS_RECOMPUTE,
};

// The scalar rows share the vector code's constants.
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
/// The two-pass exponent of -2^21, where the vector rows clamp their inputs
/// (and of -inf): a row whose largest exponent is no more holds nothing
/// else, up to absurd inputs, and gives NaN like a row of -inf.
constexpr float kLowestExponent = -3025551.0f;

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

/// Outputs beyond this size are written with streaming stores (larger than
/// the last-level cache of the machines measured; see docs/performance.md).
constexpr int64_t kStreamingBytes = int64_t(64) << 20;

using RowFn = void (*)(const float *, int64_t, float *, int64_t, int64_t);
constexpr RowFn kScalar[] = {threePassScalar, twoPassScalar, onlineScalar, twoPassScalar};

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

/// x clamped to [-2^21, 2^21], where the rounding trick of exponentOf holds
/// (softmax of anything larger is absurd).
LOOM_AVX2 __m256 clampInput(__m256 x) {
  return _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-2097152.0f)),
                       _mm256_set1_ps(2097152.0f));
}

/// round(x log2 e) lane by lane for a clamped x.
LOOM_AVX2 __m256 roundedExponent(__m256 clamped) {
  return _mm256_sub_ps(
      _mm256_fmadd_ps(clamped, _mm256_set1_ps(kLog2e), _mm256_set1_ps(kRoundBias)),
      _mm256_set1_ps(kRoundBias));
}

LOOM_AVX2 __m256 exponentOf(__m256 x) { return roundedExponent(clampInput(x)); }

/// e^r 2^(n - N) for x = n ln2 + r, lane by lane (0 when n - N < -126);
/// sets the lanes of `over` where n - N > 64. -inf is taken as -2^21: its
/// term vanishes unless N is kLowestExponent too, which only a row holding
/// nothing else keeps, and logSum refuses that row (NaN, as for -inf).
LOOM_AVX2 __m256 expRelative(__m256 x, __m256 expo, __m256 &over) {
  __m256 clamped = clampInput(x);
  __m256 n = roundedExponent(clamped);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), clamped);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), r);
  __m256 t = _mm256_sub_ps(n, expo);
  over = _mm256_or_ps(over, _mm256_cmp_ps(t, _mm256_set1_ps(64.0f), _CMP_GT_OQ));
  return _mm256_mul_ps(expReduced(r), pow2(t));
}

/// Raises the lanes' exponents to those of v0 and v1 where larger and
/// rescales the sums s0 and s1 to match.
LOOM_AVX2 void raiseExponents(__m256 v0, __m256 v1, __m256 &expo, __m256 &s0, __m256 &s1) {
  __m256 top = _mm256_max_ps(expo, _mm256_max_ps(exponentOf(v0), exponentOf(v1)));
  __m256 scale = pow2(_mm256_sub_ps(expo, top));
  s0 = _mm256_mul_ps(s0, scale);
  s1 = _mm256_mul_ps(s1, scale);
  expo = top;
}

/// Where the first two-pass pass changed some lane's exponent: the terms
/// stored from `begin` on are relative to `expo`.
struct Epoch {
  int64_t begin;
  __m256 expo;
};
/// Epochs one row may have before the first pass stops storing (only inputs
/// rising by more than 44 several times over get there).
constexpr int kMaxEpochs = 16;

/// What the first two-pass pass over a row (or a chunk of one) leaves for
/// the second.
struct TwoPassState {
  Epoch epochs[kMaxEpochs];
  int numEpochs = 0;
  bool stored = false; // the terms are in y; else recompute them from x
};

/// The first two-pass pass over x[0, n): the sum of exp(x) as (M, N). With
/// `store`, each term e^r 2^(n - N_lane) also goes to y and the epochs are
/// recorded, as long as there are at most kMaxEpochs of them.
__attribute__((target("avx2,fma"))) Stats twoPassFirstAvx2(const float *x, float *y, int64_t n,
                                                           bool store, TwoPassState &state) {
  __m256 expo = exponentOf(n >= 8 ? _mm256_loadu_ps(x) : loadTail(x, n, kMinusInf));
  __m256 s0 = _mm256_setzero_ps(), s1 = s0;
  bool storing = store;
  state.numEpochs = 0;
  if (storing)
    state.epochs[state.numEpochs++] = {0, expo};
  // An input beyond the headroom raises the lanes' exponents to cover v0
  // and v1 (rescaling the sums) and starts an epoch.
  auto raise = [&](int64_t at, __m256 v0, __m256 v1) LOOM_AVX2_LAMBDA {
    raiseExponents(v0, v1, expo, s0, s1);
    if (storing) {
      if (state.numEpochs == kMaxEpochs)
        storing = false;
      else
        state.epochs[state.numEpochs++] = {at, expo};
    }
  };
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
    __m256 over = _mm256_setzero_ps();
    __m256 e0 = expRelative(v0, expo, over), e1 = expRelative(v1, expo, over);
    if (__builtin_expect(_mm256_movemask_ps(over) != 0, 0)) {
      raise(i, v0, v1);
      e0 = expRelative(v0, expo, over);
      e1 = expRelative(v1, expo, over);
    }
    if (storing) {
      _mm256_storeu_ps(y + i, e0);
      _mm256_storeu_ps(y + i + 8, e1);
    }
    s0 = _mm256_add_ps(s0, e0);
    s1 = _mm256_add_ps(s1, e1);
  }
  for (; i < n; i += 8) {
    __m256 v = n - i >= 8 ? _mm256_loadu_ps(x + i) : loadTail(x + i, n - i, kMinusInf);
    __m256 over = _mm256_setzero_ps();
    __m256 e = expRelative(v, expo, over);
    if (_mm256_movemask_ps(over) != 0) {
      raise(i, v, v);
      e = expRelative(v, expo, over);
    }
    if (storing) {
      if (n - i >= 8)
        _mm256_storeu_ps(y + i, e);
      else
        storeTail(y + i, n - i, e);
    }
    s0 = _mm256_add_ps(s0, e);
  }
  state.stored = storing;
  // Merge the lanes into one (M, N).
  __m256 sum = _mm256_add_ps(s0, s1);
  float top = horizontalMax(expo);
  return {horizontalSum(_mm256_mul_ps(sum, pow2(_mm256_sub_ps(expo, _mm256_set1_ps(top))))),
          top};
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
/// large inputs (1e4) accurate. `streaming` writes around the caches (the
/// output is not read again here and is too large to stay cached).
__attribute__((target("avx2,fma"))) void expOutputAvx2(const float *x, float *y, int64_t n,
                                                       float hi, float lo, bool streaming) {
  __m256 cHi = _mm256_set1_ps(hi), cLo = _mm256_set1_ps(lo);
  auto at = [&](int64_t i, int64_t count) LOOM_AVX2_LAMBDA {
    __m256 v = count >= 8 ? _mm256_loadu_ps(x + i) : loadTail(x + i, count, kMinusInf);
    return expNonPositive(_mm256_sub_ps(_mm256_sub_ps(v, cHi), cLo));
  };
  int64_t i = 0;
  if (streaming) {
    // Streaming stores need 32-byte alignment: the first few outputs go the
    // ordinary way.
    if (int64_t head = std::min<int64_t>(n, (-reinterpret_cast<uintptr_t>(y) & 31) / 4)) {
      storeTail(y, head, at(0, head));
      i = head;
    }
    for (; i + 8 <= n; i += 8)
      _mm256_stream_ps(y + i, at(i, 8));
    _mm_sfence(); // streaming stores are weakly ordered
  } else {
    for (; i + 8 <= n; i += 8)
      _mm256_storeu_ps(y + i, at(i, 8));
  }
  if (i < n)
    storeTail(y + i, n - i, at(i, n - i));
}

/// The second two-pass pass when the terms were stored: y (e^r 2^(n - N))
/// is scaled by 2^(N - top) / M, N the lanes' exponents of each epoch and
/// (M, top) the row's sum.
__attribute__((target("avx2,fma"))) void scaleEpochsAvx2(float *y, int64_t n,
                                                         const TwoPassState &state, Stats row) {
  const Epoch *epochs = state.epochs;
  const int numEpochs = state.numEpochs;
  __m256 top = _mm256_set1_ps(row.b), inv = _mm256_set1_ps(1.0f / row.a);
  for (int k = 0; k < numEpochs; ++k) {
    int64_t begin = epochs[k].begin, end = k + 1 < numEpochs ? epochs[k + 1].begin : n;
    // 2^d with d = N - top <= 0 as 2^max(d, -126) 2^(d - max(d, -126)): a
    // lane far below the row's largest exponent can still hold outputs
    // above 2^-126 (its terms reach 2^64).
    __m256 d = _mm256_sub_ps(epochs[k].expo, top);
    __m256 dHi = _mm256_max_ps(d, _mm256_set1_ps(-126.0f));
    __m256 f = _mm256_mul_ps(pow2(dHi), inv), g = pow2(_mm256_sub_ps(d, dHi));
    bool twoFactors = _mm256_movemask_ps(_mm256_cmp_ps(d, dHi, _CMP_NEQ_OQ)) != 0;
    int64_t i = begin;
    for (; i + 8 <= end; i += 8) {
      __m256 v = _mm256_loadu_ps(y + i);
      if (twoFactors)
        v = _mm256_mul_ps(v, g);
      _mm256_storeu_ps(y + i, _mm256_mul_ps(v, f));
    }
    if (i < end)
      storeTail(y + i, end - i, _mm256_mul_ps(_mm256_mul_ps(loadTail(y + i, end - i, 0.0f), g), f));
  }
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
/// floats; false when the sum is 0 (every input -inf; for two-pass also
/// every input below -2^21).
bool logSum(int32_t algorithm, Stats s, float &hi, float &lo) {
  double c;
  if (algorithm == kTwoPass || algorithm == kTwoPassRecompute) {
    if (!(s.a > 0.0f) || s.b <= kLowestExponent)
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
/// The second two-pass pass over a row or chunk of one, given the row's sum.
void twoPassSecondAvx2(const float *x, float *y, int64_t n, Stats row, const TwoPassState &state,
                       bool streaming) {
  float hi, lo;
  if (!logSum(kTwoPass, row, hi, lo))
    return fillNaN(y, n);
  if (state.stored)
    return scaleEpochsAvx2(y, n, state, row);
  expOutputAvx2(x, y, n, hi, lo, streaming);
}

/// One contiguous row on one thread.
void rowAvx2(int32_t algorithm, const float *x, float *y, int64_t n, bool streaming) {
  if (algorithm == kThreePass) {
    float m = maxAvx2(x, n);
    if (m == kMinusInf)
      return fillNaN(y, n);
    scaleAvx2(y, n, 1.0f / expStoreSumAvx2(x, y, n, m));
    return;
  }
  if (algorithm == kTwoPass || algorithm == kTwoPassRecompute) {
    TwoPassState state;
    Stats row = twoPassFirstAvx2(x, y, n, algorithm == kTwoPass, state);
    return twoPassSecondAvx2(x, y, n, row, state, streaming);
  }
  float hi, lo;
  if (!logSum(algorithm, onlineStatsAvx2(x, n), hi, lo))
    return fillNaN(y, n);
  expOutputAvx2(x, y, n, hi, lo, streaming);
}

/// Fewest columns per chunk when a row is split across threads.
constexpr int64_t kMinChunk = 16384;


/// Rows split into `chunks` column ranges each: every pass runs over all
/// (row, chunk) pairs in parallel, and each row's chunk statistics are
/// merged between passes.
void splitRowsAvx2(int32_t algorithm, const float *x, int64_t xr, float *y, int64_t yr,
                   int64_t rows, int64_t cols, int64_t chunks, bool streaming) {
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
  if (algorithm == kOnline) {
    pass([&](int64_t task, int64_t, const float *xs, float *, int64_t n) {
      stats[size_t(task)] = n == 0 ? Stats{kMinusInf, 0.0f} : onlineStatsAvx2(xs, n);
    });
    for (int64_t r = 0; r < rows; ++r) {
      merged[size_t(r)] = stats[size_t(r * chunks)];
      for (int64_t c = 1; c < chunks; ++c)
        merged[size_t(r)] = mergeOnline(merged[size_t(r)], stats[size_t(r * chunks + c)]);
    }
    pass([&](int64_t, int64_t r, const float *xs, float *ys, int64_t n) {
      float hi, lo;
      if (!logSum(algorithm, merged[size_t(r)], hi, lo))
        return fillNaN(ys, n);
      expOutputAvx2(xs, ys, n, hi, lo, streaming);
    });
    return;
  }
  // Two-pass: each chunk stores its terms with its own epochs; the second
  // pass scales them by the row's merged sum.
  std::vector<TwoPassState> states(size_t(rows * chunks));
  pass([&](int64_t task, int64_t, const float *xs, float *ys, int64_t n) {
    stats[size_t(task)] = n == 0 ? Stats{0.0f, -1e9f}
                                 : twoPassFirstAvx2(xs, ys, n, algorithm == kTwoPass,
                                                    states[size_t(task)]);
  });
  for (int64_t r = 0; r < rows; ++r) {
    merged[size_t(r)] = stats[size_t(r * chunks)];
    for (int64_t c = 1; c < chunks; ++c)
      merged[size_t(r)] = mergeTwoPass(merged[size_t(r)], stats[size_t(r * chunks + c)]);
  }
  pass([&](int64_t task, int64_t r, const float *xs, float *ys, int64_t n) {
    twoPassSecondAvx2(xs, ys, n, merged[size_t(r)], states[size_t(task)], streaming);
  });
}
#endif

} // namespace

void loomrt::softmaxRows(MemRef<2> *in, MemRef<2> *out, int32_t algorithm, bool streaming) {
  const int64_t rows = in->sizes[0], cols = in->sizes[1];
  if (rows == 0 || cols == 0)
    return;
  if (algorithm < kThreePass || algorithm > kTwoPassRecompute)
    algorithm = kThreePass; // the lowering only emits kThreePass..kOnline
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
      return splitRowsAvx2(algorithm, x, xr, y, yr, rows, cols, chunks, streaming);
    loomrt::parallelFor(
        rows, [&](int64_t r) { rowAvx2(algorithm, x + r * xr, y + r * yr, cols, streaming); });
    return;
  }
#endif
  (void)streaming; // the portable rows store the ordinary way
  RowFn row = kScalar[algorithm];
  loomrt::parallelFor(rows, [&](int64_t r) { row(x + r * xr, xc, y + r * yr, yc, cols); });
}

extern "C" void _mlir_ciface_loomrt_softmax_f32(MemRef<2> *in, MemRef<2> *out,
                                                int32_t algorithm) {
  // Outputs larger than the caches are written around them by the
  // algorithms that write each output once (two-pass, online).
  const int64_t bytes = in->sizes[0] * in->sizes[1] * int64_t(sizeof(float));
  loomrt::softmaxRows(in, out, algorithm, bytes > kStreamingBytes);
}
