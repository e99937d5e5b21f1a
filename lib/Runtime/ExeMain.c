/*===- ExeMain.c - main() of executables built by loom-compile ------------===*\
|*                                                                            *|
|* `loom-compile --emit=exe` links the model's object with this file (as      *|
|* libloomrt_main.a) and loomrt. The model provides the two symbols below.    *|
|* A model compiled with --generate generates from --prompt-tokens instead.   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "loom-c/Driver.h"
#include "loom-c/Generate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char loom_model_signature[];
extern void loom_model_entry(void **args);

static void usage(const char *prog, FILE *out) {
  fprintf(out,
          "usage: %s [options] [input_0.pb ...]\n"
          "Runs the model compiled into this program on ONNX TensorProto files.\n"
          "  --test-data DIR  read DIR/input_N.pb, compare with DIR/output_N.pb\n"
          "  -o DIR           write output_N.pb files into DIR\n"
          "  --rtol R, --atol A  comparison tolerances (default 1e-4, 1e-5)\n"
          "  --threads N      worker threads (default: one per core)\n"
          "  --repeat N       run N times and print the median time per run\n"
          "  --signature      print the model's inputs and outputs\n"
          "A model compiled with --generate generates instead (ids on one line):\n"
          "  --prompt-tokens \"1 2 3\"  the prompt's token ids (required)\n"
          "  --max-tokens N   tokens to generate at most (default 128)\n"
          "  --temperature T  --top-k K  --top-p P  --min-p M  --repetition-penalty R\n"
          "  --seed S         sampling (default greedy)\n"
          "  --stop-tokens \"2,7\"  ids that end generation (commas or spaces)\n"
          "Exit status: 0 ok, 1 an output differs, 2 an error.\n",
          prog);
}

static int parseNumber(const char *prog, const char *flag, const char *text, double *out) {
  char *end;
  *out = strtod(text, &end);
  if (end == text || *end) {
    fprintf(stderr, "%s: %s needs a number, got '%s'\n", prog, flag, text);
    return 0;
  }
  return 1;
}

/* Appends the ids in `text` (separated by spaces or commas) to `ids`. */
static int parseIds(const char *prog, const char *flag, const char *text, int64_t *ids,
                    size_t *count, size_t capacity) {
  const char *p = text;
  while (*p) {
    while (*p == ' ' || *p == ',')
      ++p;
    if (!*p)
      break;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || (*end && *end != ' ' && *end != ',') || *count == capacity) {
      fprintf(stderr, "%s: %s takes token ids separated by spaces or commas, got '%s'\n",
              prog, flag, text);
      return 0;
    }
    ids[(*count)++] = v;
    p = end;
  }
  return 1;
}

static int printToken(int64_t token, void *first) {
  printf(*(int *)first ? "%lld" : " %lld", (long long)token);
  *(int *)first = 0;
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  loom_driver_options options;
  loom_driver_default_options(&options);
  /* At most argc - 1 input files; a VLA keeps every return leak-free. */
  const char *inputs[argc > 1 ? argc : 1];
  int numInputs = 0, printSignature = 0, generating = 0;
  double value;
  const char *promptText = NULL, *stopText = NULL;
  loom_generate_options gen;
  loom_generate_options_init(&gen);
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    int hasValue = i + 1 < argc;
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
      usage(argv[0], stdout);
      return 0;
    } else if (!strcmp(arg, "--signature")) {
      printSignature = 1;
    } else if (!strcmp(arg, "--test-data") && hasValue) {
      options.test_data = argv[++i];
    } else if (!strcmp(arg, "-o") && hasValue) {
      options.output_dir = argv[++i];
    } else if (!strcmp(arg, "--prompt-tokens") && hasValue) {
      promptText = argv[++i];
      generating = 1;
    } else if (!strcmp(arg, "--stop-tokens") && hasValue) {
      stopText = argv[++i];
      generating = 1;
    } else if ((!strcmp(arg, "--max-tokens") || !strcmp(arg, "--temperature") ||
                !strcmp(arg, "--top-k") || !strcmp(arg, "--top-p") ||
                !strcmp(arg, "--min-p") || !strcmp(arg, "--repetition-penalty") ||
                !strcmp(arg, "--seed")) &&
               hasValue) {
      if (!parseNumber(argv[0], arg, argv[++i], &value))
        return 2;
      generating = 1;
      if (!strcmp(arg, "--max-tokens"))
        gen.max_new_tokens = (int64_t)value;
      else if (!strcmp(arg, "--temperature"))
        gen.temperature = (float)value;
      else if (!strcmp(arg, "--top-k"))
        gen.top_k = (int64_t)value;
      else if (!strcmp(arg, "--top-p"))
        gen.top_p = (float)value;
      else if (!strcmp(arg, "--min-p"))
        gen.min_p = (float)value;
      else if (!strcmp(arg, "--repetition-penalty"))
        gen.repetition_penalty = (float)value;
      else
        gen.seed = (uint64_t)value;
    } else if ((!strcmp(arg, "--rtol") || !strcmp(arg, "--atol") ||
                !strcmp(arg, "--threads") || !strcmp(arg, "--repeat")) &&
               hasValue) {
      if (!parseNumber(argv[0], arg, argv[++i], &value))
        return 2;
      if (!strcmp(arg, "--rtol"))
        options.rtol = value;
      else if (!strcmp(arg, "--atol"))
        options.atol = value;
      else if (!strcmp(arg, "--repeat")) {
        /* Checked before the conversion, which is undefined out of range. */
        if (!(value >= 1 && value <= 2147483647.0) || value != (double)(long long)value) {
          fprintf(stderr, "%s: --repeat must be a whole number from 1 to 2147483647, got '%s'\n",
                  argv[0], argv[i]);
          return 2;
        }
        options.repeat = (int)value;
      }
      else if (loom_set_num_threads((int)value) != LOOM_OK) {
        fprintf(stderr, "%s: %s\n", argv[0], loom_last_error());
        return 2;
      }
    } else if (arg[0] == '-') {
      fprintf(stderr, "%s: unknown option or missing value: '%s'\n", argv[0], arg);
      usage(argv[0], stderr);
      return 2;
    } else {
      inputs[numInputs++] = arg;
    }
  }
  loom_model *model;
  if (loom_model_from_symbols(loom_model_signature, loom_model_entry, &model) != LOOM_OK) {
    fprintf(stderr, "%s: %s\n", argv[0], loom_last_error());
    return 2;
  }
  if (printSignature) {
    fputs(loom_model_signature, stdout);
    loom_model_unload(model);
    return 0;
  }
  if (loom_model_is_generator(model)) {
    if (!promptText || options.test_data || numInputs) {
      fprintf(stderr, "%s: the model generates: give --prompt-tokens \"ID ID ...\" "
                      "(and no tensor files)\n", argv[0]);
      loom_model_unload(model);
      return 2;
    }
    /* Ids fit in the argument's length: one per two characters at most. */
    size_t capacity = strlen(promptText) / 2 + 1, stopCapacity = stopText ? strlen(stopText) / 2 + 1 : 1;
    int64_t prompt[capacity], stops[stopCapacity];
    size_t promptLen = 0, numStops = 0;
    if (!parseIds(argv[0], "--prompt-tokens", promptText, prompt, &promptLen, capacity) ||
        (stopText && !parseIds(argv[0], "--stop-tokens", stopText, stops, &numStops,
                               stopCapacity))) {
      loom_model_unload(model);
      return 2;
    }
    gen.stop_tokens = stops;
    gen.num_stop_tokens = numStops;
    int first = 1;
    loom_status status = loom_model_generate(model, prompt, promptLen, &gen, printToken, &first,
                                             NULL, NULL, NULL);
    printf("\n");
    if (status != LOOM_OK)
      fprintf(stderr, "%s: %s\n", argv[0], loom_last_error());
    loom_model_unload(model);
    return status == LOOM_OK ? 0 : 2;
  }
  if (generating) {
    fprintf(stderr, "%s: the generation options need a model compiled with --generate\n",
            argv[0]);
    loom_model_unload(model);
    return 2;
  }
  if (options.test_data && numInputs) {
    fprintf(stderr, "%s: give either --test-data or input files, not both\n", argv[0]);
    loom_model_unload(model);
    return 2;
  }
  options.input_files = inputs;
  options.num_input_files = numInputs;
  int status = loom_driver_run(model, &options);
  loom_model_unload(model);
  return status;
}
