//===- Convolution.cpp - onnx.Conv on loomrt's GEMM -------------*- C++ -*-===//
//
// A 2-D convolution (1-D ones come as height 1) image by image, group by
// group and band of output rows by band: the group's input windows are laid
// out as the columns of col[C/groups * KH * KW, OH * OW] (im2col, zeros
// where a window reaches into the padding), and y[n, group's channels] =
// w[group] x col lands in the output's own layout, with the bias written
// first (the GEMM accumulates).
// The copies run row by row of col, each a strided (stride 1: contiguous)
// read of one input row, so they are memcpy-like loops the compiler
// vectorizes; the compiler's own im2col (a linalg.generic reading every
// element through clamped coordinates, then a transpose of the product)
// was four fifths of a convnet's run time. A 1x1 convolution with stride 1
// and no padding needs no copy: the input plane is the GEMM's operand.
// Depthwise convolutions (one input and one output channel per group) skip
// the GEMM, whose one-row products would be all overhead.
//
// ConvTranspose is the same product the other way round: per image and
// group, col[M/groups * KH * KW, H * W] = w[group]^T x (loomrt's GEMM), then
// each col row is added into the output at its kernel offset (col2im), one
// task per output channel. (The compiler's own loops gathered every output
// element through a divisibility test per kernel tap: 40-140x slower than
// PyTorch.)
//
// MaxPool and AveragePool run here too, plane by plane: per output row,
// each window row and column adds one strided (stride 1: contiguous) pass
// over the output columns it reaches, which the compiler vectorizes; the
// compiler's own loops read each window element through clamped
// coordinates (4-5x slower than PyTorch on a 56x56 map).
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"

#include "Kernels.h"
#include "../RunErrors.h"
#include "../ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <vector>

namespace {

struct ConvShape {
  int64_t n, c, h, w;     // input
  int64_t m, oh, ow;      // output
  int64_t kh, kw, sh, sw, ph, pw, dh, dw, groups;
  int64_t cg() const { return c / groups; }
  int64_t mg() const { return m / groups; }
  int64_t depth() const { return cg() * kh * kw; }
  int64_t plane() const { return oh * ow; }
};

/// The output columns [lo, hi) whose input column iw0 + ow * sw lies inside
/// [0, w).
void insideColumns(int64_t iw0, int64_t sw, int64_t w, int64_t ow, int64_t &lo, int64_t &hi) {
  lo = iw0 >= 0 ? 0 : (-iw0 + sw - 1) / sw;
  hi = iw0 > w - 1 ? 0 : (w - 1 - iw0) / sw + 1;
  lo = std::min(lo, ow);
  hi = std::max(lo, std::min(hi, ow));
}

/// Row r = (channel, i, j) of col for image `n`, group `g`, output rows
/// [oh0, oh1): (oh1 - oh0) * OW values.
void fillColumnRow(const loomrt::MemRef<4> &x, const ConvShape &s, int64_t n, int64_t g,
                   int64_t r, int64_t oh0, int64_t oh1, float *dst) {
  int64_t j = r % s.kw, i = (r / s.kw) % s.kh, channel = g * s.cg() + r / (s.kw * s.kh);
  const float *planeIn =
      x.aligned + x.offset + n * x.strides[0] + channel * x.strides[1];
  int64_t iw0 = j * s.dw - s.pw, lo, hi;
  insideColumns(iw0, s.sw, s.w, s.ow, lo, hi);
  int64_t xs = x.strides[3];
  for (int64_t oh = oh0; oh < oh1; ++oh, dst += s.ow) {
    int64_t ih = oh * s.sh - s.ph + i * s.dh;
    if (ih < 0 || ih >= s.h) {
      for (int64_t ow = 0; ow < s.ow; ++ow)
        dst[ow] = 0.0f;
      continue;
    }
    const float *row = planeIn + ih * x.strides[2];
    // Plain loops, not memset/memcpy: the rows are a few dozen floats, where
    // a libc call costs more than the copy (a third of a convnet's time).
    for (int64_t ow = 0; ow < lo; ++ow)
      dst[ow] = 0.0f;
    if (s.sw == 1 && xs == 1)
      for (int64_t ow = lo; ow < hi; ++ow)
        dst[ow] = row[iw0 + ow];
    else
      for (int64_t ow = lo; ow < hi; ++ow)
        dst[ow] = row[(iw0 + ow * s.sw) * xs];
    for (int64_t ow = hi; ow < s.ow; ++ow)
      dst[ow] = 0.0f;
  }
}

/// Depthwise: output channel m reads input channel m only.
void depthwisePlane(const loomrt::MemRef<4> &x, const loomrt::MemRef<2> &w, const float *bias,
                    loomrt::MemRef<4> &y, const ConvShape &s, int64_t n, int64_t m) {
  const float *planeIn = x.aligned + x.offset + n * x.strides[0] + m * x.strides[1];
  const float *weights = w.aligned + w.offset + m * w.strides[0];
  float *planeOut = y.aligned + y.offset + n * y.strides[0] + m * y.strides[1];
  std::vector<float> acc(size_t(s.ow));
  for (int64_t oh = 0; oh < s.oh; ++oh) {
    std::fill(acc.begin(), acc.end(), bias ? bias[m] : 0.0f);
    for (int64_t i = 0; i < s.kh; ++i) {
      int64_t ih = oh * s.sh - s.ph + i * s.dh;
      if (ih < 0 || ih >= s.h)
        continue;
      const float *row = planeIn + ih * x.strides[2];
      for (int64_t j = 0; j < s.kw; ++j) {
        float k = weights[(i * s.kw + j) * w.strides[1]];
        int64_t iw0 = j * s.dw - s.pw, lo, hi;
        insideColumns(iw0, s.sw, s.w, s.ow, lo, hi);
        if (s.sw == 1 && x.strides[3] == 1)
          for (int64_t ow = lo; ow < hi; ++ow)
            acc[ow] += k * row[iw0 + ow];
        else
          for (int64_t ow = lo; ow < hi; ++ow)
            acc[ow] += k * row[(iw0 + ow * s.sw) * x.strides[3]];
      }
    }
    float *out = planeOut + oh * y.strides[2];
    for (int64_t ow = 0; ow < s.ow; ++ow)
      out[ow * y.strides[3]] = acc[ow];
  }
}

/// A task's share of col at most: 256 Ki floats (1 MiB). Smaller bands
/// would stay in L2, but their GEMM calls (narrower, each packing its
/// operand) cost more than that saves: bench/convnet.py at batch 8 took
/// 5.0 ms with 64 Ki floats, 4.5 ms with 256 Ki (2-vCPU Zen 5).
constexpr int64_t kColumnFloats = 256 * 1024;

/// A scratch buffer from loomrt's buffer cache: a convnet's im2col columns
/// are megabytes, and fresh pages on every run cost more than the copies.
struct Scratch {
  float *data;
  explicit Scratch(int64_t count)
      : data(count ? static_cast<float *>(loomrt_buffer_alloc(uint64_t(count) * sizeof(float)))
                   : nullptr) {}
  ~Scratch() { loomrt_buffer_free(data); }
  Scratch(const Scratch &) = delete;
  Scratch &operator=(const Scratch &) = delete;
};

} // namespace

extern "C" void _mlir_ciface_loomrt_conv2d_f32(loomrt::MemRef<4> *x, loomrt::MemRef<2> *w,
                                               loomrt::MemRef<1> *bias, loomrt::MemRef<4> *y,
                                               int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                                               int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                                               int64_t groups) {
  ConvShape s{x->sizes[0], x->sizes[1], x->sizes[2], x->sizes[3], y->sizes[1], y->sizes[2],
              y->sizes[3], kh, kw, sh, sw, ph, pw, dh, dw, groups};
  // The compiler checked these against the model; a caller of the ABI that
  // did not gets an error, not a read out of bounds.
  bool fits = groups > 0 && s.c % groups == 0 && s.m % groups == 0 && y->sizes[0] == s.n &&
              w->sizes[0] == s.m && w->sizes[1] == s.depth() && kh > 0 && kw > 0 && sh > 0 &&
              sw > 0 && dh > 0 && dw > 0 && ph >= 0 && pw >= 0 &&
              (bias->sizes[0] == 0 || bias->sizes[0] == s.m);
  if (!fits) {
    loomrt::recordRunError(LOOM_ABI_ERROR_SHAPE_MISMATCH, -1);
    return;
  }
  if (s.n == 0 || s.m == 0 || s.plane() == 0)
    return;
  const float *b = bias->sizes[0] ? bias->aligned + bias->offset : nullptr;
  int64_t biasStride = bias->strides[0];
  std::vector<float> biasDense;
  if (b && biasStride != 1) {
    for (int64_t m = 0; m < s.m; ++m)
      biasDense.push_back(b[m * biasStride]);
    b = biasDense.data();
  }

  if (s.cg() == 1 && s.mg() == 1) {
    loomrt::parallelFor(s.n * s.m, [&](int64_t t) {
      depthwisePlane(*x, *w, b, *y, s, t / s.m, t % s.m);
    });
    return;
  }

  int64_t depth = s.depth();
  bool direct = kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 &&
                s.oh == s.h && s.ow == s.w && x->strides[2] == s.w * x->strides[3];
  // The product goes straight into y when each output plane is dense.
  bool denseOut = y->strides[3] == 1 && y->strides[2] == s.ow;
  // One task per (image, group, band of output rows): it copies its band's
  // columns of col and multiplies them, all in one parallel region (before:
  // a region for the copies and one for the GEMM, per image). Bands of
  // about kColumnFloats of col, at least one output row; when the images
  // and groups alone cannot keep the threads busy, as many bands as make
  // the tasks a multiple of the threads (the GEMM in a task runs on one
  // thread: a nested parallelFor runs inline).
  int64_t threads = loomrt::numThreads(), images = s.n * groups;
  int64_t bandRows = std::clamp<int64_t>(kColumnFloats / (depth * s.ow), 1, s.oh);
  int64_t bands = (s.oh + bandRows - 1) / bandRows;
  if (images * bands < 4 * threads) {
    while (bands < s.oh && (images * bands) % threads != 0)
      ++bands;
    bandRows = (s.oh + bands - 1) / bands;
    bands = (s.oh + bandRows - 1) / bandRows;
  }
  std::atomic<bool> outOfMemory{false};
  loomrt::parallelFor(images * bands, [&](int64_t task) {
    int64_t band = task % bands, n = task / bands / groups, g = task / bands % groups;
    int64_t oh0 = band * bandRows, oh1 = std::min(s.oh, oh0 + bandRows);
    int64_t j0 = oh0 * s.ow, width = (oh1 - oh0) * s.ow;
    Scratch col(direct ? 0 : depth * width), product(denseOut ? 0 : s.mg() * width);
    if ((!direct && !col.data) || (!denseOut && !product.data)) {
      outOfMemory = true;
      return;
    }
    const float *operand;
    int64_t operandRow, operandCol = 1;
    if (direct) {
      operand = x->aligned + x->offset + n * x->strides[0] + g * s.cg() * x->strides[1] +
                j0 * x->strides[3];
      operandRow = x->strides[1];
      operandCol = x->strides[3];
    } else {
      for (int64_t r = 0; r < depth; ++r)
        fillColumnRow(*x, s, n, g, r, oh0, oh1, col.data + r * width);
      operand = col.data;
      operandRow = width;
    }
    float *out = denseOut ? y->aligned + y->offset + n * y->strides[0] +
                                g * s.mg() * y->strides[1] + j0
                          : product.data;
    int64_t outRow = denseOut ? y->strides[1] : width;
    for (int64_t m = 0; m < s.mg(); ++m)
      std::fill(out + m * outRow, out + m * outRow + width, b ? b[g * s.mg() + m] : 0.0f);
    const float *weights = w->aligned + w->offset + g * s.mg() * w->strides[0];
    loomrt::matmulF32(s.mg(), width, depth, weights, w->strides[0], w->strides[1], operand,
                      operandRow, operandCol, out, outRow, 1);
    if (!denseOut)
      for (int64_t m = 0; m < s.mg(); ++m)
        for (int64_t p = j0; p < j0 + width; ++p)
          y->aligned[y->offset + n * y->strides[0] + (g * s.mg() + m) * y->strides[1] +
                     (p / s.ow) * y->strides[2] + (p % s.ow) * y->strides[3]] =
              product.data[m * width + p - j0];
  });
  if (outOfMemory)
    loomrt::recordRunError(LOOM_ABI_ERROR_SIZE_OUT_OF_RANGE, -1);
}

namespace {

/// One plane of a pooling: y[oh, ow] over the window at (oh, ow).
void poolPlane(const float *in, int64_t xRow, int64_t xCol, float *out, int64_t yRow,
               int64_t yCol, const ConvShape &s, int64_t phEnd, int64_t pwEnd, int32_t mode,
               float *acc, float *count) {
  const bool isMax = mode == LOOM_ABI_POOL_MAX;
  const bool countPads = mode == LOOM_ABI_POOL_AVERAGE_COUNT_PADS;
  const float start = isMax ? -std::numeric_limits<float>::infinity() : 0.0f;
  for (int64_t oh = 0; oh < s.oh; ++oh) {
    std::fill(acc, acc + s.ow, start);
    std::fill(count, count + s.ow, 0.0f);
    for (int64_t i = 0; i < s.kh; ++i) {
      int64_t ih = oh * s.sh - s.ph + i * s.dh;
      bool insideRow = ih >= 0 && ih < s.h;
      for (int64_t j = 0; j < s.kw; ++j) {
        int64_t iw0 = j * s.dw - s.pw, lo, hi;
        if (countPads && ih >= -s.ph && ih < s.h + phEnd) {
          // Positions inside the padded input count, read or not.
          int64_t padLo, padHi;
          insideColumns(iw0 + s.pw, s.sw, s.w + s.pw + pwEnd, s.ow, padLo, padHi);
          for (int64_t ow = padLo; ow < padHi; ++ow)
            count[ow] += 1.0f;
        }
        if (!insideRow)
          continue;
        insideColumns(iw0, s.sw, s.w, s.ow, lo, hi);
        const float *row = in + ih * xRow + iw0 * xCol;
        const int64_t step = s.sw * xCol;
        if (isMax) {
          // NaN wins, as arith.maximumf (and ONNX's reference) has it.
          for (int64_t ow = lo; ow < hi; ++ow) {
            float v = row[ow * step];
            acc[ow] = (v > acc[ow] || v != v) ? v : acc[ow];
          }
        } else {
          for (int64_t ow = lo; ow < hi; ++ow)
            acc[ow] += row[ow * step];
          if (!countPads)
            for (int64_t ow = lo; ow < hi; ++ow)
              count[ow] += 1.0f;
        }
      }
    }
    float *dst = out + oh * yRow;
    if (isMax)
      for (int64_t ow = 0; ow < s.ow; ++ow)
        dst[ow * yCol] = acc[ow];
    else
      for (int64_t ow = 0; ow < s.ow; ++ow)
        dst[ow * yCol] = acc[ow] / count[ow];
  }
}

} // namespace

extern "C" void _mlir_ciface_loomrt_pool2d_f32(loomrt::MemRef<4> *x, loomrt::MemRef<4> *y,
                                               int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                                               int64_t ph, int64_t pw, int64_t phEnd,
                                               int64_t pwEnd, int64_t dh, int64_t dw,
                                               int32_t mode) {
  ConvShape s{x->sizes[0], x->sizes[1], x->sizes[2], x->sizes[3], y->sizes[1], y->sizes[2],
              y->sizes[3], kh, kw, sh, sw, ph, pw, dh, dw, 1};
  bool fits = y->sizes[0] == s.n && s.m == s.c && kh > 0 && kw > 0 && sh > 0 && sw > 0 &&
              dh > 0 && dw > 0 && ph >= 0 && pw >= 0 && phEnd >= 0 && pwEnd >= 0 &&
              mode >= LOOM_ABI_POOL_MAX && mode <= LOOM_ABI_POOL_AVERAGE_COUNT_PADS;
  if (!fits) {
    loomrt::recordRunError(LOOM_ABI_ERROR_SHAPE_MISMATCH, -1);
    return;
  }
  if (s.n == 0 || s.c == 0 || s.plane() == 0)
    return;
  loomrt::parallelFor(s.n * s.c, [&](int64_t t) {
    int64_t n = t / s.c, c = t % s.c;
    std::vector<float> acc(size_t(s.ow)), count(size_t(s.ow));
    poolPlane(x->aligned + x->offset + n * x->strides[0] + c * x->strides[1], x->strides[2],
              x->strides[3], y->aligned + y->offset + n * y->strides[0] + c * y->strides[1],
              y->strides[2], y->strides[3], s, phEnd, pwEnd, mode, acc.data(), count.data());
  });
}

extern "C" void _mlir_ciface_loomrt_conv_transpose2d_f32(
    loomrt::MemRef<4> *x, loomrt::MemRef<2> *w, loomrt::MemRef<1> *bias, loomrt::MemRef<4> *y,
    int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
    int64_t dw, int64_t groups) {
  // Here c, h, w are the input's and m, oh, ow the output's, as for Conv.
  ConvShape s{x->sizes[0], x->sizes[1], x->sizes[2], x->sizes[3], y->sizes[1], y->sizes[2],
              y->sizes[3], kh, kw, sh, sw, ph, pw, dh, dw, groups};
  bool fits = groups > 0 && s.c % groups == 0 && s.m % groups == 0 && y->sizes[0] == s.n &&
              w->sizes[0] == s.c && w->sizes[1] == s.mg() * kh * kw && kh > 0 && kw > 0 &&
              sh > 0 && sw > 0 && dh > 0 && dw > 0 &&
              (bias->sizes[0] == 0 || bias->sizes[0] == s.m);
  // (Pads may be negative: SAME padding for a requested output_shape.)
  if (!fits) {
    loomrt::recordRunError(LOOM_ABI_ERROR_SHAPE_MISMATCH, -1);
    return;
  }
  if (s.n == 0 || s.m == 0 || s.plane() == 0)
    return;
  const float *b = bias->sizes[0] ? bias->aligned + bias->offset : nullptr;
  loomrt::parallelFor(s.n * s.m, [&](int64_t t) {
    int64_t n = t / s.m, m = t % s.m;
    float *plane = y->aligned + y->offset + n * y->strides[0] + m * y->strides[1];
    float value = b ? b[m * bias->strides[0]] : 0.0f;
    for (int64_t oh = 0; oh < s.oh; ++oh)
      for (int64_t ow = 0; ow < s.ow; ++ow)
        plane[oh * y->strides[2] + ow * y->strides[3]] = value;
  });
  const int64_t pixels = s.h * s.w, rows = s.mg() * kh * kw;
  if (pixels == 0 || s.c == 0)
    return;
  // The GEMM reads each input plane as one row of H * W values: dense planes
  // are read in place, others copied once.
  bool densePlanes = x->strides[3] == 1 && x->strides[2] == s.w;
  Scratch col(rows * pixels), dense(densePlanes ? 0 : s.c * pixels);
  for (int64_t n = 0; n < s.n; ++n) {
    const float *image = x->aligned + x->offset + n * x->strides[0];
    int64_t channelStride = x->strides[1];
    if (!densePlanes) {
      loomrt::parallelFor(s.c, [&](int64_t c) {
        for (int64_t i = 0; i < s.h; ++i)
          for (int64_t j = 0; j < s.w; ++j)
            dense.data[c * pixels + i * s.w + j] =
                image[c * x->strides[1] + i * x->strides[2] + j * x->strides[3]];
      });
      image = dense.data;
      channelStride = pixels;
    }
    for (int64_t g = 0; g < groups; ++g) {
      std::fill(col.data, col.data + rows * pixels, 0.0f);
      // col[r, p] = sum_c w[g * C/groups + c, r] * x[g * C/groups + c, p]
      const float *weights = w->aligned + w->offset + g * s.cg() * w->strides[0];
      loomrt::matmulF32(rows, pixels, s.cg(), weights, w->strides[1], w->strides[0],
                        image + g * s.cg() * channelStride, channelStride, 1, col.data, pixels,
                        1);
      // col2im: row (m, i, j) adds to y[m, ih * sh - ph + i * dh, iw * sw - pw + j * dw].
      loomrt::parallelFor(s.mg(), [&](int64_t m) {
        float *plane =
            y->aligned + y->offset + n * y->strides[0] + (g * s.mg() + m) * y->strides[1];
        for (int64_t i = 0; i < kh; ++i)
          for (int64_t j = 0; j < kw; ++j) {
            const float *src = col.data + ((m * kh + i) * kw + j) * pixels;
            // The input columns whose output column lies in [0, OW).
            int64_t offset = j * dw - pw;
            int64_t lo = offset >= 0 ? 0 : (-offset + sw - 1) / sw;
            int64_t hi = offset > s.ow - 1 ? 0 : (s.ow - 1 - offset) / sw + 1;
            lo = std::min(lo, s.w);
            hi = std::max(lo, std::min(hi, s.w));
            for (int64_t ih = 0; ih < s.h; ++ih) {
              int64_t oh = ih * sh - ph + i * dh;
              if (oh < 0 || oh >= s.oh)
                continue;
              float *out = plane + oh * y->strides[2];
              const float *in = src + ih * s.w;
              const int64_t ys = y->strides[3];
              for (int64_t iw = lo; iw < hi; ++iw)
                out[(offset + iw * sw) * ys] += in[iw];
            }
          }
      });
    }
  }
}
