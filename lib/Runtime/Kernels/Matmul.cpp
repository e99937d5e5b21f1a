//===- Matmul.cpp - f32 matrix multiplication for compiled models ---------===//
//
// The classic blocked GEMM (Goto & van de Geijn): B is packed into panels of
// kNr columns for one kKc-deep slice of K, each task packs a kMc-row block of
// A into panels of kMr rows, and a register-tile micro-kernel multiplies a
// kMr x kKc panel by a kKc x kNr panel into kMr x kNr accumulators. With AVX2
// and FMA the micro-kernel holds a 6x16 tile in 12 ymm registers; without
// them a portable loop nest of the same shape is used (chosen at run time).
//
// Very short M (matrix-vector products, decode steps) skips packing: the
// work is reading B once, so the kernel streams B's rows and splits N over
// the threads.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "../ThreadPool.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

constexpr int64_t kMr = 6, kNr = 16;
constexpr int64_t kKc = 256, kMc = 96, kNc = 512;

/// acc[kMr][kNr] = Ap (kc x kMr, row i at Ap[p * kMr + i]) x Bp (kc x kNr).
void microKernelPortable(int64_t kc, const float *ap, const float *bp, float *acc) {
  float tile[kMr][kNr] = {};
  for (int64_t p = 0; p < kc; ++p)
    for (int64_t i = 0; i < kMr; ++i)
      for (int64_t j = 0; j < kNr; ++j)
        tile[i][j] += ap[p * kMr + i] * bp[p * kNr + j];
  std::memcpy(acc, tile, sizeof tile);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void microKernelAvx2(int64_t kc, const float *ap,
                                                         const float *bp, float *acc) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
         c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int64_t p = 0; p < kc; ++p, ap += kMr, bp += kNr) {
    __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
    __m256 a = _mm256_broadcast_ss(ap + 0);
    c00 = _mm256_fmadd_ps(a, b0, c00), c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(ap + 1);
    c10 = _mm256_fmadd_ps(a, b0, c10), c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(ap + 2);
    c20 = _mm256_fmadd_ps(a, b0, c20), c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(ap + 3);
    c30 = _mm256_fmadd_ps(a, b0, c30), c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(ap + 4);
    c40 = _mm256_fmadd_ps(a, b0, c40), c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(ap + 5);
    c50 = _mm256_fmadd_ps(a, b0, c50), c51 = _mm256_fmadd_ps(a, b1, c51);
  }
  __m256 rows[kMr][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                         {c30, c31}, {c40, c41}, {c50, c51}};
  for (int64_t i = 0; i < kMr; ++i) {
    _mm256_storeu_ps(acc + i * kNr, rows[i][0]);
    _mm256_storeu_ps(acc + i * kNr + 8, rows[i][1]);
  }
}
#endif

using MicroKernel = void (*)(int64_t, const float *, const float *, float *);

MicroKernel pickMicroKernel() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return microKernelAvx2;
#endif
  return microKernelPortable;
}

struct Strided {
  const float *data;
  int64_t row, col;
  float at(int64_t i, int64_t j) const { return data[i * row + j * col]; }
};

/// Packs B[k0:k0+kc, n0:n0+nc] into ceil(nc / kNr) panels, zero-padded.
void packB(const Strided &b, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float *out) {
  for (int64_t j0 = 0; j0 < nc; j0 += kNr) {
    int64_t width = std::min(kNr, nc - j0);
    for (int64_t p = 0; p < kc; ++p, out += kNr) {
      const float *src = b.data + (k0 + p) * b.row + (n0 + j0) * b.col;
      if (b.col == 1 && width == kNr) {
        std::memcpy(out, src, sizeof(float) * kNr);
        continue;
      }
      int64_t j = 0;
      for (; j < width; ++j)
        out[j] = src[j * b.col];
      for (; j < kNr; ++j)
        out[j] = 0.0f;
    }
  }
}

/// Packs A[m0:m0+mc, k0:k0+kc] into ceil(mc / kMr) panels, zero-padded.
void packA(const Strided &a, int64_t m0, int64_t mc, int64_t k0, int64_t kc, float *out) {
  for (int64_t i0 = 0; i0 < mc; i0 += kMr) {
    int64_t height = std::min(kMr, mc - i0);
    for (int64_t p = 0; p < kc; ++p, out += kMr) {
      int64_t i = 0;
      for (; i < height; ++i)
        out[i] = a.at(m0 + i0 + i, k0 + p);
      for (; i < kMr; ++i)
        out[i] = 0.0f;
    }
  }
}

void gemmPacked(int64_t m, int64_t n, int64_t k, const Strided &a, const Strided &b, float *c,
                int64_t ldcRow, int64_t ldcCol) {
  static const MicroKernel micro = pickMicroKernel();
  int64_t nPanels = (n + kNr - 1) / kNr;
  std::vector<float> packedB(size_t(nPanels * kNr * std::min(k, kKc)));
  int64_t mBlocks = (m + kMc - 1) / kMc, nBlocks = (n + kNc - 1) / kNc;
  for (int64_t k0 = 0; k0 < k; k0 += kKc) {
    int64_t kc = std::min(kKc, k - k0);
    // Pack all of B's slice, one task per kNc columns.
    loomrt::parallelFor(nBlocks, [&](int64_t jb) {
      int64_t n0 = jb * kNc, nc = std::min(kNc, n - n0);
      packB(b, k0, kc, n0, nc, packedB.data() + (n0 / kNr) * kNr * kc);
    });
    loomrt::parallelFor(mBlocks * nBlocks, [&](int64_t task) {
      int64_t m0 = (task / nBlocks) * kMc, mc = std::min(kMc, m - m0);
      int64_t n0 = (task % nBlocks) * kNc, nc = std::min(kNc, n - n0);
      thread_local std::vector<float> packedA;
      packedA.resize(size_t(kMc * kKc));
      packA(a, m0, mc, k0, kc, packedA.data());
      alignas(32) float acc[kMr * kNr];
      for (int64_t j0 = 0; j0 < nc; j0 += kNr) {
        const float *bp = packedB.data() + ((n0 + j0) / kNr) * kNr * kc;
        int64_t width = std::min(kNr, nc - j0);
        for (int64_t i0 = 0; i0 < mc; i0 += kMr) {
          micro(kc, packedA.data() + (i0 / kMr) * kMr * kc, bp, acc);
          int64_t height = std::min(kMr, mc - i0);
          for (int64_t i = 0; i < height; ++i) {
            float *row = c + (m0 + i0 + i) * ldcRow + (n0 + j0) * ldcCol;
            for (int64_t j = 0; j < width; ++j)
              row[j * ldcCol] += acc[i * kNr + j];
          }
        }
      }
    });
  }
}

/// acc[0..n) += sum over p in [p0, p1) of x[p] * B[p, 0..n), four rows of B
/// at a time (B's rows are contiguous here). The portable form; the AVX2
/// one below is the same loop.
void rowsAxpyPortable(const float *x, int64_t xStride, const float *b, int64_t bRow,
                      int64_t p0, int64_t p1, int64_t n, float *acc) {
  for (int64_t p = p0; p < p1; ++p) {
    float xp = x[p * xStride];
    const float *row = b + p * bRow;
    for (int64_t j = 0; j < n; ++j)
      acc[j] += xp * row[j];
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void rowsAxpyAvx2(const float *x, int64_t xStride,
                                                      const float *b, int64_t bRow,
                                                      int64_t p0, int64_t p1, int64_t n,
                                                      float *acc) {
  int64_t p = p0;
  for (; p + 4 <= p1; p += 4) {
    float s0 = x[p * xStride], s1 = x[(p + 1) * xStride], s2 = x[(p + 2) * xStride],
          s3 = x[(p + 3) * xStride];
    __m256 x0 = _mm256_set1_ps(s0), x1 = _mm256_set1_ps(s1), x2 = _mm256_set1_ps(s2),
           x3 = _mm256_set1_ps(s3);
    const float *r0 = b + p * bRow, *r1 = r0 + bRow, *r2 = r1 + bRow, *r3 = r2 + bRow;
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
      __m256 v = _mm256_loadu_ps(acc + j);
      v = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r0 + j), v);
      v = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r1 + j), v);
      v = _mm256_fmadd_ps(x2, _mm256_loadu_ps(r2 + j), v);
      v = _mm256_fmadd_ps(x3, _mm256_loadu_ps(r3 + j), v);
      _mm256_storeu_ps(acc + j, v);
    }
    for (; j < n; ++j)
      acc[j] += s0 * r0[j] + s1 * r1[j] + s2 * r2[j] + s3 * r3[j];
  }
  rowsAxpyPortable(x, xStride, b, bRow, p, p1, n, acc);
}
#endif

using RowsAxpy = void (*)(const float *, int64_t, const float *, int64_t, int64_t, int64_t,
                          int64_t, float *);

/// Few rows of A (matrix-vector products): the cost is reading B once, so
/// each task streams a contiguous band of B's rows (whole rows: long
/// sequential reads the prefetchers follow) into a private partial C, and
/// the partials are summed at the end.
void gemmSkinny(int64_t m, int64_t n, int64_t k, const Strided &a, const Strided &b, float *c,
                int64_t ldcRow, int64_t ldcCol) {
  static const RowsAxpy axpy = [] {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      return RowsAxpy(rowsAxpyAvx2);
#endif
    return RowsAxpy(rowsAxpyPortable);
  }();
  // Bands of at least 64 rows; at most one per thread.
  int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(loomrt::numThreads(), k / 64));
  int64_t band = (k + tasks - 1) / tasks;
  std::vector<float> partial(static_cast<size_t>(tasks * m * n), 0.0f);
  loomrt::parallelFor(tasks, [&](int64_t t) {
    int64_t p0 = t * band, p1 = std::min(k, p0 + band);
    for (int64_t i = 0; i < m; ++i)
      axpy(a.data + i * a.row, a.col, b.data, b.row, p0, p1, n,
           partial.data() + (t * m + i) * n);
  });
  // Sum the partials into C, in column stripes over the threads.
  int64_t stripe = std::max<int64_t>(256, (n + tasks - 1) / tasks);
  loomrt::parallelFor((n + stripe - 1) / stripe, [&](int64_t s) {
    int64_t j0 = s * stripe, j1 = std::min(n, j0 + stripe);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = j0; j < j1; ++j) {
        float sum = 0;
        for (int64_t t = 0; t < tasks; ++t)
          sum += partial[(t * m + i) * n + j];
        c[i * ldcRow + j * ldcCol] += sum;
      }
  });
}

} // namespace

void loomrt::matmulF32(int64_t m, int64_t n, int64_t k, const float *a, int64_t ldaRow,
                       int64_t ldaCol, const float *b, int64_t ldbRow, int64_t ldbCol,
                       float *c, int64_t ldcRow, int64_t ldcCol) {
  if (m <= 0 || n <= 0 || k <= 0)
    return;
  Strided av{a, ldaRow, ldaCol}, bv{b, ldbRow, ldbCol};
  if (m < kMr && ldbCol == 1)
    return gemmSkinny(m, n, k, av, bv, c, ldcRow, ldcCol);
  gemmPacked(m, n, k, av, bv, c, ldcRow, ldcCol);
}

extern "C" void _mlir_ciface_loomrt_matmul_f32(loomrt::MemRef<2> *a, loomrt::MemRef<2> *b,
                                               loomrt::MemRef<2> *c) {
  loomrt::matmulF32(a->sizes[0], b->sizes[1], a->sizes[1], a->aligned + a->offset,
                    a->strides[0], a->strides[1], b->aligned + b->offset, b->strides[0],
                    b->strides[1], c->aligned + c->offset, c->strides[0], c->strides[1]);
}

extern "C" void _mlir_ciface_loomrt_batch_matmul_f32(loomrt::MemRef<3> *a,
                                                     loomrt::MemRef<3> *b,
                                                     loomrt::MemRef<3> *c) {
  for (int64_t i = 0; i < c->sizes[0]; ++i)
    loomrt::matmulF32(a->sizes[1], b->sizes[2], a->sizes[2],
                      a->aligned + a->offset + i * a->strides[0], a->strides[1],
                      a->strides[2], b->aligned + b->offset + i * b->strides[0],
                      b->strides[1], b->strides[2], c->aligned + c->offset + i * c->strides[0],
                      c->strides[1], c->strides[2]);
}
