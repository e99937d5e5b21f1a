/* A C program that generates text with a decoder compiled with its tokenizer:
 *
 *   loom-compile model.onnx --generate --tokenizer tokenizer.bin -o libNAME.so
 *
 * (tokenizer.bin, tokenizer.json or a SentencePiece .model; NAME.h then
 * declares NAME_generate_text). Build it against the model:
 *
 *   cc text.c -I<dir> -I<loom>/include -DMODEL_HEADER='"NAME.h"' \
 *      -DMODEL_GENERATE_TEXT=NAME_generate_text -L<dir> -lNAME -Wl,-rpath,<dir> \
 *      -L<loom>/build/lib -lloomrt -Wl,-rpath,<loom>/build/lib -o generate-text
 *
 * Usage: generate-text PROMPT [--max N] [--temperature T] [--seed S]
 * Prints the prompt and the text as it is generated, up to the tokenizer's
 * end of text or N tokens.
 */
#include MODEL_HEADER

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int print_text(const char *text, size_t length, void *user_data) {
  (void)user_data;
  fwrite(text, 1, length, stdout);
  fflush(stdout);
  return 0; /* nonzero would stop generation here */
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PROMPT [--max N] [--temperature T] [--seed S]\n", argv[0]);
    return 2;
  }
  loom_generate_options options;
  loom_generate_options_init(&options);
  for (int i = 2; i < argc; ++i) {
    if (i + 1 >= argc) {
      fprintf(stderr, "%s needs a value\n", argv[i]);
      return 2;
    }
    if (!strcmp(argv[i], "--max"))
      options.max_new_tokens = strtoll(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--temperature"))
      options.temperature = strtof(argv[++i], NULL);
    else if (!strcmp(argv[i], "--seed"))
      options.seed = strtoull(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  fputs(argv[1], stdout);
  loom_status status = MODEL_GENERATE_TEXT(argv[1], &options, print_text, NULL, NULL);
  putchar('\n');
  if (status != LOOM_OK) {
    fprintf(stderr, "error: %s\n", loom_last_error());
    return 2;
  }
  return 0;
}
