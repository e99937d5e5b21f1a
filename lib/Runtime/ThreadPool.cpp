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
    // The job lives on this stack until every worker that took it has left
    // it; its counter is its own, so a worker that is late for one job can
    // never claim (and run twice) a task of the next.
    Job job{&task, numTasks};
    {
      std::lock_guard<std::mutex> lock(mutex);
      current = &job;
      ++generation;
    }
    wake.notify_all();
    int64_t mine = work(job);
    std::unique_lock<std::mutex> lock(mutex);
    job.finished += mine;
    done.wait(lock, [&] { return job.finished == job.size && job.active == 0; });
    current = nullptr;
  }

  int threads() {
    // Inside a task a parallelFor runs inline: one thread is what the task
    // has (and submitMutex is held by the outer parallelFor).
    if (insideTask)
      return 1;
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
      // Out of range (or not a number): ignored, like an unset variable.
      int n = std::atoi(env);
      if (n > 0 && n <= LOOM_MAX_THREADS)
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
    // Workers start having seen the current generation: they must only ever
    // take a job published after they joined (a job that has already
    // finished has a counter the next job will reset under them).
    uint64_t current;
    {
      std::lock_guard<std::mutex> lock(mutex);
      current = generation;
    }
    for (int i = 1; i < total; ++i)
      workers.emplace_back([this, current] { workerLoop(current); });
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

  /// One parallelFor: its tasks, how many were claimed, run, and by how
  /// many workers it is being run.
  struct Job {
    const std::function<void(int64_t)> *task;
    int64_t size;
    std::atomic<int64_t> next{0};
    int64_t finished = 0; // guarded by mutex
    int active = 0;       // workers inside work() for this job; guarded by mutex
  };

  /// Claims and runs tasks of `job` until none are left; returns how many it ran.
  int64_t work(Job &job) {
    insideTask = true;
    int64_t count = 0;
    for (int64_t i; (i = job.next.fetch_add(1)) < job.size; ++count)
      (*job.task)(i);
    insideTask = false;
    return count;
  }

  void workerLoop(uint64_t seen) {
    for (;;) {
      Job *job;
      {
        std::unique_lock<std::mutex> lock(mutex);
        // A job in progress that this worker has not taken yet.
        wake.wait(lock, [&] { return quit || (current && generation != seen); });
        if (quit)
          return;
        seen = generation;
        job = current;
        ++job->active;
      }
      int64_t mine = work(*job);
      std::lock_guard<std::mutex> lock(mutex);
      job->finished += mine;
      if (--job->active == 0 && job->finished == job->size)
        done.notify_one();
    }
  }

  static thread_local bool insideTask;
  std::mutex submitMutex; // one parallelFor at a time
  std::mutex mutex;       // guards current, generation and the job's counts
  std::condition_variable wake, done;
  std::vector<std::thread> workers;
  Job *current = nullptr; // the job in progress, if any
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
  // Past the cap, starting the threads would fail, and a failed std::thread
  // aborts the process (no exceptions in loomrt).
  if (n < 0 || n > LOOM_MAX_THREADS)
    return false;
  pool().resize(n);
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
