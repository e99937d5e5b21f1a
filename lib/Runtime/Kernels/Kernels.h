//===- Kernels.h - kernels that generated code calls ------------*- C++ -*-===//
//
// The CPU lowering replaces some linalg ops on buffers with calls to these
// (see lib/Conversion/LinalgToRuntime). They take MLIR memref descriptors
// through MLIR's C interface: `_mlir_ciface_<name>(descriptor *...)`.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_KERNELS_KERNELS_H
#define LOOM_LIB_RUNTIME_KERNELS_KERNELS_H

#include <cstdint>

namespace loomrt {

template <int Rank> struct MemRef {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[Rank];
  int64_t strides[Rank];
};

/// C[m, n] += sum_k A[m, k] * B[k, n] on strided views; uses the thread pool.
void matmulF32(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda_row,
               int64_t lda_col, const float *b, int64_t ldb_row, int64_t ldb_col, float *c,
               int64_t ldc_row, int64_t ldc_col);

} // namespace loomrt

extern "C" {
/// linalg.matmul: C += A × B, all f32, any strides.
void _mlir_ciface_loomrt_matmul_f32(loomrt::MemRef<2> *a, loomrt::MemRef<2> *b,
                                    loomrt::MemRef<2> *c);
/// linalg.batch_matmul: C[i] += A[i] × B[i].
void _mlir_ciface_loomrt_batch_matmul_f32(loomrt::MemRef<3> *a, loomrt::MemRef<3> *b,
                                          loomrt::MemRef<3> *c);
/// loom.attention: out = softmax(scale * Q Kᵀ + mask) V in one pass over K/V
/// per query row (online softmax); query head h reads K/V head
/// h / (q_heads / kv_heads). The mask is [b|1, h|1, q_len, kv_len] (additive);
/// `causal` hides keys after each query (bottom-right aligned).
void _mlir_ciface_loomrt_attention_f32(loomrt::MemRef<4> *q, loomrt::MemRef<4> *k,
                                       loomrt::MemRef<4> *v, loomrt::MemRef<4> *out,
                                       float scale, bool causal);
void _mlir_ciface_loomrt_attention_masked_f32(loomrt::MemRef<4> *q, loomrt::MemRef<4> *k,
                                              loomrt::MemRef<4> *v, loomrt::MemRef<4> *mask,
                                              loomrt::MemRef<4> *out, float scale,
                                              bool causal);
}

#endif // LOOM_LIB_RUNTIME_KERNELS_KERNELS_H
