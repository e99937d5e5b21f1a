//===- AttentionTest.cpp - loomrt's fused attention kernel ----------------===//
//
// The one-pass online-softmax kernel against a naive reference in double
// (scores, softmax, weighted sum), for decode rows and prefill tiles,
// multi-head, grouped-query and multi-query heads, additive masks with -inf,
// causal masking, soft-capped scores and K/V read through strided views (as
// from the KV cache); each with every kernel variant the host supports
// (portable, AVX2, AVX-512; the others are reported as skipped).
//
//===----------------------------------------------------------------------===//

#include "CpuLevels.h"
#include "Kernels/Kernels.h"
#include "loom-c/Runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

using loomrt::MemRef;

namespace {

struct Tensor4 {
  std::vector<float> data;
  MemRef<4> ref;
  // Dense [a, b, c, d] inside a buffer whose third axis has room for `cap`
  // rows (cap >= c): a view like the KV cache's.
  Tensor4(int64_t a, int64_t b, int64_t c, int64_t d, std::mt19937 &gen, int64_t cap = 0) {
    cap = std::max(cap, c);
    data.resize(size_t(a * b * cap * d));
    std::normal_distribution<float> normal;
    for (float &x : data)
      x = normal(gen);
    ref = {data.data(), data.data(), 0, {a, b, c, d}, {b * cap * d, cap * d, d, 1}};
  }
  float at(int64_t i, int64_t j, int64_t k, int64_t l) const {
    return ref.aligned[ref.offset + i * ref.strides[0] + j * ref.strides[1] +
                       k * ref.strides[2] + l * ref.strides[3]];
  }
};

/// `splits` > 0 forces the decode path with each row's keys split that many
/// ways (flash-decoding); 0 lets the kernel choose. `softcap` > 0 caps the
/// scaled scores (softcap tanh(s / softcap), before the mask).
void check(int64_t batch, int64_t heads, int64_t kvHeads, int64_t qLen, int64_t kvLen,
           int64_t dim, bool withMask, bool causal, int64_t cacheRows, int64_t splits = 0,
           int64_t maskedFrom = 0, int64_t maskedTo = 0, float softcap = 0.0f) {
  std::mt19937 gen(1234);
  Tensor4 q(batch, heads, qLen, dim, gen), k(batch, kvHeads, kvLen, dim, gen, cacheRows),
      v(batch, kvHeads, kvLen, dim, gen, cacheRows), mask(1, 1, qLen, kvLen, gen);
  // Block a few keys outright.
  for (int64_t i = 0; i < qLen; ++i)
    mask.data[size_t(i * kvLen + (i % kvLen))] = -std::numeric_limits<float>::infinity();
  // And a whole range of keys (a chunk of the split with nothing visible).
  for (int64_t i = 0; i < qLen; ++i)
    for (int64_t j = maskedFrom; j < maskedTo; ++j)
      mask.data[size_t(i * kvLen + j)] = -std::numeric_limits<float>::infinity();
  std::vector<float> out(size_t(batch * heads * qLen * dim), -1.0f);
  MemRef<4> o = {out.data(), out.data(), 0, {batch, heads, qLen, dim},
                 {heads * qLen * dim, qLen * dim, dim, 1}};
  // With a cap, large scores make the cap matter (scale 1 on unit normals).
  float scale = softcap > 0.0f ? 1.0f : 1.0f / std::sqrt(float(dim));
  if (splits > 0)
    loomrt::attentionDecodeSplit(&q.ref, &k.ref, &v.ref, withMask ? &mask.ref : nullptr, &o,
                                 scale, causal, splits, softcap);
  else if (withMask)
    _mlir_ciface_loomrt_attention_masked_f32(&q.ref, &k.ref, &v.ref, &mask.ref, &o, scale,
                                             causal, softcap);
  else
    _mlir_ciface_loomrt_attention_f32(&q.ref, &k.ref, &v.ref, &o, scale, causal, softcap);

  int64_t group = heads / kvHeads;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < qLen; ++i) {
        std::vector<double> s(static_cast<size_t>(kvLen), 0.0);
        double top = -INFINITY;
        for (int64_t j = 0; j < kvLen; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < dim; ++d)
            dot += double(q.at(b, h, i, d)) * k.at(b, h / group, j, d);
          double scaled = dot * scale;
          if (softcap > 0.0f)
            scaled = softcap * std::tanh(scaled / softcap);
          s[size_t(j)] = scaled + (withMask ? mask.at(0, 0, i, j) : 0.0);
          if (causal && j > kvLen - qLen + i)
            s[size_t(j)] = -INFINITY;
          top = std::max(top, s[size_t(j)]);
        }
        double sum = 0;
        for (double &x : s)
          sum += x = std::exp(x - top);
        for (int64_t d = 0; d < dim; ++d) {
          double expected = 0;
          for (int64_t j = 0; j < kvLen; ++j)
            expected += s[size_t(j)] / sum * v.at(b, h / group, j, d);
          float got = out[size_t(((b * heads + h) * qLen + i) * dim + d)];
          ASSERT_NEAR(got, expected, 2e-5 + 2e-5 * std::fabs(expected))
              << "b " << b << " h " << h << " i " << i << " d " << d;
        }
      }
}

/// Every test with every kernel variant the host supports.
class AttentionKernel : public loomtest::CpuLevelTest<loomrt::CpuLevel> {};

INSTANTIATE_TEST_SUITE_P(Variants, AttentionKernel, loomtest::kAllCpuLevels,
                         [](const ::testing::TestParamInfo<loomrt::CpuLevel> &info) {
                           return std::string(loomrt::cpuLevelName(info.param));
                         });

TEST_P(AttentionKernel, MultiHead) { check(2, 4, 4, 5, 7, 16, false, false, 0); }
TEST_P(AttentionKernel, GroupedQueryWithMask) { check(1, 8, 2, 3, 33, 64, true, false, 0); }
TEST_P(AttentionKernel, MultiQueryCausalPrefill) { check(1, 4, 1, 69, 69, 8, false, true, 0); }
TEST_P(AttentionKernel, DecodeRowFromACacheView) { check(1, 16, 4, 1, 100, 64, true, true, 512); }
// Calls of more than 64 query rows (prefills) take tiles. Tiles of 4 query
// rows (the last one partial), grouped heads, a mask, causal, K/V in a
// cache view.
TEST_P(AttentionKernel, PrefillTilesFromACacheView) { check(2, 8, 2, 70, 100, 64, true, true, 128); }
TEST_P(AttentionKernel, PrefillTilesOddSizes) { check(1, 3, 1, 67, 29, 5, false, false, 0); }
// The register-tiled paths (head_dim a multiple of 16 for AVX2's 6-row
// tiles, of 32 for AVX-512's 12-row ones; 16 under AVX-512 takes AVX2's):
// packed key blocks with a partial last one, rows of a partial last tile, a
// whole masked-out block of keys, causal rows that see different block
// counts.
TEST_P(AttentionKernel, PrefillPackedKeysLongCausal) {
  check(1, 4, 2, 77, 300, 32, true, true, 0, 0, 64, 80);
}
// Whole 12-row tiles of AVX-512 and vDim 96 (three 32-column steps).
TEST_P(AttentionKernel, PrefillPackedWholeTiles) { check(1, 2, 2, 72, 50, 96, true, false, 0); }
TEST_P(AttentionKernel, PrefillPackedKeysNoMask) { check(2, 2, 1, 68, 20, 16, false, false, 0); }

// Flash-decoding: a row's keys in chunks whose (max, sum, output) states
// are merged. Uneven chunks, more chunks than keys (empty ones), two causal
// decode rows with different key counts, a chunk whose keys are all masked.
TEST_P(AttentionKernel, DecodeKeysSplitInChunks) { check(1, 2, 1, 1, 1000, 64, true, true, 1024, 3); }
TEST_P(AttentionKernel, DecodeMoreChunksThanKeys) { check(1, 2, 2, 1, 5, 8, false, false, 0, 7); }
TEST_P(AttentionKernel, DecodeCausalRowsSplit) { check(2, 4, 2, 2, 300, 16, true, true, 512, 4); }
TEST_P(AttentionKernel, DecodeChunkEntirelyMasked) {
  check(1, 1, 1, 1, 400, 32, true, false, 0, 4, 100, 200);
}
// The vector decode row (contiguous K/V rows, head sizes 8-256): sizes of
// one partial vector (8 under AVX-512), several with a partial last one
// (96 under AVX-512: 6 x 16; under AVX2: 12 x 8), long heads; key counts
// off the 16-key blocks; a mask; grouped heads.
TEST_P(AttentionKernel, DecodeRowVectorHeads96) { check(1, 4, 2, 3, 45, 96, true, true, 64); }
TEST_P(AttentionKernel, DecodeRowVectorHeads128) { check(2, 2, 1, 2, 37, 128, true, false, 0); }
TEST_P(AttentionKernel, DecodeRowVectorHeads256) { check(1, 2, 2, 1, 70, 256, false, true, 80); }
TEST_P(AttentionKernel, DecodeRowVectorHeads8Masked) { check(1, 8, 4, 4, 23, 8, true, true, 40); }
// One row over many keys: the kernel splits it by itself (1 row < threads).
TEST_P(AttentionKernel, DecodeSingleRowSplitsByItself) { check(1, 1, 1, 1, 2000, 32, true, false, 0); }

// Soft-capped scores (Gemma 2): the packed AVX2 prefill tile, the generic
// tile, a masked causal decode row, a split decode.
TEST_P(AttentionKernel, SoftcapPrefill) { check(1, 4, 2, 77, 100, 32, true, true, 0, 0, 0, 0, 5.0f); }
TEST_P(AttentionKernel, SoftcapPrefillSmallTile) { check(2, 2, 1, 65, 9, 8, false, false, 0, 0, 0, 0, 2.0f); }
TEST_P(AttentionKernel, SoftcapDecode) { check(1, 8, 2, 1, 100, 64, true, true, 256, 0, 0, 0, 3.0f); }
TEST_P(AttentionKernel, SoftcapDecodeSplit) {
  check(1, 2, 1, 1, 1000, 16, true, false, 0, 3, 0, 0, 4.0f);
}

// A row's result depends on its query and keys only: each row of a causal
// call with 9 query rows (a verify step's shape) equals, bit for bit, a
// one-row call over the keys that row sees (the one-token step's shape),
// with one thread and with four. Speculative decoding's tokens equal plain
// decoding's only so (after int8 activation quantization a rounding
// difference changes tokens).
TEST_P(AttentionKernel, RowsExactAcrossCallShapesAndThreads) {
  const int64_t heads = 4, kvHeads = 2, qLen = 9, kvLen = 600, dim = 32;
  std::mt19937 gen(99);
  Tensor4 q(1, heads, qLen, dim, gen), k(1, kvHeads, kvLen, dim, gen, 1024),
      v(1, kvHeads, kvLen, dim, gen, 1024);
  auto run = [&](int threads, int64_t firstRow, int64_t rows, int64_t keys) {
    EXPECT_EQ(loom_set_num_threads(threads), LOOM_OK);
    MemRef<4> qv = q.ref, kv = k.ref, vv = v.ref;
    qv.offset = firstRow * qv.strides[2];
    qv.sizes[2] = rows;
    kv.sizes[2] = vv.sizes[2] = keys;
    std::vector<float> out(size_t(heads * rows * dim));
    MemRef<4> o = {out.data(), out.data(), 0, {1, heads, rows, dim},
                   {heads * rows * dim, rows * dim, dim, 1}};
    _mlir_ciface_loomrt_attention_f32(&qv, &kv, &vv, &o, 0.25f, true, 0.0f);
    return out;
  };
  for (int threads : {1, 4}) {
    std::vector<float> all = run(threads, 0, qLen, kvLen);
    for (int64_t i = 0; i < qLen; ++i) {
      std::vector<float> one = run(threads == 1 ? 4 : 1, i, 1, kvLen - qLen + i + 1);
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t d = 0; d < dim; ++d)
          ASSERT_EQ(all[size_t((h * qLen + i) * dim + d)], one[size_t(h * dim + d)])
              << "row " << i << " head " << h << " dim " << d << " threads " << threads;
    }
  }
  EXPECT_EQ(loom_set_num_threads(0), LOOM_OK);
}

// A speculation tree's verify step: node i sees the prefix and its own
// ancestors (a mask of 0 and -inf; siblings hidden between them). Each node
// equals, bit for bit, the one-row call plain decoding makes for the same
// token, where the ancestors' keys and values sit right behind the prefix.
void checkTreeRowsExact(int64_t prefix, int64_t dim) {
  const std::vector<int64_t> parents = {-1, 0, 0, 0, 0, 1, 2, 3, 4, 6};
  const int64_t heads = 4, kvHeads = 2, nodes = int64_t(parents.size());
  const int64_t keys = prefix + nodes;
  std::mt19937 gen(5);
  Tensor4 q(1, heads, nodes, dim, gen), k(1, kvHeads, keys, dim, gen, 1024),
      v(1, kvHeads, keys, dim, gen, 1024), mask(1, 1, nodes, keys, gen);
  const float minusInf = -std::numeric_limits<float>::infinity();
  std::vector<std::vector<int64_t>> path(static_cast<size_t>(nodes)); // ancestors, then the node
  for (int64_t i = 0; i < nodes; ++i) {
    for (int64_t a = i; a >= 0; a = parents[size_t(a)])
      path[size_t(i)].insert(path[size_t(i)].begin(), a);
    for (int64_t j = 0; j < keys; ++j)
      mask.data[size_t(i * keys + j)] = j < prefix ? 0.0f : minusInf;
    for (int64_t a : path[size_t(i)])
      mask.data[size_t(i * keys + prefix + a)] = 0.0f;
  }
  for (int threads : {1, 4}) {
    EXPECT_EQ(loom_set_num_threads(threads), LOOM_OK);
    std::vector<float> tree(size_t(heads * nodes * dim));
    MemRef<4> o = {tree.data(), tree.data(), 0, {1, heads, nodes, dim},
                   {heads * nodes * dim, nodes * dim, dim, 1}};
    _mlir_ciface_loomrt_attention_masked_f32(&q.ref, &k.ref, &v.ref, &mask.ref, &o, 0.3f, false,
                                             0.0f);
    for (int64_t i = 0; i < nodes; ++i) {
      // Plain decoding's cache: the prefix, then the path's entries in order.
      const std::vector<int64_t> &chain = path[size_t(i)];
      int64_t seen = prefix + int64_t(chain.size());
      Tensor4 kc(1, kvHeads, seen, dim, gen, 1024), vc(1, kvHeads, seen, dim, gen, 1024);
      for (int64_t h = 0; h < kvHeads; ++h)
        for (int64_t j = 0; j < seen; ++j) {
          int64_t from = j < prefix ? j : prefix + chain[size_t(j - prefix)];
          for (int64_t d = 0; d < dim; ++d) {
            kc.data[size_t((h * 1024 + j) * dim + d)] = k.at(0, h, from, d);
            vc.data[size_t((h * 1024 + j) * dim + d)] = v.at(0, h, from, d);
          }
        }
      MemRef<4> qi = q.ref;
      qi.offset = i * qi.strides[2];
      qi.sizes[2] = 1;
      std::vector<float> one(size_t(heads * dim));
      MemRef<4> oi = {one.data(), one.data(), 0, {1, heads, 1, dim}, {heads * dim, dim, dim, 1}};
      _mlir_ciface_loomrt_attention_f32(&qi, &kc.ref, &vc.ref, &oi, 0.3f, true, 0.0f);
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t d = 0; d < dim; ++d)
          ASSERT_EQ(tree[size_t((h * nodes + i) * dim + d)], one[size_t(h * dim + d)])
              << "node " << i << " head " << h << " dim " << d << " threads " << threads;
    }
  }
  EXPECT_EQ(loom_set_num_threads(0), LOOM_OK);
}

TEST_P(AttentionKernel, TreeRowsExactHead8) { checkTreeRowsExact(45, 8); }
TEST_P(AttentionKernel, TreeRowsExactAcrossChunks) { checkTreeRowsExact(600, 32); }
TEST_P(AttentionKernel, TreeRowsExactGenericHead) { checkTreeRowsExact(250, 12); }

TEST_P(AttentionKernel, EveryKeyMaskedGivesNaN) {
  std::mt19937 gen(7);
  Tensor4 q(1, 1, 1, 4, gen), k(1, 1, 3, 4, gen), v(1, 1, 3, 4, gen), mask(1, 1, 1, 3, gen);
  for (float &x : mask.data)
    x = -std::numeric_limits<float>::infinity();
  std::vector<float> out(4);
  MemRef<4> o = {out.data(), out.data(), 0, {1, 1, 1, 4}, {4, 4, 4, 1}};
  _mlir_ciface_loomrt_attention_masked_f32(&q.ref, &k.ref, &v.ref, &mask.ref, &o, 0.5f, false,
                                           0.0f);
  for (float x : out)
    EXPECT_TRUE(std::isnan(x)); // softmax of all -inf, as PyTorch gives
}

} // namespace
