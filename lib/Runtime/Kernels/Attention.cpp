//===- Attention.cpp - fused scaled dot-product attention -----------------===//
//
// One pass over the keys and values per query row with the online softmax
// (Milakov & Gimelshein; FlashAttention's normalizer): a running maximum m,
// the sum l of exp(s - m) and the output accumulator, rescaled whenever m
// grows. The score matrix is never stored, and grouped-query / multi-query
// attention index the shared K/V head instead of repeating K and V. Views
// of any strides work, so K/V are read straight from the KV cache.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "../ThreadPool.h"
#include "CpuFeatures.h"
#include "SimdOps.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

using loomrt::MemRef;

namespace {

/// dot(a, b) over n elements with strides; eight partial sums so that the
/// contiguous case vectorizes.
__attribute__((always_inline)) inline float dot(const float *a, int64_t as, const float *b, int64_t bs, int64_t n) {
  if (as == 1 && bs == 1) {
    float part[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (int j = 0; j < 8; ++j)
        part[j] += a[i + j] * b[i + j];
    float sum = 0;
    for (; i < n; ++i)
      sum += a[i] * b[i];
    for (float p : part)
      sum += p;
    return sum;
  }
  float sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += a[i * as] * b[i * bs];
  return sum;
}

/// exp(x) for x <= 0 to float precision (Cody-Waite reduction, the
/// degree-5 minimax polynomial of SimdMath.inc's expReduced), branch-free so
/// that loops over keys vectorize; -inf gives 0.
__attribute__((always_inline)) inline float expNonPositive(float x) {
  float clamped = x < -87.0f ? -87.0f : x;
  float t = clamped * 1.44269504f;
  float n = (t + 12582912.0f) - 12582912.0f; // round to nearest
  float r = clamped - n * 0.693145751953125f - n * 1.428606765330187e-6f;
  float p = 1.0f + r * (9.999997020e-01f + r * (4.999915063e-01f + r * (1.666763574e-01f +
                r * (4.189793020e-02f + r * 8.290315047e-03f))));
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return x == -std::numeric_limits<float>::infinity() ? 0.0f : p * scale;
}

constexpr int64_t kBlock = 16; // keys scored, then weighted, together

/// acc += sum over the n keys of w[j] * v[j] (rows vRow apart, columns vCol
/// apart); the contiguous case vectorizes.
__attribute__((always_inline)) inline void addWeightedValues(float *acc, const float *w,
                                                             int64_t n, const float *v,
                                                             int64_t vRow, int64_t vCol,
                                                             int64_t vDim) {
  for (int64_t j = 0; j < n; ++j, v += vRow) {
    if (vCol == 1)
      for (int64_t d = 0; d < vDim; ++d)
        acc[d] += w[j] * v[d];
    else
      for (int64_t d = 0; d < vDim; ++d)
        acc[d] += w[j] * v[d * vCol];
  }
}

/// One query row against `keys` keys: blocks of keys are scored, the running
/// maximum is updated once per block, and the block's weights and weighted
/// values are accumulated in vectorizable loops. Leaves the online-softmax
/// state: the maximum `*mOut`, the sum of exp(s - m) `*lOut` and the
/// unnormalized output in `acc` (flash-decoding merges several such states).
/// `Capped`: apply the softcap (a template parameter, so that the uncapped
/// loop, the decode hot path, carries no test per key).
template <bool Capped>
__attribute__((always_inline)) inline void attendRow(
    const float *qRow, int64_t qStride, const float *kHead, int64_t kRow, int64_t kCol,
    const float *vHead, int64_t vRow, int64_t vCol, const float *maskRow, int64_t maskCol,
    int64_t keys, int64_t dim, int64_t vDim, float scale, float softcap, float *acc, float *mOut,
    float *lOut) {
  const float minusInf = -std::numeric_limits<float>::infinity();
  float m = minusInf, l = 0.0f;
  for (int64_t d = 0; d < vDim; ++d)
    acc[d] = 0.0f;
  float s[kBlock], p[kBlock];
  for (int64_t j0 = 0; j0 < keys; j0 += kBlock) {
    int64_t n = std::min(kBlock, keys - j0);
    float blockMax = minusInf;
    for (int64_t jj = 0; jj < n; ++jj) {
      int64_t j = j0 + jj;
      float score = scale * dot(qRow, qStride, kHead + j * kRow, kCol, dim);
      if (Capped) // Gemma 2's soft-capping, before the mask
        score = softcap * std::tanh(score / softcap);
      if (maskRow)
        score += maskRow[j * maskCol];
      s[jj] = score;
      blockMax = std::max(blockMax, score);
    }
    if (blockMax == minusInf)
      continue; // every key of the block is masked out
    if (blockMax > m) {
      float c = expNonPositive(m - blockMax); // 0 when m was -inf
      l *= c;
      for (int64_t d = 0; d < vDim; ++d)
        acc[d] *= c;
      m = blockMax;
    }
    for (int64_t jj = 0; jj < n; ++jj) {
      p[jj] = expNonPositive(s[jj] - m);
      l += p[jj];
    }
    addWeightedValues(acc, p, n, vHead + j0 * vRow, vRow, vCol, vDim);
  }
  *mOut = m;
  *lOut = l;
}

/// attendRow with the softcap test taken once per row (softcap 0: none).
__attribute__((always_inline)) inline void attendRowCapped(
    const float *qRow, int64_t qStride, const float *kHead, int64_t kRow, int64_t kCol,
    const float *vHead, int64_t vRow, int64_t vCol, const float *maskRow, int64_t maskCol,
    int64_t keys, int64_t dim, int64_t vDim, float scale, float softcap, float *acc, float *mOut,
    float *lOut) {
  if (softcap > 0.0f)
    attendRow<true>(qRow, qStride, kHead, kRow, kCol, vHead, vRow, vCol, maskRow, maskCol, keys,
                    dim, vDim, scale, softcap, acc, mOut, lOut);
  else
    attendRow<false>(qRow, qStride, kHead, kRow, kCol, vHead, vRow, vCol, maskRow, maskCol, keys,
                     dim, vDim, scale, softcap, acc, mOut, lOut);
}

using RowFn = void (*)(const float *, int64_t, const float *, int64_t, int64_t, const float *,
                       int64_t, int64_t, const float *, int64_t, int64_t, int64_t, int64_t,
                       float, float, float *, float *, float *);

void rowPortable(const float *qRow, int64_t qStride, const float *kHead, int64_t kRow,
                 int64_t kCol, const float *vHead, int64_t vRow, int64_t vCol,
                 const float *maskRow, int64_t maskCol, int64_t keys, int64_t dim,
                 int64_t vDim, float scale, float softcap, float *acc, float *mOut, float *lOut) {
  attendRowCapped(qRow, qStride, kHead, kRow, kCol, vHead, vRow, vCol, maskRow, maskCol, keys,
                  dim, vDim, scale, softcap, acc, mOut, lOut);
}


constexpr int kRows = 4; // query rows of a prefill tile

/// A tile of up to kRows query rows of one head against all their keys: each
/// block of kBlock keys is transposed once into `kt` and scored for every row
/// as a small matrix product (broadcast one query element, multiply a vector
/// of keys: no horizontal sums), then folded into each row's online softmax.
/// `keys[r]` is row r's number of visible keys (causal); rows >= `rows` are
/// padding. Scratch: dim * kBlock + kRows * dim + kRows * vDim floats.
__attribute__((always_inline)) inline void attendTile(
    const float *const *qRows, int64_t qCol, int rows, const float *kHead, int64_t kRow,
    int64_t kCol, const float *vHead, int64_t vRow, int64_t vCol, const float *const *maskRows,
    int64_t maskCol, const int64_t *keys, int64_t dim, int64_t vDim, float scale, float softcap,
    float *scratch, float *const *oRows, int64_t oCol) {
  const float minusInf = -std::numeric_limits<float>::infinity();
  float *kt = scratch, *qs = kt + dim * kBlock, *acc = qs + kRows * dim;
  int64_t maxKeys = 0;
  for (int r = 0; r < rows; ++r)
    maxKeys = std::max(maxKeys, keys[r]);
  for (int r = 0; r < kRows; ++r)
    for (int64_t d = 0; d < dim; ++d)
      qs[r * dim + d] = r < rows ? scale * qRows[r][d * qCol] : 0.0f;
  for (int64_t i = 0; i < kRows * vDim; ++i)
    acc[i] = 0.0f;
  float m[kRows], l[kRows];
  for (int r = 0; r < kRows; ++r) {
    m[r] = minusInf;
    l[r] = 0.0f;
  }
  for (int64_t j0 = 0; j0 < maxKeys; j0 += kBlock) {
    int64_t n = std::min<int64_t>(kBlock, maxKeys - j0);
    for (int64_t jj = 0; jj < kBlock; ++jj) {
      const float *key = kHead + (j0 + jj) * kRow;
      for (int64_t d = 0; d < dim; ++d)
        kt[d * kBlock + jj] = jj < n ? key[d * kCol] : 0.0f;
    }
    float s[kRows][kBlock] = {};
    for (int64_t d = 0; d < dim; ++d) {
      const float *ktRow = kt + d * kBlock;
      for (int r = 0; r < kRows; ++r) {
        float qv = qs[r * dim + d];
        for (int64_t jj = 0; jj < kBlock; ++jj)
          s[r][jj] += qv * ktRow[jj];
      }
    }
    for (int r = 0; r < rows; ++r) {
      int64_t visible = std::max<int64_t>(0, std::min<int64_t>(n, keys[r] - j0));
      float blockMax = minusInf;
      for (int64_t jj = 0; jj < kBlock; ++jj) {
        float score = s[r][jj];
        if (softcap > 0.0f)
          score = softcap * std::tanh(score / softcap);
        if (jj >= visible)
          score = minusInf;
        else if (maskRows)
          score += maskRows[r][(j0 + jj) * maskCol];
        s[r][jj] = score;
        blockMax = std::max(blockMax, score);
      }
      if (blockMax == minusInf)
        continue;
      float *a = acc + r * vDim;
      if (blockMax > m[r]) {
        float c = expNonPositive(m[r] - blockMax);
        l[r] *= c;
        for (int64_t d = 0; d < vDim; ++d)
          a[d] *= c;
        m[r] = blockMax;
      }
      float p[kBlock];
      for (int64_t jj = 0; jj < kBlock; ++jj) {
        p[jj] = expNonPositive(s[r][jj] - m[r]);
        l[r] += p[jj];
      }
      addWeightedValues(a, p, visible, vHead + j0 * vRow, vRow, vCol, vDim);
    }
  }
  for (int r = 0; r < rows; ++r) {
    float inv = 1.0f / l[r];
    for (int64_t d = 0; d < vDim; ++d)
      oRows[r][d * oCol] = l[r] > 0 ? acc[r * vDim + d] * inv : std::nanf("");
  }
}

using TileFn = void (*)(const float *const *, int64_t, int, const float *, int64_t, int64_t,
                        const float *, int64_t, int64_t, const float *const *, int64_t,
                        const int64_t *, int64_t, int64_t, float, float, float *, float *const *,
                        int64_t);

void tilePortable(const float *const *qRows, int64_t qCol, int rows, const float *kHead,
                  int64_t kRow, int64_t kCol, const float *vHead, int64_t vRow, int64_t vCol,
                  const float *const *maskRows, int64_t maskCol, const int64_t *keys,
                  int64_t dim, int64_t vDim, float scale, float softcap, float *scratch,
                  float *const *oRows, int64_t oCol) {
  attendTile(qRows, qCol, rows, kHead, kRow, kCol, vHead, vRow, vCol, maskRows, maskCol, keys,
             dim, vDim, scale, softcap, scratch, oRows, oCol);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void
tileAvx2(const float *const *qRows, int64_t qCol, int rows, const float *kHead, int64_t kRow,
         int64_t kCol, const float *vHead, int64_t vRow, int64_t vCol,
         const float *const *maskRows, int64_t maskCol, const int64_t *keys, int64_t dim,
         int64_t vDim, float scale, float softcap, float *scratch, float *const *oRows,
         int64_t oCol) {
  attendTile(qRows, qCol, rows, kHead, kRow, kCol, vHead, vRow, vCol, maskRows, maskCol, keys,
             dim, vDim, scale, softcap, scratch, oRows, oCol);
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))) void
tileAvx512(const float *const *qRows, int64_t qCol, int rows, const float *kHead, int64_t kRow,
           int64_t kCol, const float *vHead, int64_t vRow, int64_t vCol,
           const float *const *maskRows, int64_t maskCol, const int64_t *keys, int64_t dim,
           int64_t vDim, float scale, float softcap, float *scratch, float *const *oRows,
           int64_t oCol) {
  attendTile(qRows, qCol, rows, kHead, kRow, kCol, vHead, vRow, vCol, maskRows, maskCol, keys,
             dim, vDim, scale, softcap, scratch, oRows, oCol);
}
#endif

#if defined(__x86_64__)
/// Keys of one (batch, kv head) packed for the vector prefill tiles: block
/// b holds keys [16b, 16b + 16) as [dim][16], zero beyond the last key, so
/// that scoring a block is a small matrix product with contiguous loads.
/// Packed once per kv head and shared by every query tile (and, with GQA,
/// every query head) that reads it.
void packKeys(const float *kHead, int64_t kRow, int64_t kCol, int64_t keys, int64_t dim,
              int64_t block, float *packed) {
  float *out = packed + block * dim * kBlock;
  int64_t j0 = block * kBlock, n = std::min<int64_t>(kBlock, keys - j0);
  for (int64_t jj = 0; jj < kBlock; ++jj) {
    const float *key = kHead + (j0 + jj) * kRow;
    for (int64_t d = 0; d < dim; ++d)
      out[d * kBlock + jj] = jj < n ? key[d * kCol] : 0.0f;
  }
}

// The register-tiled prefill tile (AttentionVector.inc) per instruction set.
// AVX2: 6 rows x 2 score vectors and 6 x 2 output accumulators plus the
// loaded keys/values and a broadcast fill 15 of the 16 ymm registers.
LOOM_TARGET_AVX2_BEGIN
namespace vec8 {
using namespace loomrt::simd8;
using loomrt::simd8::expNonPositive; // not the scalar one above
constexpr int kTileRows = 6;
#include "AttentionVector.inc"
#include "AttentionRowVector.inc"
} // namespace vec8
LOOM_TARGET_END

// AVX-512: one score vector per row and 12 x 2 output accumulators: 27 of
// the 32 zmm registers.
LOOM_TARGET_AVX512_BEGIN
namespace vec16 {
using namespace loomrt::simd16;
using loomrt::simd16::expNonPositive; // not the scalar one above
constexpr int kTileRows = 12;
#include "AttentionVector.inc"
#include "AttentionRowVector.inc"
} // namespace vec16
LOOM_TARGET_END
#endif

#if defined(__x86_64__)
// The decode rows per instruction set, chosen at run time: the vector row
// (AttentionRowVector.inc) for the KV cache's layout and common head sizes,
// else the generic loops compiled for AVX2 and FMA (8 lanes).
__attribute__((target("avx2,fma"))) void
rowAvx2(const float *qRow, int64_t qStride, const float *kHead, int64_t kRow, int64_t kCol,
        const float *vHead, int64_t vRow, int64_t vCol, const float *maskRow, int64_t maskCol,
        int64_t keys, int64_t dim, int64_t vDim, float scale, float softcap, float *acc,
        float *mOut, float *lOut) {
  if (softcap == 0.0f && qStride == 1 && kCol == 1 && vCol == 1 && dim == vDim &&
      vec8::rowContiguousAnyDim(qRow, kHead, kRow, vHead, vRow, maskRow, maskCol, keys, dim,
                                scale, acc, mOut, lOut))
    return;
  attendRowCapped(qRow, qStride, kHead, kRow, kCol, vHead, vRow, vCol, maskRow, maskCol, keys,
                  dim, vDim, scale, softcap, acc, mOut, lOut);
}

// And for AVX-512 (16 lanes).
__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))) void
rowAvx512(const float *qRow, int64_t qStride, const float *kHead, int64_t kRow, int64_t kCol,
          const float *vHead, int64_t vRow, int64_t vCol, const float *maskRow, int64_t maskCol,
          int64_t keys, int64_t dim, int64_t vDim, float scale, float softcap, float *acc,
          float *mOut, float *lOut) {
  if (softcap == 0.0f && qStride == 1 && kCol == 1 && vCol == 1 && dim == vDim &&
      vec16::rowContiguousAnyDim(qRow, kHead, kRow, vHead, vRow, maskRow, maskCol, keys, dim,
                                 scale, acc, mOut, lOut))
    return;
  attendRowCapped(qRow, qStride, kHead, kRow, kCol, vHead, vRow, vCol, maskRow, maskCol, keys,
                  dim, vDim, scale, softcap, acc, mOut, lOut);
}
#endif

/// The rows of one prefill tile: query, mask and output row pointers, the
/// number of real rows, and each row's visible key count.
template <int R> struct TileRows {
  const float *q[R], *mask[R];
  float *out[R];
  int64_t keys[R];
  int rows;
};

/// Fewest keys per chunk when a row's keys are split across threads: below
/// this the merge and the task overhead outweigh the parallelism.
/// The decode rows' key chunk: a fixed length, so a row's arithmetic does
/// not depend on the thread count.
constexpr int64_t kChunkKeys = 256;
/// Calls with at most this many query rows take the decode rows, computing
/// each row as a one-token step does: speculative verify steps (trees of up
/// to this many nodes) then reproduce plain decoding's logits exactly.
/// Longer prefills take the faster tiles.
constexpr int64_t kRowExactQueries = 64;

/// Query rows one at a time, each row's keys in chunks of `chunkKeys` from
/// key 0 on, merged in order. A row's result depends only on its query, its
/// keys and the chunk length, never on how many rows the call has or on the
/// threads: the one-token step and a verify step (several rows) compute a
/// row alike, bit for bit, which speculative decoding's equality with plain
/// decoding needs (rounding differences turn into different tokens once
/// activations are quantized).
void decodeRows(MemRef<4> *q, MemRef<4> *k, MemRef<4> *v, MemRef<4> *mask,
                const int64_t *maskStride, MemRef<4> *out, float scale, bool causal,
                int64_t chunkKeys, float softcap) {
#if defined(__x86_64__)
  static constexpr RowFn kRow[loomrt::kNumCpuLevels] = {rowPortable, rowAvx2, rowAvx512,
                                                         rowAvx512};
#else
  static constexpr RowFn kRow[loomrt::kNumCpuLevels] = {rowPortable, rowPortable, rowPortable,
                                                         rowPortable};
#endif
  const RowFn row = kRow[int(loomrt::cpuLevel())];
  const int64_t batch = q->sizes[0], heads = q->sizes[1], qLen = q->sizes[2],
                dim = q->sizes[3];
  const int64_t kvHeads = k->sizes[1], kvLen = k->sizes[2], vDim = v->sizes[3];
  if (batch == 0 || heads == 0 || qLen == 0 || vDim == 0 || kvHeads == 0)
    return;
  const int64_t group = heads / kvHeads;
  const float *qBase = q->aligned + q->offset, *kBase = k->aligned + k->offset,
              *vBase = v->aligned + v->offset;
  float *oBase = out->aligned + out->offset;
  // Per (row, chunk): the maximum, the sum and vDim output accumulators.
  const int64_t stateSize = vDim + 2, rows = batch * heads * qLen;
  const int64_t maxChunks = std::max<int64_t>(1, (kvLen + chunkKeys - 1) / chunkKeys);
  // Keys after this query's position are hidden when causal.
  auto keysOf = [&](int64_t rowIndex) {
    int64_t i = rowIndex % qLen;
    return std::max<int64_t>(0, causal ? std::min(kvLen, kvLen - qLen + i + 1) : kvLen);
  };
  auto maskRowOf = [&](int64_t rowIndex) {
    int64_t b = rowIndex / (heads * qLen), h = (rowIndex / qLen) % heads, i = rowIndex % qLen;
    return mask->aligned + mask->offset + b * maskStride[0] + h * maskStride[1] +
           i * maskStride[2];
  };
  // Rows whose mask hides keys (-inf) before keys it shows: a speculation
  // tree's node sees the prefix and its ancestors, not its siblings. Such a
  // row attends to its visible keys as if they were contiguous (the same
  // blocks, lanes and chunks), so a node computes bit for bit what the
  // one-token step computes for the same token, where its ancestors sit
  // right behind the prefix. Empty: the keys are used where they are.
  std::vector<std::vector<int64_t>> visible(mask ? size_t(rows) : 0);
  const float minusInf = -std::numeric_limits<float>::infinity();
  for (int64_t r = 0; r < int64_t(visible.size()); ++r) {
    const float *m = maskRowOf(r);
    int64_t keys = keysOf(r), hidden = 0;
    while (hidden < keys && m[hidden * maskStride[3]] != minusInf)
      ++hidden;
    int64_t shown = hidden;
    while (shown < keys && m[shown * maskStride[3]] == minusInf)
      ++shown;
    if (shown == keys)
      continue; // the visible keys are a prefix
    for (int64_t j = 0; j < keys; ++j)
      if (m[j * maskStride[3]] != minusInf)
        visible[r].push_back(j);
  }
  auto listOf = [&](int64_t rowIndex) -> const std::vector<int64_t> * {
    return visible.empty() || visible[rowIndex].empty() ? nullptr : &visible[rowIndex];
  };
  auto countOf = [&](int64_t rowIndex) {
    const std::vector<int64_t> *list = listOf(rowIndex);
    return list ? int64_t(list->size()) : keysOf(rowIndex);
  };
  auto attendChunk = [&](int64_t rowIndex, int64_t chunk, float *state) {
    int64_t b = rowIndex / (heads * qLen), h = (rowIndex / qLen) % heads, i = rowIndex % qLen;
    int64_t kvh = h / group, keys = countOf(rowIndex);
    int64_t begin = std::min(keys, chunk * chunkKeys), end = std::min(keys, begin + chunkKeys);
    const float *qRow = qBase + b * q->strides[0] + h * q->strides[1] + i * q->strides[2];
    const float *kHeads = kBase + b * k->strides[0] + kvh * k->strides[1];
    const float *vHeads = vBase + b * v->strides[0] + kvh * v->strides[1];
    const float *maskRow = mask ? maskRowOf(rowIndex) : nullptr;
    const std::vector<int64_t> *list = listOf(rowIndex);
    if (list && end > begin && (*list)[end - 1] - (*list)[begin] != end - 1 - begin) {
      // The chunk's visible keys, values and mask entries side by side.
      thread_local std::vector<float> gathered;
      int64_t n = end - begin;
      gathered.resize(size_t(n * (dim + vDim + 1)));
      float *kRows = gathered.data(), *vRows = kRows + n * dim, *mRows = vRows + n * vDim;
      for (int64_t jj = 0; jj < n; ++jj) {
        int64_t j = (*list)[begin + jj];
        for (int64_t d = 0; d < dim; ++d)
          kRows[jj * dim + d] = kHeads[j * k->strides[2] + d * k->strides[3]];
        for (int64_t d = 0; d < vDim; ++d)
          vRows[jj * vDim + d] = vHeads[j * v->strides[2] + d * v->strides[3]];
        mRows[jj] = maskRow[j * maskStride[3]];
      }
      row(qRow, q->strides[3], kRows, dim, 1, vRows, vDim, 1, mRows, 1, n, dim, vDim, scale,
          softcap, state + 2, &state[0], &state[1]);
      return;
    }
    int64_t first = list ? (*list)[begin] : begin; // a contiguous run of keys
    row(qRow, q->strides[3], kHeads + first * k->strides[2], k->strides[2], k->strides[3],
        vHeads + first * v->strides[2], v->strides[2], v->strides[3],
        maskRow ? maskRow + first * maskStride[3] : nullptr, maskStride[3], end - begin, dim,
        vDim, scale, softcap, state + 2, &state[0], &state[1]);
  };
  // Merges a row's chunk states: M = max m_c, L = sum l_c e^(m_c - M),
  // out = sum acc_c e^(m_c - M) / L. Every key masked: 0/0, NaN, as the
  // softmax of all -inf is.
  auto mergeRow = [&](int64_t rowIndex, const float *first, int64_t chunks) {
    int64_t b = rowIndex / (heads * qLen), h = (rowIndex / qLen) % heads, i = rowIndex % qLen;
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t c = 0; c < chunks; ++c)
      m = std::max(m, first[c * stateSize]);
    float l = 0.0f;
    float *oRow = oBase + b * out->strides[0] + h * out->strides[1] + i * out->strides[2];
    const int64_t oCol = out->strides[3];
    for (int64_t d = 0; d < vDim; ++d)
      oRow[d * oCol] = 0.0f;
    for (int64_t c = 0; c < chunks; ++c) {
      const float *state = first + c * stateSize;
      if (state[1] == 0.0f)
        continue; // no visible key in this chunk
      float w = std::exp(state[0] - m);
      l += state[1] * w;
      for (int64_t d = 0; d < vDim; ++d)
        oRow[d * oCol] += state[2 + d] * w;
    }
    float inv = 1.0f / l;
    for (int64_t d = 0; d < vDim; ++d)
      oRow[d * oCol] = l > 0 ? oRow[d * oCol] * inv : std::nanf("");
  };
  auto chunksOf = [&](int64_t rowIndex) {
    return std::max<int64_t>(1, (countOf(rowIndex) + chunkKeys - 1) / chunkKeys);
  };
  if (rows >= 2 * int64_t(loomrt::numThreads()) || maxChunks == 1) {
    // Enough rows for the threads: one task per row, its chunks one after
    // another in thread-local scratch (one dispatch per call: this runs once
    // per layer per generated token).
    loomrt::parallelFor(rows, [&](int64_t rowIndex) {
      thread_local std::vector<float> state;
      int64_t chunks = chunksOf(rowIndex);
      state.resize(size_t(chunks * stateSize));
      for (int64_t c = 0; c < chunks; ++c)
        attendChunk(rowIndex, c, state.data() + c * stateSize);
      mergeRow(rowIndex, state.data(), chunks);
    });
    return;
  }
  // Few rows (flash-decoding): a task per (row, chunk), then the merges.
  std::vector<float> states(size_t(rows * maxChunks * stateSize));
  loomrt::parallelFor(rows * maxChunks, [&](int64_t task) {
    int64_t rowIndex = task / maxChunks, chunk = task % maxChunks;
    if (chunk < chunksOf(rowIndex))
      attendChunk(rowIndex, chunk, states.data() + task * stateSize);
  });
  loomrt::parallelFor(rows, [&](int64_t rowIndex) {
    mergeRow(rowIndex, states.data() + rowIndex * maxChunks * stateSize, chunksOf(rowIndex));
  });
}

void attention(MemRef<4> *q, MemRef<4> *k, MemRef<4> *v, MemRef<4> *mask, MemRef<4> *out,
               float scale, bool causal, float softcap) {
  const int64_t batch = q->sizes[0], heads = q->sizes[1], qLen = q->sizes[2],
                dim = q->sizes[3];
  const int64_t kvHeads = k->sizes[1], kvLen = k->sizes[2], vDim = v->sizes[3];
  if (batch == 0 || heads == 0 || qLen == 0 || vDim == 0 || kvHeads == 0)
    return;
  const int64_t group = heads / kvHeads;
  // A mask dimension of size 1 broadcasts: stride 0.
  int64_t maskStride[4] = {};
  if (mask)
    for (int d = 0; d < 4; ++d)
      maskStride[d] = mask->sizes[d] == 1 ? 0 : mask->strides[d];
  const float *qBase = q->aligned + q->offset, *kBase = k->aligned + k->offset,
              *vBase = v->aligned + v->offset;
  float *oBase = out->aligned + out->offset;

  // Prefill: tiles of R query rows, one task per (batch, head, tile). Each
  // tile's query, mask and output rows (a partial last tile repeats its last
  // row) and how many keys each row sees (causal: bottom-right aligned).
  auto rowsOfTile = [&](auto rowsTag, int64_t b, int64_t h, int64_t first) {
    constexpr int R = decltype(rowsTag)::value;
    TileRows<R> t;
    t.rows = int(std::min<int64_t>(R, qLen - first));
    for (int r = 0; r < R; ++r) {
      int64_t i = first + std::min(r, t.rows - 1);
      t.q[r] = qBase + b * q->strides[0] + h * q->strides[1] + i * q->strides[2];
      t.mask[r] = mask ? mask->aligned + mask->offset + b * maskStride[0] + h * maskStride[1] +
                             i * maskStride[2]
                       : nullptr;
      t.out[r] = oBase + b * out->strides[0] + h * out->strides[1] + i * out->strides[2];
      t.keys[r] = std::max<int64_t>(0, causal ? std::min(kvLen, kvLen - qLen + i + 1) : kvLen);
    }
    return t;
  };
#if defined(__x86_64__)
  // The register-tiled tiles over keys packed once per (batch, kv head):
  // AVX-512's when the value width allows, else AVX2's.
  const loomrt::CpuLevel level = loomrt::cpuLevel();
  const bool tiled512 = level >= loomrt::CpuLevel::Avx512 && vDim % vec16::kCols == 0;
  const bool tiled256 = level >= loomrt::CpuLevel::Avx2 && vDim % vec8::kCols == 0;
  const int tileRows = tiled512 ? vec16::kTileRows : vec8::kTileRows;
  if (qLen > kRowExactQueries && (tiled512 || tiled256) && v->strides[3] == 1 &&
      out->strides[3] == 1) {
    const int64_t blocks = (kvLen + kBlock - 1) / kBlock, headSize = blocks * dim * kBlock;
    std::vector<float> packed(size_t(batch * kvHeads * headSize));
    loomrt::parallelFor(batch * kvHeads * blocks, [&](int64_t task) {
      int64_t b = task / (kvHeads * blocks), kvh = (task / blocks) % kvHeads;
      packKeys(kBase + b * k->strides[0] + kvh * k->strides[1], k->strides[2], k->strides[3],
               kvLen, dim, task % blocks, packed.data() + (b * kvHeads + kvh) * headSize);
    });
    int64_t tiles = (qLen + tileRows - 1) / tileRows;
    loomrt::parallelFor(batch * heads * tiles, [&](int64_t task) {
      int64_t b = task / (heads * tiles), h = (task / tiles) % heads, t = task % tiles;
      const float *packedK = packed.data() + (b * kvHeads + h / group) * headSize;
      const float *vHead = vBase + b * v->strides[0] + (h / group) * v->strides[1];
      thread_local std::vector<float> scratch;
      scratch.resize(size_t(tileRows * (dim + vDim)));
      if (tiled512) {
        auto rows = rowsOfTile(std::integral_constant<int, vec16::kTileRows>(), b, h,
                              t * vec16::kTileRows);
        vec16::tilePacked(rows.q, q->strides[3], rows.rows, packedK, vHead, v->strides[2],
                          mask ? rows.mask : nullptr, maskStride[3], rows.keys, dim, vDim,
                          scale, softcap, scratch.data(), rows.out);
      } else {
        auto rows = rowsOfTile(std::integral_constant<int, vec8::kTileRows>(), b, h,
                              t * vec8::kTileRows);
        vec8::tilePacked(rows.q, q->strides[3], rows.rows, packedK, vHead, v->strides[2],
                         mask ? rows.mask : nullptr, maskStride[3], rows.keys, dim, vDim, scale,
                         softcap, scratch.data(), rows.out);
      }
    });
    return;
  }
#endif
  if (qLen > kRowExactQueries) {
#if defined(__x86_64__)
    static constexpr TileFn kTile[loomrt::kNumCpuLevels] = {tilePortable, tileAvx2, tileAvx512,
                                                            tileAvx512};
#else
    static constexpr TileFn kTile[loomrt::kNumCpuLevels] = {tilePortable, tilePortable,
                                                            tilePortable, tilePortable};
#endif
    const TileFn tile = kTile[int(loomrt::cpuLevel())];
    int64_t tiles = (qLen + kRows - 1) / kRows;
    loomrt::parallelFor(batch * heads * tiles, [&](int64_t task) {
      int64_t b = task / (heads * tiles), h = (task / tiles) % heads, t = task % tiles;
      int64_t kvh = h / group;
      auto rows = rowsOfTile(std::integral_constant<int, kRows>(), b, h, t * kRows);
      thread_local std::vector<float> scratch;
      scratch.resize(size_t(dim * kBlock + kRows * dim + kRows * vDim));
      tile(rows.q, q->strides[3], rows.rows, kBase + b * k->strides[0] + kvh * k->strides[1],
           k->strides[2], k->strides[3], vBase + b * v->strides[0] + kvh * v->strides[1],
           v->strides[2], v->strides[3], mask ? rows.mask : nullptr, maskStride[3], rows.keys,
           dim, vDim, scale, softcap, scratch.data(), rows.out, out->strides[3]);
    });
    return;
  }

  // Decode and verify steps (few query rows): row by row, the keys in
  // chunks of kChunkKeys (flash-decoding when the rows are too few for the
  // threads): each chunk leaves its (maximum, sum, output) state and the
  // states of a row are merged afterwards.
  decodeRows(q, k, v, mask, maskStride, out, scale, causal, kChunkKeys, softcap);
}

} // namespace

/// The decode path with the keys of each row split `splits` ways (exposed
/// for tests, which force splits that the thread count would not choose).
void loomrt::attentionDecodeSplit(MemRef<4> *q, MemRef<4> *k, MemRef<4> *v, MemRef<4> *mask,
                                  MemRef<4> *out, float scale, bool causal, int64_t splits,
                                  float softcap) {
  int64_t maskStride[4] = {};
  if (mask)
    for (int d = 0; d < 4; ++d)
      maskStride[d] = mask->sizes[d] == 1 ? 0 : mask->strides[d];
  const int64_t kvLen = k->sizes[2];
  splits = std::max<int64_t>(splits, 1);
  decodeRows(q, k, v, mask, maskStride, out, scale, causal,
             std::max<int64_t>(1, (kvLen + splits - 1) / splits), softcap);
}

extern "C" void _mlir_ciface_loomrt_attention_f32(MemRef<4> *q, MemRef<4> *k, MemRef<4> *v,
                                                  MemRef<4> *out, float scale, bool causal,
                                                  float softcap) {
  attention(q, k, v, nullptr, out, scale, causal, softcap);
}

extern "C" void _mlir_ciface_loomrt_attention_masked_f32(MemRef<4> *q, MemRef<4> *k,
                                                         MemRef<4> *v, MemRef<4> *mask,
                                                         MemRef<4> *out, float scale,
                                                         bool causal, float softcap) {
  attention(q, k, v, mask, out, scale, causal, softcap);
}
