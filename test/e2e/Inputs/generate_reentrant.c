/* loom_model_generate called from inside its own token callback (on the
   same thread) must fail with a status and a message, not corrupt the
   running generation: the outer call still completes.
   Usage: generate_reentrant LIBRARY.so */
#include "loom-c/Generate.h"
#include "loom-c/Runtime.h"

#include <stdio.h>

struct probe {
  loom_model *model;
  loom_status inner;
  int calls;
};

static int onToken(int64_t token, void *data) {
  struct probe *p = (struct probe *)data;
  (void)token;
  if (p->calls++ == 0) {
    int64_t prompt[1] = {1}, out[4];
    size_t n = 0;
    p->inner = loom_model_generate(p->model, prompt, 1, NULL, NULL, NULL, out, &n, NULL);
    printf("inner call: status %d: %s\n", (int)p->inner, loom_last_error());
  }
  return 0;
}

int main(int argc, char **argv) {
  struct probe p = {NULL, LOOM_OK, 0};
  if (argc != 2 || loom_model_load(argv[1], &p.model) != LOOM_OK) {
    fprintf(stderr, "generate_reentrant: %s\n", argc == 2 ? loom_last_error() : "usage");
    return 2;
  }
  loom_generate_options options;
  loom_generate_options_init(&options);
  options.max_new_tokens = 5;
  int64_t prompt[2] = {3, 17}, tokens[5];
  size_t n = 0;
  loom_status outer =
      loom_model_generate(p.model, prompt, 2, &options, onToken, &p, tokens, &n, NULL);
  printf("outer call: status %d, %zu tokens\n", (int)outer, n);
  loom_model_unload(p.model);
  return outer == LOOM_OK && p.inner == LOOM_ERROR_UNSUPPORTED && n == 5 ? 0 : 1;
}
