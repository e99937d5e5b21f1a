//===- BeamSearch.h - beam search over a forking decode loop ----*- C++ -*-===//
//
// loom_model_generate_branches with beam_search: the compiled loop runs the
// prefill once, then feeds whatever token and position loomrt names, one
// live beam at a time, and hands back each step's logits. This class keeps
// the beams: their tokens, log-probabilities and their cache suffixes (the
// keys and values after the prompt, which the single cache buffer holds for
// one beam at a time), and picks each round's beams from all candidates.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_BEAMSEARCH_H
#define LOOM_LIB_RUNTIME_BEAMSEARCH_H

#include "Kernels/Kernels.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace loomrt {

/// A finished sequence's score: its log-probability over its length (at
/// least 1) to the power of the length penalty.
double branchScore(double logProb, size_t length, double lengthPenalty);

class BeamSearch {
public:
  struct Hypothesis {
    std::vector<int64_t> tokens;
    double logProb = 0;
    double score = 0;
    size_t order = 0; // when it finished: the earlier wins a tie
  };

  /// `width` beams over a prompt of `promptLength` tokens; at most `maxNew`
  /// tokens each; `stops` end a hypothesis; score = logProb / len^penalty;
  /// `earlyStopping`: end when `width` hypotheses are finished (else when no
  /// live beam can beat the worst finished one).
  BeamSearch(int64_t width, size_t promptLength, int64_t maxNew, std::vector<int64_t> stops,
             double lengthPenalty, bool earlyStopping);

  /// The prefill's logits (the last prompt position's): the first round.
  void start(const float *logits, int64_t vocab);
  /// The next live beam to feed: loads its suffix into `cache` and gives
  /// its last token and the position to feed it at; false when done.
  bool next(MemRef<6> *cache, int64_t &token, int64_t &position);
  /// The logits of the beam `next` named; saves the keys and values its
  /// step wrote. After the round's last beam, picks the next round.
  void logits(const float *logits, int64_t vocab, MemRef<6> *cache);

  /// The finished hypotheses, best first (at most `width`).
  std::vector<Hypothesis> results() const;

private:
  struct Beam {
    std::vector<int64_t> tokens; // generated so far; the last is not yet fed
    double logProb = 0;
    std::vector<float> suffix; // K/V of tokens[0 .. size-2], position-major
  };
  struct Candidate {
    size_t parent;
    int64_t token;
    double logProb;
  };

  void select(); // candidates -> the next round's beams and finished ones
  void finish(std::vector<int64_t> tokens, double logProb);
  bool done() const;
  size_t entrySize(const MemRef<6> *cache) const;
  void copyPosition(MemRef<6> *cache, int64_t position, float *entry, bool toCache) const;

  int64_t width_;
  size_t promptLength_;
  int64_t maxNew_;
  std::vector<int64_t> stops_;
  double lengthPenalty_;
  bool earlyStopping_;

  std::vector<Beam> beams_;           // this round's live beams
  size_t current_ = 0;                // the beam being fed
  std::vector<Candidate> candidates_; // this round's expansions
  std::vector<Hypothesis> finished_;
  size_t finishedCount_ = 0;
  bool over_ = false;
};

} // namespace loomrt

#endif // LOOM_LIB_RUNTIME_BEAMSEARCH_H
