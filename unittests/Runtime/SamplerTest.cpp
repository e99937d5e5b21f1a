//===- SamplerTest.cpp - loomrt's token sampler ---------------------------===//
//
// The sampler's draws are compared with the distribution each option set
// intends, computed here from the definitions (softmax of logits/T, then the
// filters), with a chi-square test over many counters.
//
//===----------------------------------------------------------------------===//

#include "Sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace loomrt;

namespace {

const std::vector<float> kLogits = {2.0f, 1.0f, 0.5f, 0.0f, -1.0f, -3.0f, 1.5f, 0.25f};

/// softmax(logits / t) restricted to `keep` (renormalized).
std::vector<double> expected(double t, const std::vector<bool> &keep) {
  std::vector<double> p(kLogits.size(), 0.0);
  double total = 0;
  for (size_t i = 0; i < kLogits.size(); ++i)
    if (keep[i])
      total += p[i] = std::exp(kLogits[i] / t);
  for (double &v : p)
    v /= total;
  return p;
}

/// Chi-square statistic of `n` draws (counters 0..n-1) against `p`; any draw
/// of a token with p = 0 fails the test.
double chiSquare(const SamplerOptions &options, const std::vector<double> &p, int n) {
  std::vector<int> counts(p.size(), 0);
  for (int c = 0; c < n; ++c) {
    int64_t token = sampleToken(kLogits.data(), int64_t(kLogits.size()), options, uint64_t(c));
    EXPECT_GE(token, 0);
    EXPECT_LT(token, int64_t(p.size()));
    EXPECT_GT(p[size_t(token)], 0.0) << "token " << token << " should have been filtered";
    ++counts[size_t(token)];
  }
  double chi = 0;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] > 0) {
      double e = p[i] * n;
      chi += (counts[i] - e) * (counts[i] - e) / e;
    }
  return chi;
}

// The 0.999 quantile of chi-square with at most 7 degrees of freedom is
// 24.3: a correct sampler fails this with probability < 0.1%, and the seed is
// fixed, so the test is deterministic.
constexpr double kChiSquareLimit = 24.3;
constexpr int kDraws = 40000;

void expectDistribution(const SamplerOptions &options, const std::vector<double> &p) {
  std::vector<double> actual =
      samplingDistribution(kLogits.data(), int64_t(kLogits.size()), options);
  for (size_t i = 0; i < p.size(); ++i)
    EXPECT_NEAR(actual[i], p[i], 1e-6) << "token " << i;
  EXPECT_LT(chiSquare(options, p, kDraws), kChiSquareLimit);
}

TEST(Sampler, CounterUniformIsAPureFunctionOfSeedAndCounter) {
  EXPECT_EQ(counterUniform(7, 12), counterUniform(7, 12));
  EXPECT_NE(counterUniform(7, 12), counterUniform(7, 13));
  EXPECT_NE(counterUniform(7, 12), counterUniform(8, 12));
  double sum = 0;
  for (uint64_t c = 0; c < 100000; ++c) {
    double u = counterUniform(3, c);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.005);
}

TEST(Sampler, GreedyTakesTheFirstLargestAndSkipsNaN) {
  SamplerOptions greedy;
  std::vector<float> ties = {0.5f, 3.0f, 3.0f, 1.0f};
  EXPECT_EQ(sampleToken(ties.data(), 4, greedy, 0), 1);
  std::vector<float> nan = {NAN, 1.0f, NAN, 2.0f};
  EXPECT_EQ(sampleToken(nan.data(), 4, greedy, 0), 3);
}

TEST(Sampler, TemperatureFollowsTheSoftmax) {
  SamplerOptions o;
  o.temperature = 0.7f;
  o.seed = 11;
  expectDistribution(o, expected(0.7, std::vector<bool>(kLogits.size(), true)));
}

TEST(Sampler, TopKKeepsTheKLargest) {
  SamplerOptions o;
  o.temperature = 1.0f;
  o.topK = 3; // 2.0, 1.5, 1.0: tokens 0, 6, 1
  o.seed = 12;
  expectDistribution(o, expected(1.0, {true, true, false, false, false, false, true, false}));
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  SamplerOptions o;
  o.temperature = 1.0f;
  o.topP = 0.65f;
  o.seed = 13;
  // Probabilities at T = 1 in order: token 0 (0.36), 6 (0.22), 1 (0.13), ...
  // 0.39 + 0.24 < 0.65, so the third is needed.
  std::vector<double> full = expected(1.0, std::vector<bool>(kLogits.size(), true));
  ASSERT_LT(full[0] + full[6], 0.65);
  ASSERT_GE(full[0] + full[6] + full[1], 0.65);
  expectDistribution(o, expected(1.0, {true, true, false, false, false, false, true, false}));
}

TEST(Sampler, MinPDropsTokensBelowAFractionOfTheTop) {
  SamplerOptions o;
  o.temperature = 1.0f;
  o.minP = 0.2f; // keep p >= 0.2 * p_max, i.e. logit >= 2 + ln 0.2 = 0.39
  o.seed = 14;
  expectDistribution(o, expected(1.0, {true, true, true, false, false, false, true, false}));
}

TEST(Sampler, FiltersCombine) {
  SamplerOptions o;
  o.temperature = 2.0f;
  o.topK = 5; // tokens 0, 6, 1, 2, 7
  o.minP = 0.5f; // at T = 2: logit >= 2 + 2 ln 0.5 = 0.61: tokens 0, 6, 1
  o.seed = 15;
  expectDistribution(o, expected(2.0, {true, true, false, false, false, false, true, false}));
}

TEST(Sampler, RepetitionPenaltyLowersTokensAlreadyInTheText) {
  SamplerOptions o;
  o.repetitionPenalty = 2.0f;
  std::vector<float> logits = {1.0f, 0.9f, -0.5f};
  int64_t history[] = {0, 0, 2};
  // 1.0 / 2 = 0.5 < 0.9: greedy moves to token 1.
  EXPECT_EQ(sampleToken(logits.data(), 3, o, 0, history, 3), 1);
  std::vector<double> p = samplingDistribution(logits.data(), 3, o, history, 3);
  EXPECT_EQ(p[1], 1.0);
  // Negative logits are multiplied: -0.5 * 2 = -1 (checked through T = 1).
  o.temperature = 1.0f;
  p = samplingDistribution(logits.data(), 3, o, history, 3);
  double z = std::exp(0.5) + std::exp(0.9) + std::exp(-1.0);
  EXPECT_NEAR(p[2], std::exp(-1.0) / z, 1e-6);
}

TEST(Sampler, SameSeedSameTokensOtherSeedOtherTokens) {
  SamplerOptions a;
  a.temperature = 1.0f;
  a.seed = 1;
  SamplerOptions b = a;
  b.seed = 2;
  int same = 0, differ = 0;
  for (uint64_t c = 0; c < 200; ++c) {
    int64_t t = sampleToken(kLogits.data(), 8, a, c);
    EXPECT_EQ(t, sampleToken(kLogits.data(), 8, a, c));
    (t == sampleToken(kLogits.data(), 8, b, c) ? same : differ) += 1;
  }
  EXPECT_GT(differ, 50);
}

} // namespace
