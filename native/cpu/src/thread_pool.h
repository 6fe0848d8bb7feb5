// One process-wide pool of worker threads, one per core (KILN_CPU_THREADS overrides). Several
// callers (libuv worker threads running different async kernels) may submit work at once:
// each parallelFor is a job whose chunks any idle worker claims, and the calling thread works
// on its own job too, so nested or concurrent calls always make progress.
//
// The pool is created on first use and stopped (threads joined) by shutdown(), which the addon
// calls when the last Node.js environment that loaded it goes away (bindings/addon_lifetime):
// worker threads must never outlive the code they run, and a Worker's end may unload the addon.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln::cpu {

class ThreadPool {
 public:
  using RangeFn = std::function<void(int64_t begin, int64_t end)>;

  // The running pool, created on first use (again after a shutdown()).
  static ThreadPool& instance();
  // Stops and joins the running pool, if any. Callers guarantee that no parallelFor is in
  // flight and none starts until it returns.
  static void shutdown();

  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads that work on one parallelFor: the workers plus the caller.
  int concurrency() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) over [0, count) in chunks of `grain` indices, spread over the pool;
  // returns when every chunk is done and rethrows the first exception a chunk threw.
  void parallelFor(int64_t count, int64_t grain, const RangeFn& fn);

 private:
  struct Job;
  static bool runOneChunk(Job& job);
  void workerLoop();
  void retire(const std::shared_ptr<Job>& job);

  std::vector<std::thread> workers_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  int sleeping_ = 0;  // workers blocked on wake_ (guarded by mutex_)
  // Jobs in queue_, read without the lock by workers that spin briefly before sleeping: a
  // program runs many short parallel ops back to back, and a sleeping worker would cost a
  // futex wake-up (tens of microseconds) per op.
  std::atomic<int64_t> queued_{0};
};

}  // namespace kiln::cpu
