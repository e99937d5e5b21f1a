//===- Kernels.h - kernels that generated code calls ------------*- C++ -*-===//
//
// The CPU lowering replaces some linalg ops on buffers with calls to these
// (see lib/Conversion/LinalgToRuntime). They take MLIR memref descriptors
// through MLIR's C interface: `_mlir_ciface_<name>(descriptor *...)`. The
// extern "C" prototypes are those of loom-c/Abi.h's kernel table, which the
// compiler declares them from (AbiCheck.cpp checks them against it).
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_KERNELS_KERNELS_H
#define LOOM_LIB_RUNTIME_KERNELS_KERNELS_H

#include <cstddef>
#include <cstdint>

namespace loomrt {

template <int Rank> struct MemRef {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[Rank];
  int64_t strides[Rank];
};

/// The same for i64 (token ids).
template <int Rank> struct MemRefI64 {
  int64_t *allocated;
  int64_t *aligned;
  int64_t offset;
  int64_t sizes[Rank];
  int64_t strides[Rank];
};

/// The same for i8 (packed quantized weights).
template <int Rank> struct MemRefI8 {
  int8_t *allocated;
  int8_t *aligned;
  int64_t offset;
  int64_t sizes[Rank];
  int64_t strides[Rank];
};

/// y = x Wᵀ with W packed as loom-c/QuantizedWeights.h lays it out (8, 4 or
/// 2 bits, `group` values per scale); x's rows are quantized to int8 blocks
/// on the fly. `zeros` has sizes [0, 0] when W is symmetric. A W, scale or
/// output shape that does not fit x reports LOOM_ABI_ERROR_SHAPE_MISMATCH.
void quantizedMatmulF32(MemRef<2> *x, MemRefI8<2> *w, MemRef<2> *scales, MemRefI8<2> *zeros,
                        MemRef<2> *out, int32_t bits, int64_t group);

/// C[m, n] += sum_k A[m, k] * B[k, n] on strided views; uses the thread pool.
void matmulF32(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda_row,
               int64_t lda_col, const float *b, int64_t ldb_row, int64_t ldb_col, float *c,
               int64_t ldc_row, int64_t ldc_col);

/// matmulF32 for a B that never changes at its address while a model is
/// loaded (a weight): the packed B is kept and reused (Matmul.cpp).
void matmulF32ConstantB(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda_row,
                        int64_t lda_col, const float *b, int64_t ldb_row, int64_t ldb_col,
                        float *c, int64_t ldc_row, int64_t ldc_col);
/// Drops the kept packed weights (loom_model_unload) / their size now.
void clearPackedConstants();
size_t packedConstantBytes();

/// loom.attention's decode path (one query row at a time) with each row's
/// keys split `splits` ways and the partial softmax states merged
/// (flash-decoding). The kernel picks the split from the thread count; tests
/// call this to force one.
void attentionDecodeSplit(MemRef<4> *q, MemRef<4> *k, MemRef<4> *v, MemRef<4> *mask,
                          MemRef<4> *out, float scale, bool causal, int64_t splits,
                          float softcap = 0.0f);

/// loom.softmax's kernel (below) with the choice of streaming stores for
/// the output made by the caller: the kernel makes it from the output's
/// size; tests call this to force it on small outputs.
void softmaxRows(MemRef<2> *in, MemRef<2> *out, int32_t algorithm, bool streaming);

} // namespace loomrt

extern "C" {
/// linalg.matmul: C += A × B, all f32, any strides.
void _mlir_ciface_loomrt_matmul_f32(loomrt::MemRef<2> *a, loomrt::MemRef<2> *b,
                                    loomrt::MemRef<2> *c);
void _mlir_ciface_loomrt_matmul_f32_constant_b(loomrt::MemRef<2> *a, loomrt::MemRef<2> *b,
                                               loomrt::MemRef<2> *c);
/// loom.quantized_matmul (QuantizedMatmul.cpp): loomrt::quantizedMatmulF32.
void _mlir_ciface_loomrt_quantized_matmul_f32(loomrt::MemRef<2> *x, loomrt::MemRefI8<2> *w,
                                              loomrt::MemRef<2> *scales,
                                              loomrt::MemRefI8<2> *zeros,
                                              loomrt::MemRef<2> *out, int32_t bits,
                                              int64_t group);
/// linalg.batch_matmul: C[i] += A[i] × B[i].
void _mlir_ciface_loomrt_batch_matmul_f32(loomrt::MemRef<3> *a, loomrt::MemRef<3> *b,
                                          loomrt::MemRef<3> *c);
/// loom.attention: out = softmax(scale * Q Kᵀ + mask) V in one pass over K/V
/// per query row (online softmax); query head h reads K/V head
/// h / (q_heads / kv_heads). The mask is [b|1, h|1, q_len, kv_len] (additive);
/// `causal` hides keys after each query (bottom-right aligned). `softcap`
/// > 0 replaces each scaled score s by softcap tanh(s / softcap) before the
/// mask (0: none), in every path (rows, tiles, split decode).
void _mlir_ciface_loomrt_attention_f32(loomrt::MemRef<4> *q, loomrt::MemRef<4> *k,
                                       loomrt::MemRef<4> *v, loomrt::MemRef<4> *out,
                                       float scale, bool causal, float softcap);
void _mlir_ciface_loomrt_attention_masked_f32(loomrt::MemRef<4> *q, loomrt::MemRef<4> *k,
                                              loomrt::MemRef<4> *v, loomrt::MemRef<4> *mask,
                                              loomrt::MemRef<4> *out, float scale,
                                              bool causal, float softcap);
/// loom.softmax over the rows of `in` (any row stride; contiguous columns
/// take the vectorized path). `algorithm`: a loom_abi_softmax_algorithm
/// (loom-c/Abi.h); LOOM_ABI_SOFTMAX_TWO_PASS_RECOMPUTE, the paper's two-pass,
/// is for the benchmark (loom-compile does not emit it).
void _mlir_ciface_loomrt_softmax_f32(loomrt::MemRef<2> *in, loomrt::MemRef<2> *out,
                                     int32_t algorithm);
/// decode.sample (lib/Runtime/Generate.cpp): the token drawn from a logits
/// row with a loom_abi_sampling_strategy.
int64_t _mlir_ciface_loomrt_decode_sample(loomrt::MemRef<1> *logits, int64_t counter,
                                          int32_t strategy, float temperature, int64_t topK,
                                          float topP, float minP, int64_t seed);
/// decode.draft (lib/Runtime/Speculation.cpp): fills `tokens` for the tree
/// `parents` from `history`; returns how many nodes were drafted.
int64_t _mlir_ciface_loomrt_decode_draft(loomrt::MemRefI64<1> *history,
                                         loomrt::MemRefI64<1> *parents,
                                         loomrt::MemRefI64<1> *tokens, int32_t source,
                                         int64_t maxNgram);
/// decode.verify (lib/Runtime/Speculation.cpp): writes the accepted path to
/// `out` and the bonus token at out[height]; returns the path's length.
int64_t _mlir_ciface_loomrt_decode_verify(loomrt::MemRef<2> *logits,
                                          loomrt::MemRefI64<1> *tokens,
                                          loomrt::MemRefI64<1> *parents,
                                          loomrt::MemRefI64<1> *history, int64_t count,
                                          int64_t position, int32_t strategy,
                                          loomrt::MemRefI64<1> *out);
/// decode.loop: reports a token to the caller; false ends generation.
bool loomrt_decode_emit(int64_t token);
/// decode.loop fork: starts branch `branch`; false when the caller asked for
/// fewer branches.
bool loomrt_decode_branch(int64_t branch);
void loomrt_decode_model_run(int64_t tokens, int64_t position);
void _mlir_ciface_loomrt_decode_cache_ready(loomrt::MemRef<6> *cache, int64_t length);
/// decode.loop fork, beam search (lib/Runtime/Generate.cpp, BeamSearch.cpp).
bool _mlir_ciface_loomrt_decode_beam_start(loomrt::MemRef<1> *logits);
bool _mlir_ciface_loomrt_decode_beam_next(loomrt::MemRef<6> *cache,
                                          loomrt::MemRefI64<1> *out);
void _mlir_ciface_loomrt_decode_beam_logits(loomrt::MemRef<1> *logits,
                                            loomrt::MemRef<6> *cache);
/// onnx.Conv (lib/Runtime/Kernels/Convolution.cpp).
void _mlir_ciface_loomrt_conv2d_f32(loomrt::MemRef<4> *x, loomrt::MemRef<2> *w,
                                    loomrt::MemRef<1> *bias, loomrt::MemRef<4> *y, int64_t kh,
                                    int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                                    int64_t dh, int64_t dw, int64_t groups);
/// onnx.ConvTranspose (lib/Runtime/Kernels/Convolution.cpp).
void _mlir_ciface_loomrt_conv_transpose2d_f32(loomrt::MemRef<4> *x, loomrt::MemRef<2> *w,
                                              loomrt::MemRef<1> *bias, loomrt::MemRef<4> *y,
                                              int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                                              int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                                              int64_t groups);
/// onnx.MaxPool / AveragePool (lib/Runtime/Kernels/Convolution.cpp).
void _mlir_ciface_loomrt_pool2d_f32(loomrt::MemRef<4> *x, loomrt::MemRef<4> *y, int64_t kh,
                                    int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                                    int64_t phEnd, int64_t pwEnd, int64_t dh, int64_t dw,
                                    int32_t mode);
/// onnx.NonMaxSuppression (lib/Runtime/Kernels/Detection.cpp).
int64_t _mlir_ciface_loomrt_non_max_suppression_f32(
    loomrt::MemRef<3> *boxes, loomrt::MemRef<3> *scores, loomrt::MemRefI64<2> *out,
    int64_t maxPerClass, float iouThreshold, float scoreThreshold, bool hasScoreThreshold,
    int32_t centerPointBox);
/// onnx.Unique (lib/Runtime/Kernels/Unique.cpp).
int64_t _mlir_ciface_loomrt_unique_f32(loomrt::MemRef<3> *x, bool sorted,
                                       loomrt::MemRefI64<1> *first,
                                       loomrt::MemRefI64<1> *inverse,
                                       loomrt::MemRefI64<1> *counts);
int64_t _mlir_ciface_loomrt_unique_i64(loomrt::MemRefI64<3> *x, bool sorted,
                                       loomrt::MemRefI64<1> *first,
                                       loomrt::MemRefI64<1> *inverse,
                                       loomrt::MemRefI64<1> *counts);
/// onnx.Det (lib/Runtime/Kernels/LinearAlgebra.cpp).
void _mlir_ciface_loomrt_det_f32(loomrt::MemRef<3> *x, loomrt::MemRef<1> *out);
/// An error in generated code (a loom_abi_run_error) at a signature "site"
/// (-1: not known; lib/Runtime/RunErrors.cpp).
void loomrt_report_error(int32_t code, int32_t site);
int64_t loomrt_tensor_limit(int64_t elementBytes);
/// Tensor parallelism (lib/Runtime/Collectives.cpp).
int64_t loomrt_comm_rank(int64_t ranks);
void _mlir_ciface_loomrt_all_reduce_f32(loomrt::MemRef<1> *in, loomrt::MemRef<1> *out,
                                        int64_t ranks);
void _mlir_ciface_loomrt_all_gather_f32(loomrt::MemRef<2> *in, loomrt::MemRef<2> *out,
                                        int64_t ranks);
/// memref.alloc / memref.dealloc of generated code (lib/Runtime/BufferCache.cpp).
void *loomrt_buffer_alloc(uint64_t bytes);
void *loomrt_buffer_aligned_alloc(uint64_t alignment, uint64_t bytes);
void loomrt_buffer_free(void *block);
}

#endif // LOOM_LIB_RUNTIME_KERNELS_KERNELS_H
