//===- ThreadPool.h - the worker threads of compiled models -----*- C++ -*-===//
//
// One process-wide pool. Kernels split their work into tasks and call
// parallelFor; the calling thread runs tasks too, so a pool of one thread is
// plain sequential execution. Calls from several threads at once are
// serialized (a model run is one kernel at a time).
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_THREADPOOL_H
#define LOOM_LIB_RUNTIME_THREADPOOL_H

#include <cstdint>
#include <functional>

namespace loomrt {

/// Runs task(i) for every i in [0, numTasks), spread over the pool.
void parallelFor(int64_t numTasks, const std::function<void(int64_t)> &task);

/// Threads parallelFor uses, the caller included (at least 1); 1 inside a
/// task of a parallelFor, where a nested one runs inline.
int numThreads();

/// 0 picks one per core (or LOOM_NUM_THREADS); returns false if n < 0.
bool setNumThreads(int n);

} // namespace loomrt

#endif // LOOM_LIB_RUNTIME_THREADPOOL_H
