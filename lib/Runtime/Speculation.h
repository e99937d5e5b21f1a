//===- Speculation.h - drafting and verifying speculation trees -*- C++ -*-===//
//
// The functions behind decode.draft and decode.verify (loomrt_decode_draft /
// loomrt_decode_verify), callable with plain vectors for tests.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_SPECULATION_H
#define LOOM_LIB_RUNTIME_SPECULATION_H

#include "Sampler.h"

#include <cstdint>
#include <vector>

namespace loomrt {

/// Prompt-lookup drafts for the tree `parents` (node 0 the root): the root is
/// the history's last token; node i proposes, for the text up to its parent,
/// the k-th distinct token that followed an earlier occurrence of the text's
/// last `maxNgram` (down to 1) tokens, latest first, k being i's rank among
/// its siblings. Returns the tokens of the drafted nodes, a prefix of the
/// tree (drafting stops at the first node it has nothing for).
std::vector<int64_t> draftNgram(const std::vector<int64_t> &history,
                                const std::vector<int64_t> &parents, int64_t maxNgram);

struct Verification {
  std::vector<int64_t> path; // accepted nodes from the root
  int64_t bonus = 0;         // the target's token after the last of them
};

/// decode.verify: `logits` holds a row (`rowStride` floats apart) per node
/// of the first `count` nodes; `text` is the sequence up to and including the
/// root, at `position`. Greedy options accept argmax matches; sampling
/// options apply the speculative-sampling rule for certain drafts (see
/// Speculation.cpp). The path has at most `height` nodes.
Verification verifyTree(const float *logits, int64_t rowStride, int64_t vocab,
                        const std::vector<int64_t> &tokens, const std::vector<int64_t> &parents,
                        int64_t count, std::vector<int64_t> text, int64_t position,
                        const SamplerOptions &options, int64_t height);

} // namespace loomrt

#endif // LOOM_LIB_RUNTIME_SPECULATION_H
