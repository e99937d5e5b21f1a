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
// Generated code has no way to fail in the middle of a function, so an
// allocation the machine cannot satisfy (after the kept blocks are given back)
// leaves it through longjmp: callGenerated arms a jump point on the calling
// thread and logs the blocks the run allocates and frees, so that a failed run
// frees what it held. Where no jump point can be used (no run armed on this
// thread: an OpenMP worker, an executable calling the entry itself; or inside
// a parallel region, whose threads cannot be abandoned) the process exits
// with a message instead of dereferencing null.
//
//===----------------------------------------------------------------------===//

#include "BufferCache.h"

#include "loom-c/Abi.h"

#include "Kernels/Kernels.h"

#include <csetjmp>
#include <cstdint>
#include <cstdio>
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
#include <algorithm>
#include <atomic>
#include <functional>
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

/// The blocks a run allocated and freed, in order (an address freed can come
/// back from the next allocation). Grown with realloc, never with exceptions:
/// it must keep working while memory is short.
struct EventLog {
  struct Event {
    void *block;
    uint64_t order; // 2 * sequence number + 1 for an allocation
  };
  Event *events = nullptr;
  size_t size = 0, capacity = 0;
  uint64_t next = 0;
  /// False once the log could not grow: a failed run then leaks its blocks.
  bool complete = true;

  ~EventLog() { std::free(events); }

  /// Reduces the log to one allocation per block still held, in place.
  void compact() {
    std::sort(events, events + size, [](const Event &a, const Event &b) {
      return a.block != b.block ? std::less<void *>()(a.block, b.block) : a.order < b.order;
    });
    size_t kept = 0;
    for (size_t i = 0; i < size; ++i) {
      bool lastOfBlock = i + 1 == size || events[i + 1].block != events[i].block;
      // A block freed that the log never saw allocated came from an earlier
      // run or an OpenMP worker; its last event is a free either way.
      if (lastOfBlock && (events[i].order & 1))
        events[kept++] = events[i];
    }
    size = kept;
  }

  void add(void *block, bool allocated) {
    if (!complete)
      return;
    if (size == capacity) {
      compact();
      if (capacity == 0 || size > capacity / 2) {
        size_t grown = capacity ? 2 * capacity : 4096;
        auto *bigger = static_cast<Event *>(std::realloc(events, grown * sizeof(Event)));
        if (!bigger) {
          complete = false;
          return;
        }
        events = bigger;
        capacity = grown;
      }
    }
    events[size++] = {block, 2 * next++ + (allocated ? 1 : 0)};
  }
};

/// The run of generated code in flight on this thread (see callGenerated).
struct GuardedRun {
  std::jmp_buf jump;
  /// omp_get_level, and its value when the run started: an allocation in a
  /// deeper level runs inside a parallel region (or a serialized one).
  int (*parallelLevel)() = nullptr;
  int levelAtCall = 0;
  EventLog log;
  uint64_t failedBytes = 0;
};
thread_local GuardedRun *activeRun = nullptr;
/// The omp_get_level of the latest guarded run, for the threads of its
/// parallel regions: they have no activeRun (it is the caller's thread's),
/// yet their failures are inside a parallel loop too.
std::atomic<int (*)()> latestParallelLevel{nullptr};

void logEvent(void *block, bool allocated) {
  if (GuardedRun *run = activeRun)
    run->log.add(block, allocated);
}

/// Whether the run in flight on this thread can be left by longjmp now:
/// loomrt called it and the code is not inside a parallel region (OpenMP's
/// other threads would be left mid-region).
GuardedRun *leavableRun() {
  GuardedRun *run = activeRun;
  if (run && !(run->parallelLevel && run->parallelLevel() > run->levelAtCall))
    return run;
  return nullptr;
}

[[noreturn]] void outOfMemory(uint64_t bytes) {
  if (GuardedRun *run = leavableRun()) {
    run->failedBytes = bytes;
    std::longjmp(run->jump, 1);
  }
  GuardedRun *run = activeRun;
  int (*level)() = latestParallelLevel.load(std::memory_order_relaxed);
  bool inParallelLoop = run || (level && level() > 0);
  std::fprintf(stderr,
               "loom: out of memory: the model's code could not allocate a buffer of %llu "
               "bytes%s; exiting\n",
               static_cast<unsigned long long>(bytes),
               inParallelLoop ? " inside a parallel loop, where its run cannot be stopped" : "");
  std::_Exit(1);
}

void *tryAllocate(uint64_t bytes, uint64_t alignment) {
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

void *allocate(uint64_t bytes, uint64_t alignment) {
  if (bytes == 0)
    bytes = 1;
  if (alignment < alignof(std::max_align_t))
    alignment = alignof(std::max_align_t);
  // Rounding up to the alignment must not wrap to a small size.
  if (bytes > UINT64_MAX / 2)
    outOfMemory(bytes);
  void *block = tryAllocate(bytes, alignment);
  if (!block) {
    // Kept blocks are memory too: give them back and try once more.
    cache().trim();
    if (!(block = tryAllocate(bytes, alignment)))
      outOfMemory(bytes);
  }
  logEvent(block, true);
  return block;
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
  if (!block)
    return;
  logEvent(block, false);
  cache().give(block);
}

bool loomrt::callGenerated(void (*entry)(void **), void **args, int (*parallelLevel)(),
                           uint64_t *failedBytes) {
  GuardedRun run;
  run.parallelLevel = parallelLevel;
  run.levelAtCall = parallelLevel ? parallelLevel() : 0;
  if (parallelLevel)
    latestParallelLevel.store(parallelLevel, std::memory_order_relaxed);
  GuardedRun *outer = activeRun;
  activeRun = &run;
  // Nothing with a destructor lives between here and the longjmp: only the
  // generated code's frames (loomrt's kernels return before it allocates).
  if (setjmp(run.jump) == 0) {
    entry(args);
    activeRun = outer;
    return true;
  }
  activeRun = outer;
  if (run.log.complete) {
    run.log.compact();
    for (size_t i = 0; i < run.log.size; ++i)
      std::free(run.log.events[i].block);
  }
  if (failedBytes)
    *failedBytes = run.failedBytes;
  return false;
}

void loomrt::stopRunAfterError() {
  // failedBytes stays 0: callGenerated's caller reads the error instead.
  if (GuardedRun *run = leavableRun())
    std::longjmp(run->jump, 1);
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
