/*===- loom-c/Generate.h - text generation with compiled decoders -*- C -*-===*\
|*                                                                            *|
|* A decoder compiled with `loom-compile --generate` carries its whole        *|
|* generation loop (prefill, one-token steps, in-place KV cache) as compiled  *|
|* code. loomrt checks the request, samples each next token with the options  *|
|* below, and reports every token to the caller's callback as it is made.     *|
|*                                                                            *|
|* Sampling is reproducible: a draw is a pure function of the seed and the    *|
|* token's position (a counter-based generator), so the same seed gives the   *|
|* same tokens on every run and with any number of threads.                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef LOOM_C_GENERATE_H
#define LOOM_C_GENERATE_H

#include "loom-c/Runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct loom_generate_options {
  int64_t max_new_tokens;   /* tokens to generate at most; >= 1 (default 128) */
  float temperature;        /* 0: greedy, the most likely token (default); > 0 */
  int64_t top_k;            /* keep the k most likely tokens; 0: all (default) */
  float top_p;              /* keep the smallest set reaching probability p; (0, 1], 1: off */
  float min_p;              /* drop tokens below min_p x the top probability; [0, 1), 0: off */
  float repetition_penalty; /* > 0; 1: off. Logits of tokens already in the text are
                               divided (if positive) or multiplied by it */
  uint64_t seed;            /* of the counter-based random numbers (default 0) */
  const int64_t *stop_tokens; /* generation ends after emitting one of these */
  size_t num_stop_tokens;
  /* Speculation's acceptance profile (what loom-compile --tree=search reads):
     when set, arrays of loom_model_speculation_tree() entries to which the
     generation adds, per tree node, how often it was drafted and how often
     accepted (entry 0, the root, counts verify steps in both). Default null. */
  int64_t *node_drafted, *node_accepted;
} loom_generate_options;

/* Fills in the defaults documented above. */
void loom_generate_options_init(loom_generate_options *options);

/* Called with each generated token, in order; return nonzero to stop. */
typedef int (*loom_token_callback)(int64_t token, void *user_data);

typedef struct loom_generate_stats {
  int64_t prompt_tokens, generated_tokens;
  double prefill_seconds; /* until the first generated token */
  double decode_seconds;  /* the remaining tokens */
  /* Speculative decoding (loom-compile --speculate): steps that verified
     drafted tokens, the tokens drafted for them and how many were accepted.
     Each such step also yields one token of the target's own, so it makes
     (accepted_tokens + verify_steps) / verify_steps tokens on average. Zero
     without speculation. */
  int64_t verify_steps, drafted_tokens, accepted_tokens;
  /* Runs of the compiled decode step (the prompt's prefill and each step;
     a sampling branch's or beam's steps too), those that started at position
     0 (prefills: one for any number of branches, whose prompt is computed and
     stored once) and the tokens fed to them (a speculative step counts the
     token it starts from; its drafts are in drafted_tokens). Counted by
     loomrt as the generated code runs. */
  int64_t model_runs, prefill_runs, fed_tokens;
} loom_generate_stats;

/* Whether `model` was compiled with --generate, and its vocabulary size and
   context length (positions of its KV cache); 0 when it was not. */
int loom_model_is_generator(const loom_model *model);
int64_t loom_model_vocab_size(const loom_model *model);
int64_t loom_model_context_length(const loom_model *model);

/* Text in and out with the tokenizer that loom-compile --tokenizer embedded
   in the library (loom-c/Tokenizer.h for what a tokenizer does). */
struct loom_tokenizer;
/* Called with each piece of generated text (valid UTF-8, not NUL-terminated)
   as tokens complete it; return nonzero to stop. */
typedef int (*loom_text_callback)(const char *text, size_t length, void *user_data);
/* A new copy of the embedded tokenizer (loom_tokenizer_destroy it), or
   LOOM_ERROR_UNSUPPORTED when the library has none. */
loom_status loom_model_tokenizer(const loom_model *model, struct loom_tokenizer **out);
/* Generates after the UTF-8 `prompt` (encoded with the tokenizer's BOS, as
   loom-run --prompt does) and streams the generated text to `callback`.
   Without stop tokens in `options`, generation ends at the tokenizer's end of
   text (EOS). Fails as loom_model_generate does, and with
   LOOM_ERROR_UNSUPPORTED without an embedded tokenizer. */
loom_status loom_model_generate_text(loom_model *model, const char *prompt,
                                     const loom_generate_options *options,
                                     loom_text_callback callback, void *user_data,
                                     loom_generate_stats *stats);

/* The speculation tree `model` was compiled with (loom-compile --speculate,
   --tree): writes up to `capacity` parent indices to `parents` (node 0, the
   token being fed, has -1) and returns the number of nodes; 0 without
   speculation. */
int64_t loom_model_speculation_tree(const loom_model *model, int64_t *parents,
                                    size_t capacity);

/* Generates after `prompt` (token ids; 1 <= prompt_len <= context length,
   each id in [0, vocab size)). `options` may be NULL (the defaults);
   `callback`, `tokens` (room for options->max_new_tokens ids), `num_tokens`
   and `stats` may each be NULL. Bad requests fail with
   LOOM_ERROR_INVALID_ARGUMENT before anything runs. Generation ends at
   max_new_tokens, a stop token, a full context, or the callback's request. */
loom_status loom_model_generate(loom_model *model, const int64_t *prompt, size_t prompt_len,
                                const loom_generate_options *options,
                                loom_token_callback callback, void *user_data,
                                int64_t *tokens, size_t *num_tokens,
                                loom_generate_stats *stats);

/* What NAME_generate in a --generate library's header calls: generation
   with the model linked into the caller (opened once from its symbols). */
loom_status loom_generate_linked(const char *signature, void (*entry)(void **),
                                 const int64_t *prompt, size_t prompt_len,
                                 const loom_generate_options *options,
                                 loom_token_callback callback, void *user_data,
                                 int64_t *tokens, size_t *num_tokens,
                                 loom_generate_stats *stats);

/* Sampling branches: several continuations of one prompt. The prompt's
   prefill runs once and its keys and values are stored once; branch b then
   samples with seed options->seed + b (so it makes exactly the tokens of
   loom_model_generate with that seed) and stops on its own. Branches run
   one after another on the shared cache.

   Beam search (beam_search = 1) keeps num_branches beams; each round every
   beam proposes its 2 x width most likely tokens and the best candidates
   become the next round's beams (a stop token among the best `width`
   finishes a hypothesis). A hypothesis's length counts its tokens with the
   stop token; the cache suffix of each beam is kept by loomrt and put back
   in the cache before its step. If fewer hypotheses finish than there are
   beams, the remaining results have no tokens (NULL, 0); the statistics'
   generated_tokens counts the beams' one-token steps. */

/* The most branches one call runs. */
#define LOOM_MAX_BRANCHES 1024

typedef struct loom_branch_options {
  int64_t num_branches; /* 1 to LOOM_MAX_BRANCHES (default 1) */
  int best_of;          /* 0: results in branch order (default); nonzero: best-of-n,
                           results sorted by score, best first */
  float length_penalty; /* score = log_prob / num_tokens^length_penalty; >= 0
                           (default 1: the mean log-probability per token) */
  int beam_search;      /* nonzero: beam search of width num_branches instead of
                           sampling (no sampling options); the results are the
                           best finished hypotheses, best first */
  int early_stopping;   /* beam search: end as soon as num_branches hypotheses
                           are finished (default 0: when no live beam can beat
                           the worst of them) */
} loom_branch_options;

/* Fills in the defaults documented above. */
void loom_branch_options_init(loom_branch_options *options);

typedef struct loom_branch_result {
  int64_t branch;        /* which branch: it sampled with seed + branch (beam
                            search: the hypothesis's rank, 0 the best) */
  const int64_t *tokens; /* its tokens, within the caller's `tokens` array (NULL
                            when that was NULL) */
  size_t num_tokens;
  double log_prob;       /* the sum over its tokens of log softmax(logits)[token],
                            the model's own distribution (before temperature and
                            the filters) */
  double score;          /* log_prob / num_tokens^length_penalty */
} loom_branch_result;

/* Called with each token of branch `branch`, in order; nonzero stops that
   branch (the others still run). */
typedef int (*loom_branch_callback)(int64_t branch, int64_t token, void *user_data);

/* Generates branches->num_branches continuations of `prompt` with `options`
   (temperature > 0 when there is more than one branch: greedy branches would
   all be the same). `tokens`, if not NULL, has room for num_branches x
   options->max_new_tokens ids (branch b's from index b x max_new_tokens);
   `results`, if not NULL, for num_branches entries. `branches`, `callback`
   and `stats` may be NULL. More than one branch needs a library whose loop
   forks (every `loom-compile --generate` library but speculative ones);
   LOOM_ERROR_UNSUPPORTED otherwise. Bad requests fail before anything runs. */
loom_status loom_model_generate_branches(loom_model *model, const int64_t *prompt,
                                         size_t prompt_len,
                                         const loom_generate_options *options,
                                         const loom_branch_options *branches,
                                         loom_branch_callback callback, void *user_data,
                                         int64_t *tokens, loom_branch_result *results,
                                         loom_generate_stats *stats);

/* Whether `model`'s generation loop forks into branches. */
int loom_model_has_branches(const loom_model *model);

#ifdef __cplusplus
}
#endif

#endif /* LOOM_C_GENERATE_H */
