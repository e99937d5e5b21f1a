//===- LinearAlgebra.cpp - matrix functions beyond products (Det) ---------===//
//
// onnx.Det: the determinant of each matrix of a batch, by LU decomposition
// with partial pivoting in double precision (the f32 result is rounded once
// at the end), as LAPACK's getrf and numpy.linalg.det compute it.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "../RunErrors.h"

#include "loom-c/Abi.h"

#include <cmath>
#include <utility>
#include <vector>

void _mlir_ciface_loomrt_det_f32(loomrt::MemRef<3> *x, loomrt::MemRef<1> *out) {
  int64_t batch = x->sizes[0], n = x->sizes[1];
  // The compiler checked these against the model; a caller of the ABI that
  // did not gets an error, not a read out of bounds.
  if (x->sizes[2] != n || out->sizes[0] != batch) {
    loomrt::recordRunError(LOOM_ABI_ERROR_SHAPE_MISMATCH, -1);
    return;
  }
  std::vector<double> a(size_t(n * n));
  for (int64_t b = 0; b < batch; ++b) {
    const float *m = x->aligned + x->offset + b * x->strides[0];
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        a[i * n + j] = m[i * x->strides[1] + j * x->strides[2]];
    double det = 1.0;
    for (int64_t k = 0; k < n && det != 0.0; ++k) {
      int64_t pivot = k;
      for (int64_t i = k + 1; i < n; ++i)
        if (std::fabs(a[i * n + k]) > std::fabs(a[pivot * n + k]))
          pivot = i;
      if (a[pivot * n + k] == 0.0) {
        det = 0.0;
        break;
      }
      if (pivot != k) {
        for (int64_t j = 0; j < n; ++j)
          std::swap(a[k * n + j], a[pivot * n + j]);
        det = -det;
      }
      det *= a[k * n + k];
      for (int64_t i = k + 1; i < n; ++i) {
        double f = a[i * n + k] / a[k * n + k];
        for (int64_t j = k + 1; j < n; ++j)
          a[i * n + j] -= f * a[k * n + j];
      }
    }
    out->aligned[out->offset + b * out->strides[0]] = float(det);
  }
}
