/*===- loom-c/Driver.h - run a model on tensor files --------------*- C -*-===*\
|*                                                                            *|
|* What `loom-run` and executables built by `loom-compile --emit=exe` do:     *|
|* read inputs from ONNX TensorProto files, run, then compare the outputs    *|
|* with expected ones or write them out. Part of loomrt.                      *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef LOOM_C_DRIVER_H
#define LOOM_C_DRIVER_H

#include "loom-c/Runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct loom_driver_options {
  /* An ONNX test-data directory: input_N.pb in, output_N.pb to compare. */
  const char *test_data;
  /* Otherwise: input files in order, and where to write output_N.pb
     (NULL: only print a summary of each output). */
  const char *const *input_files;
  int num_input_files;
  const char *output_dir;
  /* |got - expected| <= atol + rtol * |expected| for floating point; integer
     and boolean outputs must be equal. */
  double rtol, atol;
  /* Runs of the model; more than 1 prints the time per run. */
  int repeat;
} loom_driver_options;

/* Fills in the defaults: rtol 1e-4, atol 1e-5, repeat 1. */
void loom_driver_default_options(loom_driver_options *options);

/* Compares one output; returns 1 if it matches. On a mismatch, `report`
   (if not NULL) receives a one-line description of the worst element. */
int loom_tensor_compare(const loom_tensor *got, const loom_tensor *expected, double rtol,
                        double atol, char *report, size_t report_size);

/* Runs `model` as the options say, printing to stdout (results) and stderr
   (errors). Returns the process exit code: 0 all outputs match (or were
   written), 1 an output differs, 2 any error. */
int loom_driver_run(loom_model *model, const loom_driver_options *options);

#ifdef __cplusplus
}
#endif

#endif /* LOOM_C_DRIVER_H */
