//===- ThreadPool.cpp - the worker threads of compiled models -------------===//

#include "ThreadPool.h"

#include "Status.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace {

class Pool {
public:
  ~Pool() { stop(); }

  void run(int64_t numTasks, const std::function<void(int64_t)> &task) {
    // A task that itself calls parallelFor runs its inner loop inline: the
    // workers are busy with the outer one.
    if (insideTask || numTasks <= 1) {
      for (int64_t i = 0; i < numTasks; ++i)
        task(i);
      return;
    }
    std::lock_guard<std::mutex> submit(submitMutex);
    ensureStarted();
    if (workers.empty()) {
      for (int64_t i = 0; i < numTasks; ++i)
        task(i);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      job = &task;
      jobSize = numTasks;
      next.store(0);
      finished = 0;
      ++generation;
    }
    wake.notify_all();
    int64_t mine = work();
    std::unique_lock<std::mutex> lock(mutex);
    finished += mine;
    // Also wait for every worker that took this job to leave it: a worker
    // still claiming tasks when the next job resets the counter would run
    // (and count) a task of that job twice.
    done.wait(lock, [&] { return finished == jobSize && active == 0; });
    job = nullptr;
  }

  int threads() {
    std::lock_guard<std::mutex> submit(submitMutex);
    ensureStarted();
    return int(workers.size()) + 1;
  }

  void resize(int n) {
    std::lock_guard<std::mutex> submit(submitMutex);
    stop();
    requested = n;
    started = false;
  }

private:
  static int defaultThreads() {
    if (const char *env = std::getenv("LOOM_NUM_THREADS")) {
      int n = std::atoi(env);
      if (n > 0)
        return n;
    }
    return std::max(1u, std::thread::hardware_concurrency());
  }

  void ensureStarted() {
    if (started)
      return;
    started = true;
    int total = requested > 0 ? requested : defaultThreads();
    quit = false;
    for (int i = 1; i < total; ++i)
      workers.emplace_back([this] { workerLoop(); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      quit = true;
    }
    wake.notify_all();
    for (std::thread &t : workers)
      t.join();
    workers.clear();
  }

  /// Claims and runs tasks until none are left; returns how many it ran.
  int64_t work() {
    insideTask = true;
    int64_t count = 0;
    for (int64_t i; (i = next.fetch_add(1)) < jobSize; ++count)
      (*job.load())(i);
    insideTask = false;
    return count;
  }

  void workerLoop() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return quit || generation != seen; });
        if (quit)
          return;
        seen = generation;
        ++active;
      }
      int64_t mine = work();
      std::lock_guard<std::mutex> lock(mutex);
      finished += mine;
      --active;
      if (finished == jobSize && active == 0)
        done.notify_one();
    }
  }

  static thread_local bool insideTask;
  std::mutex submitMutex; // one parallelFor at a time
  std::mutex mutex;       // guards the job fields below
  std::condition_variable wake, done;
  std::vector<std::thread> workers;
  // Atomic: a worker that wakes late reads them without the mutex.
  std::atomic<const std::function<void(int64_t)> *> job{nullptr};
  std::atomic<int64_t> jobSize{0};
  int64_t finished = 0;
  int active = 0; // workers inside work() for the current job
  std::atomic<int64_t> next{0};
  uint64_t generation = 0;
  bool quit = false, started = false;
  int requested = 0;
};

thread_local bool Pool::insideTask = false;

Pool &pool() {
  static Pool instance;
  return instance;
}

} // namespace

void loomrt::parallelFor(int64_t numTasks, const std::function<void(int64_t)> &task) {
  pool().run(numTasks, task);
}

int loomrt::numThreads() { return pool().threads(); }

bool loomrt::setNumThreads(int n) {
  if (n < 0)
    return false;
  pool().resize(n);
  return true;
}

extern "C" loom_status loom_set_num_threads(int threads) {
  if (!loomrt::setNumThreads(threads))
    return loomrt::fail(LOOM_ERROR_INVALID_ARGUMENT,
                        "loom_set_num_threads: the thread count must be 0 or more, got " +
                            std::to_string(threads));
  return loomrt::ok();
}

extern "C" int loom_get_num_threads(void) { return loomrt::numThreads(); }
