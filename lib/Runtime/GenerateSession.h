//===- GenerateSession.h - the generation running on this thread -*- C++ -*-===//
//
// loom_model_generate's state while the compiled loop runs: the caller's
// options and callback, the text so far and statistics. The loop's callbacks
// into loomrt (sampling, drafting, verification, emitting) find it here.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_GENERATESESSION_H
#define LOOM_LIB_RUNTIME_GENERATESESSION_H

#include "loom-c/Generate.h"

#include "BeamSearch.h"
#include "Sampler.h"

#include <chrono>
#include <memory>
#include <cstdint>
#include <vector>

namespace loomrt {

struct Session {
  SamplerOptions sampler;
  const loom_generate_options *options;
  loom_token_callback callback;
  void *userData;
  int64_t vocab;
  std::vector<int64_t> text; // prompt and generated tokens: the repetition penalty's
  size_t promptLength;
  std::chrono::steady_clock::time_point start, firstToken, lastToken;
  int64_t generated = 0;
  /// runErrorCount() when the generation started: an error since ends it.
  uint64_t errorsAtStart = 0;
  /// Speculation: verification steps, tokens drafted for them (tree nodes
  /// other than the root) and drafted tokens accepted.
  int64_t verifySteps = 0, draftedTokens = 0, acceptedTokens = 0;
  /// Runs of the decode step's body (loomrt_decode_model_run), those at
  /// position 0 (the prompt's prefill) and the tokens fed to them.
  int64_t modelRuns = 0, prefillRuns = 0, fedTokens = 0;

  /// Sampling branches (loom_model_generate_branches): how many the caller
  /// asked for, the seed branch 0 samples with, and each started branch's
  /// tokens and log-probability. Empty for loom_model_generate.
  struct Branch {
    std::vector<int64_t> tokens;
    double logProb = 0;
  };
  bool branching = false;
  int64_t numBranches = 1;
  uint64_t seed = 0;
  loom_branch_callback branchCallback = nullptr;
  std::vector<Branch> branches;
  /// Beam search (loom_branch_options.beam_search): the beams, null otherwise.
  std::unique_ptr<BeamSearch> beamSearch;
  size_t beamSteps = 0; // one-token steps run for the beams
};

/// The generation running on the calling thread, or null (generated code
/// called directly).
Session *currentSession();

} // namespace loomrt

#endif // LOOM_LIB_RUNTIME_GENERATESESSION_H
