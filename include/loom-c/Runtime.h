/*===- loom-c/Runtime.h - loomrt, the runtime of compiled models -*- C -*-===*\
|*                                                                            *|
|* loomrt loads a model compiled by `loom-compile --emit=lib` (or linked into *|
|* an executable), checks inputs against the model's signature, runs it, and  *|
|* hands the outputs back as tensors. It also owns the thread pool that the   *|
|* generated code's kernels use.                                              *|
|*                                                                            *|
|* Conventions                                                                *|
|*  - Every fallible function returns a loom_status; LOOM_OK is 0. On failure *|
|*    loom_last_error() describes what went wrong (per thread, valid until    *|
|*    the next loomrt call on that thread). loomrt never aborts the process   *|
|*    on bad input.                                                           *|
|*  - Ownership: a loom_tensor either owns its buffer (loom_tensor_create,    *|
|*    the outputs of loom_model_run, loom_tensor_read_file) or borrows it     *|
|*    (loom_tensor_wrap); loom_tensor_destroy frees an owned buffer only.     *|
|*    The caller destroys every tensor it receives.                           *|
|*  - Tensors are dense and row-major. Booleans take one byte.                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef LOOM_C_RUNTIME_H
#define LOOM_C_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum loom_status {
  LOOM_OK = 0,
  LOOM_ERROR_INVALID_ARGUMENT = 1, /* a null pointer, a bad rank or dtype */
  LOOM_ERROR_IO = 2,               /* a file could not be read or written */
  LOOM_ERROR_FORMAT = 3,           /* a file is not what it claims to be */
  LOOM_ERROR_SIGNATURE = 4,        /* inputs do not match the model */
  LOOM_ERROR_OUT_OF_MEMORY = 5,
  LOOM_ERROR_UNSUPPORTED = 6,      /* valid, but loomrt cannot do it yet */
} loom_status;

/* Element types, numbered as ONNX's TensorProto.DataType. */
typedef enum loom_dtype {
  LOOM_DTYPE_UNDEFINED = 0,
  LOOM_DTYPE_FLOAT32 = 1,
  LOOM_DTYPE_UINT8 = 2,
  LOOM_DTYPE_INT8 = 3,
  LOOM_DTYPE_UINT16 = 4,
  LOOM_DTYPE_INT16 = 5,
  LOOM_DTYPE_INT32 = 6,
  LOOM_DTYPE_INT64 = 7,
  LOOM_DTYPE_BOOL = 9,
  LOOM_DTYPE_FLOAT16 = 10,
  LOOM_DTYPE_FLOAT64 = 11,
  LOOM_DTYPE_UINT32 = 12,
  LOOM_DTYPE_UINT64 = 13,
  LOOM_DTYPE_BFLOAT16 = 16,
} loom_dtype;

/* The largest rank loomrt handles. */
#define LOOM_MAX_RANK 16

/* The message of the last failure on this thread ("" if none). */
const char *loom_last_error(void);

/* "float32", "int64", ...; "undefined" for anything else. */
const char *loom_dtype_name(loom_dtype dtype);
/* Bytes per element; 0 for an unknown dtype. */
size_t loom_dtype_size(loom_dtype dtype);

/*===-- Tensors -----------------------------------------------------------===*/

typedef struct loom_tensor loom_tensor;

/* A new tensor owning a zero-filled buffer. `shape` may be NULL when rank is 0. */
loom_status loom_tensor_create(loom_dtype dtype, const int64_t *shape, int rank,
                               loom_tensor **out);
/* A new tensor borrowing `data`, which must outlive it. */
loom_status loom_tensor_wrap(loom_dtype dtype, const int64_t *shape, int rank,
                             void *data, loom_tensor **out);
/* Frees the tensor, and its buffer if it owns it. NULL is ignored. */
void loom_tensor_destroy(loom_tensor *tensor);

loom_dtype loom_tensor_dtype(const loom_tensor *tensor);
int loom_tensor_rank(const loom_tensor *tensor);
const int64_t *loom_tensor_shape(const loom_tensor *tensor);
void *loom_tensor_data(const loom_tensor *tensor);
int64_t loom_tensor_num_elements(const loom_tensor *tensor);
size_t loom_tensor_byte_size(const loom_tensor *tensor);

/* Reads a serialized ONNX TensorProto (the input_N.pb / output_N.pb files of
   ONNX's test data). `name`, if not NULL, receives the tensor's name
   (malloc'ed; free it) or NULL when it has none. */
loom_status loom_tensor_read_file(const char *path, loom_tensor **out, char **name);
/* Writes a tensor as a serialized ONNX TensorProto named `name` (may be NULL). */
loom_status loom_tensor_write_file(const char *path, const loom_tensor *tensor,
                                   const char *name);

/*===-- Models ------------------------------------------------------------===*/

typedef struct loom_model loom_model;

/* Loads a shared library written by `loom-compile --emit=lib`. */
loom_status loom_model_load(const char *path, loom_model **out);
/* Opens a model from the symbols loom-compile generates, for code linked with
   the model's object file (`--emit=obj`, `--emit=exe`): pass
   loom_model_signature and loom_model_entry. */
loom_status loom_model_from_symbols(const char *signature, void (*entry)(void **),
                                    loom_model **out);
void loom_model_unload(loom_model *model);

/* A model partitioned across ranks (`loom-compile --partition tp=N`) runs as
   N processes started together (`mpirun -np N`); loom_model_load joins them
   and fails if this process is not one of exactly N. loom_model_ranks is N
   (1 for a model that is not partitioned) and loom_model_rank this process's
   rank in [0, N): every rank computes the same tokens and outputs, so a
   program prints them from rank 0 only. */
int64_t loom_model_ranks(const loom_model *model);
int64_t loom_model_rank(const loom_model *model);

/* The model's inputs and outputs, in order, as the ONNX graph declares them.
   A dimension of -1 is dynamic (any size; checked by the model's own code). */
int loom_model_num_inputs(const loom_model *model);
int loom_model_num_outputs(const loom_model *model);
const char *loom_model_input_name(const loom_model *model, int index);
loom_dtype loom_model_input_dtype(const loom_model *model, int index);
int loom_model_input_rank(const loom_model *model, int index);
const int64_t *loom_model_input_shape(const loom_model *model, int index);
const char *loom_model_output_name(const loom_model *model, int index);
loom_dtype loom_model_output_dtype(const loom_model *model, int index);
int loom_model_output_rank(const loom_model *model, int index);

/* Runs the model. Inputs are borrowed and checked (count, dtype, rank, static
   sizes) before anything runs. On LOOM_OK, outputs[0..num_outputs) receive
   new tensors the caller owns. Safe to call from several threads at once. */
loom_status loom_model_run(loom_model *model, const loom_tensor *const *inputs,
                           size_t num_inputs, loom_tensor **outputs,
                           size_t num_outputs);

/*===-- Threads -----------------------------------------------------------===*/

/* The most worker threads loomrt starts. */
#define LOOM_MAX_THREADS 1024

/* Worker threads for the kernels of compiled models: 0 means one per core
   (the default; LOOM_NUM_THREADS in the environment overrides it), 1 runs
   everything on the calling thread. A count outside [0, LOOM_MAX_THREADS]
   fails with LOOM_ERROR_INVALID_ARGUMENT and changes nothing. */
loom_status loom_set_num_threads(int threads);
int loom_get_num_threads(void);

#ifdef __cplusplus
}
#endif

#endif /* LOOM_C_RUNTIME_H */
