//===- softmax_bench.cpp - loomrt's softmax row kernels, timed alone ------===//
//
// softmax_bench ROWS COLS THREADS REPS
//
// Runs loomrt_softmax_f32 (the kernel that loom.softmax on the last axis
// calls) with each algorithm (and with two-pass recomputing its
// exponentials in the second pass, as the paper does) on the same random rows (N(0, 10^2)) into a
// preallocated output, so that the time is the algorithm's and not the
// output allocation's. Checks every algorithm against a float64 softmax of
// 64 spread-out rows (max absolute difference < 1e-5, max relative
// difference on entries above 1e-30 < 1e-4) and prints the median of REPS
// runs (the algorithms take turns):
//   "<algorithm> <ms> ms"
//
//===----------------------------------------------------------------------===//

#include "loom-c/Runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace {
struct View2 {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};
} // namespace

extern "C" void _mlir_ciface_loomrt_softmax_f32(View2 *in, View2 *out, int32_t algorithm);

int main(int argc, char **argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: softmax_bench ROWS COLS THREADS REPS\n");
    return 2;
  }
  int64_t rows = std::atoll(argv[1]), cols = std::atoll(argv[2]);
  int threads = std::atoi(argv[3]), reps = std::atoi(argv[4]);
  if (rows <= 0 || cols <= 0 || reps <= 0 || loom_set_num_threads(threads) != LOOM_OK) {
    std::fprintf(stderr, "softmax_bench: bad arguments\n");
    return 2;
  }
  std::vector<float> x(size_t(rows * cols)), y(x.size());
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 10.0f);
  for (float &v : x)
    v = dist(rng);
  View2 in{x.data(), x.data(), 0, {rows, cols}, {cols, 1}};
  View2 out{y.data(), y.data(), 0, {rows, cols}, {cols, 1}};

  // 3: two-pass recomputing exp in its second pass, as the paper does.
  const char *names[] = {"three-pass", "two-pass", "online", "two-pass-recompute"};
  const int32_t numAlgorithms = 4;
  bool ok = true;
  for (int32_t algorithm = 0; algorithm < numAlgorithms; ++algorithm) {
    std::fill(y.begin(), y.end(), -1.0f);
    _mlir_ciface_loomrt_softmax_f32(&in, &out, algorithm); // warm-up, checked below
    double maxAbs = 0, maxRel = 0;
    for (int64_t r = 0; r < rows; r += std::max<int64_t>(1, rows / 64)) {
      const float *xr = &x[size_t(r * cols)];
      double m = *std::max_element(xr, xr + cols), sum = 0;
      for (int64_t c = 0; c < cols; ++c)
        sum += std::exp(double(xr[c]) - m);
      for (int64_t c = 0; c < cols; ++c) {
        double want = std::exp(double(xr[c]) - m) / sum, got = y[size_t(r * cols + c)];
        maxAbs = std::max(maxAbs, std::fabs(got - want));
        if (want > 1e-30)
          maxRel = std::max(maxRel, std::fabs(got - want) / want);
      }
    }
    std::printf("check %s max_abs %.2e max_rel %.2e\n", names[algorithm], maxAbs, maxRel);
    if (!(maxAbs < 1e-5 && maxRel < 1e-4)) {
      std::fprintf(stderr, "softmax_bench: %s differs from the float64 reference\n",
                   names[algorithm]);
      ok = false;
    }
  }
  // Timed runs interleave the algorithms (one run of each per round), so a
  // slow phase of a shared machine does not fall on one algorithm only.
  std::vector<double> times[numAlgorithms];
  for (int i = 0; i < reps; ++i)
    for (int32_t algorithm = 0; algorithm < numAlgorithms; ++algorithm) {
      auto start = std::chrono::steady_clock::now();
      _mlir_ciface_loomrt_softmax_f32(&in, &out, algorithm);
      times[algorithm].push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
  for (int32_t algorithm = 0; algorithm < numAlgorithms; ++algorithm) {
    std::sort(times[algorithm].begin(), times[algorithm].end());
    std::printf("%s %.4f ms\n", names[algorithm], times[algorithm][times[algorithm].size() / 2]);
  }
  return ok ? 0 : 1;
}
