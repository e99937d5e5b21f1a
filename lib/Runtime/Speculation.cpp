//===- Speculation.cpp - drafting and verifying speculation trees ---------===//
//
// What decode.draft and decode.verify lower to. The tree is a parent index
// per node (node 0, the root, is the token the step feeds); see
// include/loom/Dialect/Decode/IR/DecodeOps.td for the ops' contracts.
//
// Verification never changes what generation produces: greedy verification
// accepts exactly the tokens plain greedy decoding would pick, and sampling
// verification is the speculative-sampling rule for drafts that are certain
// (a drafted token has probability 1 under the draft): child c is accepted
// with probability p(c), otherwise p loses c and is renormalized, and the
// token after the accepted path is drawn from what is left. Every position's
// random numbers are counter-based (seed, position), so runs reproduce.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"

#include "GenerateSession.h"
#include "Speculation.h"
#include "Kernels/Kernels.h"
#include "Sampler.h"

#include <algorithm>
#include <vector>

using namespace loomrt;

namespace {

/// A strided i64 vector as a dense one.
std::vector<int64_t> dense(const MemRefI64<1> *m) {
  std::vector<int64_t> v(size_t(std::max<int64_t>(m->sizes[0], 0)));
  const int64_t *base = m->aligned + m->offset;
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = base[int64_t(i) * m->strides[0]];
  return v;
}

int64_t &at(MemRefI64<1> *m, int64_t i) { return m->aligned[m->offset + i * m->strides[0]]; }

/// Distinct tokens that followed earlier occurrences of `text`'s last n
/// tokens, for n from `maxNgram` down to 1, latest occurrence first; at most
/// `wanted` of them.
std::vector<int64_t> continuations(const std::vector<int64_t> &text, int64_t maxNgram,
                                   size_t wanted) {
  std::vector<int64_t> found;
  int64_t length = int64_t(text.size());
  for (int64_t n = std::min(maxNgram, length - 1); n >= 1 && found.size() < wanted; --n) {
    const int64_t *suffix = text.data() + (length - n);
    // An occurrence at [j, j + n) with a token after it, before the suffix.
    for (int64_t j = length - n - 1; j >= 0 && found.size() < wanted; --j) {
      if (!std::equal(suffix, suffix + n, text.data() + j))
        continue;
      int64_t next = text[size_t(j + n)];
      if (std::find(found.begin(), found.end(), next) == found.end())
        found.push_back(next);
    }
  }
  return found;
}

/// The options verification follows: the caller's (LOOM_ABI_SAMPLE_CALLER in
/// a generation) or greedy.
SamplerOptions verificationOptions(int32_t strategy) {
  Session *session = currentSession();
  if (strategy == LOOM_ABI_SAMPLE_CALLER && session)
    return session->sampler;
  return SamplerOptions{}; // greedy
}

/// A stream of uniforms for accepting child `k` at a position, independent
/// of the stream the sampler draws tokens from.
double acceptUniform(uint64_t seed, uint64_t position, uint64_t k) {
  return counterUniform(seed ^ (0xd1b54a32d192ed03ull * (k + 1)), position);
}

/// A token drawn from unnormalized probabilities `p` with uniform `u`, in
/// token order.
int64_t drawFrom(const std::vector<double> &p, double u) {
  double total = 0;
  for (double q : p)
    total += q;
  double target = u * total, sum = 0;
  int64_t last = -1;
  for (size_t t = 0; t < p.size(); ++t) {
    if (p[t] <= 0)
      continue;
    sum += p[t];
    last = int64_t(t);
    if (target < sum)
      return last;
  }
  return last < 0 ? 0 : last; // rounding at the top end: the last token left
}

} // namespace

std::vector<int64_t> loomrt::draftNgram(const std::vector<int64_t> &history,
                                        const std::vector<int64_t> &parents, int64_t maxNgram) {
  std::vector<int64_t> tokens;
  int64_t nodes = int64_t(parents.size());
  if (history.empty() || nodes < 1)
    return tokens;
  tokens.push_back(history.back());
  // path[i]: the drafted tokens from the root's child down to node i.
  std::vector<std::vector<int64_t>> path(static_cast<size_t>(nodes));
  std::vector<int64_t> children(static_cast<size_t>(nodes), 0); // drafted so far, per parent
  for (int64_t i = 1; i < nodes; ++i) {
    int64_t parent = parents[size_t(i)];
    if (parent < 0 || parent >= i)
      break;
    int64_t rank = children[size_t(parent)]++;
    std::vector<int64_t> text = history;
    text.insert(text.end(), path[size_t(parent)].begin(), path[size_t(parent)].end());
    std::vector<int64_t> next = continuations(text, maxNgram, size_t(rank) + 1);
    if (int64_t(next.size()) <= rank)
      break; // nothing to propose: the nodes from here on are not drafted
    tokens.push_back(next[size_t(rank)]);
    path[size_t(i)] = path[size_t(parent)];
    path[size_t(i)].push_back(next[size_t(rank)]);
  }
  return tokens;
}

Verification loomrt::verifyTree(const float *logits, int64_t rowStride, int64_t vocab,
                                const std::vector<int64_t> &tokens,
                                const std::vector<int64_t> &parents, int64_t count,
                                std::vector<int64_t> text, int64_t position,
                                const SamplerOptions &options, int64_t height) {
  Verification result;
  count = std::min<int64_t>({count, int64_t(parents.size()), int64_t(tokens.size())});
  if (count < 1 || vocab < 1)
    return result;
  std::vector<std::vector<int64_t>> children(static_cast<size_t>(count));
  for (int64_t i = 1; i < count; ++i)
    children[size_t(parents[size_t(i)])].push_back(i);

  result.path.push_back(0);
  int64_t node = 0;
  for (;;) {
    const float *row = logits + node * rowStride;
    // The token this node decides occupies position + its level + 1.
    uint64_t tokenPosition = uint64_t(position) + result.path.size();
    const std::vector<int64_t> &kids = children[size_t(node)];
    int64_t accepted = -1;
    if (options.temperature == 0.0f) {
      int64_t best = sampleToken(row, vocab, options, tokenPosition, text.data(), text.size());
      for (int64_t child : kids)
        if (tokens[size_t(child)] == best) {
          accepted = child;
          break;
        }
      result.bonus = best;
    } else if (kids.empty()) {
      // Nothing drafted here: exactly the draw plain sampling makes.
      result.bonus = sampleToken(row, vocab, options, tokenPosition, text.data(), text.size());
    } else {
      std::vector<double> p = samplingDistribution(row, vocab, options, text.data(), text.size());
      double mass = 1.0; // of p's tokens not rejected yet
      for (size_t k = 0; k < kids.size() && accepted < 0; ++k) {
        int64_t token = tokens[size_t(kids[k])];
        if (token < 0 || token >= vocab)
          continue;
        double chance = mass > 0 ? p[size_t(token)] / mass : 0.0;
        if (acceptUniform(options.seed, tokenPosition, k) < chance) {
          accepted = kids[k];
        } else {
          mass -= p[size_t(token)];
          p[size_t(token)] = 0.0;
        }
      }
      if (accepted < 0)
        result.bonus = drawFrom(p, counterUniform(options.seed, tokenPosition));
    }
    if (accepted < 0 || int64_t(result.path.size()) >= height)
      break;
    result.path.push_back(accepted);
    text.push_back(tokens[size_t(accepted)]);
    node = accepted;
  }
  return result;
}

extern "C" int64_t _mlir_ciface_loomrt_decode_draft(MemRefI64<1> *history,
                                                    MemRefI64<1> *parents,
                                                    MemRefI64<1> *tokens, int32_t source,
                                                    int64_t maxNgram) {
  if (source != LOOM_ABI_DRAFT_NGRAM)
    return 0; // the compiler never calls it so
  std::vector<int64_t> drafted = draftNgram(dense(history), dense(parents), maxNgram);
  int64_t n = std::min<int64_t>(int64_t(drafted.size()), tokens->sizes[0]);
  for (int64_t i = 0; i < n; ++i)
    at(tokens, i) = drafted[size_t(i)];
  return n;
}

extern "C" int64_t _mlir_ciface_loomrt_decode_verify(MemRef<2> *logits, MemRefI64<1> *tokens,
                                                     MemRefI64<1> *parents,
                                                     MemRefI64<1> *history, int64_t count,
                                                     int64_t position, int32_t strategy,
                                                     MemRefI64<1> *out) {
  int64_t vocab = logits->sizes[1];
  int64_t height = out->sizes[0] - 1;
  count = std::min(count, logits->sizes[0]);
  if (count < 1 || height < 1 || vocab < 1)
    return 0; // the compiler never calls it so
  // Rows as dense vectors when the logits are strided.
  const float *base = logits->aligned + logits->offset;
  std::vector<float> copy;
  int64_t rowStride = logits->strides[0];
  if (logits->strides[1] != 1) {
    copy.resize(size_t(count * vocab));
    for (int64_t r = 0; r < count; ++r)
      for (int64_t t = 0; t < vocab; ++t)
        copy[size_t(r * vocab + t)] = base[r * logits->strides[0] + t * logits->strides[1]];
    base = copy.data();
    rowStride = vocab;
  }
  Verification v = verifyTree(base, rowStride, vocab, dense(tokens), dense(parents), count,
                              dense(history), position, verificationOptions(strategy), height);
  for (size_t i = 0; i < v.path.size(); ++i)
    at(out, int64_t(i)) = v.path[i];
  at(out, height) = v.bonus;
  if (Session *session = currentSession()) {
    session->verifySteps += 1;
    session->draftedTokens += count - 1;
    session->acceptedTokens += int64_t(v.path.size()) - 1;
    // The caller's acceptance profile: one entry per node of this tree (the
    // model's, whose size loom_model_speculation_tree gives).
    const loom_generate_options *o = session->options;
    if (o && o->node_drafted && o->node_accepted) {
      for (int64_t i = 0; i < count; ++i)
        o->node_drafted[i] += 1;
      for (int64_t node : v.path)
        o->node_accepted[node] += 1;
    }
  }
  return int64_t(v.path.size());
}
