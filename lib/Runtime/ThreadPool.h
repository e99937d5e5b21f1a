//===- ThreadPool.h - the worker threads of compiled models -----*- C++ -*-===//
//
// Kernels split their work into tasks and call parallelFor; the tasks run
// on OpenMP's team (the one the generated code's loops use, ThreadPool.cpp
// says why), the calling thread included, so one thread is plain
// sequential execution. Calls from several threads at once each get a
// team of their own.
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
