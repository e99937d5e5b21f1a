//===- CpuFeatures.h - which kernel variants this CPU runs ------*- C++ -*-===//
//
// loomrt's kernels come in variants by instruction set: portable C++, AVX2
// with FMA, AVX-512 (F, BW, VL), AVX-512 with VNNI (the byte dot product
// vpdpbusd, which the quantized kernels use). The level is resolved once
// from CPUID, capped by the environment variable LOOM_CPU_FEATURES
// (portable, avx2, avx512, avx512vnni: the highest level to use), and each kernel indexes its table of
// variants with it. Tests lower it to run every variant on one host;
// raising it beyond the cap is refused, so LOOM_CPU_FEATURES=avx2 on an
// AVX-512 host behaves as an AVX2-only one.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_KERNELS_CPUFEATURES_H
#define LOOM_LIB_RUNTIME_KERNELS_CPUFEATURES_H

#include <atomic>

namespace loomrt {

enum class CpuLevel : int { Portable = 0, Avx2 = 1, Avx512 = 2, Avx512Vnni = 3 };
constexpr int kNumCpuLevels = 4;

/// "portable", "avx2", "avx512", "avx512vnni": the names LOOM_CPU_FEATURES takes.
const char *cpuLevelName(CpuLevel level);

/// The highest level this CPU (and OS) supports, ignoring LOOM_CPU_FEATURES.
CpuLevel hostCpuLevel();

/// The highest level the kernels may use: the host's, capped by
/// LOOM_CPU_FEATURES (read once).
CpuLevel allowedCpuLevel();

namespace detail {
std::atomic<int> &cpuLevelSlot();
} // namespace detail

/// The level the kernels use now (one relaxed load per call).
inline CpuLevel cpuLevel() {
  return CpuLevel(detail::cpuLevelSlot().load(std::memory_order_relaxed));
}

/// Makes the kernels use `level` from now on; false (nothing changed) above
/// allowedCpuLevel(). Not for use while kernels run.
bool setCpuLevel(CpuLevel level);

} // namespace loomrt

// Functions between LOOM_TARGET_*_BEGIN and LOOM_TARGET_END are compiled for
// that instruction set whatever the compiler flags (lambdas and member
// functions included), so the same source can be included once per level.
#if defined(__x86_64__) && defined(__clang__)
#define LOOM_TARGET_AVX2_BEGIN                                                                    \
  _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)")
#define LOOM_TARGET_AVX512_BEGIN                                                                  \
  _Pragma("clang attribute push(__attribute__((target(\"avx512f,avx512bw,avx512vl,avx2,fma\"))), apply_to = function)")
#define LOOM_TARGET_AVX512VNNI_BEGIN                                                              \
  _Pragma("clang attribute push(__attribute__((target(\"avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma\"))), apply_to = function)")
#define LOOM_TARGET_END _Pragma("clang attribute pop")
#elif defined(__x86_64__) && defined(__GNUC__)
#define LOOM_TARGET_AVX2_BEGIN _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma\")")
#define LOOM_TARGET_AVX512_BEGIN                                                                  \
  _Pragma("GCC push_options") _Pragma("GCC target(\"avx512f,avx512bw,avx512vl,avx2,fma\")")
#define LOOM_TARGET_AVX512VNNI_BEGIN                                                              \
  _Pragma("GCC push_options") _Pragma("GCC target(\"avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma\")")
#define LOOM_TARGET_END _Pragma("GCC pop_options")
#endif

#endif // LOOM_LIB_RUNTIME_KERNELS_CPUFEATURES_H
