/* Embedding a model compiled by loom-compile in a C program.
 *
 *   loom-compile mlp.onnx -o build/libmlp.so      (writes build/mlp.h too)
 *   cc main.c -Ibuild -Lbuild -lmlp -Wl,-rpath,build -o mlp-example
 *   ./mlp-example input.bin expected.bin
 *
 * Runs the model on a 4x16 batch and compares its 4x10 probabilities with
 * numpy's (expected.bin) at an absolute tolerance of 1e-5. Exit status 0 on a
 * match, 1 on a mismatch, 2 on a usage or I/O error.
 */
#include "mlp.h"

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

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s input.bin expected.bin\n", argv[0]);
    return 2;
  }
  static float input[BATCH * IN], expected[BATCH * OUT];
  if (read_floats(argv[1], input, BATCH * IN) || read_floats(argv[2], expected, BATCH * OUT))
    return 2;

  /* The input is borrowed: describe the caller's buffer, row-major. */
  loom_memref2d x = {input, input, 0, {BATCH, IN}, {IN, 1}};
  loom_memref2d probs;
  _mlir_ciface_main_graph(&probs, &x);

  if (probs.sizes[0] != BATCH || probs.sizes[1] != OUT) {
    fprintf(stderr, "mlp-example: result is %lldx%lld, expected %dx%d\n",
            (long long)probs.sizes[0], (long long)probs.sizes[1], BATCH, OUT);
    return 1;
  }
  const float *p = (const float *)probs.aligned + probs.offset;
  double worst = 0.0;
  for (int i = 0; i < BATCH; ++i)
    for (int j = 0; j < OUT; ++j) {
      double err = fabs(p[i * probs.strides[0] + j * probs.strides[1]] - expected[i * OUT + j]);
      if (err > worst)
        worst = err;
    }
  printf("row 0:");
  for (int j = 0; j < OUT; ++j)
    printf(" %.4f", p[j * probs.strides[1]]);
  printf("\nmax abs difference from numpy: %.3g\n", worst);
  free(probs.allocated); /* results belong to the caller */
  return worst <= 1e-5 ? 0 : 1;
}
