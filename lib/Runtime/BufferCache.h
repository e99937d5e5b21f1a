//===- BufferCache.h - generated code's heap buffers, kept between runs ---===//
//
// loomrt_buffer_alloc / _aligned_alloc / _free (declared in Kernels.h, named
// in loom-c/Abi.h) serve every memref.alloc of compiled code; see
// BufferCache.cpp for why and how.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_BUFFERCACHE_H
#define LOOM_LIB_RUNTIME_BUFFERCACHE_H

#include <cstddef>
#include <cstdint>

namespace loomrt {
/// Frees every kept block (loom_model_unload calls it).
void trimBufferCache();
/// Bytes kept for reuse now.
size_t cachedBufferBytes();
/// Calls a model's entry point. Returns false (after freeing the buffers the
/// run still held) when the run was left early: the generated code asked for
/// a buffer the machine could not give (then `*failedBytes` is its size) or
/// reported an error (`*failedBytes` is 0; the error is recorded).
/// `parallelLevel` is the model's omp_get_level, or null.
bool callGenerated(void (*entry)(void **), void **args, int (*parallelLevel)(),
                   uint64_t *failedBytes);
/// Leaves the run in flight on this thread, as callGenerated describes, if
/// there is one and it is not inside a parallel region; else returns.
void stopRunAfterError();
} // namespace loomrt

#endif // LOOM_LIB_RUNTIME_BUFFERCACHE_H
