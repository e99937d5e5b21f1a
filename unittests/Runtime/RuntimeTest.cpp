//===- RuntimeTest.cpp - loomrt's C API, kernels and thread pool ----------===//

#include "loom-c/Driver.h"
#include "loom-c/Runtime.h"

#include "CpuLevels.h"
#include "Kernels/Kernels.h"
#include "ThreadPool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

// Under AddressSanitizer an impossible malloc returns null, as glibc's does
// (Model.OutOfMemoryStopsTheRun asks for one).
extern "C" const char *__asan_default_options() { return "allocator_may_return_null=1"; }

namespace {

// A naive triple loop in double precision: the reference for the GEMM kernel.
void referenceMatmul(int64_t m, int64_t n, int64_t k, const std::vector<float> &a,
                     const std::vector<float> &b, std::vector<double> &c) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < k; ++p)
        sum += double(a[i * k + p]) * double(b[p * n + j]);
      c[i * n + j] += sum;
    }
}

/// `count` floats uniform in [-1, 1) from a fixed seed.
std::vector<float> randomFloats(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> values(count);
  for (float &x : values)
    x = dist(rng);
  return values;
}

struct GemmCase {
  int64_t m, n, k;
  bool transposedB; // B read through column stride != 1
  int threads;
};

/// Every shape with every kernel variant (portable, AVX2, AVX-512).
class MatmulTest
    : public ::testing::TestWithParam<std::tuple<GemmCase, loomrt::CpuLevel>> {};

TEST_P(MatmulTest, MatchesNaiveReference) {
  GemmCase t = std::get<0>(GetParam());
  LOOM_USE_CPU_LEVEL(std::get<1>(GetParam()));
  ASSERT_EQ(loom_set_num_threads(t.threads), LOOM_OK);
  std::vector<float> a = randomFloats(t.m * t.k, 42), b = randomFloats(t.k * t.n, 43),
                     bT(t.n * t.k);
  // Accumulates into C, as linalg.matmul does.
  std::vector<float> c = randomFloats(t.m * t.n, 44);
  for (int64_t p = 0; p < t.k; ++p)
    for (int64_t j = 0; j < t.n; ++j)
      bT[j * t.k + p] = b[p * t.n + j];
  std::vector<double> expected(c.begin(), c.end());
  referenceMatmul(t.m, t.n, t.k, a, b, expected);
  const std::vector<float> c0 = c;
  size_t savedKept = 0;
  const float *bData = t.transposedB ? bT.data() : b.data();
  int64_t bRow = t.transposedB ? 1 : t.n, bCol = t.transposedB ? t.k : 1;
  loomrt::matmulF32(t.m, t.n, t.k, a.data(), t.k, 1, bData, bRow, bCol, c.data(), t.n, 1);
  // f32 accumulation of k products of magnitude <= 1.
  double tolerance = 1e-6 * double(t.k) + 1e-6;
  for (int64_t i = 0; i < t.m * t.n; ++i)
    ASSERT_NEAR(c[i], expected[i], tolerance) << "element " << i;

  // The constant-B entry: the first call packs B and keeps it, the second
  // reuses the copy (nothing new kept) and gives the same result. The cache
  // is keyed by address, so an earlier test's freed B at the same place must
  // not be found: cleared first, as loom_model_unload does.
  loomrt::clearPackedConstants();
  for (int call = 0; call < 2; ++call) {
    std::vector<float> cc = c0;
    loomrt::matmulF32ConstantB(t.m, t.n, t.k, a.data(), t.k, 1, bData, bRow, bCol, cc.data(),
                               t.n, 1);
    for (int64_t i = 0; i < t.m * t.n; ++i)
      ASSERT_NEAR(cc[i], expected[i], tolerance) << "constant B, call " << call << ", element " << i;
    size_t kept = loomrt::packedConstantBytes();
    if (call == 0)
      // Up to 16 rows read a constant B in place (nothing to keep); more
      // are packed once.
      EXPECT_EQ(kept > 0, t.m > 16 || t.transposedB);
    else
      EXPECT_EQ(kept, savedKept);
    savedKept = kept;
  }
  // Other values at the same address (a library unloaded behind loomrt's
  // back and another loaded there): packed again, not the stale copy.
  if (t.m >= 6 && t.k > 1) {
    std::vector<float> &bMut = t.transposedB ? bT : b;
    for (float &x : bMut)
      x = -x;
    std::vector<float> cc = c0;
    loomrt::matmulF32ConstantB(t.m, t.n, t.k, a.data(), t.k, 1, bData, bRow, bCol, cc.data(),
                               t.n, 1);
    for (int64_t i = 0; i < t.m * t.n; ++i)
      ASSERT_NEAR(cc[i], 2 * double(c0[i]) - expected[i], tolerance) << "B changed, " << i;
  }
  loomrt::clearPackedConstants();
  EXPECT_EQ(loomrt::packedConstantBytes(), 0u);
  loom_set_num_threads(0);
}

// Tiles of both micro-kernels (6x16, 12x32) whole and partial, K over
// several 256-deep slices, GEMV rows with and without vector tails, the
// few-rows tiles (2-32 rows: whole and partial row groups and vectors, K
// over several 64-deep tiles and bands, written straight into C or summed
// from the threads' partials).
INSTANTIATE_TEST_SUITE_P(
    Shapes, MatmulTest,
    ::testing::Combine(
        ::testing::Values(GemmCase{1, 1, 1, false, 1}, GemmCase{1, 4096, 64, false, 2},
                          GemmCase{3, 37, 5, false, 3}, GemmCase{6, 16, 256, false, 1},
                          GemmCase{7, 17, 257, false, 2}, GemmCase{100, 530, 600, false, 3},
                          GemmCase{5, 40, 9, true, 2}, GemmCase{97, 33, 300, true, 2},
                          GemmCase{12, 32, 256, false, 1}, GemmCase{24, 64, 520, false, 2},
                          GemmCase{13, 31, 33, false, 2}, GemmCase{2, 4099, 70, false, 2},
                          GemmCase{8, 70, 300, false, 2}, GemmCase{32, 65, 130, false, 1},
                          GemmCase{31, 129, 200, false, 2}, GemmCase{40, 50, 100, false, 2},
                          GemmCase{33, 64, 64, false, 1}),
        loomtest::kAllCpuLevels),
    [](const ::testing::TestParamInfo<std::tuple<GemmCase, loomrt::CpuLevel>> &info) {
      const GemmCase &t = std::get<0>(info.param);
      return std::to_string(t.m) + "x" + std::to_string(t.n) + "x" + std::to_string(t.k) +
             (t.transposedB ? "_bT" : "") + "_" + std::to_string(t.threads) + "threads_" +
             loomrt::cpuLevelName(std::get<1>(info.param));
    });

std::string levelName(const ::testing::TestParamInfo<loomrt::CpuLevel> &info) {
  return loomrt::cpuLevelName(info.param);
}

// C written through a column stride (C transposed in memory): the few-rows
// tiles add into partials only, summed into C's columns after.
class MatmulStridedC : public loomtest::CpuLevelTest<loomrt::CpuLevel> {};

TEST_P(MatmulStridedC, FewRowsMatchNaiveReference) {
  for (int threads : {1, 2}) {
    ASSERT_EQ(loom_set_num_threads(threads), LOOM_OK);
    const int64_t m = 8, n = 50, k = 300;
    std::vector<float> a = randomFloats(m * k, 7), b = randomFloats(k * n, 8),
                       cT = randomFloats(n * m, 9);
    std::vector<double> expected(m * n);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        expected[i * n + j] = cT[j * m + i];
    referenceMatmul(m, n, k, a, b, expected);
    loomrt::matmulF32(m, n, k, a.data(), k, 1, b.data(), n, 1, cT.data(), 1, m);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        ASSERT_NEAR(cT[j * m + i], expected[i * n + j], 1e-6 * k)
            << threads << " threads, element " << i << "," << j;
  }
  loom_set_num_threads(0);
}

INSTANTIATE_TEST_SUITE_P(Levels, MatmulStridedC, loomtest::kAllCpuLevels, levelName);

// A row computed with up to 15 others (a verify step over drafted tokens)
// is bit for bit the row computed alone (a one-token decode step): greedy
// speculation stays exactly plain decoding only if no rounding differs.
class MatmulRowsAlone : public loomtest::CpuLevelTest<loomrt::CpuLevel> {};

TEST_P(MatmulRowsAlone, EachRowIsTheOneRowProductBitForBit) {
  for (int threads : {1, 2})
    for (int64_t m : {2, 5, 8, 9, 16})
      for (int64_t n : {37, 130}) {
        ASSERT_EQ(loom_set_num_threads(threads), LOOM_OK);
        const int64_t k = 300;
        std::vector<float> a = randomFloats(m * k, 11), b = randomFloats(k * n, 12),
                           c0 = randomFloats(m * n, 13);
        std::vector<float> together = c0;
        loomrt::matmulF32ConstantB(m, n, k, a.data(), k, 1, b.data(), n, 1, together.data(), n,
                                   1);
        for (int64_t i = 0; i < m; ++i) {
          std::vector<float> alone(c0.begin() + i * n, c0.begin() + (i + 1) * n);
          loomrt::matmulF32ConstantB(1, n, k, a.data() + i * k, k, 1, b.data(), n, 1,
                                     alone.data(), n, 1);
          for (int64_t j = 0; j < n; ++j)
            ASSERT_EQ(together[i * n + j], alone[j])
                << m << " rows, n " << n << ", " << threads << " threads: row " << i
                << ", column " << j;
        }
      }
  loomrt::clearPackedConstants();
  loom_set_num_threads(0);
}

INSTANTIATE_TEST_SUITE_P(Levels, MatmulRowsAlone, loomtest::kAllCpuLevels, levelName);

TEST(ThreadPool, RunsEveryTaskOnceEvenNested) {
  ASSERT_EQ(loom_set_num_threads(4), LOOM_OK);
  EXPECT_EQ(loom_get_num_threads(), 4);
  std::vector<std::atomic<int>> hits(1000);
  loomrt::parallelFor(100, [&](int64_t i) {
    loomrt::parallelFor(10, [&](int64_t j) { hits[i * 10 + j]++; });
  });
  for (auto &h : hits)
    ASSERT_EQ(h.load(), 1);
  EXPECT_EQ(loom_set_num_threads(-1), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(loom_last_error()).find("must be 0 (one per core) to 1024"),
            std::string::npos);
  // Past the cap: an error, not an abort from a thread that cannot start;
  // the pool keeps its size.
  EXPECT_EQ(loom_set_num_threads(1000000), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(loom_get_num_threads(), 4);
  loom_set_num_threads(0);
}

// Back-to-back jobs of different sizes (a decode step alternates 2-task
// matrix-vector products with 8-task attention): a worker still in one job
// must never claim a task of the next. This hung (a task run twice, the
// count never matching) before the pool waited for its workers.
TEST(ThreadPool, BackToBackJobsOfDifferentSizes) {
  for (int round = 0; round < 20000; ++round) {
    // Resizing starts new workers, which must not take a finished job.
    if (round % 1000 == 0)
      ASSERT_EQ(loom_set_num_threads(2 + round / 1000 % 2), LOOM_OK);
    int64_t size = round % 3 == 0 ? 2 : round % 3 == 1 ? 8 : 1;
    std::vector<std::atomic<int>> hits(static_cast<size_t>(size));
    loomrt::parallelFor(size, [&](int64_t i) { hits[size_t(i)]++; });
    for (auto &h : hits)
      ASSERT_EQ(h.load(), 1) << "round " << round;
  }
  loom_set_num_threads(0);
}

TEST(Tensor, RejectsBadArguments) {
  loom_tensor *t = nullptr;
  int64_t negative[] = {2, -1};
  EXPECT_EQ(loom_tensor_create(LOOM_DTYPE_FLOAT32, negative, 2, &t),
            LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(t, nullptr);
  EXPECT_NE(std::string(loom_last_error()).find("dimension 1 has negative size -1"),
            std::string::npos);
  int64_t shape[] = {2, 3};
  EXPECT_EQ(loom_tensor_create(loom_dtype(20), shape, 2, &t), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(loom_tensor_create(LOOM_DTYPE_FLOAT32, shape, LOOM_MAX_RANK + 1, &t),
            LOOM_ERROR_INVALID_ARGUMENT);
  int64_t huge[] = {int64_t(1) << 40, int64_t(1) << 40};
  EXPECT_EQ(loom_tensor_create(LOOM_DTYPE_FLOAT32, huge, 2, &t), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(loom_tensor_wrap(LOOM_DTYPE_FLOAT32, shape, 2, nullptr, &t),
            LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(loom_tensor_create(LOOM_DTYPE_INT64, shape, 2, &t), LOOM_OK);
  EXPECT_EQ(loom_tensor_num_elements(t), 6);
  EXPECT_EQ(loom_tensor_byte_size(t), 48u);
  EXPECT_STREQ(loom_last_error(), "");
  loom_tensor_destroy(t);
}

TEST(TensorFile, WritesAndReadsBack) {
  int64_t shape[] = {2, 3};
  float data[] = {1, 2, 3, 4, 5, -6.5f};
  loom_tensor *t = nullptr;
  ASSERT_EQ(loom_tensor_wrap(LOOM_DTYPE_FLOAT32, shape, 2, data, &t), LOOM_OK);
  std::string path = ::testing::TempDir() + "/loomrt_tensor.pb";
  ASSERT_EQ(loom_tensor_write_file(path.c_str(), t, "weights"), LOOM_OK);
  loom_tensor *back = nullptr;
  char *name = nullptr;
  ASSERT_EQ(loom_tensor_read_file(path.c_str(), &back, &name), LOOM_OK);
  EXPECT_STREQ(name, "weights");
  free(name);
  ASSERT_EQ(loom_tensor_rank(back), 2);
  EXPECT_EQ(loom_tensor_shape(back)[1], 3);
  char report[256];
  EXPECT_TRUE(loom_tensor_compare(back, t, 0, 0, report, sizeof report));
  loom_tensor_destroy(back);
  loom_tensor_destroy(t);
  std::remove(path.c_str());
}

TEST(Compare, ToleranceNaNAndReport) {
  int64_t shape[] = {4};
  float want[] = {1, NAN, INFINITY, 100};
  float got[] = {1.00001f, NAN, INFINITY, 100.5f};
  loom_tensor *w, *g;
  ASSERT_EQ(loom_tensor_wrap(LOOM_DTYPE_FLOAT32, shape, 1, want, &w), LOOM_OK);
  ASSERT_EQ(loom_tensor_wrap(LOOM_DTYPE_FLOAT32, shape, 1, got, &g), LOOM_OK);
  char report[256];
  EXPECT_FALSE(loom_tensor_compare(g, w, 1e-4, 1e-5, report, sizeof report));
  EXPECT_NE(std::string(report).find("1 of 4 elements differ; worst at [3]"),
            std::string::npos)
      << report;
  EXPECT_TRUE(loom_tensor_compare(g, w, 1e-2, 1e-5, report, sizeof report)) << report;
  got[1] = 0; // NaN expected, a number found
  EXPECT_FALSE(loom_tensor_compare(g, w, 1e-2, 1e-5, report, sizeof report));
  loom_tensor_destroy(w);
  loom_tensor_destroy(g);
}

TEST(Model, RejectsBadSignatures) {
  loom_model *m = nullptr;
  auto entry = [](void **) {};
  EXPECT_EQ(loom_model_from_symbols("in 1 2 3\n", entry, &m), LOOM_ERROR_FORMAT);
  EXPECT_EQ(loom_model_from_symbols("in 1 1 4 x\n", entry, &m), LOOM_ERROR_FORMAT)
      << "no outputs";
  EXPECT_EQ(loom_model_from_symbols("in 20 1 4 x\nout 1 1 4 y\n", entry, &m),
            LOOM_ERROR_FORMAT)
      << "unknown dtype";
  ASSERT_EQ(loom_model_from_symbols("in 1 2 -1 4 input x\nout 7 0 y\n", entry, &m), LOOM_OK);
  EXPECT_STREQ(loom_model_input_name(m, 0), "input x");
  EXPECT_EQ(loom_model_input_shape(m, 0)[0], -1);
  EXPECT_EQ(loom_model_output_dtype(m, 0), LOOM_DTYPE_INT64);
  EXPECT_EQ(loom_model_input_name(m, 5), nullptr);
  loom_model_unload(m);
  EXPECT_EQ(loom_model_load("/nonexistent/libmodel.so", &m), LOOM_ERROR_IO);
}

/// A model made from a stand-in entry point: one float32 input x of [2]
/// (zeros) and one float32 output y of run-time length.
struct OneInputModel {
  loom_model *model = nullptr;
  loom_tensor *x = nullptr;
  float data[2] = {0, 0};
  explicit OneInputModel(void (*entry)(void **)) {
    int64_t shape[] = {2};
    EXPECT_EQ(loom_model_from_symbols("in 1 1 2 x\nout 1 1 -1 y\n", entry, &model), LOOM_OK);
    EXPECT_EQ(loom_tensor_wrap(LOOM_DTYPE_FLOAT32, shape, 1, data, &x), LOOM_OK);
  }
  ~OneInputModel() {
    loom_tensor_destroy(x);
    loom_model_unload(model);
  }
};

// Generated code allocates through loomrt_buffer_alloc; a buffer the machine
// cannot give (2^50 bytes: beyond x86-64's address space) stops the run with
// LOOM_ERROR_OUT_OF_MEMORY instead of handing the code a null pointer. The
// blocks the run still held, its output's too, are freed (the sanitizer
// build's leak check sees any left), and the model runs again afterwards.
TEST(Model, OutOfMemoryStopsTheRun) {
  static bool askTooMuch = false, reachedAfterFailure = false;
  auto entry = [](void **args) {
    auto *result = static_cast<int64_t *>(args[0]);
    void *small = loomrt_buffer_alloc(100);
    auto *out = static_cast<float *>(loomrt_buffer_alloc(1 << 20));
    // Many short-lived blocks, some kept: the run's log is compacted on the
    // way. (A plain array: the longjmp skips this frame's destructors, as it
    // does generated code's, which has none.)
    void *kept[200];
    for (int i = 0; i < 200000; ++i) {
      void *block = loomrt_buffer_alloc(32);
      if (i % 1000 == 0)
        kept[i / 1000] = block;
      else
        loomrt_buffer_free(block);
    }
    for (int i = 0; i < 4; ++i)
      out[i] = float(i);
    int64_t descriptor[] = {reinterpret_cast<int64_t>(out), reinterpret_cast<int64_t>(out), 0,
                            4, 1};
    std::copy(descriptor, descriptor + 5, result);
    if (askTooMuch) {
      loomrt_buffer_alloc(uint64_t(1) << 50);
      reachedAfterFailure = true;
    }
    for (void *block : kept)
      loomrt_buffer_free(block);
    loomrt_buffer_free(small);
  };
  OneInputModel model(entry);
  loom_model *m = model.model;
  loom_tensor *x = model.x, *y = nullptr;

  askTooMuch = true;
  EXPECT_EQ(loom_model_run(m, &x, 1, &y, 1), LOOM_ERROR_OUT_OF_MEMORY);
  EXPECT_FALSE(reachedAfterFailure);
  EXPECT_EQ(y, nullptr);
  EXPECT_NE(std::string(loom_last_error()).find("could not allocate a buffer of 1125899906842624 "
                                                "bytes (1073741824 MiB); the run was stopped"),
            std::string::npos)
      << loom_last_error();

  askTooMuch = false;
  ASSERT_EQ(loom_model_run(m, &x, 1, &y, 1), LOOM_OK) << loom_last_error();
  ASSERT_EQ(loom_tensor_shape(y)[0], 4);
  EXPECT_EQ(static_cast<const float *>(loom_tensor_data(y))[3], 3.0f);
  loom_tensor_destroy(y);
}

// Inside a parallel region a run cannot be abandoned (OpenMP's other threads
// are mid-region): the process exits with the message instead of faulting,
// whichever thread of the team fails: the calling one, whose guarded run it
// is, or another (which has none of its own). Each test pins the failing
// allocation to one of them: the other thread's tasks wait until it started
// one (64 tasks, so both threads claim some).
static std::thread::id parallelCaller;
static std::atomic<bool> failingThreadStarted{false};
static bool failOnCaller = true;

static void failInsideParallelLoop(void **) {
  parallelCaller = std::this_thread::get_id();
  loomrt::parallelFor(64, [](int64_t) {
    if ((std::this_thread::get_id() == parallelCaller) == failOnCaller) {
      failingThreadStarted = true;
      loomrt_buffer_alloc(uint64_t(1) << 50);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!failingThreadStarted && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
  });
}

static void expectOutOfMemoryExit(bool onCaller) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ASSERT_EQ(loom_set_num_threads(2), LOOM_OK); // a parallel region even on one core
  failOnCaller = onCaller;
  OneInputModel model(failInsideParallelLoop);
  loom_model *m = model.model;
  loom_tensor *x = model.x, *y = nullptr;
  EXPECT_EXIT(loom_model_run(m, &x, 1, &y, 1), ::testing::ExitedWithCode(1),
              "out of memory: the model's code could not allocate a buffer of "
              "1125899906842624 bytes inside a parallel loop");
  ASSERT_EQ(loom_set_num_threads(0), LOOM_OK);
}

TEST(ModelDeathTest, OutOfMemoryInsideAParallelLoopExits) { expectOutOfMemoryExit(true); }

TEST(ModelDeathTest, OutOfMemoryOnAnotherThreadOfTheLoopExits) { expectOutOfMemoryExit(false); }

// "check" lines: input sizes the generated code takes to agree. Malformed
// ones and ones naming dimensions the inputs lack are refused at load; the
// others are verified before the entry runs (it must not run on a mismatch).
TEST(Model, SizeChecksInTheSignature) {
  loom_model *m = nullptr;
  static int runs = 0;
  auto entry = [](void **) { ++runs; };
  const char *inputs = "in 1 1 -1 a\nin 1 2 -1 -1 b\nout 1 1 -1 y\n";
  for (const char *bad : {"check 0 0 1\n", "check 0 1 1 0 0 op\n", "check 3 0 0 0 0 op\n",
                          "check 0 0 1 2 0 op\n", "check 0 0 -1 0 -5 op\n"}) {
    std::string text = std::string(inputs) + bad;
    EXPECT_EQ(loom_model_from_symbols(text.c_str(), entry, &m), LOOM_ERROR_FORMAT) << bad;
  }
  std::string text = std::string(inputs) + "check 1 1 0 0 0 onnx.Add 'n'\ncheck 1 0 -1 0 2 onnx.Mul\n";
  ASSERT_EQ(loom_model_from_symbols(text.c_str(), entry, &m), LOOM_OK);
  float data[12] = {};
  auto run = [&](int64_t n, int64_t rows, int64_t cols) {
    int64_t sa[1] = {n}, sb[2] = {rows, cols};
    loom_tensor *a = nullptr, *b = nullptr, *y = nullptr;
    EXPECT_EQ(loom_tensor_wrap(LOOM_DTYPE_FLOAT32, sa, 1, data, &a), LOOM_OK);
    EXPECT_EQ(loom_tensor_wrap(LOOM_DTYPE_FLOAT32, sb, 2, data, &b), LOOM_OK);
    const loom_tensor *in[2] = {a, b};
    loom_status status = loom_model_run(m, in, 2, &y, 1);
    loom_tensor_destroy(a);
    loom_tensor_destroy(b);
    return std::make_pair(status, std::string(loom_last_error()));
  };
  auto [status, message] = run(3, 2, 4);
  EXPECT_EQ(status, LOOM_ERROR_SIGNATURE);
  EXPECT_EQ(message, "input 1 ('b') dimension 1 is 4 and input 0 ('a') dimension 0 is 3, but "
                     "onnx.Add 'n' needs them equal");
  std::tie(status, message) = run(3, 5, 3);
  EXPECT_EQ(status, LOOM_ERROR_SIGNATURE);
  EXPECT_EQ(message, "input 1 ('b') dimension 0 is 5, but onnx.Mul needs 2 there");
  EXPECT_EQ(runs, 0);
  loom_model_unload(m);
}

} // namespace
