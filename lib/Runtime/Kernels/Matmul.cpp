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

/// Columns [n0, n0 + nc) of C += A x B for few rows of A, streaming B's rows
/// once (B's columns are contiguous here). `acc` holds nc floats.
void skinnyStripePortable(int64_t m, int64_t k, const Strided &a, const Strided &b,
                          int64_t n0, int64_t nc, float *acc, float *c, int64_t ldcRow,
                          int64_t ldcCol) {
  for (int64_t i = 0; i < m; ++i) {
    std::fill(acc, acc + nc, 0.0f);
    for (int64_t p = 0; p < k; ++p) {
      float x = a.at(i, p);
      const float *row = b.data + p * b.row + n0;
      for (int64_t j = 0; j < nc; ++j)
        acc[j] += x * row[j];
    }
    float *dst = c + i * ldcRow + n0 * ldcCol;
    for (int64_t j = 0; j < nc; ++j)
      dst[j * ldcCol] += acc[j];
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void
skinnyStripeAvx2(int64_t m, int64_t k, const Strided &a, const Strided &b, int64_t n0,
                 int64_t nc, float *acc, float *c, int64_t ldcRow, int64_t ldcCol) {
  for (int64_t i = 0; i < m; ++i) {
    std::fill(acc, acc + nc, 0.0f);
    for (int64_t p = 0; p < k; ++p) {
      float xs = a.at(i, p);
      __m256 x = _mm256_set1_ps(xs);
      const float *row = b.data + p * b.row + n0;
      int64_t j = 0;
      for (; j + 8 <= nc; j += 8)
        _mm256_storeu_ps(acc + j, _mm256_fmadd_ps(x, _mm256_loadu_ps(row + j),
                                                  _mm256_loadu_ps(acc + j)));
      for (; j < nc; ++j)
        acc[j] += xs * row[j];
    }
    float *dst = c + i * ldcRow + n0 * ldcCol;
    for (int64_t j = 0; j < nc; ++j)
      dst[j * ldcCol] += acc[j];
  }
}
#endif

using SkinnyStripe = void (*)(int64_t, int64_t, const Strided &, const Strided &, int64_t,
                              int64_t, float *, float *, int64_t, int64_t);

void gemmSkinny(int64_t m, int64_t n, int64_t k, const Strided &a, const Strided &b, float *c,
                int64_t ldcRow, int64_t ldcCol) {
  static const SkinnyStripe stripe = [] {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      return SkinnyStripe(skinnyStripeAvx2);
#endif
    return SkinnyStripe(skinnyStripePortable);
  }();
  // About four stripes per thread, whole cache lines wide.
  int64_t threads = loomrt::numThreads();
  int64_t width = std::max<int64_t>(64, ((n + 4 * threads - 1) / (4 * threads) + 15) / 16 * 16);
  int64_t tasks = (n + width - 1) / width;
  loomrt::parallelFor(tasks, [&](int64_t t) {
    int64_t n0 = t * width, nc = std::min(width, n - n0);
    thread_local std::vector<float> acc;
    acc.resize(static_cast<size_t>(width));
    stripe(m, k, a, b, n0, nc, acc.data(), c, ldcRow, ldcCol);
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
