//===- QuantizedMatmul.cpp - matmuls with 8-, 4- and 2-bit weights --------===//
//
// loom.quantized_matmul: Y = X Wᵀ with W packed as loom-c/QuantizedWeights.h
// lays it out. Decode is bound by the bytes of weights read per token, so
// the kernel reads the packed bytes once and never expands W to f32: X's
// rows are quantized to int8 per block of 32 values (a scale per block, as
// llama.cpp's Q8 activations), each block of a row of W is multiplied with
// integer instructions (AVX2's vpmaddubsw: unsigned x signed bytes into
// 16-bit pairs, then vpmaddwd into 32-bit sums — exact), and the block sums
// are scaled in f32:
//
//   y[m, n] = sum_g ws[n, g] (sum_{b in g} xs[m, b] dot(xq[m, b], u[n, b])
//                             - zero[n, g] sum_{b in g} xs[m, b] sum(xq[m, b]))
//
// where u is the stored integer (signed for 8 bits, unsigned for 4 and 2
// bits, whose zero point the second term subtracts). Every variant computes
// the integer dot products exactly; they differ only in the order of the f32
// additions.
//
// Work is split over output channels (and, for long X, over blocks of rows),
// so a thread reads its channels' bytes once per block of rows: one pass
// over the weights for a decode step.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "CpuFeatures.h"

#include "../RunErrors.h"
#include "../ThreadPool.h"

#include "loom-c/Abi.h"
#include "loom-c/QuantizedWeights.h"

#include <algorithm>
#include <cmath>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

constexpr int64_t kBlock = LOOM_QW_BLOCK;

/// X's rows as int8 blocks: q[m * kp + k], a scale and the integer sum per
/// block (for the zero-point term).
struct QuantizedRows {
  int64_t kp = 0, blocks = 0;
  std::vector<int8_t> q;
  std::vector<float> scale;
  std::vector<int32_t> sum;
};

/// Runs task(i) for i in [0, n): on the pool, or inline when one task is all
/// there is (a small matmul: waking the workers would cost more than it).
template <typename Task> void forTasks(int64_t n, const Task &task) {
  if (n == 1) {
    task(0);
    return;
  }
  loomrt::parallelFor(n, task);
}

void quantizeRows(const loomrt::MemRef<2> &a, int64_t m, int64_t k, QuantizedRows &out) {
  out.kp = loom_qw_padded_k(k);
  out.blocks = out.kp / kBlock;
  // resize, not assign: every element is written below (the buffers are
  // reused from call to call).
  out.q.resize(size_t(m * out.kp));
  out.scale.resize(size_t(m * out.blocks));
  out.sum.resize(size_t(m * out.blocks));
  const float *base = a.aligned + a.offset;
  // Rows in tasks of about 64k values.
  int64_t rowsPerTask = std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(k, 1));
  forTasks((m + rowsPerTask - 1) / rowsPerTask, [&](int64_t t) {
   for (int64_t i = t * rowsPerTask; i < std::min(m, (t + 1) * rowsPerTask); ++i) {
    const float *row = base + i * a.strides[0];
    for (int64_t b = 0; b < out.blocks; ++b) {
      float values[kBlock] = {}, absmax = 0.0f;
      for (int64_t j = 0; j < kBlock && b * kBlock + j < k; ++j) {
        values[j] = row[(b * kBlock + j) * a.strides[1]];
        absmax = std::max(absmax, std::fabs(values[j]));
      }
      float scale = absmax / 127.0f, inverse = absmax > 0.0f ? 127.0f / absmax : 0.0f;
      int8_t *q = out.q.data() + i * out.kp + b * kBlock;
      int32_t sum = 0;
      for (int64_t j = 0; j < kBlock; ++j) {
        int v = int(std::nearbyint(values[j] * inverse));
        q[j] = int8_t(std::clamp(v, -127, 127));
        sum += q[j];
      }
      out.scale[i * out.blocks + b] = scale;
      out.sum[i * out.blocks + b] = sum;
    }
   }
  });
}

/// One output: the dot product of a quantized row of X with a packed row of
/// W. `zeroTerm[g]` is sum_{b in g} xs[b] sum(xq[b]) for the row of X.
struct RowDot {
  const int8_t *xq;
  const float *xs;
  const float *zeroTerm;
  const uint8_t *w;
  const float *ws;
  const uint8_t *wz; // 4-bit zero points or null
  int64_t blocks, blocksPerGroup;
  int bits;

  int zeroOf(int64_t g) const { return bits == 8 ? 0 : bits == 4 ? (wz ? wz[g] : 8) : 1; }
};

/// The zero-point term of every group, in the same order for all variants.
float zeroPointTerms(const RowDot &d) {
  if (d.bits == 8)
    return 0.0f;
  int64_t groups = (d.blocks + d.blocksPerGroup - 1) / d.blocksPerGroup;
  float total = 0.0f;
  for (int64_t g = 0; g < groups; ++g)
    total += d.ws[g] * float(d.zeroOf(g)) * d.zeroTerm[g];
  return total;
}

float dotPortable(const RowDot &d) {
  float total = 0.0f;
  for (int64_t g0 = 0, g = 0; g0 < d.blocks; g0 += d.blocksPerGroup, ++g) {
    float group = 0.0f;
    for (int64_t b = g0; b < std::min(d.blocks, g0 + d.blocksPerGroup); ++b) {
      int32_t dot = 0;
      for (int64_t j = 0; j < kBlock; ++j)
        dot += int32_t(d.xq[b * kBlock + j]) * loom_qw_load(d.w, d.bits, b * kBlock + j);
      group += d.xs[b] * float(dot);
    }
    total += d.ws[g] * group;
  }
  return total - zeroPointTerms(d);
}

#if defined(__x86_64__)
LOOM_TARGET_AVX2_BEGIN

/// 32 stored weights of block b as bytes in index order: signed for 8 bits,
/// unsigned (0-15, 0-2) for 4 and 2 bits.
inline __m256i loadBlockAvx2(const uint8_t *w, int bits, int64_t b) {
  if (bits == 8)
    return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + b * kBlock));
  if (bits == 4) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w + b * 16));
    __m128i mask = _mm_set1_epi8(0x0F);
    __m128i lo = _mm_and_si128(bytes, mask);
    __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
    return _mm256_set_m128i(hi, lo);
  }
  int64_t packed;
  __builtin_memcpy(&packed, w + b * 8, 8);
  // 64-bit lane i holds the values 8 i .. 8 i + 7, at bits 2 i of each byte.
  __m256i lanes = _mm256_srlv_epi64(_mm256_set1_epi64x(packed), _mm256_set_epi64x(6, 4, 2, 0));
  return _mm256_and_si256(lanes, _mm256_set1_epi8(3));
}

float dotAvx2(const RowDot &d) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 total = _mm256_setzero_ps();
  for (int64_t g0 = 0, g = 0; g0 < d.blocks; g0 += d.blocksPerGroup, ++g) {
    __m256 group = _mm256_setzero_ps();
    for (int64_t b = g0; b < std::min(d.blocks, g0 + d.blocksPerGroup); ++b) {
      __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(d.xq + b * kBlock));
      __m256i w = loadBlockAvx2(d.w, d.bits, b);
      __m256i pairs;
      if (d.bits == 8)
        // vpmaddubsw multiplies unsigned by signed bytes: |x| times w with
        // x's sign (|x| <= 127, so a pair sum stays below 2^15).
        pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(w, x));
      else
        pairs = _mm256_maddubs_epi16(w, x);
      __m256i sums = _mm256_madd_epi16(pairs, ones);
      group = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_set1_ps(d.xs[b]), group);
    }
    total = _mm256_fmadd_ps(group, _mm256_set1_ps(d.ws[g]), total);
  }
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(total), _mm256_extractf128_ps(total, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  half = _mm_add_ss(half, _mm_movehdup_ps(half));
  return _mm_cvtss_f32(half) - zeroPointTerms(d);
}

LOOM_TARGET_END
#endif

using DotFn = float (*)(const RowDot &);

DotFn dotForLevel() {
#if defined(__x86_64__)
  // The AVX-512 level runs the AVX2 code: a 512-bit variant is future work.
  if (loomrt::cpuLevel() >= loomrt::CpuLevel::Avx2)
    return dotAvx2;
#endif
  return dotPortable;
}

} // namespace

void loomrt::quantizedMatmulF32(MemRef<2> *a, MemRefI8<2> *w, MemRef<2> *scales,
                                MemRefI8<2> *zeros, MemRef<2> *out, int32_t bits,
                                int64_t group) {
  int64_t m = a->sizes[0], k = a->sizes[1], n = w->sizes[0];
  bool hasZeros = zeros->sizes[0] != 0;
  // The compiler packed W for exactly this shape; anything else is a broken
  // contract, reported rather than read out of bounds.
  if ((bits != 8 && bits != 4 && bits != 2) || group <= 0 || group % kBlock != 0 ||
      w->sizes[1] != loom_qw_row_bytes(k, bits) || w->strides[1] != 1 ||
      scales->sizes[0] != n || scales->sizes[1] != loom_qw_groups(k, group) ||
      scales->strides[1] != 1 || out->sizes[0] != m || out->sizes[1] != n ||
      (hasZeros && (bits != 4 || zeros->sizes[0] != n || zeros->sizes[1] != scales->sizes[1] ||
                    zeros->strides[1] != 1))) {
    loomrt_report_error(LOOM_ABI_ERROR_SHAPE_MISMATCH);
    return;
  }
  if (m == 0 || n == 0)
    return;
  // Scratch reused across calls (a decode step makes dozens of these); the
  // tasks below run on other threads, so they must see the caller's buffers
  // through these references, never the thread_local names themselves.
  thread_local QuantizedRows scratchRows;
  thread_local std::vector<float> scratchZeroTerms;
  QuantizedRows &x = scratchRows;
  std::vector<float> &zeroTerms = scratchZeroTerms;
  quantizeRows(*a, m, k, x);
  int64_t blocksPerGroup = group / kBlock;
  int64_t groups = scales->sizes[1];
  // sum_{b in g} xs[b] sum(xq[b]) per row and group (the zero-point term).
  zeroTerms.assign(size_t(m * groups), 0.0f);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t b = 0; b < x.blocks; ++b)
      zeroTerms[i * groups + b / blocksPerGroup] +=
          x.scale[i * x.blocks + b] * float(x.sum[i * x.blocks + b]);

  DotFn dot = dotForLevel();
  const uint8_t *wBase = reinterpret_cast<const uint8_t *>(w->aligned + w->offset);
  const uint8_t *zBase =
      hasZeros ? reinterpret_cast<const uint8_t *>(zeros->aligned + zeros->offset) : nullptr;
  const float *sBase = scales->aligned + scales->offset;
  float *oBase = out->aligned + out->offset;
  // Channels per task: a run of whole rows of W of at least 32 KB (less
  // is not worth a thread's wake-up), and enough tasks to balance the
  // threads; rows of X in blocks that stay in cache beside them.
  constexpr int64_t kRowsPerTask = 16;
  int64_t rowBytes = w->sizes[1];
  int64_t rowTasks = (m + kRowsPerTask - 1) / kRowsPerTask;
  int64_t minChannels = std::max<int64_t>(8, (int64_t(32) << 10) / std::max<int64_t>(rowBytes, 1) /
                                                 std::min<int64_t>(m, kRowsPerTask));
  int64_t channelsPerTask =
      std::max<int64_t>(minChannels, n / (4 * int64_t(loomrt::numThreads())));
  int64_t channelTasks = (n + channelsPerTask - 1) / channelsPerTask;
  forTasks(channelTasks * rowTasks, [&](int64_t task) {
    int64_t c0 = (task % channelTasks) * channelsPerTask;
    int64_t r0 = (task / channelTasks) * kRowsPerTask;
    for (int64_t j = c0; j < std::min(n, c0 + channelsPerTask); ++j) {
      RowDot d;
      d.w = wBase + j * w->strides[0];
      d.ws = sBase + j * scales->strides[0];
      d.wz = zBase ? zBase + j * zeros->strides[0] : nullptr;
      d.blocks = x.blocks;
      d.blocksPerGroup = blocksPerGroup;
      d.bits = bits;
      for (int64_t i = r0; i < std::min(m, r0 + kRowsPerTask); ++i) {
        d.xq = x.q.data() + i * x.kp;
        d.xs = x.scale.data() + i * x.blocks;
        d.zeroTerm = zeroTerms.data() + i * groups;
        oBase[i * out->strides[0] + j * out->strides[1]] = dot(d);
      }
    }
  });
}

extern "C" void _mlir_ciface_loomrt_quantized_matmul_f32(loomrt::MemRef<2> *a,
                                                         loomrt::MemRefI8<2> *w,
                                                         loomrt::MemRef<2> *scales,
                                                         loomrt::MemRefI8<2> *zeros,
                                                         loomrt::MemRef<2> *out, int32_t bits,
                                                         int64_t group) {
  loomrt::quantizedMatmulF32(a, w, scales, zeros, out, bits, group);
}
