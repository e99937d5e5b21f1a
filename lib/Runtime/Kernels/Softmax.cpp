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
// Each algorithm keeps a vector register of per-lane partial state (8 lanes
// with AVX2, 16 with AVX-512: one source, SoftmaxVector.inc, compiled for
// each) and merges the lanes at the end of the row. Rows are split across
// the thread pool. Outputs written once and larger than the caches (online,
// two-pass recomputing) use streaming stores. A portable scalar version of
// each serves machines without AVX2, LOOM_CPU_FEATURES=portable and views
// whose columns are not contiguous.
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

#include "SimdOps.h"

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
/// (and of -inf): a row whose largest exponent is no more holds only such
/// inputs.
constexpr float kLowestExponent = -3025551.0f;
/// Two-pass and online write exp(x - log(sum)); their exponent reduction
/// (x = n ln2 + r, ln2 in two parts) and that difference are exact only for
/// moderate magnitudes. A row whose log-sum is beyond +-2^14 (a fully masked
/// attention row under Hugging Face's finfo.min or a -1e9 mask, inputs near
/// 1e5) is computed again by three-pass, which subtracts the row's maximum:
/// such a row is uniform or follows its differences, as in ONNX and PyTorch,
/// and only a row of -inf (or holding NaN) gives NaN.
constexpr double kLargestLogSum = 16384.0;

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
  double sum = 0.0; // float sums of 1e5 terms drift past the tests' 1e-5
  for (int64_t i = 0; i < n; ++i) {
    float e = std::exp(x[i * xs] - m);
    y[i * ys] = e;
    sum += e;
  }
  float inv = float(1.0 / sum);
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
  double mant = 0.0; // as in threePassScalar
  float expo = -1e9f;
  for (int64_t i = 0; i < len; ++i) {
    float n, e = decomposeScalar(x[i * xs], n);
    float top = std::max(expo, n);
    mant = mant * pow2NonPositive(expo - top) + e * pow2NonPositive(n - top);
    expo = top;
  }
  // The log-sum is about expo ln2 (mant >= 1): see kLargestLogSum (the
  // clamp at -1e9 is beyond it too).
  if (!(std::fabs(double(expo)) * 0.69314718055994530942 < kLargestLogSum))
    return threePassScalar(x, xs, y, ys, len);
  float inv = float(1.0 / mant);
  for (int64_t i = 0; i < len; ++i) {
    float n, e = decomposeScalar(x[i * xs], n);
    y[i * ys] = e * pow2NonPositive(n - expo) * inv;
  }
}

void onlineScalar(const float *x, int64_t xs, float *y, int64_t ys, int64_t n) {
  float m = kMinusInf;
  double sum = 0.0; // as in threePassScalar
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i * xs];
    if (v > m) {
      sum = sum * std::exp(double(m) - v) + 1.0; // exp(-inf) = 0 on the first element
      m = v;
    } else if (v != kMinusInf) {
      sum += std::exp(v - m);
    }
  }
  float inv = float(1.0 / sum);
  for (int64_t i = 0; i < n; ++i)
    y[i * ys] = std::exp(x[i * xs] - m) * inv;
}

/// Outputs beyond this size are written with streaming stores (larger than
/// the last-level cache of the machines measured; see docs/performance.md).
constexpr int64_t kStreamingBytes = int64_t(64) << 20;

using RowFn = void (*)(const float *, int64_t, float *, int64_t, int64_t);
constexpr RowFn kScalar[] = {threePassScalar, twoPassScalar, onlineScalar, twoPassScalar};

/// Pass statistics: three-pass (maximum, sum), two-pass (mantissa M,
/// exponent N: the sum is M 2^N), online (maximum m, sum of exp(x - m)).
struct Stats {
  float a, b;
};

/// Epochs one row may have before the first two-pass pass stops storing
/// (only inputs rising by more than 44 several times over get there).
constexpr int kMaxEpochs = 16;

/// Fewest columns per chunk when a row is split across threads.
constexpr int64_t kMinChunk = 16384;

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
/// every input below -2^21) or the log-sum is beyond kLargestLogSum: the
/// caller computes that row by three-pass.
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
  if (!(std::fabs(c) < kLargestLogSum))
    return false;
  hi = float(c);
  lo = float(c - double(hi));
  return true;
}

void fillNaN(float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = std::nanf("");
}

//===----------------------------------------------------------------------===//
// Vector rows (contiguous columns): SoftmaxVector.inc once per instruction
// set. Each algorithm is built from passes over a range of a row, so that a
// row can be processed by one thread or, when there are fewer rows than
// threads, split into chunks whose statistics are merged between passes.
//===----------------------------------------------------------------------===//

#if defined(__x86_64__)
LOOM_TARGET_AVX2_BEGIN
namespace vec8 {
using namespace loomrt::simd8;
#include "SoftmaxVector.inc"
} // namespace vec8
LOOM_TARGET_END

LOOM_TARGET_AVX512_BEGIN
namespace vec16 {
using namespace loomrt::simd16;
#include "SoftmaxVector.inc"
} // namespace vec16
LOOM_TARGET_END
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
  if (xc == 1 && yc == 1) {
    switch (loomrt::cpuLevel()) {
    case loomrt::CpuLevel::Avx512:
    case loomrt::CpuLevel::Avx512Vnni:
      return vec16::contiguousRows(algorithm, x, xr, y, yr, rows, cols, streaming);
    case loomrt::CpuLevel::Avx2:
      return vec8::contiguousRows(algorithm, x, xr, y, yr, rows, cols, streaming);
    case loomrt::CpuLevel::Portable:
      break;
    }
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
