//===- TreeSearch.cpp - speculation trees chosen from measurements -------===//

#include "loom/Dialect/Decode/Transforms/TreeSearch.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <map>

using namespace loom::decode;

std::optional<AcceptanceProfile> loom::decode::parseAcceptanceProfile(llvm::StringRef text,
                                                                     std::string &error) {
  AcceptanceProfile profile;
  llvm::SmallVector<llvm::StringRef> lines;
  text.split(lines, '\n');
  int64_t seenNodes = 0;
  for (auto [index, raw] : llvm::enumerate(lines)) {
    llvm::StringRef line = raw.trim();
    auto fail = [&, index = index](const std::string &why) {
      error = "line " + std::to_string(index + 1) + ": " + why;
      return std::nullopt;
    };
    if (line.empty() || line.starts_with("#"))
      continue;
    llvm::SmallVector<llvm::StringRef> words;
    llvm::SplitString(line, words);
    if (words[0] == "tree") {
      if (words.size() != 2 || !profile.parents.empty())
        return fail("expected one 'tree P0,P1,...' line");
      llvm::SmallVector<llvm::StringRef> items;
      words[1].split(items, ',');
      for (llvm::StringRef item : items) {
        int64_t parent = 0;
        bool root = profile.parents.empty();
        if (item.getAsInteger(10, parent) ||
            (root ? parent != -1 : parent < 0 || parent >= int64_t(profile.parents.size())))
          return fail("the tree must list a parent per node, -1 for node 0 and an earlier "
                      "node for the others");
        profile.parents.push_back(parent);
      }
      if (profile.parents.size() > 4096)
        return fail("the tree has more than 4096 nodes");
      profile.drafted.assign(profile.parents.size(), -1);
      profile.accepted.assign(profile.parents.size(), -1);
      continue;
    }
    int64_t node = 0, drafted = 0, accepted = 0;
    if (words[0] != "node" || words.size() != 6 || words[2] != "drafted" ||
        words[4] != "accepted" || words[1].getAsInteger(10, node) ||
        words[3].getAsInteger(10, drafted) || words[5].getAsInteger(10, accepted))
      return fail("expected 'node I drafted D accepted A', got '" + line.str() + "'");
    if (profile.parents.empty())
      return fail("a node before the 'tree' line");
    if (node < 0 || node >= int64_t(profile.parents.size()) || profile.drafted[size_t(node)] >= 0)
      return fail("node " + std::to_string(node) + " is not a node of the tree or is repeated");
    if (drafted < 0 || accepted < 0 || accepted > drafted)
      return fail("counts must be 0 or more, accepted at most drafted");
    profile.drafted[size_t(node)] = drafted;
    profile.accepted[size_t(node)] = accepted;
    ++seenNodes;
  }
  if (profile.parents.size() < 2) {
    error = "no 'tree' line with at least two nodes";
    return std::nullopt;
  }
  if (seenNodes != int64_t(profile.parents.size())) {
    error = "the profile gives counts for " + std::to_string(seenNodes) + " of the tree's " +
            std::to_string(profile.parents.size()) + " nodes";
    return std::nullopt;
  }
  if (profile.accepted[0] <= 0) {
    error = "the profile counts no verify steps (node 0 accepted 0 times)";
    return std::nullopt;
  }
  return profile;
}

TreeChoice loom::decode::searchTokenTree(const AcceptanceProfile &profile, int64_t budget,
                                         int64_t maxHeight, bool chainOnly) {
  // Pooled rates per (depth, rank among siblings) of the measured tree.
  size_t n = profile.parents.size();
  llvm::SmallVector<int64_t> depth(n, 0), rank(n, 0), children(n, 0);
  std::map<std::pair<int64_t, int64_t>, std::pair<double, double>> pooled;
  for (size_t v = 1; v < n; ++v) {
    size_t parent = size_t(profile.parents[v]);
    depth[v] = depth[parent] + 1;
    rank[v] = children[parent]++;
    auto &[hits, tries] = pooled[{depth[v], rank[v]}];
    hits += double(profile.accepted[v]);
    tries += double(profile.accepted[parent]);
  }
  auto rate = [&](int64_t d, int64_t r) {
    // The deepest measured depth at or above d, for rank r.
    for (int64_t at = d; at >= 1; --at)
      if (auto it = pooled.find({at, r}); it != pooled.end())
        return it->second.second > 0 ? it->second.first / it->second.second : 0.0;
    return 0.0;
  };

  TreeChoice choice;
  choice.parents = {-1};
  llvm::SmallVector<double> chance = {1.0};
  llvm::SmallVector<int64_t> level = {0}, kids = {0};
  while (int64_t(choice.parents.size()) < budget) {
    int64_t best = -1;
    double bestChance = 0;
    for (size_t u = 0; u < choice.parents.size(); ++u) {
      if (level[u] + 2 > maxHeight || (chainOnly && kids[u] > 0))
        continue;
      double c = chance[u] * rate(level[u] + 1, kids[u]);
      if (c > bestChance) {
        best = int64_t(u);
        bestChance = c;
      }
    }
    if (best < 0)
      break;
    choice.parents.push_back(best);
    chance.push_back(bestChance);
    level.push_back(level[size_t(best)] + 1);
    kids.push_back(0);
    ++kids[size_t(best)];
    choice.expectedTokens += bestChance;
  }
  return choice;
}
