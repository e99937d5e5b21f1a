//===- BeamSearch.cpp - beam search over a forking decode loop ------------===//
//
// The search is Hugging Face's (transformers' BeamSearchScorer): each round
// every live beam proposes its 2 x width most likely next tokens; the
// candidates are taken best first, a stop token among the first `width` of
// them finishes a hypothesis, the others fill the next round's `width`
// beams. A hypothesis's score is its log-probability divided by its length
// (generated tokens, the stop token included) to the power of the length
// penalty. Without early stopping the search ends when no live beam's score
// can beat the worst of `width` finished hypotheses; at the token limit the
// live beams are finished as they are.
//
//===----------------------------------------------------------------------===//

#include "BeamSearch.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace loomrt;

BeamSearch::BeamSearch(int64_t width, size_t promptLength, int64_t maxNew,
                       std::vector<int64_t> stops, double lengthPenalty, bool earlyStopping)
    : width_(width), promptLength_(promptLength), maxNew_(maxNew), stops_(std::move(stops)),
      lengthPenalty_(lengthPenalty), earlyStopping_(earlyStopping) {}

namespace {

/// log softmax of a logits row, in double.
std::vector<double> logSoftmax(const float *logits, int64_t vocab) {
  float top = *std::max_element(logits, logits + vocab);
  double sum = 0;
  for (int64_t i = 0; i < vocab; ++i)
    sum += std::exp(double(logits[i]) - top);
  double shift = double(top) + std::log(sum);
  std::vector<double> out(static_cast<size_t>(vocab));
  for (int64_t i = 0; i < vocab; ++i)
    out[size_t(i)] = double(logits[i]) - shift;
  return out;
}

/// The `k` most likely tokens, most likely first (ties: the lower id).
std::vector<int64_t> topTokens(const std::vector<double> &logProbs, size_t k) {
  std::vector<int64_t> ids(logProbs.size());
  std::iota(ids.begin(), ids.end(), 0);
  k = std::min(k, ids.size());
  std::partial_sort(ids.begin(), ids.begin() + std::ptrdiff_t(k), ids.end(),
                    [&](int64_t a, int64_t b) {
                      double x = logProbs[size_t(a)], y = logProbs[size_t(b)];
                      return x > y || (x == y && a < b);
                    });
  ids.resize(k);
  return ids;
}

} // namespace

double loomrt::branchScore(double logProb, size_t length, double lengthPenalty) {
  return logProb / std::pow(double(std::max<size_t>(length, 1)), lengthPenalty);
}

void BeamSearch::start(const float *logits, int64_t vocab) {
  std::vector<double> lp = logSoftmax(logits, vocab);
  beams_.assign(1, Beam{});
  for (int64_t token : topTokens(lp, size_t(2 * width_)))
    candidates_.push_back({0, token, lp[size_t(token)]});
  select();
}

void BeamSearch::finish(std::vector<int64_t> tokens, double logProb) {
  Hypothesis h;
  h.score = branchScore(logProb, tokens.size(), lengthPenalty_);
  h.tokens = std::move(tokens);
  h.logProb = logProb;
  h.order = finishedCount_++;
  finished_.push_back(std::move(h));
  // Keep the best `width` (the earlier-finished wins a tie).
  std::sort(finished_.begin(), finished_.end(), [](const Hypothesis &a, const Hypothesis &b) {
    return a.score > b.score || (a.score == b.score && a.order < b.order);
  });
  if (int64_t(finished_.size()) > width_)
    finished_.resize(size_t(width_));
}

bool BeamSearch::done() const {
  if (beams_.empty())
    return true;
  if (int64_t(finished_.size()) < width_)
    return false;
  if (earlyStopping_)
    return true;
  // The best live beam (beams_ are sorted best first) at its current length.
  return finished_.back().score >=
         branchScore(beams_.front().logProb, beams_.front().tokens.size(), lengthPenalty_);
}

void BeamSearch::select() {
  // Best first; ties: the earlier beam, then the lower token id.
  std::sort(candidates_.begin(), candidates_.end(), [](const Candidate &a, const Candidate &b) {
    if (a.logProb != b.logProb)
      return a.logProb > b.logProb;
    return a.parent != b.parent ? a.parent < b.parent : a.token < b.token;
  });
  std::vector<Beam> next;
  for (size_t rank = 0; rank < candidates_.size() && int64_t(next.size()) < width_; ++rank) {
    const Candidate &c = candidates_[rank];
    const Beam &parent = beams_[c.parent];
    std::vector<int64_t> tokens = parent.tokens;
    tokens.push_back(c.token);
    if (std::find(stops_.begin(), stops_.end(), c.token) != stops_.end()) {
      if (int64_t(rank) < width_)
        finish(std::move(tokens), c.logProb);
      continue;
    }
    next.push_back(Beam{std::move(tokens), c.logProb, parent.suffix});
  }
  candidates_.clear();
  beams_ = std::move(next);
  current_ = 0;
  // At the token limit the live beams end as they are.
  if (!beams_.empty() && int64_t(beams_.front().tokens.size()) >= maxNew_) {
    for (Beam &beam : beams_)
      finish(std::move(beam.tokens), beam.logProb);
    beams_.clear();
  }
  over_ = done();
}

size_t BeamSearch::entrySize(const MemRef<6> *cache) const {
  return size_t(cache->sizes[0] * cache->sizes[1] * cache->sizes[3] * cache->sizes[5]);
}

void BeamSearch::copyPosition(MemRef<6> *cache, int64_t position, float *entry,
                              bool toCache) const {
  const int64_t *s = cache->strides;
  float *base = cache->aligned + cache->offset + position * s[4];
  for (int64_t l = 0; l < cache->sizes[0]; ++l)
    for (int64_t kv = 0; kv < cache->sizes[1]; ++kv)
      for (int64_t h = 0; h < cache->sizes[3]; ++h) {
        float *row = base + l * s[0] + kv * s[1] + h * s[3];
        for (int64_t d = 0; d < cache->sizes[5]; ++d, ++entry) {
          if (toCache)
            row[d * s[5]] = *entry;
          else
            *entry = row[d * s[5]];
        }
      }
}

bool BeamSearch::next(MemRef<6> *cache, int64_t &token, int64_t &position) {
  if (over_)
    return false;
  Beam &beam = beams_[current_];
  // The beam's earlier tokens' keys and values, after the prompt's (which
  // the prefill wrote once and no beam overwrites).
  size_t entry = entrySize(cache), fed = beam.tokens.size() - 1;
  for (size_t t = 0; t < fed; ++t)
    copyPosition(cache, int64_t(promptLength_ + t), beam.suffix.data() + t * entry, true);
  token = beam.tokens.back();
  position = int64_t(promptLength_ + fed);
  return true;
}

void BeamSearch::logits(const float *logits, int64_t vocab, MemRef<6> *cache) {
  Beam &beam = beams_[current_];
  size_t entry = entrySize(cache), fed = beam.tokens.size() - 1;
  beam.suffix.resize((fed + 1) * entry);
  copyPosition(cache, int64_t(promptLength_ + fed), beam.suffix.data() + fed * entry, false);
  std::vector<double> lp = logSoftmax(logits, vocab);
  for (int64_t token : topTokens(lp, size_t(2 * width_)))
    candidates_.push_back({current_, token, beam.logProb + lp[size_t(token)]});
  if (++current_ == beams_.size())
    select();
}

std::vector<BeamSearch::Hypothesis> BeamSearch::results() const { return finished_; }
