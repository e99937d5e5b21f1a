//===- BufferCache.cpp - generated code's heap buffers, kept between runs -===//
//
// Every memref.alloc of a compiled model calls loomrt_buffer_alloc (see
// loom-c/Abi.h). Straight malloc would hand large requests to mmap and give
// them back on free, so every run of a convnet or an LSTM faulted in (and the
// kernel zeroed) megabytes of fresh pages: a third of the run time in the
// benchmarks (docs/performance.md). Here freed blocks of at least
// kMinCachedBytes stay in a size-ordered free list and serve the next request
// of about their size; their pages stay mapped.
//
// Every block is an ordinary malloc block, so a buffer that leaves the model
// as a result may be released by its owner with free(), and
// loomrt_buffer_free accepts any malloc block: the free list learns a block's
// size from malloc_usable_size, not from bookkeeping of its own.
//
// LOOM_BUFFER_CACHE_MB bounds the bytes kept (default 1024; 0 turns the
// cache off); loom_model_unload empties it.
//
//===----------------------------------------------------------------------===//

#include "BufferCache.h"

#include "loom-c/Abi.h"

#include "Kernels/Kernels.h"

#include <cstdlib>
#include <malloc.h>
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOOM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(LOOM_ASAN)
#define LOOM_ASAN 1
#endif
#ifdef LOOM_ASAN
#include <sanitizer/asan_interface.h>
#endif
#include <map>
#include <mutex>
#include <type_traits>

namespace {

/// Under AddressSanitizer a kept block is poisoned, so that generated code
/// touching a buffer after freeing it is still caught.
void poison(void *block, size_t size) {
#ifdef LOOM_ASAN
  ASAN_POISON_MEMORY_REGION(block, size);
#else
  (void)block, (void)size;
#endif
}
void unpoison(void *block, size_t size) {
#ifdef LOOM_ASAN
  ASAN_UNPOISON_MEMORY_REGION(block, size);
#else
  (void)block, (void)size;
#endif
}

/// Smaller blocks come from malloc's own heap, which reuses them already.
constexpr size_t kMinCachedBytes = size_t(64) << 10;
/// Fresh cached-size blocks are aligned like this: the GEMM's packed panels
/// and vector loops like cache-line-aligned data, and a block reused for an
/// aligned request must have had the alignment from the start.
constexpr size_t kBlockAlignment = 64;

struct Cache {
  std::mutex mutex;
  std::multimap<size_t, void *> freeBlocks; // usable size -> block
  size_t cachedBytes = 0;
  size_t limitBytes;

  Cache() {
    size_t mb = 1024;
    if (const char *env = std::getenv("LOOM_BUFFER_CACHE_MB")) {
      char *end = nullptr;
      unsigned long long v = std::strtoull(env, &end, 10);
      if (end != env && *end == '\0')
        mb = size_t(v < (1ull << 30) ? v : (1ull << 30));
    }
    limitBytes = mb << 20;
  }

  /// A cached block of at least `bytes` (and not more than twice that, so a
  /// small request does not pin a huge block) whose address is a multiple of
  /// `alignment`, or null.
  void *take(size_t bytes, size_t alignment) {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = freeBlocks.lower_bound(bytes);
         it != freeBlocks.end() && it->first / 2 <= bytes; ++it)
      if (reinterpret_cast<uintptr_t>(it->second) % alignment == 0) {
        void *block = it->second;
        cachedBytes -= it->first;
        unpoison(block, it->first);
        freeBlocks.erase(it);
        return block;
      }
    return nullptr;
  }

  /// Keeps `block`, or frees it when the cache is full.
  void give(void *block) {
    size_t size = malloc_usable_size(block);
    if (size >= kMinCachedBytes) {
      std::lock_guard<std::mutex> lock(mutex);
      if (cachedBytes + size <= limitBytes) {
        freeBlocks.emplace(size, block);
        cachedBytes += size;
        poison(block, size);
        return;
      }
    }
    std::free(block);
  }

  void trim() {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto &[size, block] : freeBlocks) {
      unpoison(block, size);
      std::free(block);
    }
    freeBlocks.clear();
    cachedBytes = 0;
  }
};

/// Never destroyed: generated code running in another thread, or an atexit
/// handler, may still free a buffer after static destructors ran.
Cache &cache() {
  static Cache *instance = new Cache();
  return *instance;
}

void *allocate(uint64_t bytes, uint64_t alignment) {
  if (bytes == 0)
    bytes = 1;
  if (alignment < alignof(std::max_align_t))
    alignment = alignof(std::max_align_t);
  if (bytes < kMinCachedBytes) {
    if (alignment <= alignof(std::max_align_t))
      return std::malloc(bytes);
    // aligned_alloc wants a size that is a multiple of the alignment.
    return std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
  }
  if (void *block = cache().take(bytes, alignment))
    return block;
  if (alignment < kBlockAlignment)
    alignment = kBlockAlignment;
  return std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
}

} // namespace

extern "C" void *loomrt_buffer_alloc(uint64_t bytes) { return allocate(bytes, 0); }

extern "C" void *loomrt_buffer_aligned_alloc(uint64_t alignment, uint64_t bytes) {
  // A power of two, as aligned_alloc requires; anything else is a bug in the
  // caller, and malloc's alignment is the safe answer.
  if (alignment & (alignment - 1))
    alignment = 0;
  return allocate(bytes, alignment);
}

extern "C" void loomrt_buffer_free(void *block) {
  if (block)
    cache().give(block);
}

void loomrt::trimBufferCache() { cache().trim(); }

size_t loomrt::cachedBufferBytes() {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.cachedBytes;
}

// The definitions have the types loom-c/Abi.h gives the compiler.
static_assert(std::is_same_v<decltype(&loomrt_buffer_alloc), loom_abi_buffer_alloc_fn *>);
static_assert(
    std::is_same_v<decltype(&loomrt_buffer_aligned_alloc), loom_abi_buffer_aligned_alloc_fn *>);
static_assert(std::is_same_v<decltype(&loomrt_buffer_free), loom_abi_buffer_free_fn *>);
