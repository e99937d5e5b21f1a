//===- Sampler.h - choosing the next token ----------------------*- C++ -*-===//
//
// Greedy and filtered categorical sampling with counter-based random numbers:
// the draw for a token depends only on (seed, counter), never on a generator's
// state, so it is the same on every run, with any thread count, and when
// generation is resumed at any position.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_SAMPLER_H
#define LOOM_LIB_RUNTIME_SAMPLER_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace loomrt {

struct SamplerOptions {
  float temperature = 0.0f; // 0: greedy
  int64_t topK = 0;         // 0: no limit
  float topP = 1.0f;        // 1: no limit
  float minP = 0.0f;        // 0: no limit
  float repetitionPenalty = 1.0f;
  uint64_t seed = 0;
};

/// A uniform double in [0, 1) that is a pure function of (seed, counter).
double counterUniform(uint64_t seed, uint64_t counter);

/// The probabilities the sampler draws from after its filters, indexed by
/// token (zero for filtered tokens); what the tests compare draws with.
std::vector<double> samplingDistribution(const float *logits, int64_t vocab,
                                         const SamplerOptions &options,
                                         const int64_t *history = nullptr,
                                         size_t historyLength = 0);

/// The next token for `logits[0..vocab)`. `history` (the text so far) feeds
/// the repetition penalty. NaN logits are never chosen.
int64_t sampleToken(const float *logits, int64_t vocab, const SamplerOptions &options,
                    uint64_t counter, const int64_t *history = nullptr,
                    size_t historyLength = 0);

} // namespace loomrt

#endif // LOOM_LIB_RUNTIME_SAMPLER_H
