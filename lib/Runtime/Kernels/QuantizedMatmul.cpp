//===- QuantizedMatmul.cpp - matmuls with 8-, 4- and 2-bit weights --------===//
//
// loom.quantized_matmul: Y = X Wᵀ with W packed as loom-c/QuantizedWeights.h
// lays it out. Decode is bound by the bytes of weights read per token, so
// the kernel reads the packed bytes once and never expands W to f32: X's
// rows are quantized to int8 per block of 32 values (a scale per block, as
// llama.cpp's Q8 activations), each block of a row of W is multiplied with
// integer instructions (AVX2's vpmaddubsw: unsigned x signed bytes into
// 16-bit pairs, then vpmaddwd into 32-bit sums — exact; AVX-512 the same on
// 64 bytes, VNNI's vpdpbusd both in one, QuantizedMatmul512.inc), and the
// block sums are scaled in f32:
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
/// How far ahead the channel tiles prefetch W's bytes (quantizedMatmulF32).
constexpr int64_t kPrefetchBytes = 4096;

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

/// A run of outputs: one quantized row of X against channels [j0, j1) of W.
/// `zeroTerm[g]` is sum_{b in g} xs[b] sum(xq[b]) for the row of X.
struct Channels {
  const int8_t *xq;
  const float *xs;
  const float *zeroTerm;
  const uint8_t *w;  // channel j's bytes at w + j * wStride
  const float *ws;   // its scales at ws + j * sStride
  const uint8_t *wz; // its 4-bit zero points at wz + j * zStride, or null
  int64_t wStride, sStride, zStride;
  int64_t blocks, blocksPerGroup, groups;
  int bits;
  float *out; // output j at out[j * outStride]
  int64_t outStride;
  /// How far ahead of the bytes a tile reads now it asks for W's bytes
  /// (see kPrefetchBytes); 0: not at all.
  int64_t prefetchAhead = 0;

  /// Asks for the line `prefetchAhead` bytes after w + offset, once per
  /// 64-byte line of a channel's bytes (offsets that start a line).
  void prefetch(const uint8_t *w, int64_t offset) const {
#if defined(__x86_64__)
    if (prefetchAhead && offset % 64 == 0)
      _mm_prefetch(reinterpret_cast<const char *>(w + prefetchAhead + offset), _MM_HINT_T0);
#endif
  }

  int zeroOf(int64_t j, int64_t g) const {
    return bits == 8 ? 0 : bits == 4 ? (wz ? wz[j * zStride + g] : 8) : 1;
  }
  /// The zero-point term of channel j, in the same order for all variants.
  float zeroPointTerm(int64_t j) const {
    if (bits == 8)
      return 0.0f;
    float total = 0.0f;
    for (int64_t g = 0; g < groups; ++g)
      total += ws[j * sStride + g] * float(zeroOf(j, g)) * zeroTerm[g];
    return total;
  }
};

void channelsPortable(const Channels &c, int64_t j0, int64_t j1) {
  for (int64_t j = j0; j < j1; ++j) {
    const uint8_t *w = c.w + j * c.wStride;
    float total = 0.0f;
    for (int64_t g0 = 0, g = 0; g0 < c.blocks; g0 += c.blocksPerGroup, ++g) {
      float group = 0.0f;
      for (int64_t b = g0; b < std::min(c.blocks, g0 + c.blocksPerGroup); ++b) {
        int32_t dot = 0;
        for (int64_t t = 0; t < kBlock; ++t)
          dot += int32_t(c.xq[b * kBlock + t]) * loom_qw_load(w, c.bits, b * kBlock + t);
        group += c.xs[b] * float(dot);
      }
      total += c.ws[j * c.sStride + g] * group;
    }
    c.out[j * c.outStride] = total - c.zeroPointTerm(j);
  }
}

#if defined(__x86_64__)
LOOM_TARGET_AVX2_BEGIN

/// 32 stored weights of block b as bytes in index order: signed for 8 bits,
/// unsigned (0-15, 0-2) for 4 and 2 bits.
template <int Bits> inline __m256i loadBlockAvx2(const uint8_t *w, int64_t b) {
  if constexpr (Bits == 8) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + b * kBlock));
  } else if constexpr (Bits == 4) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w + b * 16));
    __m128i mask = _mm_set1_epi8(0x0F);
    __m128i lo = _mm_and_si128(bytes, mask);
    __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
    return _mm256_set_m128i(hi, lo);
  } else {
    int64_t packed;
    __builtin_memcpy(&packed, w + b * 8, 8);
    // 64-bit lane i holds the values 8 i .. 8 i + 7, at bits 2 i of each byte.
    __m256i lanes =
        _mm256_srlv_epi64(_mm256_set1_epi64x(packed), _mm256_set_epi64x(6, 4, 2, 0));
    return _mm256_and_si256(lanes, _mm256_set1_epi8(3));
  }
}

inline float horizontalSum(__m256 v) {
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  half = _mm_add_ss(half, _mm_movehdup_ps(half));
  return _mm_cvtss_f32(half);
}

/// Channels::zeroPointTerm eight groups at a time: with groups of 32 it is
/// as long as the dot product itself, so it must not be a scalar loop.
inline float zeroPointTermAvx2(const Channels &c, int64_t j) {
  if (c.bits == 8)
    return 0.0f;
  const float *ws = c.ws + j * c.sStride;
  const uint8_t *wz = c.wz ? c.wz + j * c.zStride : nullptr;
  __m256 acc = _mm256_setzero_ps();
  int64_t g = 0;
  for (; g + 8 <= c.groups; g += 8) {
    __m256 term = _mm256_mul_ps(_mm256_loadu_ps(ws + g), _mm256_loadu_ps(c.zeroTerm + g));
    if (wz) {
      int64_t bytes;
      __builtin_memcpy(&bytes, wz + g, 8);
      __m256 zero = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(bytes)));
      acc = _mm256_fmadd_ps(term, zero, acc);
    } else {
      acc = _mm256_add_ps(acc, term);
    }
  }
  float total = horizontalSum(acc);
  if (!wz)
    total *= float(c.zeroOf(j, 0));
  for (; g < c.groups; ++g)
    total += ws[g] * float(c.zeroOf(j, g)) * c.zeroTerm[g];
  return total;
}

/// R channels at once: each block of X is loaded (and for 8 bits its
/// magnitude taken) once for all R, and the R accumulator chains are
/// independent, which keeps the FMA and integer units busy.
template <int Bits, int R> inline void channelsTileAvx2(const Channels &c, int64_t j) {
  const __m256i ones = _mm256_set1_epi16(1);
  const uint8_t *w[R];
  __m256 total[R], group[R];
  for (int r = 0; r < R; ++r) {
    w[r] = c.w + (j + r) * c.wStride;
    total[r] = _mm256_setzero_ps();
    group[r] = _mm256_setzero_ps();
  }
  for (int64_t g0 = 0, g = 0; g0 < c.blocks; g0 += c.blocksPerGroup, ++g) {
    int64_t g1 = std::min(c.blocks, g0 + c.blocksPerGroup);
    for (int64_t b = g0; b < g1; ++b) {
      __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(c.xq + b * kBlock));
      __m256 xs = _mm256_set1_ps(c.xs[b]);
      // vpmaddubsw multiplies unsigned by signed bytes: for 8 bits |x|
      // times w with x's sign (|x| <= 127, so a pair sum stays below 2^15),
      // for 4 and 2 bits the unsigned weights times x.
      __m256i ax = Bits == 8 ? _mm256_sign_epi8(x, x) : x;
      for (int r = 0; r < R; ++r) {
        c.prefetch(w[r], b * Bits * 4);
        __m256i wb = loadBlockAvx2<Bits>(w[r], b);
        __m256i pairs = Bits == 8 ? _mm256_maddubs_epi16(ax, _mm256_sign_epi8(wb, x))
                                  : _mm256_maddubs_epi16(wb, x);
        __m256i sums = _mm256_madd_epi16(pairs, ones);
        group[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), xs, group[r]);
      }
    }
    for (int r = 0; r < R; ++r) {
      total[r] = _mm256_fmadd_ps(group[r], _mm256_set1_ps(c.ws[(j + r) * c.sStride + g]),
                                 total[r]);
      group[r] = _mm256_setzero_ps();
    }
  }
  for (int r = 0; r < R; ++r)
    c.out[(j + r) * c.outStride] = horizontalSum(total[r]) - zeroPointTermAvx2(c, j + r);
}

/// 4 bits, R channels, two blocks per step: 32 packed bytes hold blocks b
/// and b + 1, whose low nibbles are [b: 0-15 | b+1: 0-15] and high nibbles
/// [b: 16-31 | b+1: 16-31]; X's two blocks are regrouped the same way once
/// for all R channels. Per 64 weights of a channel that is one load, three
/// bit operations, two vpmaddubsw, one add, one vpmaddwd, one convert and
/// one FMA (the one-block loop above needs about twice that).
template <int R, bool BlockScales>
inline void channelsTile4BitPairsAvx2(const Channels &c, int64_t j) {
  const __m256i ones = _mm256_set1_epi16(1), mask = _mm256_set1_epi8(0x0F);
  // Two adjacent floats (block b's and b + 1's) spread over the two halves.
  const __m256i spread = _mm256_set_epi32(1, 1, 1, 1, 0, 0, 0, 0);
  auto twoScales = [&](const float *at) {
    __m128 pair = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double *>(at)));
    return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(pair), spread);
  };
  const uint8_t *w[R];
  const float *ws[R];
  __m256 total[R];
  for (int r = 0; r < R; ++r) {
    w[r] = c.w + (j + r) * c.wStride;
    ws[r] = c.ws + (j + r) * c.sStride;
    total[r] = _mm256_setzero_ps();
  }
  // One accumulator per channel, the scales applied per pair (x's and the
  // group's; with BlockScales, groups of one block, each half its own):
  // fewer live registers than a per-group partial sum, so nothing spills.
  int64_t group = 0, pairsLeft = BlockScales ? 1 : c.blocksPerGroup / 2;
  const int64_t pairs = c.blocks / 2;
  for (int64_t p = 0; p < pairs; ++p) {
    int64_t b = 2 * p;
    __m256i xa = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(c.xq + b * kBlock));
    __m256i xb = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(c.xq + (b + 1) * kBlock));
    __m256i xlo = _mm256_permute2x128_si256(xa, xb, 0x20);
    __m256i xhi = _mm256_permute2x128_si256(xa, xb, 0x31);
    __m256 xs = twoScales(c.xs + b);
    for (int r = 0; r < R; ++r) {
      c.prefetch(w[r], b * 16);
      __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w[r] + b * 16));
      __m256i lo = _mm256_and_si256(bytes, mask);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), mask);
      // Each 16-bit pair is at most 2 * 15 * 127; two of them fit.
      __m256i pairs16 = _mm256_add_epi16(_mm256_maddubs_epi16(lo, xlo),
                                         _mm256_maddubs_epi16(hi, xhi));
      __m256 sums = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs16, ones));
      __m256 scale = BlockScales ? _mm256_mul_ps(xs, twoScales(ws[r] + b))
                                 : _mm256_mul_ps(xs, _mm256_broadcast_ss(ws[r] + group));
      total[r] = _mm256_fmadd_ps(sums, scale, total[r]);
    }
    if (!BlockScales && --pairsLeft == 0) {
      ++group;
      pairsLeft = c.blocksPerGroup / 2;
    }
  }
  for (int r = 0; r < R; ++r) {
    // An odd last block (K's padding makes any count possible): on its own.
    if (c.blocks % 2) {
      int64_t b = c.blocks - 1;
      __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(c.xq + b * kBlock));
      __m256i sums = _mm256_madd_epi16(_mm256_maddubs_epi16(loadBlockAvx2<4>(w[r], b), x), ones);
      total[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums),
                                 _mm256_set1_ps(c.xs[b] * ws[r][b / c.blocksPerGroup]), total[r]);
    }
    c.out[(j + r) * c.outStride] = horizontalSum(total[r]) - zeroPointTermAvx2(c, j + r);
  }
}

template <int Bits> void channelsAvx2Bits(const Channels &c, int64_t j0, int64_t j1) {
  int64_t j = j0;
  if constexpr (Bits == 4) {
    // Pairs of blocks need groups of one block or an even number of them.
    if (c.blocksPerGroup == 1) {
      for (; j + 4 <= j1; j += 4)
        channelsTile4BitPairsAvx2<4, true>(c, j);
      for (; j < j1; ++j)
        channelsTile4BitPairsAvx2<1, true>(c, j);
      return;
    }
    if (c.blocksPerGroup % 2 == 0) {
      for (; j + 4 <= j1; j += 4)
        channelsTile4BitPairsAvx2<4, false>(c, j);
      for (; j < j1; ++j)
        channelsTile4BitPairsAvx2<1, false>(c, j);
      return;
    }
  }
  for (; j + 4 <= j1; j += 4)
    channelsTileAvx2<Bits, 4>(c, j);
  for (; j < j1; ++j)
    channelsTileAvx2<Bits, 1>(c, j);
}

void channelsAvx2(const Channels &c, int64_t j0, int64_t j1) {
  if (c.bits == 8)
    channelsAvx2Bits<8>(c, j0, j1);
  else if (c.bits == 4)
    channelsAvx2Bits<4>(c, j0, j1);
  else
    channelsAvx2Bits<2>(c, j0, j1);
}

LOOM_TARGET_END

namespace avx512 {
LOOM_TARGET_AVX512_BEGIN
#define LOOM_QM_VNNI 0
#include "QuantizedMatmul512.inc"
#undef LOOM_QM_VNNI
LOOM_TARGET_END
} // namespace avx512

namespace avx512vnni {
LOOM_TARGET_AVX512VNNI_BEGIN
#define LOOM_QM_VNNI 1
#include "QuantizedMatmul512.inc"
#undef LOOM_QM_VNNI
LOOM_TARGET_END
} // namespace avx512vnni
#endif

using ChannelsFn = void (*)(const Channels &, int64_t, int64_t);

ChannelsFn channelsForLevel() {
#if defined(__x86_64__)
  switch (loomrt::cpuLevel()) {
  case loomrt::CpuLevel::Avx512Vnni:
    return avx512vnni::channels512;
  case loomrt::CpuLevel::Avx512:
    return avx512::channels512;
  case loomrt::CpuLevel::Avx2:
    return channelsAvx2;
  case loomrt::CpuLevel::Portable:
    break;
  }
#endif
  return channelsPortable;
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
    loomrt::recordRunError(LOOM_ABI_ERROR_SHAPE_MISMATCH, -1);
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

  ChannelsFn run = channelsForLevel();
  // The tiles read four channels' bytes side by side, rows of a few
  // hundred bytes to a few KiB: the hardware prefetchers, which follow a
  // stream within a page, restart at every tile, and the kernel waited on
  // its loads (perf: the instructions after them). It asks for the bytes
  // about kPrefetchBytes ahead itself, whole channels (at least a tile's
  // four) later: decode of the 0.5 GB LLaMA on a 2-vCPU Zen 5, int4
  // 225 -> 301 tokens/s, int8 166 -> 274, ternary 288 -> 377 (1, 2 and
  // 8 KiB ahead measured slower than 4).
  int64_t rowBytesStride = std::max<int64_t>(1, w->strides[0]);
  int64_t prefetchAhead = std::max<int64_t>(4, kPrefetchBytes / rowBytesStride) * rowBytesStride;
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
    Channels c;
    c.w = wBase;
    c.wStride = w->strides[0];
    c.ws = sBase;
    c.sStride = scales->strides[0];
    c.wz = zBase;
    c.zStride = zBase ? zeros->strides[0] : 0;
    c.blocks = x.blocks;
    c.blocksPerGroup = blocksPerGroup;
    c.groups = groups;
    c.bits = bits;
    c.outStride = out->strides[1];
    c.prefetchAhead = prefetchAhead;
    // Channels in runs of 64 (their bytes stay in L1/L2 across the rows).
    int64_t c1 = std::min(n, c0 + channelsPerTask);
    for (int64_t j0 = c0; j0 < c1; j0 += 64) {
      for (int64_t i = r0; i < std::min(m, r0 + kRowsPerTask); ++i) {
        c.xq = x.q.data() + i * x.kp;
        c.xs = x.scale.data() + i * x.blocks;
        c.zeroTerm = zeroTerms.data() + i * groups;
        c.out = oBase + i * out->strides[0];
        run(c, j0, std::min(c1, j0 + 64));
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
