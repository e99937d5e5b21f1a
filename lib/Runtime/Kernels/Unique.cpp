//===- Unique.cpp - onnx.Unique -------------------------------------------===//
//
// The distinct slices of x along one axis (x seen as [outer, n, inner]; the
// slices x[:, j, :], compared as their outer-major element sequences, as
// numpy.unique compares them): sorted ascending, or in the order of their
// first occurrence. The compiler allocates n entries for each output and
// keeps the first `k` this kernel reports; it gathers the result slices by
// their first indices itself.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "../RunErrors.h"

#include "loom-c/Abi.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace {

template <typename MemRefT>
int64_t unique(MemRefT *x, bool sorted, loomrt::MemRefI64<1> *first,
               loomrt::MemRefI64<1> *inverse, loomrt::MemRefI64<1> *counts) {
  int64_t outer = x->sizes[0], n = x->sizes[1], inner = x->sizes[2];
  if (first->sizes[0] < n || inverse->sizes[0] < n || counts->sizes[0] < n) {
    loomrt::recordRunError(LOOM_ABI_ERROR_SHAPE_MISMATCH, -1);
    return 0;
  }
  auto at = [&](int64_t o, int64_t j, int64_t i) {
    return x->aligned[x->offset + o * x->strides[0] + j * x->strides[1] + i * x->strides[2]];
  };
  // -1: slice a before b; 0: equal; 1: after. NaN compares as neither
  // smaller nor larger, so NaNs fall in with their neighbours.
  auto compare = [&](int64_t a, int64_t b) {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        auto va = at(o, a, i), vb = at(o, b, i);
        if (va < vb)
          return -1;
        if (vb < va)
          return 1;
      }
    return 0;
  };
  // Equal slices in index order, so each group's first member is its first
  // occurrence.
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    int c = compare(a, b);
    return c < 0 || (c == 0 && a < b);
  });
  // Groups of equal slices in sorted order: (first occurrence, size).
  std::vector<int64_t> groupOf(n), groupFirst, groupSize;
  for (int64_t r = 0; r < n; ++r) {
    if (r == 0 || compare(order[r - 1], order[r]) != 0) {
      groupFirst.push_back(order[r]);
      groupSize.push_back(0);
    }
    groupOf[order[r]] = int64_t(groupFirst.size()) - 1;
    ++groupSize.back();
  }
  int64_t k = int64_t(groupFirst.size());
  // The output position of each group: sorted order, or by first occurrence.
  std::vector<int64_t> position(k);
  std::iota(position.begin(), position.end(), 0);
  if (!sorted) {
    std::vector<int64_t> byFirst(k);
    std::iota(byFirst.begin(), byFirst.end(), 0);
    std::sort(byFirst.begin(), byFirst.end(),
              [&](int64_t a, int64_t b) { return groupFirst[a] < groupFirst[b]; });
    for (int64_t p = 0; p < k; ++p)
      position[byFirst[p]] = p;
  }
  auto put = [](loomrt::MemRefI64<1> *m, int64_t i, int64_t v) {
    m->aligned[m->offset + i * m->strides[0]] = v;
  };
  for (int64_t g = 0; g < k; ++g) {
    put(first, position[g], groupFirst[g]);
    put(counts, position[g], groupSize[g]);
  }
  for (int64_t j = 0; j < n; ++j)
    put(inverse, j, position[groupOf[j]]);
  return k;
}

} // namespace

int64_t _mlir_ciface_loomrt_unique_f32(loomrt::MemRef<3> *x, bool sorted,
                                       loomrt::MemRefI64<1> *first,
                                       loomrt::MemRefI64<1> *inverse,
                                       loomrt::MemRefI64<1> *counts) {
  return unique(x, sorted, first, inverse, counts);
}

int64_t _mlir_ciface_loomrt_unique_i64(loomrt::MemRefI64<3> *x, bool sorted,
                                       loomrt::MemRefI64<1> *first,
                                       loomrt::MemRefI64<1> *inverse,
                                       loomrt::MemRefI64<1> *counts) {
  return unique(x, sorted, first, inverse, counts);
}
