//===- ConvolutionTest.cpp - loomrt's convolution and buffer cache --------===//
//
// loomrt_conv2d_f32 with each GEMM variant the host supports against a
// direct convolution written here in double (ONNX Conv's definition):
// padding on each side, strides, dilations, groups, depthwise, a 1x1
// convolution (no im2col copy), a height-1 (1-D) one, a strided input view
// and an output whose planes are not dense (the product goes through a
// scratch buffer), with and without a bias. Sizes that do not fit report
// an error instead of reading past the buffers. The buffer cache reuses a
// freed block for the next request of about its size and hands out blocks
// that free() accepts.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"

#include "BufferCache.h"
#include "CpuLevels.h"
#include "Kernels/Kernels.h"
#include "RunErrors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <tuple>
#include <vector>

using loomrt::MemRef;

namespace {

struct ConvCase {
  const char *name;
  int64_t n, c, h, w, m, kh, kw, sh, sw, ph, pw, phEnd, pwEnd, dh, dw, groups;
  bool bias;
  int64_t xPad = 0;   // extra elements after each input row (a strided view)
  int64_t yPad = 0;   // extra elements after each output row (planes not dense)
};

const ConvCase kCases[] = {
    {"same3x3", 2, 3, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true},
    {"stride2_dilated", 1, 4, 10, 7, 13, 3, 2, 2, 1, 1, 0, 2, 1, 2, 1, 1, false},
    {"pointwise", 3, 16, 5, 6, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true},
    {"groups2", 2, 4, 6, 6, 6, 3, 3, 1, 2, 0, 1, 0, 1, 1, 1, 2, true},
    {"depthwise", 2, 5, 8, 8, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 5, true},
    {"one_d", 2, 6, 1, 40, 7, 1, 5, 1, 3, 0, 2, 0, 2, 1, 2, 1, true},
    {"strided_views", 2, 3, 7, 8, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, 5, 3},
    {"pointwise_strided_input", 1, 8, 4, 4, 12, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false, 2, 0},
    // Large enough for several bands of output rows per image (1 MiB of col
    // each): through the packed GEMM, into planes that are not dense, and
    // the 1x1 case whose operand is the input plane itself.
    {"bands", 1, 32, 64, 64, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true},
    {"bands_strided_output", 2, 16, 80, 48, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, 0, 3},
    {"bands_pointwise", 1, 64, 90, 72, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false},
};

struct Dense4 {
  std::vector<float> data;
  MemRef<4> ref;
  /// [a, b, c, d] with `rowPad` unused elements after each innermost row.
  Dense4(int64_t a, int64_t b, int64_t c, int64_t d, int64_t rowPad)
      : data(size_t(a * b * c * (d + rowPad)), -7.0f) {
    int64_t row = d + rowPad;
    ref = {data.data(), data.data(), 0, {a, b, c, d}, {b * c * row, c * row, row, 1}};
  }
  float &at(int64_t i, int64_t j, int64_t k, int64_t l) {
    return data[size_t(i * ref.strides[0] + j * ref.strides[1] + k * ref.strides[2] + l)];
  }
};

class ConvolutionTest
    : public loomtest::CpuLevelTest<std::tuple<ConvCase, loomrt::CpuLevel>> {};

TEST_P(ConvolutionTest, MatchesDirectConvolution) {
  const ConvCase &t = std::get<0>(GetParam());
  int64_t oh = (t.h + t.ph + t.phEnd - t.dh * (t.kh - 1) - 1) / t.sh + 1;
  int64_t ow = (t.w + t.pw + t.pwEnd - t.dw * (t.kw - 1) - 1) / t.sw + 1;
  int64_t cg = t.c / t.groups, mg = t.m / t.groups, depth = cg * t.kh * t.kw;
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> u(-1, 1);
  Dense4 x(t.n, t.c, t.h, t.w, t.xPad), y(t.n, t.m, oh, ow, t.yPad);
  for (int64_t i = 0; i < t.n; ++i)
    for (int64_t j = 0; j < t.c; ++j)
      for (int64_t k = 0; k < t.h; ++k)
        for (int64_t l = 0; l < t.w; ++l)
          x.at(i, j, k, l) = u(rng);
  std::vector<float> w(size_t(t.m * depth)), bias(size_t(t.bias ? t.m : 0));
  for (float &v : w)
    v = u(rng);
  for (float &v : bias)
    v = u(rng);
  MemRef<2> wRef{w.data(), w.data(), 0, {t.m, depth}, {depth, 1}};
  MemRef<1> bRef{bias.data(), bias.data(), 0, {int64_t(bias.size())}, {1}};
  uint64_t errors = loomrt::runErrorCount();
  _mlir_ciface_loomrt_conv2d_f32(&x.ref, &wRef, &bRef, &y.ref, t.kh, t.kw, t.sh, t.sw, t.ph, t.pw,
                                 t.dh, t.dw, t.groups);
  ASSERT_EQ(loomrt::runErrorCount(), errors);

  double worst = 0;
  for (int64_t n = 0; n < t.n; ++n)
    for (int64_t m = 0; m < t.m; ++m)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double sum = t.bias ? bias[size_t(m)] : 0.0;
          int64_t g = m / mg;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t a = 0; a < t.kh; ++a)
              for (int64_t b = 0; b < t.kw; ++b) {
                int64_t ih = i * t.sh - t.ph + a * t.dh, iw = j * t.sw - t.pw + b * t.dw;
                if (ih < 0 || ih >= t.h || iw < 0 || iw >= t.w)
                  continue;
                sum += double(w[size_t(m * depth + (c * t.kh + a) * t.kw + b)]) *
                       x.at(n, g * cg + c, ih, iw);
              }
          worst = std::max(worst, std::abs(double(y.at(n, m, i, j)) - sum));
        }
  // f32 accumulation over at most a few hundred products of values in [-1, 1].
  EXPECT_LT(worst, 1e-4) << t.name;
  // The padding after each output row is not written.
  if (t.yPad)
    EXPECT_EQ(y.data[size_t(ow)], -7.0f);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConvolutionTest, ::testing::Combine(::testing::ValuesIn(kCases), loomtest::kAllCpuLevels),
    [](const auto &info) {
      return std::string(std::get<0>(info.param).name) +
             loomtest::levelSuffix(std::get<1>(info.param));
    });

// loomrt_conv_transpose2d_f32 against ONNX's definition written here in
// double (each input element scattered through the kernel): strides, pads,
// dilations, groups, an output larger than the scatter reaches
// (output_padding), 1-D as height 1, strided views, with and without bias.
struct ConvTransposeCase {
  const char *name;
  int64_t n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, groups, extra;
  bool bias;
  int64_t xPad = 0, yPad = 0;
};

const ConvTransposeCase kConvTransposeCases[] = {
    {"k4s2p1", 2, 6, 5, 4, 8, 4, 4, 2, 2, 1, 1, 1, 1, 1, 0, true},
    {"k2s2", 1, 3, 4, 6, 5, 2, 2, 2, 2, 0, 0, 1, 1, 1, 0, false},
    {"k3s1p1_groups", 2, 4, 6, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2, 0, true},
    {"dilated_output_padding", 1, 3, 5, 5, 2, 3, 2, 2, 3, 0, 1, 2, 1, 1, 1, true},
    {"one_d", 2, 4, 1, 9, 3, 1, 5, 1, 2, 0, 2, 1, 1, 1, 0, true},
    {"strided_views", 1, 3, 4, 5, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, true, 3, 2},
};

class ConvTransposeTest
    : public loomtest::CpuLevelTest<std::tuple<ConvTransposeCase, loomrt::CpuLevel>> {};

TEST_P(ConvTransposeTest, MatchesTheDefinition) {
  const ConvTransposeCase &t = std::get<0>(GetParam());
  int64_t oh = (t.h - 1) * t.sh + (t.kh - 1) * t.dh + 1 - 2 * t.ph + t.extra;
  int64_t ow = (t.w - 1) * t.sw + (t.kw - 1) * t.dw + 1 - 2 * t.pw + t.extra;
  int64_t cg = t.c / t.groups, mg = t.m / t.groups, depth = mg * t.kh * t.kw;
  std::mt19937 rng(29);
  std::uniform_real_distribution<float> u(-1, 1);
  Dense4 x(t.n, t.c, t.h, t.w, t.xPad), y(t.n, t.m, oh, ow, t.yPad);
  for (int64_t i = 0; i < t.n; ++i)
    for (int64_t j = 0; j < t.c; ++j)
      for (int64_t k = 0; k < t.h; ++k)
        for (int64_t l = 0; l < t.w; ++l)
          x.at(i, j, k, l) = u(rng);
  std::vector<float> w(size_t(t.c * depth)), bias(size_t(t.bias ? t.m : 0));
  for (float &v : w)
    v = u(rng);
  for (float &v : bias)
    v = u(rng);
  MemRef<2> wRef{w.data(), w.data(), 0, {t.c, depth}, {depth, 1}};
  MemRef<1> bRef{bias.data(), bias.data(), 0, {int64_t(bias.size())}, {1}};
  uint64_t errors = loomrt::runErrorCount();
  _mlir_ciface_loomrt_conv_transpose2d_f32(&x.ref, &wRef, &bRef, &y.ref, t.kh, t.kw, t.sh, t.sw,
                                           t.ph, t.pw, t.dh, t.dw, t.groups);
  ASSERT_EQ(loomrt::runErrorCount(), errors);
  std::vector<double> want(size_t(t.n * t.m * oh * ow), 0.0);
  for (int64_t n = 0; n < t.n; ++n)
    for (int64_t m = 0; m < t.m; ++m)
      for (int64_t i = 0; i < oh * ow; ++i)
        want[size_t((n * t.m + m) * oh * ow + i)] = t.bias ? bias[size_t(m)] : 0.0;
  for (int64_t n = 0; n < t.n; ++n)
    for (int64_t c = 0; c < t.c; ++c)
      for (int64_t ih = 0; ih < t.h; ++ih)
        for (int64_t iw = 0; iw < t.w; ++iw)
          for (int64_t m = 0; m < mg; ++m)
            for (int64_t a = 0; a < t.kh; ++a)
              for (int64_t b = 0; b < t.kw; ++b) {
                int64_t o1 = ih * t.sh - t.ph + a * t.dh, o2 = iw * t.sw - t.pw + b * t.dw;
                if (o1 < 0 || o1 >= oh || o2 < 0 || o2 >= ow)
                  continue;
                int64_t out = (c / cg) * mg + m;
                want[size_t(((n * t.m + out) * oh + o1) * ow + o2)] +=
                    double(w[size_t(c * depth + (m * t.kh + a) * t.kw + b)]) * x.at(n, c, ih, iw);
              }
  double worst = 0;
  for (int64_t n = 0; n < t.n; ++n)
    for (int64_t m = 0; m < t.m; ++m)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j)
          worst = std::max(worst, std::abs(double(y.at(n, m, i, j)) -
                                           want[size_t(((n * t.m + m) * oh + i) * ow + j)]));
  EXPECT_LT(worst, 1e-4) << t.name;
  if (t.yPad)
    EXPECT_EQ(y.data[size_t(ow)], -7.0f);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConvTransposeTest,
    ::testing::Combine(::testing::ValuesIn(kConvTransposeCases), loomtest::kAllCpuLevels),
    [](const auto &info) {
      return std::string(std::get<0>(info.param).name) +
             loomtest::levelSuffix(std::get<1>(info.param));
    });

// loomrt_pool2d_f32 against ONNX's definition written here in double: the
// maximum, the mean over positions inside the input, the mean over positions
// inside the padded input; strides, dilations, unequal leading and trailing
// pads, an output larger than the padded input allows (ceil_mode's last
// window), strided views, and NaN winning a maximum.
struct PoolCase {
  const char *name;
  int64_t n, c, h, w, kh, kw, sh, sw, ph, pw, phEnd, pwEnd, dh, dw, extraRows;
  int64_t xPad = 0, yPad = 0;
};

const PoolCase kPoolCases[] = {
    {"3x3_same", 2, 3, 9, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0},
    {"2x2_stride2", 1, 4, 8, 8, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 0},
    {"uneven_pads_dilated", 2, 2, 10, 7, 3, 2, 2, 1, 2, 0, 1, 1, 2, 2, 0},
    {"ceil_mode_last_window", 1, 3, 7, 7, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 1},
    {"one_row", 2, 5, 1, 30, 1, 4, 1, 3, 0, 1, 0, 2, 1, 1, 0},
    {"strided_views", 2, 3, 6, 9, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, 0, 4, 3},
};

class PoolTest : public ::testing::TestWithParam<std::tuple<PoolCase, int32_t>> {};

std::string poolModeName(int32_t mode) {
  return mode == LOOM_ABI_POOL_MAX       ? "max"
         : mode == LOOM_ABI_POOL_AVERAGE ? "average"
                                         : "average_count_pads";
}

TEST_P(PoolTest, MatchesTheDefinition) {
  const PoolCase &t = std::get<0>(GetParam());
  const int32_t mode = std::get<1>(GetParam());
  int64_t oh = (t.h + t.ph + t.phEnd - t.dh * (t.kh - 1) - 1) / t.sh + 1 + t.extraRows;
  int64_t ow = (t.w + t.pw + t.pwEnd - t.dw * (t.kw - 1) - 1) / t.sw + 1 + t.extraRows;
  std::mt19937 rng(23);
  std::uniform_real_distribution<float> u(-1, 1);
  Dense4 x(t.n, t.c, t.h, t.w, t.xPad), y(t.n, t.c, oh, ow, t.yPad);
  for (int64_t i = 0; i < t.n; ++i)
    for (int64_t j = 0; j < t.c; ++j)
      for (int64_t k = 0; k < t.h; ++k)
        for (int64_t l = 0; l < t.w; ++l)
          x.at(i, j, k, l) = u(rng);
  x.at(0, 0, 0, 0) = std::nanf("");
  uint64_t errors = loomrt::runErrorCount();
  _mlir_ciface_loomrt_pool2d_f32(&x.ref, &y.ref, t.kh, t.kw, t.sh, t.sw, t.ph, t.pw, t.phEnd,
                                 t.pwEnd, t.dh, t.dw, mode);
  ASSERT_EQ(loomrt::runErrorCount(), errors);
  double worst = 0;
  int64_t nans = 0, expectedNans = 0;
  for (int64_t n = 0; n < t.n; ++n)
    for (int64_t c = 0; c < t.c; ++c)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double best = -INFINITY, sum = 0, count = 0;
          bool nan = false;
          for (int64_t a = 0; a < t.kh; ++a)
            for (int64_t b = 0; b < t.kw; ++b) {
              int64_t ih = i * t.sh - t.ph + a * t.dh, iw = j * t.sw - t.pw + b * t.dw;
              bool inside = ih >= 0 && ih < t.h && iw >= 0 && iw < t.w;
              bool padded = ih >= -t.ph && ih < t.h + t.phEnd && iw >= -t.pw && iw < t.w + t.pwEnd;
              if (mode == LOOM_ABI_POOL_AVERAGE_COUNT_PADS ? padded : inside)
                count += 1;
              if (!inside)
                continue;
              double v = x.at(n, c, ih, iw);
              nan |= std::isnan(v);
              best = std::max(best, v);
              sum += v;
            }
          double want = mode == LOOM_ABI_POOL_MAX ? best : sum / count;
          double got = y.at(n, c, i, j);
          if (nan) {
            ++expectedNans;
            nans += std::isnan(got);
            continue;
          }
          worst = std::max(worst, std::abs(got - want));
        }
  EXPECT_LT(worst, 1e-5) << t.name;
  EXPECT_EQ(nans, expectedNans) << t.name << ": a NaN in a window makes its result NaN";
  if (t.yPad)
    EXPECT_EQ(y.data[size_t(ow)], -7.0f);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PoolTest,
    ::testing::Combine(::testing::ValuesIn(kPoolCases),
                       ::testing::Values(int32_t(LOOM_ABI_POOL_MAX), int32_t(LOOM_ABI_POOL_AVERAGE),
                                         int32_t(LOOM_ABI_POOL_AVERAGE_COUNT_PADS))),
    [](const auto &info) {
      return std::string(std::get<0>(info.param).name) + "_" + poolModeName(std::get<1>(info.param));
    });

TEST(Pool, SizesThatDoNotFitReportAnError) {
  Dense4 x(1, 3, 4, 4, 0), y(1, 2, 2, 2, 0);
  uint64_t errors = loomrt::runErrorCount();
  _mlir_ciface_loomrt_pool2d_f32(&x.ref, &y.ref, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, LOOM_ABI_POOL_MAX);
  EXPECT_EQ(loomrt::runErrorCount(), errors + 1); // 3 channels in, 2 out
  EXPECT_EQ(y.data[0], -7.0f);
}

TEST(Convolution, SizesThatDoNotFitReportAnError) {
  Dense4 x(1, 4, 5, 5, 0), y(1, 6, 3, 3, 0);
  std::vector<float> w(6 * 4 * 9, 1.0f);
  MemRef<1> none{nullptr, nullptr, 0, {0}, {1}};
  // w holds 4 channels of 3x3, but 3 groups do not divide 4 channels.
  MemRef<2> wRef{w.data(), w.data(), 0, {6, 36}, {36, 1}};
  uint64_t before = loomrt::runErrorCount();
  _mlir_ciface_loomrt_conv2d_f32(&x.ref, &wRef, &none, &y.ref, 3, 3, 1, 1, 0, 0, 1, 1, 3);
  EXPECT_EQ(loomrt::runErrorCount(), before + 1);
  // A weight of the wrong depth for the kernel size.
  MemRef<2> shallow{w.data(), w.data(), 0, {6, 20}, {20, 1}};
  _mlir_ciface_loomrt_conv2d_f32(&x.ref, &shallow, &none, &y.ref, 3, 3, 1, 1, 0, 0, 1, 1, 1);
  EXPECT_EQ(loomrt::runErrorCount(), before + 2);
  // A bias of the wrong length.
  std::vector<float> bias(5);
  MemRef<1> shortBias{bias.data(), bias.data(), 0, {5}, {1}};
  _mlir_ciface_loomrt_conv2d_f32(&x.ref, &wRef, &shortBias, &y.ref, 3, 3, 1, 1, 0, 0, 1, 1, 1);
  EXPECT_EQ(loomrt::runErrorCount(), before + 3);
  // Nothing was written.
  for (float v : y.data)
    EXPECT_EQ(v, -7.0f);
}

TEST(BufferCache, ReusesAFreedBlockOfAboutTheSameSize) {
  loomrt::trimBufferCache();
  const uint64_t mb = 1 << 20;
  void *a = loomrt_buffer_alloc(3 * mb);
  ASSERT_NE(a, nullptr);
  static_cast<char *>(a)[3 * mb - 1] = 1; // all of it is usable
  loomrt_buffer_free(a);
  EXPECT_GE(loomrt::cachedBufferBytes(), 3 * mb);
  // A smaller request that the block holds without wasting half of it.
  void *b = loomrt_buffer_alloc(2 * mb);
  EXPECT_EQ(b, a);
  EXPECT_EQ(loomrt::cachedBufferBytes(), 0u);
  // Half the size or less gets a block of its own.
  loomrt_buffer_free(b);
  void *c = loomrt_buffer_alloc(mb);
  EXPECT_NE(c, a);
  loomrt_buffer_free(c);
  loomrt::trimBufferCache();
  EXPECT_EQ(loomrt::cachedBufferBytes(), 0u);
}

TEST(BufferCache, AlignedBlocksAndFreeByTheCaller) {
  loomrt::trimBufferCache();
  for (uint64_t bytes : {uint64_t(100), uint64_t(1) << 20}) {
    void *p = loomrt_buffer_aligned_alloc(256, bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 256, 0u) << bytes;
    // A result buffer leaves the model and its owner frees it with free().
    std::free(p);
  }
  // A cached block serves an aligned request only if it has the alignment.
  void *q = loomrt_buffer_alloc(1 << 20);
  loomrt_buffer_free(q);
  void *r = loomrt_buffer_aligned_alloc(64, 1 << 20);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(r) % 64, 0u);
  loomrt_buffer_free(r);
  // Any malloc block may be given back, whatever its size.
  loomrt_buffer_free(std::malloc(10));
  loomrt_buffer_free(std::malloc(1 << 20));
  loomrt_buffer_free(nullptr);
  loomrt::trimBufferCache();
}

} // namespace
