//===- TreeSearchTest.cpp - speculation trees from acceptance profiles ----===//
//
// Profiles as loom-run --acceptance-profile writes them, and the trees
// loom-compile --tree=search chooses from them, against expected values
// computed by hand in the comments.
//
//===----------------------------------------------------------------------===//

#include "loom/Dialect/Decode/Transforms/TreeSearch.h"

#include <gtest/gtest.h>

using namespace loom::decode;

namespace {

// Tree -1,0,0,1 over 100 verify steps: node 1 (depth 1, first child) accepted
// 50 times: rate 0.5; node 2 (depth 1, second child) 20: 0.2; node 3 (depth 2,
// first child of node 1) 30 of node 1's 50: 0.6.
constexpr const char *kProfile = "# comment\n"
                                 "tree -1,0,0,1\n"
                                 "node 0 drafted 100 accepted 100\n"
                                 "node 1 drafted 100 accepted 50\n"
                                 "node 2 drafted 60 accepted 20\n"
                                 "node 3 drafted 50 accepted 30\n";

AcceptanceProfile parse(const char *text) {
  std::string error;
  std::optional<AcceptanceProfile> profile = parseAcceptanceProfile(text, error);
  EXPECT_TRUE(profile.has_value()) << error;
  return profile.value_or(AcceptanceProfile{});
}

TEST(TreeSearchTest, ParsesWhatLoomRunWrites) {
  AcceptanceProfile profile = parse(kProfile);
  EXPECT_EQ(profile.parents, (llvm::SmallVector<int64_t>{-1, 0, 0, 1}));
  EXPECT_EQ(profile.drafted, (llvm::SmallVector<int64_t>{100, 100, 60, 50}));
  EXPECT_EQ(profile.accepted, (llvm::SmallVector<int64_t>{100, 50, 20, 30}));
}

TEST(TreeSearchTest, RefusesMalformedProfilesNamingTheLine) {
  auto error = [](const char *text) {
    std::string why;
    EXPECT_FALSE(parseAcceptanceProfile(text, why).has_value()) << text;
    return why;
  };
  EXPECT_EQ(error("tree -1,0\nnode 0 drafted 5 accepted 5\nnode 1 drafted 5 accepted 6\n"),
            "line 3: counts must be 0 or more, accepted at most drafted");
  EXPECT_EQ(error("tree -1,2\n"),
            "line 1: the tree must list a parent per node, -1 for node 0 and an earlier node "
            "for the others");
  EXPECT_EQ(error("tree 0,0\n"),
            "line 1: the tree must list a parent per node, -1 for node 0 and an earlier node "
            "for the others");
  EXPECT_EQ(error("tree -1,0\nnode 0 drafted 5 accepted 5\n"),
            "the profile gives counts for 1 of the tree's 2 nodes");
  EXPECT_EQ(error("tree -1,0\nnode 0 drafted 5 accepted 5\nnode 0 drafted 5 accepted 5\n"),
            "line 3: node 0 is not a node of the tree or is repeated");
  EXPECT_EQ(error("tree -1,0\nnode 2 drafted 5 accepted 5\n"),
            "line 2: node 2 is not a node of the tree or is repeated");
  EXPECT_EQ(error("node 0 drafted 5 accepted 5\n"), "line 1: a node before the 'tree' line");
  EXPECT_EQ(error("tree -1,0\nnode 0 drafted 0 accepted 0\nnode 1 drafted 0 accepted 0\n"),
            "the profile counts no verify steps (node 0 accepted 0 times)");
  EXPECT_EQ(error("tree -1,0\nnode 0 drafted five accepted 5\n"),
            "line 2: expected 'node I drafted D accepted A', got 'node 0 drafted five "
            "accepted 5'");
  EXPECT_EQ(error(""), "no 'tree' line with at least two nodes");
}

TEST(TreeSearchTest, AddsTheLikeliestNodeEachTime) {
  AcceptanceProfile profile = parse(kProfile);
  // 4 nodes: node 1 (0.5), its child (0.5 x 0.6 = 0.3), the root's second
  // child (0.2, above the depth-3 node's 0.3 x 0.6 = 0.18).
  TreeChoice four = searchTokenTree(profile, 4, 100, false);
  EXPECT_EQ(four.parents, (llvm::SmallVector<int64_t>{-1, 0, 1, 0}));
  EXPECT_NEAR(four.expectedTokens, 1 + 0.5 + 0.3 + 0.2, 1e-12);
  // 5: the depth-3 node (depth 2's rate carried down: 0.18); the root's
  // third child and node 1's second were never measured (rate 0).
  TreeChoice five = searchTokenTree(profile, 5, 100, false);
  EXPECT_EQ(five.parents, (llvm::SmallVector<int64_t>{-1, 0, 1, 0, 2}));
  EXPECT_NEAR(five.expectedTokens, 2.0 + 0.18, 1e-12);
  // Every prefix of the result is the best tree of its size.
  EXPECT_EQ(llvm::SmallVector<int64_t>(five.parents.begin(), five.parents.begin() + 4),
            four.parents);
}

TEST(TreeSearchTest, StaysWithinTheContextAndChains) {
  AcceptanceProfile profile = parse(kProfile);
  // Three levels at most: the depth-3 node does not fit; the second child's
  // child (0.2 x 0.6 = 0.12) is next best.
  TreeChoice shallow = searchTokenTree(profile, 5, 3, false);
  EXPECT_EQ(shallow.parents, (llvm::SmallVector<int64_t>{-1, 0, 1, 0, 3}));
  // A model draft drafts chains: 0.5, 0.3, 0.18.
  TreeChoice chain = searchTokenTree(profile, 4, 100, true);
  EXPECT_EQ(chain.parents, (llvm::SmallVector<int64_t>{-1, 0, 1, 2}));
  EXPECT_NEAR(chain.expectedTokens, 1 + 0.5 + 0.3 + 0.18, 1e-12);
}

TEST(TreeSearchTest, AddsNothingNeverAccepted) {
  AcceptanceProfile profile = parse("tree -1,0,0\nnode 0 drafted 9 accepted 9\n"
                                    "node 1 drafted 9 accepted 0\nnode 2 drafted 9 accepted 0\n");
  TreeChoice choice = searchTokenTree(profile, 8, 100, false);
  EXPECT_EQ(choice.parents, (llvm::SmallVector<int64_t>{-1}));
  EXPECT_EQ(choice.expectedTokens, 1.0);
}

} // namespace
