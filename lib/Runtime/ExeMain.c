/*===- ExeMain.c - main() of executables built by loom-compile ------------===*\
|*                                                                            *|
|* `loom-compile --emit=exe` links the model's object with this file (as      *|
|* libloomrt_main.a) and loomrt. The model provides the two symbols below.    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "loom-c/Driver.h"

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
          "  --repeat N       run N times and print the time per run\n"
          "  --signature      print the model's inputs and outputs\n"
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

int main(int argc, char **argv) {
  loom_driver_options options;
  loom_driver_default_options(&options);
  /* At most argc - 1 input files; a VLA keeps every return leak-free. */
  const char *inputs[argc > 1 ? argc : 1];
  int numInputs = 0, printSignature = 0;
  double value;
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
    } else if ((!strcmp(arg, "--rtol") || !strcmp(arg, "--atol") ||
                !strcmp(arg, "--threads") || !strcmp(arg, "--repeat")) &&
               hasValue) {
      if (!parseNumber(argv[0], arg, argv[++i], &value))
        return 2;
      if (!strcmp(arg, "--rtol"))
        options.rtol = value;
      else if (!strcmp(arg, "--atol"))
        options.atol = value;
      else if (!strcmp(arg, "--repeat"))
        options.repeat = (int)value;
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
