/* Embedding a model compiled by loom-compile in a C program, through loomrt.
 *
 *   loom-compile mlp.onnx -o build/libmlp.so
 *   cmake -S examples/mlp -B build/mlp-example -DLOOM_BUILD_DIR=$PWD/build
 *   ./mlp-example build/libmlp.so input.bin expected.bin
 *
 * Loads the model with loom_model_load, runs it on a 4x16 batch and compares
 * its 4x10 probabilities with numpy's (expected.bin) at an absolute tolerance
 * of 1e-5. Exit status 0 on a match, 1 on a mismatch, 2 on any error (with
 * loomrt's message).
 */
#include "loom-c/Runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { BATCH = 4, IN = 16, OUT = 10 };

static int read_floats(const char *path, float *data, size_t count) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "mlp-example: cannot open %s\n", path);
    return -1;
  }
  size_t got = fread(data, sizeof(float), count, f);
  fclose(f);
  if (got != count) {
    fprintf(stderr, "mlp-example: %s has %zu floats, expected %zu\n", path, got, count);
    return -1;
  }
  return 0;
}

static int fail(const char *what) {
  fprintf(stderr, "mlp-example: %s: %s\n", what, loom_last_error());
  return 2;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: %s libmlp.so input.bin expected.bin [rows]\n", argv[0]);
    return 2;
  }
  static float input[BATCH * IN], expected[BATCH * OUT];
  if (read_floats(argv[2], input, BATCH * IN) || read_floats(argv[3], expected, BATCH * OUT))
    return 2;

  loom_model *model;
  if (loom_model_load(argv[1], &model) != LOOM_OK)
    return fail("loading the model");
  printf("model: %d input(s), first '%s' of rank %d\n", loom_model_num_inputs(model),
         loom_model_input_name(model, 0), loom_model_input_rank(model, 0));

  /* The input is borrowed: a tensor over the caller's buffer. An optional
     fourth argument passes a different row count, which the model accepts
     (its batch is dynamic) or loomrt rejects with a message. */
  int64_t shape[2] = {BATCH, argc == 5 ? atoll(argv[4]) : IN};
  loom_tensor *x = NULL, *probs = NULL;
  int status = 0;
  if (loom_tensor_wrap(LOOM_DTYPE_FLOAT32, shape, 2, input, &x) != LOOM_OK)
    status = fail("wrapping the input");
  else if (loom_model_run(model, (const loom_tensor *const *)&x, 1, &probs, 1) != LOOM_OK)
    status = fail("running the model");
  if (status != 0) {
    loom_tensor_destroy(x); /* NULL is fine */
    loom_model_unload(model);
    return status;
  }

  const int64_t *dims = loom_tensor_shape(probs);
  if (loom_tensor_rank(probs) != 2 || dims[0] != BATCH || dims[1] != OUT) {
    fprintf(stderr, "mlp-example: the result is not %dx%d\n", BATCH, OUT);
    return 1;
  }
  const float *p = loom_tensor_data(probs); /* dense, row-major */
  double worst = 0.0;
  for (int i = 0; i < BATCH * OUT; ++i)
    if (fabs(p[i] - expected[i]) > worst)
      worst = fabs(p[i] - expected[i]);
  printf("row 0:");
  for (int j = 0; j < OUT; ++j)
    printf(" %.4f", p[j]);
  printf("\nmax abs difference from numpy: %.3g\n", worst);

  loom_tensor_destroy(probs); /* outputs belong to the caller */
  loom_tensor_destroy(x);     /* frees the wrapper, not the borrowed buffer */
  loom_model_unload(model);
  return worst <= 1e-5 ? 0 : 1;
}
