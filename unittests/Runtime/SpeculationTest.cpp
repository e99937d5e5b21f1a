//===- SpeculationTest.cpp - loomrt's drafting and tree verification ------===//
//
// Prompt-lookup drafts on hand-made histories; greedy verification on a
// branching tree; and the losslessness of speculative sampling: the tokens
// verification produces are distributed as the sampler's own draws (chi-square
// over many seeds, against the distribution computed from the logits here).
//
//===----------------------------------------------------------------------===//

#include "Speculation.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace loomrt;

namespace {

TEST(Speculation, NgramDraftsFollowTheLatestMatch) {
  // "5 6" occurred before, followed by 7; then "5 6 7" by 9; then "6 7 9" by 5.
  std::vector<int64_t> history = {1, 5, 6, 7, 9, 5, 6};
  EXPECT_EQ(draftNgram(history, {-1, 0, 1, 2}, 3), (std::vector<int64_t>{6, 7, 9, 5}));
  // With 1-grams only, the latest "6" (position 2) is followed by 7 too.
  EXPECT_EQ(draftNgram(history, {-1, 0}, 1), (std::vector<int64_t>{6, 7}));
}

TEST(Speculation, NgramSiblingsTakeDistinctContinuations) {
  // "3" was followed by 8 (latest) and by 4: two children of the root.
  EXPECT_EQ(draftNgram({3, 4, 3, 8, 3}, {-1, 0, 0}, 2), (std::vector<int64_t>{3, 8, 4}));
  // A third child has nothing left to propose: drafting stops there.
  EXPECT_EQ(draftNgram({3, 4, 3, 8, 3}, {-1, 0, 0, 0}, 2), (std::vector<int64_t>{3, 8, 4}));
}

TEST(Speculation, NgramWithoutMatchDraftsOnlyTheRoot) {
  EXPECT_EQ(draftNgram({1, 2, 3}, {-1, 0, 1}, 3), (std::vector<int64_t>{3}));
  EXPECT_EQ(draftNgram({7}, {-1, 0}, 3), (std::vector<int64_t>{7}));
}

TEST(Speculation, GreedyAcceptsTheArgmaxPath) {
  // Tree: root -> node 1 (token 2), node 2 (token 1); node 1 -> node 3 (token 3).
  std::vector<int64_t> parents = {-1, 0, 0, 1}, tokens = {0, 2, 1, 3};
  std::vector<float> logits = {
      0, 5, 1, 0, // root: argmax 1 -> node 2
      0, 0, 0, 9, // node 1 (not on the path)
      4, 0, 0, 1, // node 2: argmax 0, no child -> bonus 0
      0, 0, 0, 0};
  Verification v = verifyTree(logits.data(), 4, 4, tokens, parents, 4, {0}, 10, SamplerOptions{},
                              3);
  EXPECT_EQ(v.path, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(v.bonus, 0);
  // All accepted: root -> node 1 (argmax 2) -> node 3 (argmax 3); bonus from node 3.
  logits = {0, 0, 5, 0, 0, 0, 0, 9, 0, 0, 0, 0, 1, 0, 0, 0};
  v = verifyTree(logits.data(), 4, 4, tokens, parents, 4, {0}, 10, SamplerOptions{}, 3);
  EXPECT_EQ(v.path, (std::vector<int64_t>{0, 1, 3}));
  EXPECT_EQ(v.bonus, 0);
  // Only the first two nodes verified: node 2 is not a candidate.
  logits = {0, 5, 1, 0, 0, 0, 7, 0};
  v = verifyTree(logits.data(), 4, 4, tokens, parents, 2, {0}, 10, SamplerOptions{}, 3);
  EXPECT_EQ(v.path, (std::vector<int64_t>{0}));
  EXPECT_EQ(v.bonus, 1);
}

const std::vector<float> kRoot = {2.0f, 1.0f, 0.5f, 0.0f, -1.0f, -3.0f, 1.5f, 0.25f};
const std::vector<float> kChild = {0.0f, 2.5f, -1.0f, 1.0f, 0.5f, 0.0f, -2.0f, 1.0f};
constexpr int kVocab = 8;

std::vector<double> softmax(const std::vector<float> &z, double t) {
  std::vector<double> p(z.size());
  double total = 0;
  for (size_t i = 0; i < z.size(); ++i)
    total += p[i] = std::exp(z[i] / t);
  for (double &v : p)
    v /= total;
  return p;
}

/// Chi-square of counts against p; cells with p = 0 must be empty.
double chiSquare(const std::vector<int> &counts, const std::vector<double> &p) {
  int n = 0;
  for (int c : counts)
    n += c;
  double chi = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " has probability 0";
      continue;
    }
    double e = p[i] * n;
    chi += (counts[i] - e) * (counts[i] - e) / e;
  }
  return chi;
}

// The 0.999 quantile of chi-square with 7 degrees of freedom: a correct rule
// fails with probability < 0.1%, and the seeds are fixed (deterministic).
constexpr double kLimit = 24.3;
constexpr int kRuns = 40000;

/// The first token a verification produces: the first accepted draft, or the
/// bonus.
int64_t firstToken(const Verification &v, const std::vector<int64_t> &tokens) {
  return v.path.size() > 1 ? tokens[size_t(v.path[1])] : v.bonus;
}

TEST(Speculation, SamplingKeepsTheDistributionWithSeveralCandidates) {
  // The root's children propose tokens 0 (the likeliest), 6 and 0 again.
  std::vector<int64_t> parents = {-1, 0, 0, 0}, tokens = {3, 0, 6, 0};
  std::vector<float> logits;
  for (int r = 0; r < 4; ++r)
    logits.insert(logits.end(), kRoot.begin(), kRoot.end());
  for (double t : {1.0, 0.7}) {
    SamplerOptions options;
    options.temperature = float(t);
    std::vector<int> counts(kVocab, 0);
    int accepted = 0;
    for (int seed = 0; seed < kRuns; ++seed) {
      options.seed = uint64_t(seed);
      Verification v =
          verifyTree(logits.data(), kVocab, kVocab, tokens, parents, 4, {3}, 5, options, 2);
      ++counts[size_t(firstToken(v, tokens))];
      accepted += v.path.size() > 1;
    }
    EXPECT_LT(chiSquare(counts, softmax(kRoot, t)), kLimit) << "temperature " << t;
    // The drafts hold most of the mass: most verifications accept one.
    EXPECT_GT(accepted, kRuns / 2);
  }
}

TEST(Speculation, SamplingAfterAnAcceptedDraftFollowsItsRow) {
  // A chain root -> 1 -> 3: after node 1 (token 1) is accepted, the next token
  // comes from node 1's row whether node 3 is accepted or not.
  std::vector<int64_t> parents = {-1, 0, 1}, tokens = {2, 1, 3};
  std::vector<float> logits = kRoot;
  logits.insert(logits.end(), kChild.begin(), kChild.end());
  logits.insert(logits.end(), kRoot.begin(), kRoot.end());
  SamplerOptions options;
  options.temperature = 1.0f;
  std::vector<int> first(kVocab, 0), second(kVocab, 0);
  for (int seed = 0; seed < kRuns; ++seed) {
    options.seed = uint64_t(seed);
    Verification v = verifyTree(logits.data(), kVocab, kVocab, tokens, parents, 3, {2}, 5,
                                options, 3);
    ++first[size_t(firstToken(v, tokens))];
    if (v.path.size() > 1)
      ++second[size_t(v.path.size() > 2 ? tokens[size_t(v.path[2])] : v.bonus)];
  }
  EXPECT_LT(chiSquare(first, softmax(kRoot, 1.0)), kLimit);
  EXPECT_LT(chiSquare(second, softmax(kChild, 1.0)), kLimit);
}

TEST(Speculation, SamplingWithFiltersNeverDrawsAFilteredToken) {
  // top-k 2 keeps tokens 0 and 6; a drafted 4 must never be accepted.
  std::vector<int64_t> parents = {-1, 0}, tokens = {1, 4};
  std::vector<float> logits = kRoot;
  logits.insert(logits.end(), kRoot.begin(), kRoot.end());
  SamplerOptions options;
  options.temperature = 1.0f;
  options.topK = 2;
  std::vector<int> counts(kVocab, 0);
  for (int seed = 0; seed < kRuns; ++seed) {
    options.seed = uint64_t(seed);
    Verification v =
        verifyTree(logits.data(), kVocab, kVocab, tokens, parents, 2, {1}, 5, options, 2);
    ++counts[size_t(firstToken(v, tokens))];
  }
  std::vector<double> p(kVocab, 0.0);
  double z = std::exp(2.0) + std::exp(1.5);
  p[0] = std::exp(2.0) / z;
  p[6] = std::exp(1.5) / z;
  EXPECT_LT(chiSquare(counts, p), 10.8); // 1 degree of freedom, 0.999 quantile
}

} // namespace
