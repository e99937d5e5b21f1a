//===- CpuFeatures.cpp - the kernel variant level, resolved once ----------===//

#include "CpuFeatures.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

loomrt::CpuLevel detect() {
#if defined(__x86_64__)
  // __builtin_cpu_supports also checks that the OS saves the registers
  // (XCR0), so a level reported here is usable.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma"))
    return __builtin_cpu_supports("avx512vnni") ? loomrt::CpuLevel::Avx512Vnni
                                                 : loomrt::CpuLevel::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return loomrt::CpuLevel::Avx2;
#endif
  return loomrt::CpuLevel::Portable;
}

/// The host's level capped by LOOM_CPU_FEATURES (an unknown value is
/// reported once on stderr and ignored: loomrt does not fail over it).
int resolve() {
  loomrt::CpuLevel level = loomrt::hostCpuLevel();
  const char *wanted = std::getenv("LOOM_CPU_FEATURES");
  if (!wanted || !*wanted)
    return int(level);
  for (int l = 0; l < loomrt::kNumCpuLevels; ++l)
    if (std::strcmp(wanted, loomrt::cpuLevelName(loomrt::CpuLevel(l))) == 0)
      return l < int(level) ? l : int(level);
  std::fprintf(stderr,
               "loomrt: LOOM_CPU_FEATURES=%s is not one of portable, avx2, avx512, avx512vnni; ignored\n",
               wanted);
  return int(level);
}

} // namespace

const char *loomrt::cpuLevelName(CpuLevel level) {
  switch (level) {
  case CpuLevel::Portable:
    return "portable";
  case CpuLevel::Avx2:
    return "avx2";
  case CpuLevel::Avx512:
    return "avx512";
  case CpuLevel::Avx512Vnni:
    return "avx512vnni";
  }
  return "portable";
}

loomrt::CpuLevel loomrt::hostCpuLevel() {
  static const CpuLevel host = detect();
  return host;
}

loomrt::CpuLevel loomrt::allowedCpuLevel() {
  static const CpuLevel allowed = CpuLevel(resolve());
  return allowed;
}

std::atomic<int> &loomrt::detail::cpuLevelSlot() {
  static std::atomic<int> slot{int(allowedCpuLevel())};
  return slot;
}

bool loomrt::setCpuLevel(CpuLevel level) {
  if (int(level) < 0 || int(level) > int(allowedCpuLevel()))
    return false;
  detail::cpuLevelSlot().store(int(level), std::memory_order_relaxed);
  return true;
}
