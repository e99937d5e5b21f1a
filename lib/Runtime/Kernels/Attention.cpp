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

#include <cmath>
#include <limits>
#include <vector>

using loomrt::MemRef;

namespace {

/// dot(a, b) over n elements with strides; eight partial sums so that the
/// contiguous case vectorizes.
float dot(const float *a, int64_t as, const float *b, int64_t bs, int64_t n) {
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

void attention(MemRef<4> *q, MemRef<4> *k, MemRef<4> *v, MemRef<4> *mask, MemRef<4> *out,
               float scale, bool causal) {
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
  const float minusInf = -std::numeric_limits<float>::infinity();

  // One task per (batch, head, query row).
  loomrt::parallelFor(batch * heads * qLen, [&](int64_t task) {
    int64_t b = task / (heads * qLen), h = (task / qLen) % heads, i = task % qLen;
    int64_t kvh = h / group;
    const float *qRow = qBase + b * q->strides[0] + h * q->strides[1] + i * q->strides[2];
    const float *kHead = kBase + b * k->strides[0] + kvh * k->strides[1];
    const float *vHead = vBase + b * v->strides[0] + kvh * v->strides[1];
    const float *maskRow = mask ? mask->aligned + mask->offset + b * maskStride[0] +
                                      h * maskStride[1] + i * maskStride[2]
                                : nullptr;
    // Keys after this query's position are hidden when causal.
    int64_t last = causal ? std::min(kvLen, kvLen - qLen + i + 1) : kvLen;
    thread_local std::vector<float> acc;
    acc.assign(size_t(vDim), 0.0f);
    float m = minusInf, l = 0.0f;
    for (int64_t j = 0; j < last; ++j) {
      float s = scale * dot(qRow, q->strides[3], kHead + j * k->strides[2], k->strides[3], dim);
      if (maskRow)
        s += maskRow[j * maskStride[3]];
      if (s == minusInf)
        continue; // masked out: contributes exp(-inf) = 0
      const float *vRow = vHead + j * v->strides[2];
      if (s > m) {
        float c = std::exp(m - s); // 0 when m was -inf
        l *= c;
        for (int64_t d = 0; d < vDim; ++d)
          acc[size_t(d)] *= c;
        m = s;
      }
      float p = std::exp(s - m);
      l += p;
      if (v->strides[3] == 1)
        for (int64_t d = 0; d < vDim; ++d)
          acc[size_t(d)] += p * vRow[d];
      else
        for (int64_t d = 0; d < vDim; ++d)
          acc[size_t(d)] += p * vRow[d * v->strides[3]];
    }
    // Every key masked: 0/0, NaN, as softmax of all -inf is.
    float inv = 1.0f / l;
    float *oRow = oBase + b * out->strides[0] + h * out->strides[1] + i * out->strides[2];
    for (int64_t d = 0; d < vDim; ++d)
      oRow[d * out->strides[3]] = l > 0 ? acc[size_t(d)] * inv : std::nanf("");
  });
}

} // namespace

extern "C" void _mlir_ciface_loomrt_attention_f32(MemRef<4> *q, MemRef<4> *k, MemRef<4> *v,
                                                  MemRef<4> *out, float scale, bool causal) {
  attention(q, k, v, nullptr, out, scale, causal);
}

extern "C" void _mlir_ciface_loomrt_attention_masked_f32(MemRef<4> *q, MemRef<4> *k,
                                                         MemRef<4> *v, MemRef<4> *mask,
                                                         MemRef<4> *out, float scale,
                                                         bool causal) {
  attention(q, k, v, mask, out, scale, causal);
}
