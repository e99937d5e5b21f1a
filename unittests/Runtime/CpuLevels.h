//===- CpuLevels.h - run a kernel test once per instruction-set level -----===//
//
// Kernel tests take a loomrt::CpuLevel as (part of) their parameter and run
// with that variant forced. A level the host lacks (or LOOM_CPU_FEATURES
// rules out) is skipped with a message (reported by gtest as SKIPPED, not
// as passed); the level the kernels had before is restored after each test.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_UNITTESTS_RUNTIME_CPULEVELS_H
#define LOOM_UNITTESTS_RUNTIME_CPULEVELS_H

#include "Kernels/CpuFeatures.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <tuple>

namespace loomtest {

inline const auto kAllCpuLevels = ::testing::Values(
    loomrt::CpuLevel::Portable, loomrt::CpuLevel::Avx2, loomrt::CpuLevel::Avx512);

/// The same plus AVX-512 with VNNI, for the kernels that have a VNNI
/// variant (the others run their AVX-512 code at that level).
inline const auto kAllCpuLevelsWithVnni =
    ::testing::Values(loomrt::CpuLevel::Portable, loomrt::CpuLevel::Avx2,
                      loomrt::CpuLevel::Avx512, loomrt::CpuLevel::Avx512Vnni);

/// Why a variant is skipped: "variant avx512 not run: ...".
inline std::string notRunReason(loomrt::CpuLevel level) {
  std::string reason = std::string("variant ") + loomrt::cpuLevelName(level) +
                       " not run: this CPU supports up to " +
                       loomrt::cpuLevelName(loomrt::hostCpuLevel());
  if (loomrt::allowedCpuLevel() != loomrt::hostCpuLevel())
    reason += std::string(", LOOM_CPU_FEATURES allows up to ") +
              loomrt::cpuLevelName(loomrt::allowedCpuLevel());
  return reason;
}

/// Forces `level` for the scope; `ran()` is false when the host lacks it.
class ScopedCpuLevel {
public:
  explicit ScopedCpuLevel(loomrt::CpuLevel level)
      : saved_(loomrt::cpuLevel()), ran_(loomrt::setCpuLevel(level)) {}
  ~ScopedCpuLevel() { loomrt::setCpuLevel(saved_); }
  bool ran() const { return ran_; }

private:
  loomrt::CpuLevel saved_;
  bool ran_;
};

/// A fixture whose parameter is a CpuLevel, or a tuple ending with one:
/// each test runs with that variant forced, or is skipped.
template <typename Param> class CpuLevelTest : public ::testing::TestWithParam<Param> {
protected:
  void SetUp() override {
    loomrt::CpuLevel level = levelOf(this->GetParam());
    guard_.emplace(level);
    if (!guard_->ran())
      GTEST_SKIP() << notRunReason(level);
  }
  void TearDown() override { guard_.reset(); }

private:
  static loomrt::CpuLevel levelOf(loomrt::CpuLevel level) { return level; }
  template <typename... T> static loomrt::CpuLevel levelOf(const std::tuple<T...> &param) {
    return std::get<sizeof...(T) - 1>(param);
  }
  std::optional<ScopedCpuLevel> guard_;
};

/// "_avx2" etc., for test names.
inline std::string levelSuffix(loomrt::CpuLevel level) {
  return std::string("_") + loomrt::cpuLevelName(level);
}

} // namespace loomtest

/// Forces `level` for the rest of the test, or skips the test (saying
/// which variant did not run and why) when the host lacks it.
#define LOOM_USE_CPU_LEVEL(level)                                                              \
  ::loomtest::ScopedCpuLevel loomCpuLevelGuard(level);                                         \
  if (!loomCpuLevelGuard.ran())                                                                \
    GTEST_SKIP() << ::loomtest::notRunReason(level);                                           \
  else                                                                                         \
    ::testing::Test::RecordProperty("cpu_level", loomrt::cpuLevelName(level))

#endif // LOOM_UNITTESTS_RUNTIME_CPULEVELS_H
