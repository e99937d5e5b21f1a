//===- gemm_bench.cpp - loom's compiled MatMul against OpenBLAS ----------===//
//
// gemm_bench MODEL.so M K N THREADS REPS
//
// MODEL.so is `loom-compile` output for a MatMul of an MxK by a KxN input.
// Runs it through loomrt and cblas_sgemm on the same random inputs, checks
// that the two agree (relative max-norm error < 1e-4) and prints, per
// engine, the median time of REPS runs:
//   "<engine> <ms> ms"
//
//===----------------------------------------------------------------------===//

#include "loom-c/Runtime.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace {

template <typename F> double medianMs(int reps, F &&run) {
  run(); // warm-up: page faults, thread start-up, packing buffers
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    auto start = std::chrono::steady_clock::now();
    run();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: gemm_bench MODEL.so M K N THREADS REPS\n");
    return 2;
  }
  int64_t m = std::atoll(argv[2]), k = std::atoll(argv[3]), n = std::atoll(argv[4]);
  int threads = std::atoi(argv[5]), reps = std::atoi(argv[6]);
  loom_model *model;
  if (loom_model_load(argv[1], &model) != LOOM_OK ||
      loom_set_num_threads(threads) != LOOM_OK) {
    std::fprintf(stderr, "gemm_bench: %s\n", loom_last_error());
    return 2;
  }
  openblas_set_num_threads(threads);

  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> a(m * k), b(k * n), c(m * n);
  for (float &x : a) x = dist(rng);
  for (float &x : b) x = dist(rng);
  int64_t aShape[] = {m, k}, bShape[] = {k, n};
  loom_tensor *inputs[2];
  loom_tensor_wrap(LOOM_DTYPE_FLOAT32, aShape, 2, a.data(), &inputs[0]);
  loom_tensor_wrap(LOOM_DTYPE_FLOAT32, bShape, 2, b.data(), &inputs[1]);

  loom_tensor *out = nullptr;
  bool failed = false;
  double loomMs = medianMs(reps, [&] {
    loom_tensor_destroy(out);
    failed |= loom_model_run(model, inputs, 2, &out, 1) != LOOM_OK;
  });
  if (failed) {
    std::fprintf(stderr, "gemm_bench: %s\n", loom_last_error());
    return 2;
  }
  double blasMs = medianMs(reps, [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(m), int(n), int(k), 1.0f,
                a.data(), int(k), b.data(), int(n), 0.0f, c.data(), int(n));
  });

  const float *got = static_cast<const float *>(loom_tensor_data(out));
  double maxDiff = 0, maxRef = 0;
  for (int64_t i = 0; i < m * n; ++i) {
    maxDiff = std::max(maxDiff, double(std::fabs(got[i] - c[i])));
    maxRef = std::max(maxRef, double(std::fabs(c[i])));
  }
  double relError = maxDiff / std::max(maxRef, 1e-30);
  std::printf("check max_relative_difference %.2e\n", relError);
  std::printf("loom %.4f ms\n", loomMs);
  std::printf("openblas %.4f ms\n", blasMs);
  loom_tensor_destroy(out);
  loom_tensor_destroy(inputs[0]);
  loom_tensor_destroy(inputs[1]);
  loom_model_unload(model);
  if (relError > 1e-4) {
    std::fprintf(stderr, "gemm_bench: loom and OpenBLAS disagree\n");
    return 1;
  }
  return 0;
}
