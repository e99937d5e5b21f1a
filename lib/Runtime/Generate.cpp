//===- Generate.cpp - running a --generate model --------------------------===//
//
// A model compiled with `loom-compile --generate` exports
//
//   loom_model_signature: "generate <vocab> <context length>"
//   loom_model_entry(void **args): args[0] receives the generated tokens (a
//       rank-1 i64 memref descriptor, malloc'ed), args[1] is the prompt's
//       descriptor, args[2] points at max_new_tokens (int64_t).
//
// The compiled loop calls back into loomrt for each token:
//   loomrt_decode_sample(logits, counter, strategy, ...) picks it, and
//   loomrt_decode_emit(token) reports it and says whether to go on.
// Both act on the generation running on the calling thread (a thread-local
// session), which carries the caller's options and callback.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"
#include "loom-c/Generate.h"

#include "Kernels/Kernels.h"
#include "Model.h"
#include "RunErrors.h"
#include "BufferCache.h"
#include "GenerateSession.h"
#include "Sampler.h"
#include "Status.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace loomrt;

namespace {

thread_local Session *current = nullptr;

/// MLIR's descriptor of a rank-1 memref.
struct Memref1D {
  void *allocated;
  void *aligned;
  int64_t offset, size, stride;
};

std::string describe(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

loom_status checkOptions(const loom_generate_options &o) {
  auto bad = [](const std::string &what) { return fail(LOOM_ERROR_INVALID_ARGUMENT, what); };
  if (o.max_new_tokens < 1)
    return bad("max_new_tokens must be at least 1, got " + std::to_string(o.max_new_tokens));
  if (!std::isfinite(o.temperature) || o.temperature < 0)
    return bad("temperature must be >= 0 (0 is greedy), got " + describe(o.temperature));
  if (o.top_k < 0)
    return bad("top_k must be >= 0 (0 keeps every token), got " + std::to_string(o.top_k));
  if (!(o.top_p > 0 && o.top_p <= 1))
    return bad("top_p must be in (0, 1], got " + describe(o.top_p));
  if (!(o.min_p >= 0 && o.min_p < 1))
    return bad("min_p must be in [0, 1), got " + describe(o.min_p));
  if (!std::isfinite(o.repetition_penalty) || o.repetition_penalty <= 0)
    return bad("repetition_penalty must be > 0 (1 is off), got " +
               describe(o.repetition_penalty));
  if (o.num_stop_tokens && !o.stop_tokens)
    return bad("num_stop_tokens is " + std::to_string(o.num_stop_tokens) +
               " but stop_tokens is null");
  return LOOM_OK;
}

} // namespace

Session *loomrt::currentSession() { return current; }

/// A logits row as contiguous floats: the row itself, or a copy in `scratch`.
static const float *denseRow(const MemRef<1> *logits, std::vector<float> &scratch) {
  const float *row = logits->aligned + logits->offset;
  if (logits->strides[0] == 1)
    return row;
  scratch.resize(size_t(logits->sizes[0]));
  for (int64_t i = 0; i < logits->sizes[0]; ++i)
    scratch[size_t(i)] = row[i * logits->strides[0]];
  return scratch.data();
}

extern "C" void loom_generate_options_init(loom_generate_options *o) {
  if (!o)
    return;
  *o = loom_generate_options{};
  o->max_new_tokens = 128;
  o->temperature = 0.0f;
  o->top_k = 0;
  o->top_p = 1.0f;
  o->min_p = 0.0f;
  o->repetition_penalty = 1.0f;
  o->seed = 0;
}

extern "C" int loom_model_is_generator(const loom_model *m) { return m && m->generator; }
extern "C" int64_t loom_model_vocab_size(const loom_model *m) {
  return m && m->generator ? m->vocabSize : 0;
}
extern "C" int64_t loom_model_context_length(const loom_model *m) {
  return m && m->generator ? m->contextLength : 0;
}
extern "C" int64_t loom_model_speculation_tree(const loom_model *m, int64_t *parents,
                                               size_t capacity) {
  if (!m || !m->generator)
    return 0;
  size_t n = m->speculationTree.size();
  for (size_t i = 0; parents && i < std::min(n, capacity); ++i)
    parents[i] = m->speculationTree[i];
  return int64_t(n);
}

namespace {

/// The checks loom_model_generate and loom_model_generate_branches share;
/// `o` is the caller's options or the defaults.
loom_status checkRequest(const loom_model *model, const int64_t *prompt, size_t promptLength,
                         const loom_generate_options &o, const char *function) {
  if (!model || (!prompt && promptLength))
    return fail(LOOM_ERROR_INVALID_ARGUMENT, std::string(function) + ": null argument");
  if (!model->generator)
    return fail(LOOM_ERROR_UNSUPPORTED,
                "this model computes one step; compile it with loom-compile --generate "
                "to generate with it");
  if (current)
    return fail(LOOM_ERROR_UNSUPPORTED,
                std::string(function) + " called from a token callback on the same thread");
  if (loom_status status = checkOptions(o))
    return status;
  if (promptLength == 0)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "the prompt is empty: give at least one token "
                                             "(e.g. the beginning-of-sequence id)");
  if (promptLength > size_t(model->contextLength))
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                "the prompt has " + std::to_string(promptLength) +
                    " tokens, more than the model's context of " +
                    std::to_string(model->contextLength) +
                    " (loom-compile --context-length sets it)");
  for (size_t i = 0; i < promptLength; ++i)
    if (prompt[i] < 0 || prompt[i] >= model->vocabSize)
      return fail(LOOM_ERROR_INVALID_ARGUMENT,
                  "prompt token " + std::to_string(i) + " is " + std::to_string(prompt[i]) +
                      ", outside the vocabulary [0, " + std::to_string(model->vocabSize) + ")");
  for (size_t i = 0; i < o.num_stop_tokens; ++i)
    if (o.stop_tokens[i] < 0 || o.stop_tokens[i] >= model->vocabSize)
      return fail(LOOM_ERROR_INVALID_ARGUMENT,
                  "stop token " + std::to_string(o.stop_tokens[i]) +
                      " is outside the vocabulary [0, " + std::to_string(model->vocabSize) +
                      ")");
  return LOOM_OK;
}

/// The most tokens one sequence can get: the loop ends when the cache is
/// full, after at most context - prompt + 1 tokens, however many the caller
/// allows.
int64_t tokensRoom(const loom_model *model, const loom_generate_options &o,
                   size_t promptLength) {
  return std::min<int64_t>(o.max_new_tokens, model->contextLength - int64_t(promptLength) + 1);
}

/// Runs the compiled loop with `session` (its caller-facing fields set);
/// returns the generated code's result: the tokens of the last (or only)
/// sequence. Fills `stats` if not null.
loom_status runLoop(loom_model *model, Session &session, const int64_t *prompt,
                    size_t promptLength, const loom_generate_options &o, int64_t *tokens,
                    size_t *numTokens, loom_generate_stats *stats) {
  session.sampler.temperature = o.temperature;
  session.sampler.topK = o.top_k;
  session.sampler.topP = o.top_p;
  session.sampler.minP = o.min_p;
  session.sampler.repetitionPenalty = o.repetition_penalty;
  session.sampler.seed = session.seed = o.seed;
  session.options = &o;
  session.vocab = model->vocabSize;
  session.text.assign(prompt, prompt + promptLength);
  session.promptLength = promptLength;

  // The prompt is only read; the descriptor's const_cast never writes.
  auto *ids = const_cast<int64_t *>(prompt);
  Memref1D promptDescriptor = {ids, ids, 0, int64_t(promptLength), 1};
  Memref1D result = {};
  // The generated code's token buffer needs no more than that.
  int64_t maxNew = tokensRoom(model, o, promptLength);
  void *args[] = {&result, &promptDescriptor, &maxNew};
  if (model->ompSetNumThreads)
    model->ompSetNumThreads(loom_get_num_threads());
  session.start = std::chrono::steady_clock::now();
  current = &session;
  uint64_t errorsBefore = session.errorsAtStart = runErrorCount();
  uint64_t failedBytes = 0;
  bool finished = callGenerated(model->entry, args, model->ompGetLevel, &failedBytes);
  current = nullptr;
  if (!finished) // the tokens passed to the callback stand; the run's buffers are freed
    return failedBytes ? outOfMemoryInRun(failedBytes)
                       : checkRunErrors(errorsBefore, model->errorSites);

  // Every token went through loomrt_decode_emit; the result holds the same.
  size_t n = size_t(result.size);
  if (tokens)
    for (size_t i = 0; i < n; ++i)
      tokens[i] = static_cast<int64_t *>(result.aligned)[result.offset + int64_t(i) * result.stride];
  if (result.allocated && reinterpret_cast<uintptr_t>(result.allocated) != kGlobalMarker)
    loomrt_buffer_free(result.allocated);
  if (numTokens)
    *numTokens = n;
  if (stats) {
    using seconds = std::chrono::duration<double>;
    stats->prompt_tokens = int64_t(promptLength);
    stats->generated_tokens = session.generated;
    stats->prefill_seconds = seconds(session.firstToken - session.start).count();
    stats->decode_seconds = seconds(session.lastToken - session.firstToken).count();
    stats->verify_steps = session.verifySteps;
    stats->drafted_tokens = session.draftedTokens;
    stats->accepted_tokens = session.acceptedTokens;
    stats->model_runs = session.modelRuns;
    stats->prefill_runs = session.prefillRuns;
    stats->fed_tokens = session.fedTokens;
  }
  return checkRunErrors(errorsBefore, model->errorSites);
}

} // namespace

extern "C" loom_status loom_model_generate(loom_model *model, const int64_t *prompt,
                                           size_t promptLength,
                                           const loom_generate_options *options,
                                           loom_token_callback callback, void *userData,
                                           int64_t *tokens, size_t *numTokens,
                                           loom_generate_stats *stats) {
  if (numTokens)
    *numTokens = 0;
  loom_generate_options defaults;
  loom_generate_options_init(&defaults);
  const loom_generate_options &o = options ? *options : defaults;
  if (loom_status status = checkRequest(model, prompt, promptLength, o, "loom_model_generate"))
    return status;
  Session session;
  session.callback = callback;
  session.userData = userData;
  return runLoop(model, session, prompt, promptLength, o, tokens, numTokens, stats);
}

extern "C" void loom_branch_options_init(loom_branch_options *o) {
  if (!o)
    return;
  *o = loom_branch_options{};
  o->num_branches = 1;
  o->best_of = 0;
  o->length_penalty = 1.0f;
  o->beam_search = 0;
  o->early_stopping = 0;
}

extern "C" int loom_model_has_branches(const loom_model *m) {
  return m && m->generator && m->branches;
}

extern "C" loom_status loom_model_generate_branches(
    loom_model *model, const int64_t *prompt, size_t promptLength,
    const loom_generate_options *options, const loom_branch_options *branchOptions,
    loom_branch_callback callback, void *userData, int64_t *tokens,
    loom_branch_result *results, loom_generate_stats *stats) {
  loom_generate_options defaults;
  loom_generate_options_init(&defaults);
  const loom_generate_options &o = options ? *options : defaults;
  loom_branch_options oneBranch;
  loom_branch_options_init(&oneBranch);
  const loom_branch_options &b = branchOptions ? *branchOptions : oneBranch;
  if (loom_status status =
          checkRequest(model, prompt, promptLength, o, "loom_model_generate_branches"))
    return status;
  auto bad = [](const std::string &what) { return fail(LOOM_ERROR_INVALID_ARGUMENT, what); };
  if (b.num_branches < 1 || b.num_branches > LOOM_MAX_BRANCHES)
    return bad("num_branches must be 1 to " + std::to_string(LOOM_MAX_BRANCHES) + ", got " +
               std::to_string(b.num_branches));
  if (!std::isfinite(b.length_penalty) || b.length_penalty < 0)
    return bad("length_penalty must be >= 0, got " + describe(b.length_penalty));
  if (b.beam_search) {
    if (b.best_of)
      return bad("beam search and best-of-n are different strategies: give one");
    if (o.temperature != 0 || o.top_k != 0 || o.top_p != 1 || o.min_p != 0 ||
        o.repetition_penalty != 1)
      return bad("beam search keeps the most likely beams: it takes no sampling options "
                 "(temperature, top_k, top_p, min_p, repetition_penalty)");
    if (!model->branches)
      return fail(LOOM_ERROR_UNSUPPORTED,
                  "this library's generation loop does not fork (a speculative loop, or a "
                  "library built before branches): beam search needs loom-compile "
                  "--generate without --speculate");
  } else if (b.num_branches > 1 && o.temperature == 0)
    return bad("greedy decoding (temperature 0) makes every branch the same: give "
               "temperature > 0 for " + std::to_string(b.num_branches) + " branches");
  if (b.num_branches > 1 && !model->branches)
    return fail(LOOM_ERROR_UNSUPPORTED,
                "this library's generation loop does not fork into branches (a speculative "
                "loop, or a library built before branches): compile it again with "
                "loom-compile --generate, without --speculate");

  Session session;
  session.branchCallback = callback;
  session.userData = userData;
  session.numBranches = b.num_branches;
  session.branching = true;
  session.branches.reserve(size_t(b.num_branches));
  if (b.beam_search) {
    session.beamSearch = std::make_unique<BeamSearch>(
        b.num_branches, promptLength, tokensRoom(model, o, promptLength),
        std::vector<int64_t>(o.stop_tokens, o.stop_tokens + o.num_stop_tokens),
        b.length_penalty, b.early_stopping != 0);
  } else if (!model->branches) {
    session.branches.emplace_back(); // the one sequence; the loop starts no branch
  }
  loom_status status = runLoop(model, session, prompt, promptLength, o, nullptr, nullptr, stats);
  if (status)
    return status;
  // The finished sequences: a beam search's best first; the branches in
  // order, or best first for best-of-n (ties: the lower index).
  std::vector<BeamSearch::Hypothesis> found;
  if (session.beamSearch) {
    found = session.beamSearch->results();
    if (stats)
      stats->generated_tokens = int64_t(session.beamSteps);
  } else {
    for (size_t i = 0; i < session.branches.size(); ++i) {
      Session::Branch &branch = session.branches[i];
      double score = branchScore(branch.logProb, branch.tokens.size(), b.length_penalty);
      found.push_back({std::move(branch.tokens), branch.logProb, score, i});
    }
    if (b.best_of)
      std::sort(found.begin(), found.end(), [](const auto &x, const auto &y) {
        return x.score > y.score || (x.score == y.score && x.order < y.order);
      });
  }
  if (results) // fewer hypotheses than beams: the rest are empty
    for (int64_t i = 0; i < b.num_branches; ++i)
      results[i] = loom_branch_result{i, nullptr, 0, 0, 0};
  for (size_t i = 0; i < found.size(); ++i) {
    loom_branch_result r = {};
    // A branch is known by its index (its seed), a hypothesis by its rank.
    r.branch = session.beamSearch ? int64_t(i) : int64_t(found[i].order);
    r.num_tokens = found[i].tokens.size();
    r.log_prob = found[i].logProb;
    r.score = found[i].score;
    if (tokens) {
      int64_t *row = tokens + i * size_t(o.max_new_tokens);
      std::copy(found[i].tokens.begin(), found[i].tokens.end(), row);
      r.tokens = row;
    }
    if (results)
      results[i] = r;
  }
  return LOOM_OK;
}

/// Called by the generated loop with the logits of the last position.
extern "C" int64_t _mlir_ciface_loomrt_decode_sample(MemRef<1> *logits, int64_t counter,
                                                     int32_t strategy, float temperature,
                                                     int64_t topK, float topP, float minP,
                                                     int64_t seed) {
  int64_t vocab = logits->sizes[0];
  std::vector<float> dense;
  const float *row = denseRow(logits, dense);
  SamplerOptions options; // LOOM_ABI_SAMPLE_GREEDY
  const int64_t *history = nullptr;
  size_t historyLength = 0;
  if (strategy == LOOM_ABI_SAMPLE_CATEGORICAL) { // with the op's attributes
    options.temperature = temperature;
    options.topK = topK;
    options.topP = topP;
    options.minP = minP;
    options.seed = uint64_t(seed);
  } else if (strategy == LOOM_ABI_SAMPLE_CALLER && current) {
    options = current->sampler;
    history = current->text.data();
    historyLength = current->text.size();
  }
  int64_t token = sampleToken(row, vocab, options, uint64_t(counter), history, historyLength);
  if (strategy == LOOM_ABI_SAMPLE_CALLER && current && !current->branches.empty()) {
    // A branch's score: the model's log-probability of the token, log
    // softmax of the raw logits (before temperature and the filters).
    float top = row[0];
    for (int64_t i = 1; i < vocab; ++i)
      top = std::max(top, row[i]);
    double sum = 0;
    for (int64_t i = 0; i < vocab; ++i)
      sum += std::exp(double(row[i]) - top);
    current->branches.back().logProb += double(row[token]) - top - std::log(sum);
  }
  return token;
}

/// Called by the generated loop with each token; false ends generation.
extern "C" bool loomrt_decode_emit(int64_t token) {
  Session *s = current;
  if (!s)
    return true;
  auto now = std::chrono::steady_clock::now();
  if (s->generated++ == 0)
    s->firstToken = now;
  s->lastToken = now;
  s->text.push_back(token);
  bool go = true;
  if (!s->branches.empty()) {
    s->branches.back().tokens.push_back(token);
    int64_t branch = int64_t(s->branches.size()) - 1;
    if (s->branchCallback && s->branchCallback(branch, token, s->userData) != 0)
      go = false;
  } else if (s->callback && s->callback(token, s->userData) != 0) {
    go = false;
  }
  for (size_t i = 0; i < s->options->num_stop_tokens; ++i)
    if (s->options->stop_tokens[i] == token)
      go = false;
  if (runErrorCount() != s->errorsAtStart)
    go = false; // the step computed from undefined values
  return go;
}

/// Called by the generated loop before each run of the step's body: the
/// statistics count what ran, not what the lowering meant to run.
extern "C" void loomrt_decode_model_run(int64_t tokens, int64_t position) {
  Session *s = current;
  if (!s)
    return;
  ++s->modelRuns;
  if (position == 0)
    ++s->prefillRuns;
  s->fedTokens += tokens;
}

/// Called by the generated loop after each step: the cache holds the
/// sequence's first `length` entries. With LOOM_CACHE_TRACE=FILE set, loomrt
/// appends one line per step to FILE, "length L hash H": H is FNV-1a (64 bits)
/// over the bytes of entries [0, L) of every layer's keys and values, head by
/// head. Two runs whose lines share a length must hold the same bytes there
/// (test/e2e/speculate-cache.test compares speculative and plain decoding).
extern "C" void _mlir_ciface_loomrt_decode_cache_ready(MemRef<6> *cache, int64_t length) {
  static const char *path = std::getenv("LOOM_CACHE_TRACE");
  if (!path || !*path || length < 0 || length > cache->sizes[4])
    return;
  uint64_t hash = 1469598103934665603ull;
  for (int64_t layer = 0; layer < cache->sizes[0]; ++layer)
    for (int64_t kind = 0; kind < cache->sizes[1]; ++kind)
      for (int64_t seq = 0; seq < cache->sizes[2]; ++seq)
        for (int64_t head = 0; head < cache->sizes[3]; ++head)
          for (int64_t p = 0; p < length; ++p)
            for (int64_t d = 0; d < cache->sizes[5]; ++d) {
              const float *entry =
                  cache->aligned + cache->offset + layer * cache->strides[0] +
                  kind * cache->strides[1] + seq * cache->strides[2] +
                  head * cache->strides[3] + p * cache->strides[4] + d * cache->strides[5];
              unsigned char bytes[sizeof(float)];
              std::memcpy(bytes, entry, sizeof bytes);
              for (unsigned char byte : bytes)
                hash = (hash ^ byte) * 1099511628211ull;
            }
  if (FILE *f = std::fopen(path, "a")) {
    std::fprintf(f, "length %lld hash %016llx\n", (long long)length, (unsigned long long)hash);
    std::fclose(f);
  }
}

/// Called by a forking loop after the shared prefill, before branch `branch`
/// samples its first token.
extern "C" bool loomrt_decode_branch(int64_t branch) {
  Session *s = current;
  if (!s)
    return branch == 0; // generated code called directly: one sequence
  if (!s->branching)
    return branch == 0; // loom_model_generate: one sequence, its own seed
  if (branch >= s->numBranches || runErrorCount() != s->errorsAtStart)
    return false;
  // Branch b draws from the stream of seed + b, and its repetition penalty
  // sees the prompt and its own tokens.
  s->sampler.seed = s->seed + uint64_t(branch);
  s->text.resize(s->promptLength);
  s->branches.emplace_back();
  return true;
}

/// A forking loop after the prefill: whether to run a beam search (which
/// then starts from these logits) instead of the branches.
extern "C" bool _mlir_ciface_loomrt_decode_beam_start(MemRef<1> *logits) {
  Session *s = current;
  if (!s || !s->beamSearch)
    return false;
  std::vector<float> scratch;
  s->firstToken = std::chrono::steady_clock::now();
  s->beamSearch->start(denseRow(logits, scratch), logits->sizes[0]);
  return true;
}

/// The next beam's token and position (out[0], out[1]); its suffix loaded.
extern "C" bool _mlir_ciface_loomrt_decode_beam_next(MemRef<6> *cache, MemRefI64<1> *out) {
  Session *s = current;
  if (!s || !s->beamSearch || out->sizes[0] < 2 || runErrorCount() != s->errorsAtStart)
    return false;
  int64_t token, position;
  if (!s->beamSearch->next(cache, token, position))
    return false;
  out->aligned[out->offset] = token;
  out->aligned[out->offset + out->strides[0]] = position;
  return true;
}

/// The step's logits for the beam beam_next named.
extern "C" void _mlir_ciface_loomrt_decode_beam_logits(MemRef<1> *logits, MemRef<6> *cache) {
  Session *s = current;
  if (!s || !s->beamSearch)
    return;
  s->lastToken = std::chrono::steady_clock::now();
  ++s->beamSteps;
  std::vector<float> scratch;
  s->beamSearch->logits(denseRow(logits, scratch), logits->sizes[0], cache);
}

/// NAME_generate of a --generate library: its model, opened once from the
/// library's own symbols.
loom_status loomrt::linkedModel(const char *signature, void (*entry)(void **),
                                const char *tokenizer, loom_model **out) {
  struct Unload {
    void operator()(loom_model *m) const { loom_model_unload(m); }
  };
  // Opened once per model linked into the process; closed at exit.
  static std::mutex mutex;
  static std::map<void (*)(void **), std::unique_ptr<loom_model, Unload>> opened;
  std::lock_guard<std::mutex> lock(mutex);
  auto &slot = opened[entry];
  if (!slot) {
    loom_model *fresh = nullptr;
    if (loom_status status = loom_model_from_symbols(signature, entry, &fresh))
      return status;
    slot.reset(fresh);
  }
  // NAME_generate may have opened it first, without the tokenizer's bytes.
  if (tokenizer)
    slot->tokenizerData = tokenizer;
  *out = slot.get();
  return LOOM_OK;
}

extern "C" loom_status loom_generate_linked(const char *signature, void (*entry)(void **),
                                            const int64_t *prompt, size_t promptLength,
                                            const loom_generate_options *options,
                                            loom_token_callback callback, void *userData,
                                            int64_t *tokens, size_t *numTokens,
                                            loom_generate_stats *stats) {
  loom_model *model = nullptr;
  if (loom_status status = linkedModel(signature, entry, nullptr, &model))
    return status;
  return loom_model_generate(model, prompt, promptLength, options, callback, userData, tokens,
                             numTokens, stats);
}
