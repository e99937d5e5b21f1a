//===- Tensor.h - loomrt's tensor -------------------------------*- C++ -*-===//

#ifndef LOOM_LIB_RUNTIME_TENSOR_H
#define LOOM_LIB_RUNTIME_TENSOR_H

#include "loom-c/Runtime.h"

#include <string>

struct loom_tensor {
  loom_dtype dtype = LOOM_DTYPE_UNDEFINED;
  int rank = 0;
  int64_t shape[LOOM_MAX_RANK] = {};
  void *data = nullptr;
  size_t byteSize = 0;
  bool owned = false;          // free(allocation) on destroy
  void *allocation = nullptr;  // what malloc returned; data may point into it
};

namespace loomrt {

/// Element count of `shape`, or -1 with `error` set when a size is negative
/// or the product overflows.
int64_t checkedElementCount(const int64_t *shape, int rank, std::string &error);

/// Bytes per element of dtype number `dtype`; 0 if it is not one loomrt
/// knows. Takes an int: numbers from files and C callers are checked here
/// before they become a loom_dtype.
size_t dtypeSize(int64_t dtype);

/// "2x3x?": shapes in messages.
std::string formatShape(const int64_t *shape, int rank);

/// A tensor taking ownership of malloc'ed `data` (which may be null when the
/// tensor is empty). Never fails.
loom_tensor *adoptBuffer(loom_dtype dtype, const int64_t *shape, int rank, void *data,
                         size_t byteSize);

} // namespace loomrt

#endif // LOOM_LIB_RUNTIME_TENSOR_H
