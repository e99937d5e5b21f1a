//===- SoftmaxTest.cpp - loomrt's softmax row kernels ---------------------===//
//
// Each algorithm (three-pass, two-pass, online) with each kernel variant
// the host supports (portable, AVX2, AVX-512; the others are reported as
// skipped) against a float64 softmax:
// row lengths around the vector width and its multiples (tails), rows with
// -inf entries, huge magnitudes (1e4, where exp overflows without the
// max/exponent bookkeeping), equal values, a strided input view and
// non-contiguous columns (the scalar path); for two-pass also rows that move
// its lanes' exponents (and overflow its record of them) and streaming
// output stores.
//
//===----------------------------------------------------------------------===//

#include "CpuLevels.h"
#include "Kernels/Kernels.h"
#include "ThreadPool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

using loomrt::MemRef;

namespace {

const float kMinusInf = -std::numeric_limits<float>::infinity();

std::vector<double> reference(const float *row, int64_t n, int64_t stride) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i)
    m = std::max(m, double(row[i * stride]));
  std::vector<double> y(static_cast<size_t>(n));
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += y[size_t(i)] = std::exp(double(row[i * stride]) - m);
  for (double &v : y)
    v /= sum;
  return y;
}

/// Runs `algorithm` on rows x cols values laid out with the given strides
/// (in elements) and compares every row with the reference: absolute error
/// below 1e-6 and relative error below 1e-5 where the result exceeds 1e-30.
/// With `streaming`, the kernel is told to write around the caches, and
/// the output starts one float past a 32-byte boundary (the streaming
/// stores' alignment is reached inside each row).
void check(int32_t algorithm, std::vector<float> x, int64_t rows, int64_t cols,
           int64_t rowStride, int64_t colStride, bool streaming = false) {
  std::vector<float> y(size_t(rows * cols + 8), -1.0f);
  const int64_t offset = streaming ? (9 - int64_t(reinterpret_cast<uintptr_t>(y.data()) % 32 / 4)) % 8 : 0;
  MemRef<2> in = {x.data(), x.data(), 0, {rows, cols}, {rowStride, colStride}};
  MemRef<2> out = {y.data(), y.data(), offset, {rows, cols}, {cols, 1}};
  if (streaming)
    loomrt::softmaxRows(&in, &out, algorithm, true);
  else
    _mlir_ciface_loomrt_softmax_f32(&in, &out, algorithm);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<double> want = reference(x.data() + r * rowStride, cols, colStride);
    for (int64_t c = 0; c < cols; ++c) {
      double got = y[size_t(offset + r * cols + c)], w = want[size_t(c)];
      ASSERT_NEAR(got, w, 1e-6) << "algorithm " << algorithm << " row " << r << " col " << c
                                << " of " << cols;
      if (w > 1e-30)
        ASSERT_LT(std::fabs(got - w) / w, 1e-5)
            << "algorithm " << algorithm << " row " << r << " col " << c;
    }
  }
}

std::vector<float> randomRows(int64_t count, float stddev, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> x(static_cast<size_t>(count));
  for (float &v : x)
    v = normal(gen);
  return x;
}

/// (algorithm, variant): every algorithm with every kernel variant.
class SoftmaxKernel : public loomtest::CpuLevelTest<std::tuple<int32_t, loomrt::CpuLevel>> {
protected:
  int32_t algorithm() const { return std::get<0>(GetParam()); }
};

TEST_P(SoftmaxKernel, RowLengthsAroundTheVectorWidth) {
  for (int64_t cols : {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 100, 1000})
    check(algorithm(), randomRows(5 * cols, 5.0f, unsigned(cols)), 5, cols, cols, 1);
}

TEST_P(SoftmaxKernel, MinusInfinityAndHugeMagnitudes) {
  const int64_t cols = 37;
  std::vector<float> x = randomRows(4 * cols, 3.0f, 7);
  for (int64_t c = 0; c < cols; c += 3)
    x[size_t(c)] = kMinusInf; // row 0: a third masked, the first entry too
  for (int64_t c = 0; c < cols; ++c) {
    x[size_t(cols + c)] = 10000.0f + float(c % 4); // row 1: exp overflows unshifted
    x[size_t(2 * cols + c)] = -10000.0f - float(c % 5); // row 2: exp underflows unshifted
    x[size_t(3 * cols + c)] = 2.5f;                      // row 3: all equal
  }
  x[size_t(2 * cols + cols - 1)] = kMinusInf;
  check(algorithm(), x, 4, cols, cols, 1);
}

TEST_P(SoftmaxKernel, OneFiniteEntryAmongMinusInfinity) {
  std::vector<float> x(40, kMinusInf);
  x[33] = -3.0f;
  check(algorithm(), x, 1, 40, 40, 1);
}

TEST_P(SoftmaxKernel, StridedRowsAndColumns) {
  // Rows 50 apart in the buffer (a view of a wider tensor)...
  check(algorithm(), randomRows(6 * 50, 4.0f, 3), 6, 41, 50, 1);
  // ...and columns 3 apart (the portable path).
  check(algorithm(), randomRows(4 * 3 * 19, 4.0f, 4), 4, 19, 3 * 19, 3);
}

TEST_P(SoftmaxKernel, ManyRowsAcrossThreads) {
  check(algorithm(), randomRows(257 * 65, 8.0f, 9), 257, 65, 65, 1);
}

std::string algorithmName(
    const ::testing::TestParamInfo<std::tuple<int32_t, loomrt::CpuLevel>> &info) {
  const char *names[] = {"ThreePass", "TwoPass", "Online", "TwoPassRecompute"};
  return names[std::get<0>(info.param)] + loomtest::levelSuffix(std::get<1>(info.param));
}

// Fewer rows than threads, long rows: each row is split into column chunks
// whose statistics are merged between passes. One chunk entirely -inf, a
// chunk holding the maximum far from the others, a row that is not a
// multiple of the vector width.
TEST_P(SoftmaxKernel, LongRowsSplitAcrossThreads) {
  ASSERT_TRUE(loomrt::setNumThreads(4));
  const int64_t cols = 100003;
  std::vector<float> x = randomRows(3 * cols, 4.0f, 11);
  for (int64_t c = 0; c < 30000; ++c)
    x[size_t(c)] = kMinusInf;          // row 0: the first chunk masked out
  x[size_t(cols + 90000)] = 60.0f;     // row 1: one dominant entry in the last chunk
  for (int64_t c = 0; c < cols; ++c)
    x[size_t(2 * cols + c)] += 3000.0f; // row 2: exp overflows unshifted
  check(algorithm(), x, 1, cols, cols, 1);
  check(algorithm(), x, 3, cols, cols, 1);
  loomrt::setNumThreads(0);
}

TEST_P(SoftmaxKernel, EveryEntryMinusInfinityGivesNaN) {
  for (int64_t cols : {int64_t(20), int64_t(70000)}) {
    ASSERT_TRUE(loomrt::setNumThreads(4));
    std::vector<float> x(static_cast<size_t>(cols), kMinusInf), y(x.size());
    MemRef<2> in = {x.data(), x.data(), 0, {1, cols}, {cols, 1}};
    MemRef<2> out = {y.data(), y.data(), 0, {1, cols}, {cols, 1}};
    _mlir_ciface_loomrt_softmax_f32(&in, &out, algorithm());
    for (float v : y)
      ASSERT_TRUE(std::isnan(v)) << "cols " << cols; // 0/0, as the definition gives
    loomrt::setNumThreads(0);
  }
}

// Rows whose every input is a large negative finite number: a fully masked
// attention row under Hugging Face's finfo(float32).min mask or a -1e9 mask
// (left padding with a causal mask, a sliding window). ONNX and PyTorch
// subtract the row's maximum: such a row is uniform, or follows the
// differences ([-2e9, -1e9, -3e9, -1e9] is [0, 0.5, 0, 0.5]). Two-pass gave
// NaN below -2^21, online 1 for every entry of a finfo.min row, and the
// exponent reduction of both lost the differences of rows near +-1e5.
// Short rows, and long ones split across threads.
TEST_P(SoftmaxKernel, RowsOfLargeNegativeInputs) {
  const float lowest = std::numeric_limits<float>::lowest();
  for (int64_t cols : {int64_t(4), int64_t(37), int64_t(70001)}) {
    ASSERT_TRUE(loomrt::setNumThreads(4));
    std::vector<float> x(size_t(7 * cols));
    for (int64_t c = 0; c < cols; ++c) {
      x[size_t(c)] = lowest;                                   // row 0: all finfo.min
      x[size_t(cols + c)] = -1e9f;                             // row 1: all -1e9
      x[size_t(2 * cols + c)] = c % 2 ? -1e9f : -1e9f - 1e9f * float(c % 3 + 1); // row 2
      x[size_t(3 * cols + c)] = -3e6f - float(c % 7);          // row 3: just below -2^21
      x[size_t(4 * cols + c)] = c == cols / 2 ? -2e6f : lowest; // row 4: one above
      x[size_t(5 * cols + c)] = -1e5f - float(c % 7);          // row 5: moderate, far from 0
      x[size_t(6 * cols + c)] = 1e5f + float(c % 7);           // row 6: the same above 0
    }
    check(algorithm(), x, 7, cols, cols, 1);
    loomrt::setNumThreads(0);
  }
}

// The two-pass lanes move their exponent only when an input is more than
// 2^64 above it. Row 0: a low first vector, later inputs up to 2^58 above
// it (kept, not rescaled), then a jump past the headroom (rescaled, a new
// epoch); row 1: one lane's exponent 144 below the row's largest while it
// holds outputs near 1e-25 (the two-factor scaling); row 2: a staircase
// rising 50 every 16 inputs, more exponent changes than the storing form
// records (it falls back to recomputing) with 8 lanes and with 16 (one
// change per 32 inputs there).
TEST_P(SoftmaxKernel, InputsThatMoveTheTwoPassExponents) {
  const int64_t cols = 640;
  std::vector<float> x = randomRows(3 * cols, 1.0f, 13);
  for (int64_t c = 0; c < cols; ++c) {
    float &a = x[size_t(c)], &b = x[size_t(cols + c)], &s = x[size_t(2 * cols + c)];
    a += c < 8 ? -50.0f : c < 200 ? -10.0f : 10.0f;
    b = c % 8 == 0 ? (c == 0 ? -100.0f : -57.0f + b) : b;
    s = -500.0f + 50.0f * float(c / 16) + s;
  }
  check(algorithm(), x, 3, cols, cols, 1);
}

// Rows longer than a core's L2 cache, enough of them that they are not split
// (each row on one thread).
TEST_P(SoftmaxKernel, LongRowsEachOnOneThread) {
  ASSERT_TRUE(loomrt::setNumThreads(2));
  const int64_t cols = 70001;
  std::vector<float> x = randomRows(4 * cols, 3.0f, 17);
  x[size_t(cols + 5)] = 80.0f;
  check(algorithm(), x, 4, cols, cols, 1);
  loomrt::setNumThreads(0);
}

// Streaming output stores (chosen for outputs beyond the caches): rows
// starting off the stores' alignment, tails, whole rows and split rows.
TEST_P(SoftmaxKernel, StreamingOutputStores) {
  for (int64_t cols : {int64_t(5), int64_t(37), int64_t(1000)})
    check(algorithm(), randomRows(3 * cols, 5.0f, unsigned(cols)), 3, cols, cols, 1, true);
  ASSERT_TRUE(loomrt::setNumThreads(4));
  check(algorithm(), randomRows(40003, 5.0f, 19), 1, 40003, 40003, 1, true);
  loomrt::setNumThreads(0);
}

// 3: two-pass as the paper writes it (recomputing in the second pass), kept
// for the benchmark.
INSTANTIATE_TEST_SUITE_P(Algorithms, SoftmaxKernel,
                         ::testing::Combine(::testing::Values(0, 1, 2, 3),
                                            loomtest::kAllCpuLevels),
                         algorithmName);

} // namespace
