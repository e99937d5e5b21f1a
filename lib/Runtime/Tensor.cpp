//===- Tensor.cpp - loomrt's tensor ---------------------------------------===//

#include "Tensor.h"

#include "Kernels/Kernels.h"
#include "Status.h"

#include <cstdlib>
#include <cstring>
#include <new>

using namespace loomrt;

extern "C" const char *loom_dtype_name(loom_dtype dtype) {
  switch (dtype) {
  case LOOM_DTYPE_FLOAT32: return "float32";
  case LOOM_DTYPE_UINT8: return "uint8";
  case LOOM_DTYPE_INT8: return "int8";
  case LOOM_DTYPE_UINT16: return "uint16";
  case LOOM_DTYPE_INT16: return "int16";
  case LOOM_DTYPE_INT32: return "int32";
  case LOOM_DTYPE_INT64: return "int64";
  case LOOM_DTYPE_BOOL: return "bool";
  case LOOM_DTYPE_FLOAT16: return "float16";
  case LOOM_DTYPE_FLOAT64: return "float64";
  case LOOM_DTYPE_UINT32: return "uint32";
  case LOOM_DTYPE_UINT64: return "uint64";
  case LOOM_DTYPE_BFLOAT16: return "bfloat16";
  default: return "undefined";
  }
}

size_t loomrt::dtypeSize(int64_t dtype) {
  switch (dtype) {
  case LOOM_DTYPE_UINT8: case LOOM_DTYPE_INT8: case LOOM_DTYPE_BOOL: return 1;
  case LOOM_DTYPE_UINT16: case LOOM_DTYPE_INT16: case LOOM_DTYPE_FLOAT16:
  case LOOM_DTYPE_BFLOAT16: return 2;
  case LOOM_DTYPE_FLOAT32: case LOOM_DTYPE_INT32: case LOOM_DTYPE_UINT32: return 4;
  case LOOM_DTYPE_INT64: case LOOM_DTYPE_FLOAT64: case LOOM_DTYPE_UINT64: return 8;
  default: return 0;
  }
}

extern "C" size_t loom_dtype_size(loom_dtype dtype) { return dtypeSize(int64_t(dtype)); }

int64_t loomrt::checkedElementCount(const int64_t *shape, int rank, std::string &error) {
  int64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    if (shape[i] < 0) {
      error = "dimension " + std::to_string(i) + " has negative size " +
              std::to_string(shape[i]);
      return -1;
    }
    if (shape[i] != 0 && count > INT64_MAX / shape[i]) {
      error = "shape " + formatShape(shape, rank) + " has more than 2^63 elements";
      return -1;
    }
    count *= shape[i];
  }
  return count;
}

std::string loomrt::formatShape(const int64_t *shape, int rank) {
  if (rank == 0)
    return "scalar";
  std::string text;
  for (int i = 0; i < rank; ++i) {
    if (i)
      text += "x";
    text += shape[i] < 0 ? "?" : std::to_string(shape[i]);
  }
  return text;
}

loom_tensor *loomrt::adoptBuffer(loom_dtype dtype, const int64_t *shape, int rank,
                                 void *data, size_t byteSize) {
  auto *t = new loom_tensor;
  t->dtype = dtype;
  t->rank = rank;
  if (rank > 0)
    std::memcpy(t->shape, shape, sizeof(int64_t) * rank);
  t->data = data;
  t->byteSize = byteSize;
  t->owned = true;
  t->allocation = data;
  return t;
}

/// Validates dtype, rank and shape; returns the byte size or -1.
static int64_t checkTensorArgs(const char *fn, loom_dtype dtype, const int64_t *shape,
                               int rank, loom_tensor **out) {
  if (!out)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, std::string(fn) + ": out is null"), -1;
  *out = nullptr;
  if (loom_dtype_size(dtype) == 0)
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                std::string(fn) + ": unknown dtype " + std::to_string(int(dtype))),
           -1;
  if (rank < 0 || rank > LOOM_MAX_RANK)
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                std::string(fn) + ": rank " + std::to_string(rank) + " is not in [0, " +
                    std::to_string(LOOM_MAX_RANK) + "]"),
           -1;
  if (rank > 0 && !shape)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, std::string(fn) + ": shape is null"), -1;
  std::string error;
  int64_t count = checkedElementCount(shape, rank, error);
  if (count < 0 || count > INT64_MAX / int64_t(loom_dtype_size(dtype)))
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                std::string(fn) + ": " + (error.empty() ? "the tensor is too large" : error)),
           -1;
  return count * int64_t(loom_dtype_size(dtype));
}

extern "C" loom_status loom_tensor_create(loom_dtype dtype, const int64_t *shape, int rank,
                                          loom_tensor **out) {
  int64_t bytes = checkTensorArgs("loom_tensor_create", dtype, shape, rank, out);
  if (bytes < 0)
    return LOOM_ERROR_INVALID_ARGUMENT;
  void *data = std::calloc(size_t(bytes > 0 ? bytes : 1), 1);
  if (!data)
    return fail(LOOM_ERROR_OUT_OF_MEMORY, "loom_tensor_create: cannot allocate " +
                                              std::to_string(bytes) + " bytes");
  *out = adoptBuffer(dtype, shape, rank, data, size_t(bytes));
  return ok();
}

extern "C" loom_status loom_tensor_wrap(loom_dtype dtype, const int64_t *shape, int rank,
                                        void *data, loom_tensor **out) {
  int64_t bytes = checkTensorArgs("loom_tensor_wrap", dtype, shape, rank, out);
  if (bytes < 0)
    return LOOM_ERROR_INVALID_ARGUMENT;
  if (!data && bytes > 0)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_tensor_wrap: data is null");
  *out = adoptBuffer(dtype, shape, rank, data, size_t(bytes));
  (*out)->owned = false;
  return ok();
}

extern "C" void loom_tensor_destroy(loom_tensor *tensor) {
  if (!tensor)
    return;
  // Outputs adopt the model's result buffers; they go back to the buffer
  // cache for the next run (any malloc block may).
  if (tensor->owned)
    loomrt_buffer_free(tensor->allocation);
  delete tensor;
}

extern "C" loom_dtype loom_tensor_dtype(const loom_tensor *t) {
  return t ? t->dtype : LOOM_DTYPE_UNDEFINED;
}
extern "C" int loom_tensor_rank(const loom_tensor *t) { return t ? t->rank : 0; }
extern "C" const int64_t *loom_tensor_shape(const loom_tensor *t) {
  return t ? t->shape : nullptr;
}
extern "C" void *loom_tensor_data(const loom_tensor *t) { return t ? t->data : nullptr; }
extern "C" int64_t loom_tensor_num_elements(const loom_tensor *t) {
  if (!t)
    return 0;
  int64_t n = 1;
  for (int i = 0; i < t->rank; ++i)
    n *= t->shape[i];
  return n;
}
extern "C" size_t loom_tensor_byte_size(const loom_tensor *t) { return t ? t->byteSize : 0; }
