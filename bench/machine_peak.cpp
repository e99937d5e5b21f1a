//===- machine_peak.cpp - what this machine can do at most ---------------===//
//
// Measures, with every core busy, the f32 FMA peak (independent AVX2 FMA
// chains, and AVX-512 ones where the CPU has AVX-512F) and the read
// bandwidth of main memory (summing a buffer far larger than the caches).
// Benchmarks report their numbers as fractions of these.
//
// Prints: "fma_peak_gflops <x>" (AVX2), "fma_peak_avx512_gflops <x>" (only
// with AVX-512) and "read_bandwidth_gbs <y>".
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include <immintrin.h>

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kChains = 12; // + 2 constants: 14 of the 16 ymm registers

__attribute__((target("avx2,fma"))) float fmaChains(long iterations) {
  // Independent accumulators hide the FMA latency (4-5 cycles) on two ports.
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm256_set1_ps(float(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long n = 0; n < iterations; ++n)
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  __m256 sum = acc[0];
  for (int i = 1; i < kChains; ++i)
    sum = _mm256_add_ps(sum, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, sum);
  return out[0];
}

constexpr int kChains512 = 24; // + 2 constants: 26 of the 32 zmm registers

__attribute__((target("avx512f"))) float fmaChains512(long iterations) {
  __m512 acc[kChains512];
  for (int i = 0; i < kChains512; ++i)
    acc[i] = _mm512_set1_ps(float(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long n = 0; n < iterations; ++n)
    for (int i = 0; i < kChains512; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 sum = acc[0];
  for (int i = 1; i < kChains512; ++i)
    sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

/// GFLOP/s of `threads` threads each running chains(iterations), which does
/// flopsPerIteration FLOPs per iteration.
template <typename Chains>
double fmaPeak(int threads, Chains chains, long iterations, double flopsPerIteration) {
  std::vector<std::thread> pool;
  std::atomic<float> sink{0};
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] { sink = sink + chains(iterations); });
  for (auto &t : pool)
    t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return flopsPerIteration * double(iterations) * threads / seconds / 1e9;
}

/// Sums [p, p + n) as four sequential streams at once (quarters of the
/// range): several streams per core keep more cache-line fetches in flight
/// than one, as kernels that read several rows at a time do.
__attribute__((target("avx2"))) float sumRange(const float *p, size_t n) {
  size_t quarter = n / 4 / 8 * 8;
  const float *q0 = p, *q1 = p + quarter, *q2 = p + 2 * quarter, *q3 = p + 3 * quarter;
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 8 <= quarter; i += 8) {
    a0 = _mm256_add_ps(a0, _mm256_load_ps(q0 + i));
    a1 = _mm256_add_ps(a1, _mm256_load_ps(q1 + i));
    a2 = _mm256_add_ps(a2, _mm256_load_ps(q2 + i));
    a3 = _mm256_add_ps(a3, _mm256_load_ps(q3 + i));
  }
  float out[8];
  _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  return out[0];
}

double readBandwidth(int threads) {
  const size_t n = size_t(256) << 20; // 1 GiB of floats
  auto *data = static_cast<float *>(std::aligned_alloc(64, n * sizeof(float)));
  // Touch every page from the thread that will read it.
  size_t chunk = n / threads / 32 * 32;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] { std::fill(data + t * chunk, data + (t + 1) * chunk, 1.0f); });
  for (auto &t : pool)
    t.join();
  double best = 0;
  std::atomic<float> sink{0};
  for (int rep = 0; rep < 5; ++rep) {
    pool.clear();
    auto start = Clock::now();
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { sink = sink + sumRange(data + t * chunk, chunk); });
    for (auto &t : pool)
      t.join();
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    best = std::max(best, double(chunk * threads * sizeof(float)) / seconds / 1e9);
  }
  std::free(data);
  return best;
}

} // namespace

int main(int argc, char **argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : int(std::thread::hardware_concurrency());
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    std::fprintf(stderr, "machine_peak: this CPU has no AVX2/FMA; the peak is not measured\n");
    return 1;
  }
  std::printf("threads %d\n", threads);
  std::printf("fma_peak_gflops %.1f\n",
              fmaPeak(threads, fmaChains, 20'000'000, 2.0 * 8 * kChains));
  if (__builtin_cpu_supports("avx512f"))
    std::printf("fma_peak_avx512_gflops %.1f\n",
                fmaPeak(threads, fmaChains512, 10'000'000, 2.0 * 16 * kChains512));
  std::printf("read_bandwidth_gbs %.1f\n", readBandwidth(threads));
  return 0;
}
