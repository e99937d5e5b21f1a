/* loom_model_generate_branches' contract from C: the results and tokens
   arrays, NULL arguments, a callback that stops one branch (the others go
   on), and requests refused before anything runs.
   Usage: branches_api LIBRARY.so   (prints one line per check) */
#include "loom-c/Generate.h"
#include "loom-c/Runtime.h"

#include <stdio.h>
#include <string.h>

#define MAX_NEW 12

/* Stops branch 1 after its third token; counts every branch's tokens. */
struct counts {
  int64_t seen[4];
};

static int onToken(int64_t branch, int64_t token, void *data) {
  struct counts *c = (struct counts *)data;
  (void)token;
  if (branch < 0 || branch >= 4)
    return 1;
  return ++c->seen[branch] == 3 && branch == 1;
}

int main(int argc, char **argv) {
  loom_model *model = NULL;
  if (argc != 2 || loom_model_load(argv[1], &model) != LOOM_OK) {
    printf("cannot load: %s\n", loom_last_error());
    return 1;
  }
  printf("has branches: %d\n", loom_model_has_branches(model));
  int64_t prompt[3] = {3, 17, 42};
  loom_generate_options options;
  loom_generate_options_init(&options);
  options.max_new_tokens = MAX_NEW;
  options.temperature = 1.0f;
  options.seed = 5;
  loom_branch_options branches;
  loom_branch_options_init(&branches);
  branches.num_branches = 4;

  /* Every branch's tokens and results; branch 1 stopped by the callback. */
  int64_t tokens[4 * MAX_NEW];
  loom_branch_result results[4];
  struct counts counts;
  memset(&counts, 0, sizeof counts);
  loom_status status = loom_model_generate_branches(model, prompt, 3, &options, &branches,
                                                    onToken, &counts, tokens, results, NULL);
  printf("status %d\n", (int)status);
  if (status != LOOM_OK) {
    printf("%s\n", loom_last_error());
    loom_model_unload(model);
    return 0;
  }
  for (int b = 0; b < 4; ++b)
    printf("branch %lld: %zu tokens (callback saw %lld), first token at row %d: %s\n",
           (long long)results[b].branch, results[b].num_tokens, (long long)counts.seen[b], b,
           results[b].tokens == tokens + b * MAX_NEW ? "yes" : "no");

  /* Each branch equals loom_model_generate with seed + b. */
  int same = 1;
  for (int b = 0; b < 4; ++b) {
    int64_t single[MAX_NEW];
    size_t n = 0;
    loom_generate_options o = options;
    o.seed = options.seed + (uint64_t)b;
    loom_model_generate(model, prompt, 3, &o, NULL, NULL, single, &n, NULL);
    if (b == 1)
      n = 3; /* stopped by the callback after its third token */
    same &= n == results[b].num_tokens &&
            memcmp(single, results[b].tokens, n * sizeof(int64_t)) == 0;
  }
  printf("branches equal single runs: %s\n", same ? "yes" : "no");

  /* Everything optional left out: NULL options (one greedy branch), no
     callback, no tokens, no results. */
  status = loom_model_generate_branches(model, prompt, 3, NULL, NULL, NULL, NULL, NULL, NULL,
                                        NULL);
  printf("all NULL: status %d\n", (int)status);

  /* Refused requests. */
  branches.num_branches = 0;
  status = loom_model_generate_branches(model, prompt, 3, &options, &branches, NULL, NULL,
                                        NULL, NULL, NULL);
  printf("0 branches: status %d: %s\n", (int)status, loom_last_error());
  branches.num_branches = 2;
  branches.length_penalty = -1.0f;
  status = loom_model_generate_branches(model, prompt, 3, &options, &branches, NULL, NULL,
                                        NULL, NULL, NULL);
  printf("negative penalty: status %d: %s\n", (int)status, loom_last_error());
  branches.length_penalty = 1.0f;
  branches.beam_search = 1;
  status = loom_model_generate_branches(model, prompt, 3, &options, &branches, NULL, NULL,
                                        NULL, NULL, NULL);
  printf("beams with temperature: status %d: %s\n", (int)status, loom_last_error());
  branches.best_of = 1;
  options.temperature = 0.0f;
  status = loom_model_generate_branches(model, prompt, 3, &options, &branches, NULL, NULL,
                                        NULL, NULL, NULL);
  printf("beams and best-of: status %d: %s\n", (int)status, loom_last_error());
  status = loom_model_generate_branches(NULL, prompt, 3, &options, &branches, NULL, NULL,
                                        NULL, NULL, NULL);
  printf("no model: status %d: %s\n", (int)status, loom_last_error());

  /* A beam search with results only (no tokens array). */
  branches.best_of = 0;
  branches.num_branches = 2;
  status = loom_model_generate_branches(model, prompt, 3, &options, &branches, NULL, NULL,
                                        NULL, results, NULL);
  printf("beams without tokens: status %d, %zu and %zu tokens, no pointers: %s\n", (int)status,
         results[0].num_tokens, results[1].num_tokens,
         results[0].tokens == NULL && results[1].tokens == NULL ? "yes" : "no");
  loom_model_unload(model);
  return 0;
}
