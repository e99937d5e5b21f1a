//===- MemrefCopy.cpp - the copy routine MLIR's memref lowering calls -----===//
//
// `memref.copy` between buffers whose layouts are not both contiguous (a
// strided slice being cloned into a result, say) lowers to a call to
// `memrefCopy(elementSize, source, target)` with unranked descriptors. MLIR
// ships it in libmlir_c_runner_utils; loomrt provides its own so compiled
// models need no MLIR library at run time.
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstring>
#include <vector>

namespace {
struct UnrankedDescriptor {
  int64_t rank;
  void *descriptor; // {allocated, aligned, offset, sizes[rank], strides[rank]}
};

struct View {
  char *base;
  const int64_t *sizes, *strides;
};

View view(const UnrankedDescriptor *d, int64_t elementSize) {
  auto *fields = static_cast<int64_t *>(d->descriptor);
  char *aligned = reinterpret_cast<char *>(fields[1]);
  return {aligned + fields[2] * elementSize, fields + 3, fields + 3 + d->rank};
}

bool contiguous(const View &v, int64_t rank) {
  int64_t expected = 1;
  for (int64_t i = rank - 1; i >= 0; --i) {
    if (v.sizes[i] != 1 && v.strides[i] != expected)
      return false;
    expected *= v.sizes[i];
  }
  return true;
}
} // namespace

extern "C" void memrefCopy(int64_t elementSize, UnrankedDescriptor *source,
                           UnrankedDescriptor *target) {
  int64_t rank = source->rank;
  View from = view(source, elementSize), to = view(target, elementSize);
  int64_t count = 1;
  for (int64_t i = 0; i < rank; ++i)
    count *= from.sizes[i];
  if (count == 0)
    return;
  if (contiguous(from, rank) && contiguous(to, rank)) {
    std::memmove(to.base, from.base, size_t(count * elementSize));
    return;
  }
  // Odometer over the index space, moving both element pointers along.
  std::vector<int64_t> index(size_t(rank), 0);
  int64_t fromOffset = 0, toOffset = 0;
  for (int64_t n = 0; n < count; ++n) {
    std::memcpy(to.base + toOffset * elementSize, from.base + fromOffset * elementSize,
                size_t(elementSize));
    for (int64_t i = rank - 1; i >= 0; --i) {
      fromOffset += from.strides[i];
      toOffset += to.strides[i];
      if (++index[i] < from.sizes[i])
        break;
      fromOffset -= from.strides[i] * from.sizes[i];
      toOffset -= to.strides[i] * to.sizes[i];
      index[i] = 0;
    }
  }
}
