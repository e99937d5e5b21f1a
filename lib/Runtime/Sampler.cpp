//===- Sampler.cpp - choosing the next token ------------------------------===//

#include "Sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace loomrt {

/// SplitMix64's finalizer: a bijection on 64 bits that mixes every input bit
/// into every output bit.
static uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

double counterUniform(uint64_t seed, uint64_t counter) {
  uint64_t bits = mix(mix(seed) ^ mix(counter ^ 0x5851f42d4c957f2dull));
  return double(bits >> 11) * 0x1.0p-53; // 53 random bits
}

/// Logits after the repetition penalty (each token of the text once).
static std::vector<float> penalized(const float *logits, int64_t vocab,
                                    const SamplerOptions &options, const int64_t *history,
                                    size_t historyLength) {
  std::vector<float> z(logits, logits + vocab);
  if (options.repetitionPenalty != 1.0f && history) {
    std::unordered_set<int64_t> seen(history, history + historyLength);
    for (int64_t token : seen) {
      if (token < 0 || token >= vocab)
        continue;
      float &v = z[size_t(token)];
      v = v > 0 ? v / options.repetitionPenalty : v * options.repetitionPenalty;
    }
  }
  return z;
}

namespace {
struct Candidate {
  int64_t token;
  double weight; // unnormalized probability
};
} // namespace

/// The tokens that survive temperature, top-k, min-p and top-p, in token
/// order, with their unnormalized probabilities.
static std::vector<Candidate> candidates(const std::vector<float> &z,
                                         const SamplerOptions &options) {
  std::vector<int64_t> order;
  order.reserve(z.size());
  for (size_t i = 0; i < z.size(); ++i)
    if (!std::isnan(z[i]))
      order.push_back(int64_t(i));
  // Ties go to the lower token id, so the result never depends on the sort.
  auto larger = [&](int64_t a, int64_t b) {
    return z[size_t(a)] > z[size_t(b)] || (z[size_t(a)] == z[size_t(b)] && a < b);
  };
  if (options.topK > 0 && size_t(options.topK) < order.size()) {
    std::nth_element(order.begin(), order.begin() + options.topK, order.end(), larger);
    order.resize(size_t(options.topK));
  }
  std::vector<Candidate> kept;
  if (order.empty())
    return kept;
  double inverseT = 1.0 / double(options.temperature);
  double top = -INFINITY;
  for (int64_t t : order)
    top = std::max(top, double(z[size_t(t)]) * inverseT);
  for (int64_t t : order) {
    // inf - inf (all -inf, or several +inf logits): those tie at weight 1.
    double d = double(z[size_t(t)]) * inverseT - top;
    double w = std::isnan(d) ? 1.0 : std::exp(d);
    // min-p: relative to the most likely token, whose weight is 1.
    if (w >= double(options.minP))
      kept.push_back({t, w});
  }
  if (options.topP < 1.0f) {
    std::sort(kept.begin(), kept.end(), [](const Candidate &a, const Candidate &b) {
      return a.weight > b.weight || (a.weight == b.weight && a.token < b.token);
    });
    double total = 0;
    for (const Candidate &c : kept)
      total += c.weight;
    double needed = double(options.topP) * total, sum = 0;
    size_t n = 0;
    while (n < kept.size() && sum < needed)
      sum += kept[n++].weight;
    kept.resize(std::max<size_t>(n, 1));
  }
  std::sort(kept.begin(), kept.end(),
            [](const Candidate &a, const Candidate &b) { return a.token < b.token; });
  return kept;
}

static int64_t argmax(const std::vector<float> &z) {
  int64_t best = -1;
  for (size_t i = 0; i < z.size(); ++i)
    if (!std::isnan(z[i]) && (best < 0 || z[i] > z[size_t(best)]))
      best = int64_t(i);
  return best < 0 ? 0 : best;
}

std::vector<double> samplingDistribution(const float *logits, int64_t vocab,
                                         const SamplerOptions &options,
                                         const int64_t *history, size_t historyLength) {
  std::vector<double> p(size_t(vocab), 0.0);
  std::vector<float> z = penalized(logits, vocab, options, history, historyLength);
  if (options.temperature == 0.0f) {
    p[size_t(argmax(z))] = 1.0;
    return p;
  }
  std::vector<Candidate> kept = candidates(z, options);
  double total = 0;
  for (const Candidate &c : kept)
    total += c.weight;
  for (const Candidate &c : kept)
    p[size_t(c.token)] = c.weight / total;
  return p;
}

int64_t sampleToken(const float *logits, int64_t vocab, const SamplerOptions &options,
                    uint64_t counter, const int64_t *history, size_t historyLength) {
  if (vocab <= 0)
    return 0;
  std::vector<float> z = penalized(logits, vocab, options, history, historyLength);
  if (options.temperature == 0.0f)
    return argmax(z);
  std::vector<Candidate> kept = candidates(z, options);
  if (kept.empty())
    return 0;
  double total = 0;
  for (const Candidate &c : kept)
    total += c.weight;
  double u = counterUniform(options.seed, counter) * total, sum = 0;
  for (const Candidate &c : kept) {
    sum += c.weight;
    if (u < sum)
      return c.token;
  }
  return kept.back().token;
}

} // namespace loomrt
