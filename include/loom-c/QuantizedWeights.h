/*===- loom-c/QuantizedWeights.h - the packed layout of quantized weights -===*
 *
 * loom.quantized_matmul's weights are packed at compile time (the
 * loom-quantize pass) and read by loomrt's kernels
 * (lib/Runtime/Kernels/QuantizedMatmul.cpp). This header is the one
 * definition of that layout, and its packing functions are the ones both the
 * compiler and the kernel tests call.
 *
 * A weight matrix is N output channels by K inputs (y[n] = sum_k x[k] w[n][k]).
 * Each channel is one row of packed bytes, K padded with zeros to Kp, a
 * multiple of LOOM_QW_BLOCK:
 *   8 bits: Kp bytes, byte k = q[k] as a signed int8 in [-127, 127];
 *           w = q * scale[g].
 *   4 bits: Kp / 2 bytes; block b (32 values) is bytes [16 b, 16 b + 16):
 *           byte j holds u[32 b + j] in its low nibble and u[32 b + 16 + j]
 *           in its high nibble, u in [0, 15]; w = (u - zero[g]) * scale[g],
 *           zero[g] = 8 when the weights are symmetric (no zero points:
 *           integers -8..7).
 *   2 bits (ternary): Kp / 4 bytes; block b is bytes [8 b, 8 b + 8): byte j
 *           holds t[32 b + j] in bits 0-1, t[32 b + 8 + j] in bits 2-3,
 *           t[32 b + 16 + j] in bits 4-5 and t[32 b + 24 + j] in bits 6-7,
 *           t in {0, 1, 2}; w = (t - 1) * scale[g].
 * Scales are f32 [N, groups] and zero points (4 bits only, optional) uint8
 * [N, groups]: group g covers k in [g G, (g + 1) G) for a group size G that
 * is a multiple of LOOM_QW_BLOCK, so groups = ceil(Kp / G) (the last one may
 * be shorter). Per-channel quantization is one group of Kp.
 *
 *===----------------------------------------------------------------------===*/

#ifndef LOOM_C_QUANTIZEDWEIGHTS_H
#define LOOM_C_QUANTIZEDWEIGHTS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Values per block: the unit of packing and of the activations' int8 scales. */
#define LOOM_QW_BLOCK 32

static inline int64_t loom_qw_padded_k(int64_t k) {
  return (k + LOOM_QW_BLOCK - 1) / LOOM_QW_BLOCK * LOOM_QW_BLOCK;
}
/* Bytes of one packed row. */
static inline int64_t loom_qw_row_bytes(int64_t k, int bits) {
  return loom_qw_padded_k(k) * bits / 8;
}
static inline int64_t loom_qw_groups(int64_t k, int64_t group) {
  return (loom_qw_padded_k(k) + group - 1) / group;
}

/* Stores value `u` (already in range for `bits`) at index k of a packed row. */
static inline void loom_qw_store(uint8_t *row, int bits, int64_t k, unsigned u) {
  int64_t block = k / LOOM_QW_BLOCK, j = k % LOOM_QW_BLOCK;
  if (bits == 8) {
    row[k] = (uint8_t)u;
  } else if (bits == 4) {
    uint8_t *byte = row + block * 16 + j % 16;
    *byte = j < 16 ? (uint8_t)((*byte & 0xF0) | u) : (uint8_t)((*byte & 0x0F) | (u << 4));
  } else {
    uint8_t *byte = row + block * 8 + j % 8;
    int shift = 2 * (int)(j / 8);
    *byte = (uint8_t)((*byte & ~(3u << shift)) | (u << shift));
  }
}

/* The value at index k of a packed row as the integer its scale multiplies
   (for 4 bits before the zero point is subtracted). */
static inline int loom_qw_load(const uint8_t *row, int bits, int64_t k) {
  int64_t block = k / LOOM_QW_BLOCK, j = k % LOOM_QW_BLOCK;
  if (bits == 8)
    return (int8_t)row[k];
  if (bits == 4) {
    uint8_t byte = row[block * 16 + j % 16];
    return j < 16 ? (byte & 0x0F) : (byte >> 4);
  }
  return (row[block * 8 + j % 8] >> (2 * (j / 8))) & 3;
}

/* Rounds the group w[begin, end) (zero past k) to integers in [qmin, qmax]
   with zero point `zero` at `scale`; returns the squared error of
   (q - zero) * scale against w, and stores q when `row` is not null. */
static inline double loom_qw_round_group(const float *w, int64_t k, int64_t begin, int64_t end,
                                         float scale, int zero, int qmin, int qmax, int bits,
                                         uint8_t *row) {
  double error = 0.0;
  float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
  for (int64_t i = begin; i < end; ++i) {
    float v = i < k ? w[i] : 0.0f;
    int q = (int)nearbyintf(v * inverse) + zero;
    q = q < qmin ? qmin : q > qmax ? qmax : q;
    double d = (double)v - (double)(q - zero) * scale;
    error += d * d;
    if (row)
      loom_qw_store(row, bits, i, bits == 8 ? (unsigned)(uint8_t)(int8_t)q : (unsigned)q);
  }
  return error;
}

/* Quantizes one channel w[0..k) into `row` (loom_qw_row_bytes bytes),
   `scales` and, for 4 bits with `zeros` non-null, zero points. Each group's
   scale is the one of a small search that gives the least squared error
   (round to nearest, with clipping of the extremes allowed), refitted by
   least squares for the integers it chose:
   - 8 bits: symmetric, integers in [-127, 127];
   - 4 bits: symmetric with zero point 8 (integers -8..7), or asymmetric
     with a zero point per group (0..15 spanning the group's range);
   - 2 bits (ternary): -1, 0, +1 at the group's mean magnitude (BitNet
     b1.58's absmean scale; no search). */
static inline void loom_qw_quantize_row(const float *w, int64_t k, int bits, int64_t group,
                                        uint8_t *row, float *scales, uint8_t *zeros) {
  int64_t kp = loom_qw_padded_k(k), groups = loom_qw_groups(k, group);
  memset(row, 0, (size_t)loom_qw_row_bytes(k, bits));
  for (int64_t g = 0; g < groups; ++g) {
    int64_t begin = g * group, end = begin + group < kp ? begin + group : kp;
    int64_t real = (end < k ? end : k) - begin;
    float lo = 0.0f, hi = 0.0f, absmax = 0.0f, abssum = 0.0f;
    for (int64_t i = begin; i < end && i < k; ++i) {
      float v = w[i];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
      absmax = fabsf(v) > absmax ? fabsf(v) : absmax;
      abssum += fabsf(v);
    }
    int asymmetric = bits == 4 && zeros != NULL;
    int qmin = bits == 8 ? -127 : 0;
    int qmax = bits == 8 ? 127 : bits == 4 ? 15 : 2;
    int zero = bits == 8 ? 0 : bits == 4 ? 8 : 1;
    /* The scale that maps the extremes onto the integer range: the search
       tries 115% down to 75% of it (below 100%, the extremes clip). */
    float base = bits == 8   ? absmax / 127.0f
                 : bits == 2 ? (real > 0 ? abssum / (float)real : 0.0f)
                 : asymmetric ? (hi - lo) / 15.0f
                              : absmax / 8.0f;
    float best_scale = base;
    int best_zero = zero;
    double best_error = -1.0;
    /* Ternary keeps BitNet's absmean as it is: on stories260K the
       least-squares scale doubled the perplexity it reached. */
    int steps = base > 0.0f && bits != 2 ? 41 : 1;
    for (int step = 0; step < steps; ++step) {
      float factor = steps == 1 ? 1.0f : 1.15f - 0.01f * (float)step;
      float scale = base * factor;
      int z = zero;
      if (asymmetric && scale > 0.0f) {
        z = (int)nearbyintf(-lo / scale);
        z = z < 0 ? 0 : z > 15 ? 15 : z;
      }
      double error = loom_qw_round_group(w, k, begin, end, scale, z, qmin, qmax, bits, NULL);
      if (best_error < 0.0 || error < best_error)
        best_error = error, best_scale = scale, best_zero = z;
    }
    /* Least-squares scale for the integers the best scale chose. */
    if (best_scale > 0.0f && bits != 2) {
      double wq = 0.0, qq = 0.0;
      float inverse = 1.0f / best_scale;
      for (int64_t i = begin; i < end && i < k; ++i) {
        int q = (int)nearbyintf(w[i] * inverse) + best_zero;
        q = q < qmin ? qmin : q > qmax ? qmax : q;
        wq += (double)w[i] * (double)(q - best_zero);
        qq += (double)(q - best_zero) * (double)(q - best_zero);
      }
      float fitted = qq > 0.0 ? (float)(wq / qq) : best_scale;
      if (fitted > 0.0f &&
          loom_qw_round_group(w, k, begin, end, fitted, best_zero, qmin, qmax, bits, NULL) <
              best_error)
        best_scale = fitted;
    }
    scales[g] = best_scale;
    if (asymmetric)
      zeros[g] = (uint8_t)best_zero;
    loom_qw_round_group(w, k, begin, end, best_scale, best_zero, qmin, qmax, bits, row);
  }
}

/* The real value of index k of a packed row (the kernels' reference). */
static inline float loom_qw_dequantize(const uint8_t *row, const float *scales,
                                       const uint8_t *zeros, int bits, int64_t group,
                                       int64_t k) {
  int64_t g = k / group;
  int zero = bits == 8 ? 0 : bits == 4 ? (zeros ? zeros[g] : 8) : 1;
  return (float)(loom_qw_load(row, bits, k) - zero) * scales[g];
}

#endif /* LOOM_C_QUANTIZEDWEIGHTS_H */
