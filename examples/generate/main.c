/* A C program generating with a decoder compiled by
 *
 *   loom-compile model.onnx --generate -o libNAME.so     (writes NAME.h too)
 *
 * through the header's NAME_generate. Build it against the model:
 *
 *   cc main.c -I<dir> -I<loom>/include -DMODEL_HEADER='"NAME.h"' \
 *      -DMODEL_GENERATE=NAME_generate -L<dir> -lNAME -Wl,-rpath,<dir> \
 *      -L<loom>/build/lib -lloomrt -Wl,-rpath,<loom>/build/lib -o generate-example
 *
 * (<dir>: the folder of libNAME.so and NAME.h; <loom>: the checkout. The
 * rpaths let the program find both libraries without LD_LIBRARY_PATH.) Or
 * from `loom-compile model.onnx --generate --emit=obj -o NAME.o`, which
 * writes NAME.h too and prints what to link with: replace -lNAME above by
 * NAME.o and add those flags.
 *
 * Usage: generate-example PROMPT_ID... [--max N] [--temperature T] [--seed S]
 * Prints the tokens as they come, then a summary line on stderr.
 */
#include MODEL_HEADER

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int print_token(int64_t token, void *count) {
  printf("%s%lld", (*(int *)count)++ ? " " : "", (long long)token);
  fflush(stdout);
  return 0; /* nonzero would stop generation here */
}

int main(int argc, char **argv) {
  int64_t prompt[256];
  size_t n = 0;
  loom_generate_options options;
  loom_generate_options_init(&options);
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--max") && i + 1 < argc)
      options.max_new_tokens = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--temperature") && i + 1 < argc)
      options.temperature = (float)atof(argv[++i]);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      options.seed = strtoull(argv[++i], NULL, 10);
    else if (n < sizeof prompt / sizeof prompt[0])
      prompt[n++] = atoll(argv[i]);
  }
  int count = 0;
  loom_generate_stats stats;
  loom_status status =
      MODEL_GENERATE(prompt, n, &options, print_token, &count, NULL, NULL, &stats);
  printf("\n");
  if (status != LOOM_OK) {
    fprintf(stderr, "generate-example: %s\n", loom_last_error());
    return 2;
  }
  fprintf(stderr, "generate-example: %lld tokens after a prompt of %lld\n",
          (long long)stats.generated_tokens, (long long)stats.prompt_tokens);
  return 0;
}
