//===- QuantizedMatmulTest.cpp - loomrt's 8/4/2-bit weight matmul ---------===//
//
// Each format (int8 per channel and in groups, int4 symmetric and with zero
// points, ternary) with each kernel variant the host supports, against two
// references written here:
// - the same arithmetic done independently (x quantized to int8 per block of
//   32, integer block dot products, scales applied in double): the kernel
//   must agree to f32 rounding, and exactly where every value is an integer;
// - dequantize-then-f32 (x in f32 times the dequantized W): the difference
//   is x's int8 rounding, bounded here.
// Shapes include K not a multiple of 32 (stories260K's 172), block counts
// that leave 1-3 blocks after the 512-bit kernels' steps of 2 and 4, group
// sizes those steps do not cover (96: the AVX2 fallback), one row (a
// decode step), more rows than a task's block, strided x and output views;
// wrong packed shapes report an error instead of reading past them.
//
//===----------------------------------------------------------------------===//

#include "CpuLevels.h"
#include "Kernels/Kernels.h"
#include "RunErrors.h"

#include "loom-c/QuantizedWeights.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <tuple>
#include <vector>

using loomrt::MemRef;
using loomrt::MemRefI8;

namespace {

struct Format {
  int bits;
  int64_t group; // 0: one group per channel
  bool zeros;
  const char *name;
};

const Format kFormats[] = {{8, 0, false, "int8"},       {8, 64, false, "int8_g64"},
                           {4, 32, false, "int4_g32"},  {4, 128, false, "int4_g128"},
                           {4, 32, true, "int4_g32_zp"}, {4, 64, false, "int4_g64"},
                           {4, 96, false, "int4_g96"},   {2, 64, false, "ternary_g64"},
                           {2, 0, false, "ternary"},     {8, 32, false, "int8_g32"}};

struct Packed {
  int bits;
  int64_t n, k, group, rowBytes, groups;
  std::vector<uint8_t> bytes;
  std::vector<float> scales;
  std::vector<uint8_t> zeros;
};

Packed pack(const std::vector<float> &w, int64_t n, int64_t k, const Format &f) {
  Packed p;
  p.bits = f.bits, p.n = n, p.k = k;
  p.group = f.group ? f.group : loom_qw_padded_k(k);
  p.rowBytes = loom_qw_row_bytes(k, f.bits);
  p.groups = loom_qw_groups(k, p.group);
  p.bytes.assign(size_t(n * p.rowBytes), 0);
  p.scales.assign(size_t(n * p.groups), 0.0f);
  if (f.zeros)
    p.zeros.assign(size_t(n * p.groups), 0);
  for (int64_t j = 0; j < n; ++j)
    loom_qw_quantize_row(w.data() + j * k, k, f.bits, p.group, p.bytes.data() + j * p.rowBytes,
                         p.scales.data() + j * p.groups,
                         f.zeros ? p.zeros.data() + j * p.groups : nullptr);
  return p;
}

MemRef<2> view(float *data, int64_t rows, int64_t cols, int64_t rowStride, int64_t colStride) {
  return {data, data, 0, {rows, cols}, {rowStride, colStride}};
}
MemRefI8<2> viewI8(uint8_t *data, int64_t rows, int64_t cols) {
  auto *p = reinterpret_cast<int8_t *>(data);
  return {p, p, 0, {rows, cols}, {cols, 1}};
}

/// y = x Wᵀ run through the kernel; x is [m, k] with row stride `xStride`.
std::vector<float> runKernel(std::vector<float> &x, int64_t m, int64_t k, int64_t xStride,
                             Packed &p) {
  std::vector<float> y(size_t(m * p.n * 2), -1.0f); // every other column: strided output
  MemRef<2> xv = view(x.data(), m, k, xStride, 1);
  MemRefI8<2> wv = viewI8(p.bytes.data(), p.n, p.rowBytes);
  MemRef<2> sv = view(p.scales.data(), p.n, p.groups, p.groups, 1);
  MemRefI8<2> zv = p.zeros.empty() ? viewI8(nullptr, 0, 0) : viewI8(p.zeros.data(), p.n, p.groups);
  MemRef<2> yv = view(y.data(), m, p.n, 2 * p.n, 2);
  loomrt::quantizedMatmulF32(&xv, &wv, &sv, &zv, &yv, p.bits, p.group);
  std::vector<float> out(size_t(m * p.n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < p.n; ++j)
      out[i * p.n + j] = y[i * 2 * p.n + 2 * j];
  return out;
}

/// The kernel's arithmetic, written independently: x rounded to int8 per
/// block of 32 (scale absmax / 127), integer dot products per block, the
/// scales and zero points applied in double.
std::vector<double> sameArithmetic(const std::vector<float> &x, int64_t m, int64_t k,
                                   int64_t xStride, const Packed &p) {
  int64_t kp = loom_qw_padded_k(k);
  std::vector<double> y(size_t(m * p.n), 0.0);
  for (int64_t i = 0; i < m; ++i) {
    std::vector<int> q(size_t(kp), 0);
    std::vector<double> xs(size_t(kp / 32), 0.0);
    for (int64_t b = 0; b < kp / 32; ++b) {
      float absmax = 0;
      for (int64_t t = b * 32; t < std::min(k, b * 32 + 32); ++t)
        absmax = std::max(absmax, std::fabs(x[i * xStride + t]));
      xs[b] = absmax / 127.0f;
      for (int64_t t = b * 32; t < std::min(k, b * 32 + 32); ++t)
        q[t] = absmax > 0 ? int(std::nearbyint(x[i * xStride + t] * (127.0f / absmax))) : 0;
    }
    for (int64_t j = 0; j < p.n; ++j) {
      const uint8_t *row = p.bytes.data() + j * p.rowBytes;
      double sum = 0;
      for (int64_t b = 0; b < kp / 32; ++b) {
        int64_t g = b * 32 / p.group;
        int zero = p.bits == 8 ? 0 : p.bits == 2 ? 1 : p.zeros.empty() ? 8 : p.zeros[j * p.groups + g];
        long dot = 0;
        for (int64_t t = b * 32; t < b * 32 + 32; ++t)
          dot += long(q[t]) * (loom_qw_load(row, p.bits, t) - zero);
        sum += double(p.scales[j * p.groups + g]) * xs[b] * double(dot);
      }
      y[i * p.n + j] = sum;
    }
  }
  return y;
}

struct Shape {
  int64_t m, n, k;
};

class QuantizedMatmul
    : public loomtest::CpuLevelTest<std::tuple<Format, Shape, loomrt::CpuLevel>> {};

TEST_P(QuantizedMatmul, MatchesReferences) {
  const Format &f = std::get<0>(GetParam());
  Shape s = std::get<1>(GetParam());
  std::mt19937 rng(1234 + int(s.m * 31 + s.n * 7 + s.k));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> w(size_t(s.n * s.k));
  for (float &v : w)
    v = normal(rng) * 0.1f;
  int64_t xStride = s.k + 3;
  std::vector<float> x(size_t(s.m * xStride), 99.0f); // padding must not be read
  for (int64_t i = 0; i < s.m; ++i)
    for (int64_t t = 0; t < s.k; ++t)
      x[i * xStride + t] = normal(rng);
  Packed p = pack(w, s.n, s.k, f);
  std::vector<float> y = runKernel(x, s.m, s.k, xStride, p);
  std::vector<double> same = sameArithmetic(x, s.m, s.k, xStride, p);

  // Dequantize-then-f32, and the size of the terms for the bounds.
  for (int64_t i = 0; i < s.m; ++i)
    for (int64_t j = 0; j < s.n; ++j) {
      double dequantized = 0, magnitude = 0;
      for (int64_t t = 0; t < s.k; ++t) {
        double wv = loom_qw_dequantize(p.bytes.data() + j * p.rowBytes,
                                       p.scales.data() + j * p.groups,
                                       p.zeros.empty() ? nullptr : p.zeros.data() + j * p.groups,
                                       p.bits, p.group, t);
        dequantized += double(x[i * xStride + t]) * wv;
        magnitude += std::fabs(double(x[i * xStride + t]) * wv);
      }
      double got = y[i * s.n + j];
      ASSERT_NEAR(got, same[i * s.n + j], 2e-5 * magnitude + 1e-6)
          << "row " << i << " channel " << j;
      // int8 activations: each x is off by at most half a step (absmax / 254
      // of its block), about 0.4% of the magnitude for normal data.
      ASSERT_NEAR(got, dequantized, 0.02 * magnitude + 1e-5) << "row " << i << " channel " << j;
    }
}

std::string formatName(
    const ::testing::TestParamInfo<std::tuple<Format, Shape, loomrt::CpuLevel>> &info) {
  Shape s = std::get<1>(info.param);
  return std::string(std::get<0>(info.param).name) + "_" + std::to_string(s.m) + "x" +
         std::to_string(s.n) + "x" + std::to_string(s.k) +
         loomtest::levelSuffix(std::get<2>(info.param));
}

INSTANTIATE_TEST_SUITE_P(
    Formats, QuantizedMatmul,
    ::testing::Combine(::testing::ValuesIn(kFormats),
                       ::testing::Values(Shape{1, 64, 64}, Shape{1, 37, 172}, Shape{3, 16, 256},
                                         Shape{19, 40, 200}, Shape{2, 9, 480}),
                       loomtest::kAllCpuLevelsWithVnni),
    formatName);

class QuantizedMatmulExact : public loomtest::CpuLevelTest<loomrt::CpuLevel> {};

/// Integers everywhere: x's blocks have largest magnitude 127 (scale 1), W's
/// groups 127 (int8, scale 1): every product and sum is exact in f32.
TEST_P(QuantizedMatmulExact, Int8IntegerValuesAreExact) {
  const int64_t m = 2, n = 9, k = 96;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> value(-127, 127);
  std::vector<float> x(size_t(m * k)), w(size_t(n * k));
  for (int64_t i = 0; i < m * k; ++i)
    x[i] = i % 32 == 0 ? 127.0f : float(value(rng));
  for (int64_t i = 0; i < n * k; ++i)
    w[i] = i % k == 5 ? -127.0f : float(value(rng));
  Packed p = pack(w, n, k, Format{8, 0, false, "int8"});
  ASSERT_EQ(p.scales[0], 1.0f);
  std::vector<float> y = runKernel(x, m, k, k, p);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double expected = 0;
      for (int64_t t = 0; t < k; ++t)
        expected += double(x[i * k + t]) * w[j * k + t];
      EXPECT_EQ(double(y[i * n + j]), expected) << "row " << i << " channel " << j;
    }
}

INSTANTIATE_TEST_SUITE_P(Levels, QuantizedMatmulExact, loomtest::kAllCpuLevelsWithVnni,
                         [](const auto &info) { return loomtest::levelSuffix(info.param).substr(1); });

TEST(QuantizedMatmulShapes, WrongPackedShapeIsReported) {
  const int64_t m = 1, n = 4, k = 64;
  std::vector<float> x(size_t(m * k), 1.0f), w(size_t(n * k), 0.5f);
  Packed p = pack(w, n, k, Format{4, 32, false, "int4"});
  std::vector<float> y(size_t(m * n), -1.0f);
  MemRef<2> xv = view(x.data(), m, k, k, 1);
  // The row bytes of 8 bits for a 4-bit matrix: half of each row is missing.
  MemRefI8<2> wv = viewI8(p.bytes.data(), n, p.rowBytes);
  MemRef<2> sv = view(p.scales.data(), n, p.groups, p.groups, 1);
  MemRefI8<2> zv = viewI8(nullptr, 0, 0);
  MemRef<2> yv = view(y.data(), m, n, n, 1);
  uint64_t before = loomrt::runErrorCount();
  loomrt::quantizedMatmulF32(&xv, &wv, &sv, &zv, &yv, /*bits=*/8, /*group=*/32);
  EXPECT_EQ(loomrt::runErrorCount(), before + 1);
  EXPECT_EQ(y[0], -1.0f) << "nothing is written after the error";
  // A group size that is not a multiple of the block.
  loomrt::quantizedMatmulF32(&xv, &wv, &sv, &zv, &yv, /*bits=*/4, /*group=*/48);
  EXPECT_EQ(loomrt::runErrorCount(), before + 2);
}

} // namespace
