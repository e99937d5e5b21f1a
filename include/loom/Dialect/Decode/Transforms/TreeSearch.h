//===- TreeSearch.h - speculation trees chosen from measurements -*- C++ -*-===//
//
// loom-run --acceptance-profile measures, per node of a model's speculation
// tree, how often it was drafted and accepted; loom-compile --tree=search
// chooses the tree for a node budget from that profile.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DIALECT_DECODE_TRANSFORMS_TREESEARCH_H
#define LOOM_DIALECT_DECODE_TRANSFORMS_TREESEARCH_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace loom::decode {

/// What loom-run --acceptance-profile writes: the tree it ran (a parent per
/// node) and, per node, how often it was drafted and accepted (node 0's
/// counts are the verify steps).
struct AcceptanceProfile {
  llvm::SmallVector<int64_t> parents, drafted, accepted;
};

/// Parses a profile; on failure returns nothing and sets `error` to a
/// message naming the line.
std::optional<AcceptanceProfile> parseAcceptanceProfile(llvm::StringRef text,
                                                       std::string &error);

struct TreeChoice {
  llvm::SmallVector<int64_t> parents;
  double expectedTokens = 1; // per verify step: accepted drafts plus the bonus
};

/// The tree of at most `budget` nodes that the profile predicts accepts the
/// most tokens per verify step, no deeper than `maxHeight` levels (the root's
/// included: the context holds no more) and, with `chainOnly`, a chain. The
/// profile gives, for a node at depth d that is its parent's r-th child, the
/// probability that it is drafted and accepted once its parent is (pooled
/// over the measured tree's nodes at (d, r); an unmeasured depth takes the
/// deepest measured one's rate for rank r, an unmeasured rank 0). A node's
/// chance is the product along its path, and the expected accepted tokens
/// the sum over nodes; nodes are added greedily by that chance (a child's is
/// never above its parent's, so each step adds the best node left), so every
/// prefix of the result is the best tree of its size, which suits drafting
/// that stops at the first node it has nothing for. Nodes whose chance is 0
/// are not added: the tree may be smaller than the budget.
TreeChoice searchTokenTree(const AcceptanceProfile &profile, int64_t budget, int64_t maxHeight,
                           bool chainOnly);

} // namespace loom::decode

#endif // LOOM_DIALECT_DECODE_TRANSFORMS_TREESEARCH_H
