//===- Matmul.cpp - f32 matrix multiplication for compiled models ---------===//
//
// The classic blocked GEMM (Goto & van de Geijn): B is packed into panels of
// kNr columns for one kKc-deep slice of K, each task packs a kMc-row block of
// A into panels of kMr rows, and a register-tile micro-kernel multiplies a
// kMr x kKc panel by a kKc x kNr panel into kMr x kNr accumulators. With
// AVX-512 the micro-kernel holds a 12x32 tile in 24 zmm registers, with AVX2
// and FMA a 6x16 tile in 12 ymm registers; otherwise a portable loop nest of
// the 6x16 shape runs (chosen at run time: CpuFeatures.h).
//
// Short M (matrix-vector products, decode steps, verify steps over a few
// drafted tokens) skips packing: the work is reading B once, so one row
// streams B's rows, and up to 32 rows multiply L1-sized tiles of B read in
// place by register tiles of up to six rows.
//
// A B that the compiler knows is a constant of the model (a weight: the
// _constant_b entry) is packed once and the packed copy kept, so that a
// GEMM repeated with the same weight (an LSTM's recurrent product at every
// step, every run of a convnet's linear head) does not repack it; the
// copies are bounded (LOOM_PACKED_WEIGHTS_MB, default 512) and dropped when
// a model is unloaded.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "CpuFeatures.h"

#include "../ThreadPool.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <utility>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

/// A micro-kernel's register tile (Mr x Nr) and the blocking around it:
/// Kc-deep slices of K, Mc-row blocks of A per task, Nc-column blocks of B.
template <int64_t Mr_, int64_t Nr_, int64_t Kc_, int64_t Mc_, int64_t Nc_> struct Blocking {
  static constexpr int64_t kMr = Mr_, kNr = Nr_, kKc = Kc_, kMc = Mc_, kNc = Nc_;
  static_assert(kMc % kMr == 0 && kNc % kNr == 0, "blocks hold whole panels");
};
/// Portable and AVX2: a 6x16 tile (12 ymm accumulators of 16 registers).
using Blocking6x16 = Blocking<6, 16, 256, 96, 512>;
/// AVX-512: a 12x32 tile (24 zmm accumulators of 32 registers; the A
/// values are broadcast from memory by the FMAs themselves).
using Blocking12x32 = Blocking<12, 32, 256, 96, 512>;

/// C[i * ldc + j] += (Ap x Bp)[i][j] over the whole Mr x Nr tile: Ap is kc x
/// Mr (row i at Ap[p * Mr + i]), Bp is kc x Nr. The caller passes a scratch
/// tile for edge tiles and strided C.
using MicroKernel = void (*)(int64_t kc, const float *ap, const float *bp, float *c,
                             int64_t ldc);

void microKernelPortable(int64_t kc, const float *ap, const float *bp, float *c, int64_t ldc) {
  constexpr int64_t kMr = Blocking6x16::kMr, kNr = Blocking6x16::kNr;
  float tile[kMr][kNr] = {};
  for (int64_t p = 0; p < kc; ++p)
    for (int64_t i = 0; i < kMr; ++i)
      for (int64_t j = 0; j < kNr; ++j)
        tile[i][j] += ap[p * kMr + i] * bp[p * kNr + j];
  for (int64_t i = 0; i < kMr; ++i)
    for (int64_t j = 0; j < kNr; ++j)
      c[i * ldc + j] += tile[i][j];
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void microKernelAvx2(int64_t kc, const float *ap,
                                                         const float *bp, float *c,
                                                         int64_t ldc) {
  constexpr int64_t kMr = Blocking6x16::kMr, kNr = Blocking6x16::kNr;
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
    float *row = c + i * ldc;
    _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), rows[i][0]));
    _mm256_storeu_ps(row + 8, _mm256_add_ps(_mm256_loadu_ps(row + 8), rows[i][1]));
  }
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))) void
microKernelAvx512(int64_t kc, const float *ap, const float *bp, float *c, int64_t ldc) {
  constexpr int64_t kMr = Blocking12x32::kMr, kNr = Blocking12x32::kNr;
  __m512 acc[kMr][2];
  for (int64_t i = 0; i < kMr; ++i)
    acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p, ap += kMr, bp += kNr) {
    __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
    // Fully unrolled: the accumulators stay in registers.
#pragma clang loop unroll(full)
    for (int64_t i = 0; i < kMr; ++i) {
      __m512 a = _mm512_set1_ps(ap[i]);
      acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
    }
  }
  for (int64_t i = 0; i < kMr; ++i) {
    float *row = c + i * ldc;
    _mm512_storeu_ps(row, _mm512_add_ps(_mm512_loadu_ps(row), acc[i][0]));
    _mm512_storeu_ps(row + 16, _mm512_add_ps(_mm512_loadu_ps(row + 16), acc[i][1]));
  }
}
#endif

struct Strided {
  const float *data;
  int64_t row, col;
  float at(int64_t i, int64_t j) const { return data[i * row + j * col]; }
};

/// Packs B[k0:k0+kc, n0:n0+nc] into ceil(nc / nr) panels, zero-padded.
void packB(const Strided &b, int64_t nr, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
           float *out) {
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    int64_t width = std::min(nr, nc - j0);
    for (int64_t p = 0; p < kc; ++p, out += nr) {
      const float *src = b.data + (k0 + p) * b.row + (n0 + j0) * b.col;
      if (b.col == 1 && width == nr) {
        std::memcpy(out, src, sizeof(float) * size_t(nr));
        continue;
      }
      int64_t j = 0;
      for (; j < width; ++j)
        out[j] = src[j * b.col];
      for (; j < nr; ++j)
        out[j] = 0.0f;
    }
  }
}

/// Packs A[m0:m0+mc, k0:k0+kc] into ceil(mc / mr) panels, zero-padded.
void packA(const Strided &a, int64_t mr, int64_t m0, int64_t mc, int64_t k0, int64_t kc,
           float *out) {
  for (int64_t i0 = 0; i0 < mc; i0 += mr) {
    int64_t height = std::min(mr, mc - i0);
    for (int64_t p = 0; p < kc; ++p, out += mr) {
      int64_t i = 0;
      for (; i < height; ++i)
        out[i] = a.at(m0 + i0 + i, k0 + p);
      for (; i < mr; ++i)
        out[i] = 0.0f;
    }
  }
}

/// All of B packed, slice after slice of K (what gemmPacked packs one slice
/// at a time): nPanels * nr * k floats.
void packAllB(const Strided &b, int64_t nr, int64_t kKc, int64_t nc, int64_t k, int64_t n,
              float *out) {
  int64_t nPanels = (n + nr - 1) / nr, nBlocks = (n + nc - 1) / nc;
  for (int64_t k0 = 0; k0 < k; k0 += kKc) {
    int64_t kc = std::min(kKc, k - k0);
    float *slice = out + k0 * nPanels * nr;
    loomrt::parallelFor(nBlocks, [&](int64_t jb) {
      int64_t n0 = jb * nc;
      packB(b, nr, k0, kc, n0, std::min(nc, n - n0), slice + (n0 / nr) * nr * kc);
    });
  }
}

/// `prepackedB`: B as packAllB lays it out (a constant operand packed
/// once), or null to pack each slice here.
template <typename B>
void gemmPacked(MicroKernel micro, int64_t m, int64_t n, int64_t k, const Strided &a,
                const Strided &b, float *c, int64_t ldcRow, int64_t ldcCol,
                const float *prepackedB = nullptr) {
  constexpr int64_t kMr = B::kMr, kNr = B::kNr, kKc = B::kKc, kMc = B::kMc, kNc = B::kNc;
  int64_t nPanels = (n + kNr - 1) / kNr;
  thread_local std::vector<float> sliceB;
  if (!prepackedB)
    sliceB.resize(size_t(nPanels * kNr * std::min(k, kKc)));
  int64_t mBlocks = (m + kMc - 1) / kMc, nBlocks = (n + kNc - 1) / kNc;
  for (int64_t k0 = 0; k0 < k; k0 += kKc) {
    int64_t kc = std::min(kKc, k - k0);
    const float *packedB;
    if (prepackedB) {
      packedB = prepackedB + k0 * nPanels * kNr;
    } else {
      // Pack all of B's slice, one task per kNc columns.
      float *slice = sliceB.data();
      loomrt::parallelFor(nBlocks, [&](int64_t jb) {
        int64_t n0 = jb * kNc, nc = std::min(kNc, n - n0);
        packB(b, kNr, k0, kc, n0, nc, slice + (n0 / kNr) * kNr * kc);
      });
      packedB = slice;
    }
    loomrt::parallelFor(mBlocks * nBlocks, [&](int64_t task) {
      int64_t m0 = (task / nBlocks) * kMc, mc = std::min(kMc, m - m0);
      int64_t n0 = (task % nBlocks) * kNc, nc = std::min(kNc, n - n0);
      thread_local std::vector<float> packedA;
      packedA.resize(size_t(kMc * kKc));
      packA(a, kMr, m0, mc, k0, kc, packedA.data());
      alignas(64) float acc[kMr * kNr];
      for (int64_t j0 = 0; j0 < nc; j0 += kNr) {
        const float *bp = packedB + ((n0 + j0) / kNr) * kNr * kc;
        int64_t width = std::min(kNr, nc - j0);
        for (int64_t i0 = 0; i0 < mc; i0 += kMr) {
          const float *ap = packedA.data() + (i0 / kMr) * kMr * kc;
          int64_t height = std::min(kMr, mc - i0);
          float *corner = c + (m0 + i0) * ldcRow + (n0 + j0) * ldcCol;
          if (height == kMr && width == kNr && ldcCol == 1) {
            micro(kc, ap, bp, corner, ldcRow); // straight into C
            continue;
          }
          std::fill(acc, acc + kMr * kNr, 0.0f);
          micro(kc, ap, bp, acc, kNr);
          for (int64_t i = 0; i < height; ++i)
            for (int64_t j = 0; j < width; ++j)
              corner[i * ldcRow + j * ldcCol] += acc[i * kNr + j];
        }
      }
    });
  }
}

/// acc[0..n) += sum over p in [p0, p1) of x[p] * B[p, 0..n), row after row
/// of B (B's rows are contiguous here). The portable form; the vector ones
/// below take four rows per pass over acc.
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
/// How many rows ahead rowsAxpy asks for B's rows itself: about 32 KiB
/// ahead, for rows of up to 4096 floats. The hardware prefetchers follow a
/// stream within a page; rows of a few KiB read four at a time leave them
/// restarting at every group (measured on a 2-thread Zen 5, 0.5 GB LLaMA
/// decode: 78.5 -> 90 tokens/s). Longer rows (a classifier's) stream well
/// on their own, and prefetching them four rows ahead was slower: 0 there.
int64_t prefetchRowsAhead(int64_t n) {
  if (n > 4096)
    return 0;
  return std::clamp<int64_t>(8192 / n, 4, 64);
}

/// Four rows of B, `ahead` rows after the group at r0 (none at the end).
inline void prefetchRows(const float *ahead, int64_t bRow, int64_t j) {
  for (int r = 0; r < 4; ++r)
    _mm_prefetch(reinterpret_cast<const char *>(ahead + r * bRow + j), _MM_HINT_T0);
}

__attribute__((target("avx2,fma"))) void rowsAxpyAvx2(const float *x, int64_t xStride,
                                                      const float *b, int64_t bRow,
                                                      int64_t p0, int64_t p1, int64_t n,
                                                      float *acc) {
  // Row tails through masked loads and stores: every element is one chain
  // of FMAs in p's order, as in the few-rows tiles.
  const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n % 8)),
                                          _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const int64_t body = n - n % 8;
  const int64_t rowsAhead = prefetchRowsAhead(n);
  int64_t p = p0;
  for (; p + 4 <= p1; p += 4) {
    __m256 x0 = _mm256_set1_ps(x[p * xStride]), x1 = _mm256_set1_ps(x[(p + 1) * xStride]),
           x2 = _mm256_set1_ps(x[(p + 2) * xStride]), x3 = _mm256_set1_ps(x[(p + 3) * xStride]);
    const float *r0 = b + p * bRow, *r1 = r0 + bRow, *r2 = r1 + bRow, *r3 = r2 + bRow;
    const float *ahead = rowsAhead && p + rowsAhead + 4 <= p1 ? r0 + rowsAhead * bRow : nullptr;
    int64_t j = 0;
    for (; j < body; j += 8) {
      if (ahead && j % 16 == 0) // one request per 64-byte line
        prefetchRows(ahead, bRow, j);
      __m256 v = _mm256_loadu_ps(acc + j);
      v = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r0 + j), v);
      v = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r1 + j), v);
      v = _mm256_fmadd_ps(x2, _mm256_loadu_ps(r2 + j), v);
      v = _mm256_fmadd_ps(x3, _mm256_loadu_ps(r3 + j), v);
      _mm256_storeu_ps(acc + j, v);
    }
    if (j < n) {
      __m256 v = _mm256_maskload_ps(acc + j, tail);
      v = _mm256_fmadd_ps(x0, _mm256_maskload_ps(r0 + j, tail), v);
      v = _mm256_fmadd_ps(x1, _mm256_maskload_ps(r1 + j, tail), v);
      v = _mm256_fmadd_ps(x2, _mm256_maskload_ps(r2 + j, tail), v);
      v = _mm256_fmadd_ps(x3, _mm256_maskload_ps(r3 + j, tail), v);
      _mm256_maskstore_ps(acc + j, tail, v);
    }
  }
  for (; p < p1; ++p) {
    __m256 xp = _mm256_set1_ps(x[p * xStride]);
    const float *row = b + p * bRow;
    int64_t j = 0;
    for (; j < body; j += 8)
      _mm256_storeu_ps(acc + j, _mm256_fmadd_ps(xp, _mm256_loadu_ps(row + j),
                                                _mm256_loadu_ps(acc + j)));
    if (j < n)
      _mm256_maskstore_ps(acc + j, tail,
                          _mm256_fmadd_ps(xp, _mm256_maskload_ps(row + j, tail),
                                          _mm256_maskload_ps(acc + j, tail)));
  }
}
#endif

#if defined(__x86_64__)
/// rowsAxpyAvx2 on 16 lanes; row tails with masked loads and stores.
__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))) void
rowsAxpyAvx512(const float *x, int64_t xStride, const float *b, int64_t bRow, int64_t p0,
               int64_t p1, int64_t n, float *acc) {
  int64_t p = p0;
  const __mmask16 tail = __mmask16((1u << (n % 16)) - 1);
  const int64_t body = n - n % 16;
  const int64_t rowsAhead = prefetchRowsAhead(n);
  for (; p + 4 <= p1; p += 4) {
    __m512 x0 = _mm512_set1_ps(x[p * xStride]), x1 = _mm512_set1_ps(x[(p + 1) * xStride]),
           x2 = _mm512_set1_ps(x[(p + 2) * xStride]), x3 = _mm512_set1_ps(x[(p + 3) * xStride]);
    const float *r0 = b + p * bRow, *r1 = r0 + bRow, *r2 = r1 + bRow, *r3 = r2 + bRow;
    const float *ahead = rowsAhead && p + rowsAhead + 4 <= p1 ? r0 + rowsAhead * bRow : nullptr;
    int64_t j = 0;
    for (; j < body; j += 16) {
      if (ahead)
        prefetchRows(ahead, bRow, j);
      __m512 v = _mm512_loadu_ps(acc + j);
      v = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r0 + j), v);
      v = _mm512_fmadd_ps(x1, _mm512_loadu_ps(r1 + j), v);
      v = _mm512_fmadd_ps(x2, _mm512_loadu_ps(r2 + j), v);
      v = _mm512_fmadd_ps(x3, _mm512_loadu_ps(r3 + j), v);
      _mm512_storeu_ps(acc + j, v);
    }
    if (tail) {
      __m512 v = _mm512_maskz_loadu_ps(tail, acc + j);
      v = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(tail, r0 + j), v);
      v = _mm512_fmadd_ps(x1, _mm512_maskz_loadu_ps(tail, r1 + j), v);
      v = _mm512_fmadd_ps(x2, _mm512_maskz_loadu_ps(tail, r2 + j), v);
      v = _mm512_fmadd_ps(x3, _mm512_maskz_loadu_ps(tail, r3 + j), v);
      _mm512_mask_storeu_ps(acc + j, tail, v);
    }
  }
  for (; p < p1; ++p) {
    __m512 xp = _mm512_set1_ps(x[p * xStride]);
    const float *row = b + p * bRow;
    int64_t j = 0;
    for (; j < body; j += 16)
      _mm512_storeu_ps(acc + j, _mm512_fmadd_ps(xp, _mm512_loadu_ps(row + j),
                                                _mm512_loadu_ps(acc + j)));
    if (tail)
      _mm512_mask_storeu_ps(acc + j, tail,
                            _mm512_fmadd_ps(xp, _mm512_maskz_loadu_ps(tail, row + j),
                                            _mm512_maskz_loadu_ps(tail, acc + j)));
  }
}
#endif

using RowsAxpy = void (*)(const float *, int64_t, const float *, int64_t, int64_t, int64_t,
                          int64_t, float *);

/// A few rows of A (2 to kFewRowsMax: a verify step's drafted tokens, a
/// short prompt, a few branches) against a B whose rows are contiguous.
/// Reading B is still the cost, so B is read in place (no packing) and only
/// once, whatever the number of rows: each task takes a band of B's rows and
/// walks it in kFewK-deep tiles a few vectors wide; every group of rows of
/// A (up to 8 x 3 zmm with AVX-512, 6 x 2 ymm with AVX2: the accumulators
/// fill the registers) multiplies a tile while the tile sits in L1. (One
/// row at a time, rowsAxpy's pass, would read B from memory once per row:
/// 2x slower at 4 rows, 1.8x at 8 on a Zen 4.)
constexpr int64_t kFewRowsMax = 32, kFewRowsMaxConstantB = 16, kFewK = 64;
/// The first row group prefetches the tile this many tiles ahead (B's rows
/// are far apart: the hardware prefetchers do not follow; 2 measured best
/// among 1, 2, 4, 8 on a Zen 4).
constexpr int64_t kFewRowsAhead = 2;

/// out[r][0..width) += A[r][0..kc) x B[0..kc)[0..width) for R rows of A
/// (row r at a + r * aRow, step aCol along K) and V vectors of B's columns,
/// the last one cut to `width`; `next`, if not null, is the tile to
/// prefetch (same rows of B). Each out element is one chain of FMAs in
/// K's order, continued from its value (loaded, not added at the end), so
/// that a row's result is rowsAxpy's bit for bit: a verify step over
/// drafted tokens computes each token as a one-token step does.
using FewRowsTile = void (*)(int64_t kc, const float *a, int64_t aRow, int64_t aCol,
                             const float *b, int64_t bRow, int64_t width, float *out,
                             int64_t outRow, const float *next);

template <int R, int V> struct FewRowsPortable {
  static constexpr int64_t kLanes = 8;
  static void run(int64_t kc, const float *a, int64_t aRow, int64_t aCol, const float *b,
                  int64_t bRow, int64_t width, float *out, int64_t outRow, const float *) {
    for (int64_t p = 0; p < kc; ++p)
      for (int r = 0; r < R; ++r) {
        float x = a[r * aRow + p * aCol];
        float *o = out + r * outRow;
        for (int64_t j = 0; j < width; ++j)
          o[j] += x * b[p * bRow + j];
      }
  }
};

#if defined(__x86_64__)
template <int R, int V> struct FewRowsAvx2 {
  static constexpr int64_t kLanes = 8;
  __attribute__((target("avx2,fma"))) static void run(int64_t kc, const float *a, int64_t aRow,
                                                      int64_t aCol, const float *b,
                                                      int64_t bRow, int64_t width, float *out,
                                                      int64_t outRow, const float *next) {
    // Lanes below the last vector's width: -1 (loaded/stored), else 0.
    const __m256i last = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(width - 8 * (V - 1))),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 acc[R][V];
#pragma clang loop unroll(full)
    for (int r = 0; r < R; ++r)
#pragma clang loop unroll(full)
      for (int v = 0; v < V; ++v)
        acc[r][v] = v + 1 < V ? _mm256_loadu_ps(out + r * outRow + 8 * v)
                              : _mm256_maskload_ps(out + r * outRow + 8 * v, last);
    for (int64_t p = 0; p < kc; ++p, b += bRow, a += aCol) {
      if (next)
        for (int v = 0; v < V; v += 2)
          _mm_prefetch(reinterpret_cast<const char *>(next + p * bRow + 8 * v), _MM_HINT_T0);
      __m256 bv[V];
#pragma clang loop unroll(full)
      for (int v = 0; v < V; ++v)
        bv[v] = v + 1 < V ? _mm256_loadu_ps(b + 8 * v) : _mm256_maskload_ps(b + 8 * v, last);
#pragma clang loop unroll(full)
      for (int r = 0; r < R; ++r) {
        __m256 x = _mm256_broadcast_ss(a + r * aRow);
#pragma clang loop unroll(full)
        for (int v = 0; v < V; ++v)
          acc[r][v] = _mm256_fmadd_ps(x, bv[v], acc[r][v]);
      }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < R; ++r)
#pragma clang loop unroll(full)
      for (int v = 0; v < V; ++v) {
        float *o = out + r * outRow + 8 * v;
        if (v + 1 < V)
          _mm256_storeu_ps(o, acc[r][v]);
        else
          _mm256_maskstore_ps(o, last, acc[r][v]);
      }
  }
};

template <int R, int V> struct FewRowsAvx512 {
  static constexpr int64_t kLanes = 16;
  __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))) static void
  run(int64_t kc, const float *a, int64_t aRow, int64_t aCol, const float *b, int64_t bRow,
      int64_t width, float *out, int64_t outRow, const float *next) {
    const __mmask16 last = __mmask16(0xFFFFu >> (16 * V - width));
    __m512 acc[R][V];
#pragma clang loop unroll(full)
    for (int r = 0; r < R; ++r)
#pragma clang loop unroll(full)
      for (int v = 0; v < V; ++v)
        acc[r][v] = _mm512_maskz_loadu_ps(v + 1 < V ? __mmask16(0xFFFF) : last,
                                          out + r * outRow + 16 * v);
    for (int64_t p = 0; p < kc; ++p, b += bRow, a += aCol) {
      if (next)
#pragma clang loop unroll(full)
        for (int v = 0; v < V; ++v)
          _mm_prefetch(reinterpret_cast<const char *>(next + p * bRow + 16 * v), _MM_HINT_T0);
      __m512 bv[V];
#pragma clang loop unroll(full)
      for (int v = 0; v < V; ++v)
        bv[v] = v + 1 < V ? _mm512_loadu_ps(b + 16 * v)
                          : _mm512_maskz_loadu_ps(last, b + 16 * v);
#pragma clang loop unroll(full)
      for (int r = 0; r < R; ++r) {
        __m512 x = _mm512_set1_ps(a[r * aRow]);
#pragma clang loop unroll(full)
        for (int v = 0; v < V; ++v)
          acc[r][v] = _mm512_fmadd_ps(x, bv[v], acc[r][v]);
      }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < R; ++r)
#pragma clang loop unroll(full)
      for (int v = 0; v < V; ++v) {
        _mm512_mask_storeu_ps(out + r * outRow + 16 * v,
                              v + 1 < V ? __mmask16(0xFFFF) : last, acc[r][v]);
      }
  }
};
#endif

/// The tiles of one CPU level, indexed [rows - 1][vectors - 1].
struct FewRowsTiles {
  int64_t lanes, vectors, rows;
  std::array<FewRowsTile, 8 * 4> tiles;
  FewRowsTile at(int64_t r, int64_t vecs) const { return tiles[(r - 1) * vectors + vecs - 1]; }
};
template <template <int, int> class Tile, int R, int V, size_t... I>
constexpr FewRowsTiles makeFewRowsTiles(std::index_sequence<I...>) {
  return {Tile<1, 1>::kLanes, V, R, {&Tile<int(I / V) + 1, int(I % V) + 1>::run...}};
}
/// Tiles of up to R rows and V vectors.
template <template <int, int> class Tile, int R, int V> constexpr FewRowsTiles fewRowsTiles() {
  return makeFewRowsTiles<Tile, R, V>(std::make_index_sequence<R * V>());
}

/// C += A x B for 1 to kFewRowsMax rows of A, B read in place: each task
/// takes a contiguous band of B's rows (long reads the prefetchers follow).
/// The first task continues C's values itself (when C's rows are
/// contiguous), the others fill zeroed partials added to C after, in task
/// order, so a row's arithmetic does not depend on how many rows came with
/// it (one: rowsAxpy streams B's whole rows; more: the tiles).
/// Partial sums that gemmInPlace adds on the calling thread (64 KiB).
constexpr int64_t kSerialSums = 16384;

void gemmInPlace(int64_t m, int64_t n, int64_t k, const Strided &a, const Strided &b, float *c,
                 int64_t ldcRow, int64_t ldcCol) {
  static constexpr RowsAxpy kAxpy[loomrt::kNumCpuLevels] = {
#if defined(__x86_64__)
      rowsAxpyPortable, rowsAxpyAvx2, rowsAxpyAvx512, rowsAxpyAvx512};
#else
      rowsAxpyPortable, rowsAxpyPortable, rowsAxpyPortable, rowsAxpyPortable};
#endif
  static constexpr FewRowsTiles kTiles[loomrt::kNumCpuLevels] = {
#if defined(__x86_64__)
      fewRowsTiles<FewRowsPortable, 6, 2>(), fewRowsTiles<FewRowsAvx2, 6, 2>(),
      fewRowsTiles<FewRowsAvx512, 8, 3>(), fewRowsTiles<FewRowsAvx512, 8, 3>()};
#else
      fewRowsTiles<FewRowsPortable, 6, 2>(), fewRowsTiles<FewRowsPortable, 6, 2>(),
      fewRowsTiles<FewRowsPortable, 6, 2>(), fewRowsTiles<FewRowsPortable, 6, 2>()};
#endif
  const FewRowsTiles &tiles = kTiles[int(loomrt::cpuLevel())];
  const int64_t tileWidth = tiles.lanes * tiles.vectors;
  // Row groups of equal size (8 rows: 4 + 4, not 6 + 2).
  int64_t groups = (m + tiles.rows - 1) / tiles.rows;
  int64_t groupRows = (m + groups - 1) / groups;
  const RowsAxpy axpy = kAxpy[int(loomrt::cpuLevel())];
  // Bands of at least 64 rows; at most one per thread.
  int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(loomrt::numThreads(), k / 64));
  int64_t band = (k + tasks - 1) / tasks;
  int64_t direct = ldcCol == 1 ? 1 : 0, partials = tasks - direct;
  std::vector<float> partial(static_cast<size_t>(partials * m * n), 0.0f);
  loomrt::parallelFor(tasks, [&](int64_t t) {
    float *out = t < direct ? c : partial.data() + (t - direct) * m * n;
    int64_t outRow = t < direct ? ldcRow : n;
    int64_t p1 = std::min(k, (t + 1) * band);
    if (m == 1)
      return axpy(a.data, a.col, b.data, b.row, t * band, p1, n, out);
    for (int64_t p0 = t * band; p0 < p1; p0 += kFewK) {
      int64_t kc = std::min(kFewK, p1 - p0);
      for (int64_t j0 = 0; j0 < n; j0 += tileWidth) {
        int64_t width = std::min(tileWidth, n - j0);
        int64_t vecs = (width + tiles.lanes - 1) / tiles.lanes;
        const float *next = j0 + kFewRowsAhead * tileWidth < n
                                ? b.data + p0 * b.row + j0 + kFewRowsAhead * tileWidth
                                : nullptr;
        for (int64_t i0 = 0; i0 < m; i0 += groupRows) {
          int64_t rows = std::min(groupRows, m - i0);
          tiles.at(rows, vecs)(kc, a.data + i0 * a.row + p0 * a.col, a.row, a.col,
                               b.data + p0 * b.row + j0, b.row, width,
                               out + i0 * outRow + j0, outRow, i0 == 0 ? next : nullptr);
        }
      }
    }
  });
  if (partials == 0)
    return;
  // Summed in column stripes, in task order; contiguous adds vectorize. A
  // decode step's GEMVs have a few thousand sums: on the calling thread they
  // cost less than waking the team again (one parallel region per GEMV).
  int64_t stripe = std::max<int64_t>(256, (n + tasks - 1) / tasks);
  auto sumStripe = [&](int64_t s) {
    int64_t j0 = s * stripe, j1 = std::min(n, j0 + stripe);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t t = 0; t < partials; ++t) {
        const float *from = partial.data() + (t * m + i) * n;
        float *to = c + i * ldcRow;
        if (ldcCol == 1)
          for (int64_t j = j0; j < j1; ++j)
            to[j] += from[j];
        else
          for (int64_t j = j0; j < j1; ++j)
            to[j * ldcCol] += from[j];
      }
  };
  int64_t stripes = (n + stripe - 1) / stripe;
  if (partials * m * n <= kSerialSums) {
    for (int64_t s = 0; s < stripes; ++s)
      sumStripe(s);
    return;
  }
  loomrt::parallelFor(stripes, sumStripe);
}

/// Constant B operands (a model's weights) packed once, keyed by where they
/// are and how they are read; shared_ptr so that clearing the cache (a
/// model unloaded) never frees a copy a running GEMM still reads.
struct PackedKey {
  const float *data;
  int64_t row, col, k, n, nr;
  bool operator<(const PackedKey &o) const {
    return std::tie(data, row, col, k, n, nr) < std::tie(o.data, o.row, o.col, o.k, o.n, o.nr);
  }
};
/// A packed copy and a sample of the values it was packed from: a library
/// that its embedder dlclose'd and another one loaded at the same address
/// (not through loom_model_unload, which clears the cache) has other
/// values there, and the copy is packed again instead of being used.
struct PackedCopy {
  std::vector<float> panels;
  std::vector<float> sample;
};
constexpr int64_t kSamples = 32;
std::vector<float> sampleOf(const Strided &b, int64_t k, int64_t n) {
  std::vector<float> sample;
  for (int64_t s = 0; s < kSamples; ++s) {
    int64_t at = (k * n - 1) * s / (kSamples - 1); // first to last element
    sample.push_back(b.at(at / n, at % n));
  }
  return sample;
}
bool sameBits(const std::vector<float> &x, const std::vector<float> &y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), sizeof(float) * x.size()) == 0;
}

struct PackedConstants {
  std::mutex mutex;
  std::map<PackedKey, std::shared_ptr<PackedCopy>> copies;
  size_t bytes = 0, limitBytes;
  PackedConstants() {
    size_t mb = 512;
    if (const char *env = std::getenv("LOOM_PACKED_WEIGHTS_MB")) {
      char *end = nullptr;
      unsigned long long v = std::strtoull(env, &end, 10);
      if (end != env && *end == '\0')
        mb = size_t(v < (1ull << 30) ? v : (1ull << 30));
    }
    limitBytes = mb << 20;
  }
};
PackedConstants &packedConstants() {
  static PackedConstants *instance = new PackedConstants(); // never destroyed
  return *instance;
}

/// B packed for tiles of `nr` columns: from the cache, packed now, or null
/// when the cache's budget is spent (the caller packs as it goes).
template <typename Blocks>
std::shared_ptr<PackedCopy> packedConstant(const Strided &b, int64_t k, int64_t n) {
  PackedConstants &cache = packedConstants();
  PackedKey key{b.data, b.row, b.col, k, n, Blocks::kNr};
  size_t count = size_t(((n + Blocks::kNr - 1) / Blocks::kNr) * Blocks::kNr * k);
  std::vector<float> sample = sampleOf(b, k, n);
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    auto it = cache.copies.find(key);
    if (it != cache.copies.end()) {
      if (sameBits(it->second->sample, sample))
        return it->second;
      cache.bytes -= it->second->panels.size() * sizeof(float);
      cache.copies.erase(it); // other values at that address now
    }
    if (cache.bytes + count * sizeof(float) > cache.limitBytes)
      return nullptr;
  }
  // Packed outside the lock (parallelFor); two threads may both pack the
  // same B the first time, and one copy wins.
  auto copy = std::make_shared<PackedCopy>();
  copy->panels.resize(count);
  copy->sample = std::move(sample);
  packAllB(b, Blocks::kNr, Blocks::kKc, Blocks::kNc, k, n, copy->panels.data());
  std::lock_guard<std::mutex> lock(cache.mutex);
  auto [it, inserted] = cache.copies.emplace(key, copy);
  if (inserted)
    cache.bytes += count * sizeof(float);
  return it->second;
}

template <typename Blocks>
void gemmConstantB(MicroKernel micro, int64_t m, int64_t n, int64_t k, const Strided &a,
                   const Strided &b, float *c, int64_t ldcRow, int64_t ldcCol) {
  std::shared_ptr<PackedCopy> packed = packedConstant<Blocks>(b, k, n);
  gemmPacked<Blocks>(micro, m, n, k, a, b, c, ldcRow, ldcCol,
                     packed ? packed->panels.data() : nullptr);
}

} // namespace

void loomrt::clearPackedConstants() {
  PackedConstants &cache = packedConstants();
  std::lock_guard<std::mutex> lock(cache.mutex);
  cache.copies.clear();
  cache.bytes = 0;
}

size_t loomrt::packedConstantBytes() {
  PackedConstants &cache = packedConstants();
  std::lock_guard<std::mutex> lock(cache.mutex);
  return cache.bytes;
}

namespace {
template <typename Blocks>
void gemmBlocked(bool constantB, MicroKernel micro, int64_t m, int64_t n, int64_t k,
                 const Strided &a, const Strided &b, float *c, int64_t ldcRow, int64_t ldcCol) {
  if (constantB)
    gemmConstantB<Blocks>(micro, m, n, k, a, b, c, ldcRow, ldcCol);
  else
    gemmPacked<Blocks>(micro, m, n, k, a, b, c, ldcRow, ldcCol);
}

/// C += A x B with the CPU level's kernel; `constantB` keeps B packed.
void matmul(bool constantB, int64_t m, int64_t n, int64_t k, const float *a, int64_t ldaRow,
            int64_t ldaCol, const float *b, int64_t ldbRow, int64_t ldbCol, float *c,
            int64_t ldcRow, int64_t ldcCol) {
  if (m <= 0 || n <= 0 || k <= 0)
    return;
  Strided av{a, ldaRow, ldaCol}, bv{b, ldbRow, ldbCol};
  // Few rows read B in place without packing it (nothing to keep for a
  // constant B): one row streams it, up to kFewRowsMax go through tiles.
  // A weight kept packed wins from 17 rows on (a 32-token step of the
  // 0.5 GB LLaMA: packed 44 ms, tiles 60 ms; 16 tokens: 30 and 25 ms).
  if (m <= (constantB ? kFewRowsMaxConstantB : kFewRowsMax) && ldbCol == 1)
    return gemmInPlace(m, n, k, av, bv, c, ldcRow, ldcCol);
  switch (loomrt::cpuLevel()) {
#if defined(__x86_64__)
  case loomrt::CpuLevel::Avx512:
  case loomrt::CpuLevel::Avx512Vnni:
    return gemmBlocked<Blocking12x32>(constantB, microKernelAvx512, m, n, k, av, bv, c, ldcRow,
                                      ldcCol);
  case loomrt::CpuLevel::Avx2:
    return gemmBlocked<Blocking6x16>(constantB, microKernelAvx2, m, n, k, av, bv, c, ldcRow,
                                     ldcCol);
#endif
  default:
    return gemmBlocked<Blocking6x16>(constantB, microKernelPortable, m, n, k, av, bv, c, ldcRow,
                                     ldcCol);
  }
}
} // namespace

void loomrt::matmulF32ConstantB(int64_t m, int64_t n, int64_t k, const float *a, int64_t ldaRow,
                                int64_t ldaCol, const float *b, int64_t ldbRow, int64_t ldbCol,
                                float *c, int64_t ldcRow, int64_t ldcCol) {
  matmul(true, m, n, k, a, ldaRow, ldaCol, b, ldbRow, ldbCol, c, ldcRow, ldcCol);
}

void loomrt::matmulF32(int64_t m, int64_t n, int64_t k, const float *a, int64_t ldaRow,
                       int64_t ldaCol, const float *b, int64_t ldbRow, int64_t ldbCol,
                       float *c, int64_t ldcRow, int64_t ldcCol) {
  matmul(false, m, n, k, a, ldaRow, ldaCol, b, ldbRow, ldbCol, c, ldcRow, ldcCol);
}

extern "C" void _mlir_ciface_loomrt_matmul_f32(loomrt::MemRef<2> *a, loomrt::MemRef<2> *b,
                                               loomrt::MemRef<2> *c) {
  loomrt::matmulF32(a->sizes[0], b->sizes[1], a->sizes[1], a->aligned + a->offset,
                    a->strides[0], a->strides[1], b->aligned + b->offset, b->strides[0],
                    b->strides[1], c->aligned + c->offset, c->strides[0], c->strides[1]);
}

extern "C" void _mlir_ciface_loomrt_matmul_f32_constant_b(loomrt::MemRef<2> *a,
                                                          loomrt::MemRef<2> *b,
                                                          loomrt::MemRef<2> *c) {
  loomrt::matmulF32ConstantB(a->sizes[0], b->sizes[1], a->sizes[1], a->aligned + a->offset,
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
