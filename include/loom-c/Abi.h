/*===- loom-c/Abi.h - the contract between compiled code and loomrt -------===*
 *
 * Everything the compiler emits and loomrt reads, written once and included
 * by both sides: the symbols a compiled model exports, the signature text,
 * the numbers of softmax algorithms and sampling strategies, and the kernels
 * generated code calls. The compiler declares those kernels from the table
 * below (lib/Conversion/RuntimeKernels.cpp) and loomrt checks its definitions
 * against the same table at compile time (lib/Runtime/AbiCheck.cpp), so a
 * change on one side alone does not build. Dtype numbers are loom_dtype
 * (loom-c/Runtime.h): ONNX's TensorProto numbers.
 *
 *===----------------------------------------------------------------------===*/

#ifndef LOOM_C_ABI_H
#define LOOM_C_ABI_H

#include <stddef.h>
#include <stdint.h>

/* Symbols of every compiled model. */
#define LOOM_ABI_SIGNATURE_SYMBOL "loom_model_signature"  /* const char[] */
#define LOOM_ABI_ENTRY_SYMBOL "loom_model_entry"          /* void (void **args) */
/* void (void *base): with --weights=file, where loomrt mapped NAME.weights. */
#define LOOM_ABI_BIND_WEIGHTS_SYMBOL "loom_model_bind_weights"
/* What a generation library's NAME_generate calls (loom-c/Generate.h's
   arguments preceded by the signature and the entry). */
#define LOOM_ABI_GENERATE_LINKED_SYMBOL "loom_generate_linked"

/* The signature text: one line per item, fields separated by one space.
 *   in <dtype> <rank> <size>... <name>     an input (size -1: dynamic)
 *   out <dtype> <rank> <size>... <name>    an output
 *   check <input> <dim> <other input> <other dim> <size> <op>
 *                                          run-time size agreement (other
 *                                          input -1: the dim must be size)
 *   weights <bytes> <hash> <file>          weights in a file next to the model;
 *                                          hash: loom_abi_weights_hash of its
 *                                          bytes, 16 hex digits
 *   generate <vocab> <context length> [branches]
 *                                          a generation loop (no in/out lines);
 *                                          "branches": it forks into sampling
 *                                          branches (decode.loop fork)
 */
#define LOOM_ABI_SIG_INPUT "in"
#define LOOM_ABI_SIG_OUTPUT "out"
#define LOOM_ABI_SIG_CHECK "check"
#define LOOM_ABI_SIG_WEIGHTS "weights"
#define LOOM_ABI_SIG_GENERATE "generate"
/* "tokenizer SIZE NAME": loom-compile --tokenizer embedded SIZE bytes of the
   tokenizer file NAME (its name tells the format) at LOOM_ABI_TOKENIZER_SYMBOL. */
#define LOOM_ABI_SIG_TOKENIZER "tokenizer"
#define LOOM_ABI_TOKENIZER_SYMBOL "loom_model_tokenizer_bytes"
#define LOOM_ABI_GENERATE_TEXT_LINKED_SYMBOL "loom_generate_text_linked"
/* "speculation P0 P1 ...": the speculation tree, a parent index per node. */
#define LOOM_ABI_SIG_SPECULATION "speculation"
/* "partition RANKS": the model was partitioned across RANKS processes
   (loom-partition); loomrt joins them (MPI) when it loads the model. */
#define LOOM_ABI_SIG_PARTITION "partition"
/* "site INDEX TEXT": where loomrt_report_error's site INDEX is in the model
   (TEXT: "node 'NAME'", the ONNX node; control characters written \xNN), so
   that a run-time error names the node. Indices count from 0 in order. */
#define LOOM_ABI_SIG_ERROR_SITE "site"

/* loom.softmax's algorithm attribute and loomrt_softmax_f32's argument. */
typedef enum loom_abi_softmax_algorithm {
  LOOM_ABI_SOFTMAX_THREE_PASS = 0,
  LOOM_ABI_SOFTMAX_TWO_PASS = 1, /* Dukhan & Ablavatski, terms stored */
  LOOM_ABI_SOFTMAX_ONLINE = 2,   /* Milakov & Gimelshein */
  /* The paper's two-pass, recomputing exponentials; benchmarks only. */
  LOOM_ABI_SOFTMAX_TWO_PASS_RECOMPUTE = 3
} loom_abi_softmax_algorithm;

/* loomrt_pool2d_f32's mode: the window's maximum, or its mean over the
   positions inside the input (ONNX's count_include_pad 0) or inside the
   padded input (1). */
typedef enum loom_abi_pool_mode {
  LOOM_ABI_POOL_MAX = 0,
  LOOM_ABI_POOL_AVERAGE = 1,
  LOOM_ABI_POOL_AVERAGE_COUNT_PADS = 2
} loom_abi_pool_mode;

/* decode.sample's strategy and loomrt_decode_sample's argument. */
typedef enum loom_abi_sampling_strategy {
  LOOM_ABI_SAMPLE_GREEDY = 0,
  LOOM_ABI_SAMPLE_CATEGORICAL = 1, /* with the op's temperature, top-k, ... */
  LOOM_ABI_SAMPLE_CALLER = 2       /* with the caller's loom_generate_options */
} loom_abi_sampling_strategy;

/* decode.draft's source and loomrt_decode_draft's argument. */
typedef enum loom_abi_draft_source {
  LOOM_ABI_DRAFT_NGRAM = 0 /* prompt lookup in the history */
} loom_abi_draft_source;

/* Errors that generated code reports through loomrt_report_error: inputs
   whose values (not shapes) make an op undefined. */
typedef enum {
  /* integer Div or Mod by zero, or of the most negative value by -1 */
  LOOM_ABI_ERROR_INTEGER_DIVISION = 1,
  /* an index input (Gather, GatherElements, ScatterND) outside its axis */
  LOOM_ABI_ERROR_INDEX_OUT_OF_RANGE = 2,
  /* a result size computed from input values (ConstantOfShape's, Expand's
     or Reshape's shape, Tile's repeats, Range's length, OneHot's depth,
     Pad's pads) that is negative or would make a tensor of more elements
     than loomrt_tensor_limit allows (at most 2^32), or a Range whose delta
     is 0 */
  LOOM_ABI_ERROR_SIZE_OUT_OF_RANGE = 3,
  /* sizes from input values that do not fit the input: a Reshape shape that
     does not hold the input's element count, an Expand shape the input does
     not broadcast to */
  LOOM_ABI_ERROR_SHAPE_MISMATCH = 4,
  /* a partitioned model's collective (loom.shard, loom.all_reduce) run by a
     process that is not one of the ranks it was compiled for, or a failed
     communication */
  LOOM_ABI_ERROR_COMMUNICATION = 5,
  /* an axis given as data outside the input's dimensions, or a step of 0
     (Slice's axes and steps) */
  LOOM_ABI_ERROR_BAD_AXIS_OR_STEP = 6
} loom_abi_run_error;

/* The kernels generated code calls:
 *   X(name, calling convention, result, (parameters))
 * A consumer defines these before expanding LOOM_ABI_KERNELS(X):
 *   LOOM_ABI_CIFACE   MLIR's C interface: `_mlir_ciface_NAME`, memrefs passed
 *                     as pointers to their descriptors
 *   LOOM_ABI_PLAIN    `NAME` with scalar arguments only
 *   LOOM_ABI_VIEW(r)  an f32 memref of rank r, any sizes, strides and offset
 *   LOOM_ABI_VIEW_I64(r)  the same of i64 (token ids)
 *   LOOM_ABI_VIEW_I8(r)   the same of i8 (packed quantized weights)
 *   LOOM_ABI_F32, LOOM_ABI_I1 (bool), LOOM_ABI_I32, LOOM_ABI_I64, LOOM_ABI_VOID
 */
#define LOOM_ABI_KERNELS(X)                                                       \
  /* linalg.matmul: C += A x B */                                                 \
  X(loomrt_matmul_f32, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                            \
    (LOOM_ABI_VIEW(2), LOOM_ABI_VIEW(2), LOOM_ABI_VIEW(2)))                       \
  /* the same with B a constant of the model (a memref.global): loomrt keeps  \
     B packed between calls */                                                   \
  X(loomrt_matmul_f32_constant_b, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                 \
    (LOOM_ABI_VIEW(2), LOOM_ABI_VIEW(2), LOOM_ABI_VIEW(2)))                       \
  /* loom.quantized_matmul: Y = X Wᵀ, W packed (loom-c/QuantizedWeights.h):      \
     x [M, K], packed weights [N, row bytes], scales [N, groups], zero points     \
     [N, groups] (4 bits; [0, 0] when symmetric), y [M, N], bits, group size */  \
  X(loomrt_quantized_matmul_f32, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                  \
    (LOOM_ABI_VIEW(2), LOOM_ABI_VIEW_I8(2), LOOM_ABI_VIEW(2), LOOM_ABI_VIEW_I8(2),  \
     LOOM_ABI_VIEW(2), LOOM_ABI_I32, LOOM_ABI_I64))                               \
  /* onnx.Conv with one or two spatial axes (one as height 1): x [N, C, H, W], \
     w [M, C / groups * KH * KW], bias [M] or [0], y [N, M, OH, OW] (written),   \
     then KH, KW, strides, leading pads, dilations (height, width) and groups */ \
  X(loomrt_conv2d_f32, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                            \
    (LOOM_ABI_VIEW(4), LOOM_ABI_VIEW(2), LOOM_ABI_VIEW(1), LOOM_ABI_VIEW(4),        \
     LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64,         \
     LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64))                     \
  /* onnx.ConvTranspose with one or two spatial axes (one as height 1):          \
     x [N, C, H, W], w [C, M / groups * KH * KW], bias [M] or [0], y [N, M, OH,   \
     OW] (written), then KH, KW, strides, leading pads, dilations (height,        \
     width) and groups */                                                          \
  X(loomrt_conv_transpose2d_f32, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                  \
    (LOOM_ABI_VIEW(4), LOOM_ABI_VIEW(2), LOOM_ABI_VIEW(1), LOOM_ABI_VIEW(4),        \
     LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64,         \
     LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64))                     \
  /* onnx.MaxPool / AveragePool with one or two spatial axes (one as height     \
     1): x [N, C, H, W], y [N, C, OH, OW] (written), then KH, KW, strides,       \
     leading pads, trailing pads, dilations (height, width) and                  \
     loom_abi_pool_mode */                                                        \
  X(loomrt_pool2d_f32, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                            \
    (LOOM_ABI_VIEW(4), LOOM_ABI_VIEW(4), LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64, \
     LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I64,         \
     LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I32))                                    \
  /* onnx.NonMaxSuppression: boxes [batches, boxes, 4], scores [batches,         \
     classes, boxes], out [rows, 3] (rows >= batches * classes * boxes), the       \
     most boxes kept per class, the IoU threshold, the score threshold and         \
     whether there is one, center_point_box -> rows written */                     \
  X(loomrt_non_max_suppression_f32, LOOM_ABI_CIFACE, LOOM_ABI_I64,                  \
    (LOOM_ABI_VIEW(3), LOOM_ABI_VIEW(3), LOOM_ABI_VIEW_I64(2), LOOM_ABI_I64,        \
     LOOM_ABI_F32, LOOM_ABI_F32, LOOM_ABI_I1, LOOM_ABI_I32))                        \
  /* onnx.Unique: x as [outer, n, inner] (slices along n), sorted, then per       \
     unique slice its first index and count, per slice its unique's index ->       \
     the number of unique slices */                                                \
  X(loomrt_unique_f32, LOOM_ABI_CIFACE, LOOM_ABI_I64,                               \
    (LOOM_ABI_VIEW(3), LOOM_ABI_I1, LOOM_ABI_VIEW_I64(1), LOOM_ABI_VIEW_I64(1),      \
     LOOM_ABI_VIEW_I64(1)))                                                         \
  X(loomrt_unique_i64, LOOM_ABI_CIFACE, LOOM_ABI_I64,                               \
    (LOOM_ABI_VIEW_I64(3), LOOM_ABI_I1, LOOM_ABI_VIEW_I64(1), LOOM_ABI_VIEW_I64(1),  \
     LOOM_ABI_VIEW_I64(1)))                                                         \
  /* onnx.Det: x [batch, n, n], out [batch] */                                     \
  X(loomrt_det_f32, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                                 \
    (LOOM_ABI_VIEW(3), LOOM_ABI_VIEW(1)))                                           \
  /* linalg.batch_matmul: C[i] += A[i] x B[i] */                                  \
  X(loomrt_batch_matmul_f32, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                      \
    (LOOM_ABI_VIEW(3), LOOM_ABI_VIEW(3), LOOM_ABI_VIEW(3)))                       \
  /* loom.softmax over rows: in, out, loom_abi_softmax_algorithm */               \
  X(loomrt_softmax_f32, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                           \
    (LOOM_ABI_VIEW(2), LOOM_ABI_VIEW(2), LOOM_ABI_I32))                           \
  /* loom.attention: q, k, v, out, scale, causal, softcap (0: none) */            \
  X(loomrt_attention_f32, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                         \
    (LOOM_ABI_VIEW(4), LOOM_ABI_VIEW(4), LOOM_ABI_VIEW(4), LOOM_ABI_VIEW(4),      \
     LOOM_ABI_F32, LOOM_ABI_I1, LOOM_ABI_F32))                                    \
  /* loom.attention with an additive mask: q, k, v, mask, out, scale, causal,     \
     softcap */                                                                   \
  X(loomrt_attention_masked_f32, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                  \
    (LOOM_ABI_VIEW(4), LOOM_ABI_VIEW(4), LOOM_ABI_VIEW(4), LOOM_ABI_VIEW(4),      \
     LOOM_ABI_VIEW(4), LOOM_ABI_F32, LOOM_ABI_I1, LOOM_ABI_F32))                  \
  /* decode.sample: logits row, counter, loom_abi_sampling_strategy,              \
     temperature, top-k, top-p, min-p, seed -> token */                           \
  X(loomrt_decode_sample, LOOM_ABI_CIFACE, LOOM_ABI_I64,                          \
    (LOOM_ABI_VIEW(1), LOOM_ABI_I64, LOOM_ABI_I32, LOOM_ABI_F32, LOOM_ABI_I64,    \
     LOOM_ABI_F32, LOOM_ABI_F32, LOOM_ABI_I64))                                   \
  /* decode.draft: history, tree parents, tokens (out), loom_abi_draft_source,     \
     max n-gram -> drafted nodes (>= 1) */                                        \
  X(loomrt_decode_draft, LOOM_ABI_CIFACE, LOOM_ABI_I64,                           \
    (LOOM_ABI_VIEW_I64(1), LOOM_ABI_VIEW_I64(1), LOOM_ABI_VIEW_I64(1),            \
     LOOM_ABI_I32, LOOM_ABI_I64))                                                 \
  /* decode.verify: logits [count, vocab], tree tokens, tree parents, history,    \
     count, position, loom_abi_sampling_strategy, out (the accepted path, then    \
     at index height the bonus token) -> path length */                           \
  X(loomrt_decode_verify, LOOM_ABI_CIFACE, LOOM_ABI_I64,                          \
    (LOOM_ABI_VIEW(2), LOOM_ABI_VIEW_I64(1), LOOM_ABI_VIEW_I64(1),                \
     LOOM_ABI_VIEW_I64(1), LOOM_ABI_I64, LOOM_ABI_I64, LOOM_ABI_I32,              \
     LOOM_ABI_VIEW_I64(1)))                                                       \
  /* decode.loop: report a token; false ends generation */                        \
  X(loomrt_decode_emit, LOOM_ABI_PLAIN, LOOM_ABI_I1, (LOOM_ABI_I64))              \
  /* decode.loop: the step's body runs now over `tokens` tokens at `position`     \
     (the run statistics: model runs, prefills, tokens fed) */                    \
  X(loomrt_decode_model_run, LOOM_ABI_PLAIN, LOOM_ABI_VOID,                       \
    (LOOM_ABI_I64, LOOM_ABI_I64))                                                 \
  /* decode.loop: the cache [layers, k/v, 1, heads, max_len, head_dim] holds     \
     the sequence's first `length` entries after a step (LOOM_CACHE_TRACE)  */    \
  X(loomrt_decode_cache_ready, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                    \
    (LOOM_ABI_VIEW(6), LOOM_ABI_I64))                                             \
  /* decode.loop fork: start branch b after the shared prefill; false: the        \
     caller asked for fewer branches (generation ends) */                         \
  X(loomrt_decode_branch, LOOM_ABI_PLAIN, LOOM_ABI_I1, (LOOM_ABI_I64))            \
  /* decode.loop fork, beam search: the prefill's logits; false: no beam search   \
     was asked for (the branches run instead) */                                  \
  X(loomrt_decode_beam_start, LOOM_ABI_CIFACE, LOOM_ABI_I1, (LOOM_ABI_VIEW(1)))   \
  /* the next beam to feed: loads its suffix into the cache [layers, k/v, 1,      \
     heads, max_len, head_dim], writes its token and position to out[0..1];       \
     false when the search is over */                                             \
  X(loomrt_decode_beam_next, LOOM_ABI_CIFACE, LOOM_ABI_I1,                        \
    (LOOM_ABI_VIEW(6), LOOM_ABI_VIEW_I64(1)))                                     \
  /* that beam's step: its logits, and the cache holding its new entries */       \
  X(loomrt_decode_beam_logits, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                    \
    (LOOM_ABI_VIEW(1), LOOM_ABI_VIEW(6)))                                         \
  /* loom.shard: this process's rank among the ranks the model was partitioned  \
     for (the argument); loomrt fails the run if another number was started */   \
  X(loomrt_comm_rank, LOOM_ABI_PLAIN, LOOM_ABI_I64, (LOOM_ABI_I64))              \
  /* loom.all_reduce: in, out (same length), ranks: out = the sum of every       \
     rank's in, taken in rank order (bitwise the same on every rank) */           \
  X(loomrt_all_reduce_f32, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                        \
    (LOOM_ABI_VIEW(1), LOOM_ABI_VIEW(1), LOOM_ABI_I64))                           \
  /* loom.all_gather: in [rows, n], out [rows, n * ranks], ranks: rank r's      \
     in lands in columns [r * n, (r + 1) * n) of out on every rank */             \
  X(loomrt_all_gather_f32, LOOM_ABI_CIFACE, LOOM_ABI_VOID,                        \
    (LOOM_ABI_VIEW(2), LOOM_ABI_VIEW(2), LOOM_ABI_I64))                           \
  /* a run-time error in generated code (loom_abi_run_error) and where: the      \
     index of the signature's "site" line naming the node (-1: not known); the  \
     code goes on with a safe value and loomrt fails the run when it returns */  \
  X(loomrt_report_error, LOOM_ABI_PLAIN, LOOM_ABI_VOID, (LOOM_ABI_I32, LOOM_ABI_I32))  \
  /* the most elements a tensor whose size comes from input values may have,   \
     given its element size in bytes: 2^32, or fewer when the machine's memory   \
     (LOOM_MAX_TENSOR_BYTES if set) holds fewer; more fails the run              \
     (LOOM_ABI_ERROR_SIZE_OUT_OF_RANGE) instead of an allocation */             \
  X(loomrt_tensor_limit, LOOM_ABI_PLAIN, LOOM_ABI_I64, (LOOM_ABI_I64))

/* Heap buffers of generated code (memref.alloc / memref.dealloc). The
   compiler lowers memref allocation to calls of these instead of malloc and
   free (loom-use-runtime-buffers); loomrt keeps freed large blocks and hands
   them out again, so a model run many times does not fault in fresh pages on
   every run. Every block is a malloc block: a result buffer that the caller
   owns may be released with free(). */
#define LOOM_ABI_BUFFER_ALLOC_SYMBOL "loomrt_buffer_alloc"
#define LOOM_ABI_BUFFER_ALIGNED_ALLOC_SYMBOL "loomrt_buffer_aligned_alloc"
#define LOOM_ABI_BUFFER_FREE_SYMBOL "loomrt_buffer_free"
typedef void *loom_abi_buffer_alloc_fn(uint64_t bytes);
typedef void *loom_abi_buffer_aligned_alloc_fn(uint64_t alignment, uint64_t bytes);
typedef void loom_abi_buffer_free_fn(void *block);

/* The content hash of a weights file, recorded by the compiler and checked by
   loomrt when it maps the file: a flipped byte, or another compile's file of
   the same size, is refused. Four independent lanes of a multiply-xorshift
   mix keep it near memory speed (a 0.5 GB file hashes in about 0.1 s). */
#include <string.h>
static inline uint64_t loom_abi_weights_hash(const void *data, size_t size) {
  const unsigned char *bytes = (const unsigned char *)data;
  const uint64_t k = 0x9E3779B97F4A7C15ull;
  uint64_t lane[4] = {k ^ size, k * 3, k * 5, k * 7};
  size_t i = 0;
  for (; i + 32 <= size; i += 32)
    for (int j = 0; j < 4; ++j) {
      uint64_t w;
      memcpy(&w, bytes + i + 8 * j, 8);
      lane[j] = (lane[j] ^ w) * 0xFF51AFD7ED558CCDull;
      lane[j] ^= lane[j] >> 32;
    }
  uint64_t h = lane[0] ^ (lane[1] * 3) ^ (lane[2] * 5) ^ (lane[3] * 7);
  for (; i < size; ++i)
    h = (h ^ bytes[i]) * 0x100000001B3ull;
  h ^= h >> 29;
  return h * 0xC4CEB9FE1A85EC53ull ^ (h >> 32);
}

/* Strips the parentheses of a kernel's parameter list. */
#define LOOM_ABI_UNPAREN(...) __VA_ARGS__

#endif /* LOOM_C_ABI_H */
