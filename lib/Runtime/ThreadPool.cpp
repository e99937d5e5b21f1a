//===- ThreadPool.cpp - the worker threads of compiled models -------------===//
//
// loomrt's kernels and the generated code's parallel loops (scf.parallel
// lowered to OpenMP) share one thread team: OpenMP's. With a pool of its own
// beside libomp's, two teams competed for the cores — libomp's workers spin
// for a while after each parallel loop of the generated code, on the cores
// loomrt's workers needed for the next kernel, and every kernel paid a
// condition-variable wake-up. On two cores that cost 15-20% of a decode
// step (bench/quantize.py). Now a parallelFor is an OpenMP parallel region
// whose threads claim tasks from a shared counter, the hot team libomp
// keeps for the calling thread serves both, and the spin-wait that hurt
// (the other team's) now bridges the gap between one kernel and the next.
//
//===----------------------------------------------------------------------===//

#include "ThreadPool.h"

#include "Status.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

namespace {

/// A parallelFor runs inline inside a task of another: the team is busy
/// with the outer one (OpenMP would run the inner region on one thread
/// anyway; this skips opening it).
thread_local bool insideTask = false;

/// The count loom_set_num_threads set (0: the default).
std::atomic<int> requested{0};

int defaultThreads() {
  if (const char *env = std::getenv("LOOM_NUM_THREADS")) {
    // Out of range (or not a number): ignored, like an unset variable.
    int n = std::atoi(env);
    if (n > 0 && n <= LOOM_MAX_THREADS)
      return n;
  }
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

int teamSize() {
  int n = requested.load(std::memory_order_relaxed);
  if (n > 0)
    return n;
  static const int byDefault = defaultThreads();
  return byDefault;
}

} // namespace

void loomrt::parallelFor(int64_t numTasks, const std::function<void(int64_t)> &task) {
  int threads = insideTask ? 1 : int(std::min<int64_t>(teamSize(), numTasks));
  if (threads <= 1) {
    for (int64_t i = 0; i < numTasks; ++i)
      task(i);
    return;
  }
  std::atomic<int64_t> next{0};
#pragma omp parallel num_threads(threads)
  {
    insideTask = true;
    for (int64_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < numTasks;)
      task(i);
    insideTask = false;
  }
}

int loomrt::numThreads() { return insideTask ? 1 : teamSize(); }

bool loomrt::setNumThreads(int n) {
  // The documented range (LOOM_MAX_THREADS): past it OpenMP would be asked
  // for more threads than any machine loom targets can start.
  if (n < 0 || n > LOOM_MAX_THREADS)
    return false;
  requested.store(n, std::memory_order_relaxed);
  return true;
}

extern "C" loom_status loom_set_num_threads(int threads) {
  if (!loomrt::setNumThreads(threads))
    return loomrt::fail(LOOM_ERROR_INVALID_ARGUMENT,
                        "loom_set_num_threads: the thread count must be 0 (one per core) "
                        "to " + std::to_string(LOOM_MAX_THREADS) + ", got " +
                            std::to_string(threads));
  return loomrt::ok();
}

extern "C" int loom_get_num_threads(void) { return loomrt::numThreads(); }
