#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>

namespace kiln::cpu {

struct ThreadPool::Job {
  const RangeFn* fn = nullptr;
  int64_t count = 0;
  int64_t grain = 1;
  int64_t chunks = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> unfinished{0};
  std::mutex mutex;
  std::condition_variable finished;
  std::exception_ptr error;
};

namespace {

int configuredThreads() {
  if (const char* env = std::getenv("KILN_CPU_THREADS")) {
    int requested = std::atoi(env);
    if (requested >= 1 && requested <= 1024) return requested;
  }
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

// Heap-allocated and reached through an atomic so instance() costs one load per call; never a
// static object, whose destructor would join threads during static destruction at exit.
std::atomic<ThreadPool*> currentPool{nullptr};
std::mutex currentPoolMutex;

}  // namespace

ThreadPool& ThreadPool::instance() {
  if (ThreadPool* pool = currentPool.load(std::memory_order_acquire)) return *pool;
  std::lock_guard<std::mutex> lock(currentPoolMutex);
  ThreadPool* pool = currentPool.load(std::memory_order_relaxed);
  if (pool == nullptr) {
    pool = new ThreadPool(configuredThreads());
    currentPool.store(pool, std::memory_order_release);
  }
  return *pool;
}

void ThreadPool::shutdown() {
  std::unique_ptr<ThreadPool> pool;
  {
    std::lock_guard<std::mutex> lock(currentPoolMutex);
    pool.reset(currentPool.exchange(nullptr, std::memory_order_acq_rel));
  }
  pool.reset();  // joins the workers
}

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i) {
    workers_.emplace_back([this] { workerLoop(); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

bool ThreadPool::runOneChunk(Job& job) {
  int64_t chunk = job.next.fetch_add(1);
  if (chunk >= job.chunks) return false;
  int64_t begin = chunk * job.grain;
  int64_t end = std::min(job.count, begin + job.grain);
  try {
    (*job.fn)(begin, end);
  } catch (...) {
    std::lock_guard<std::mutex> lock(job.mutex);
    if (!job.error) job.error = std::current_exception();
  }
  if (job.unfinished.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(job.mutex);
    job.finished.notify_all();
  }
  return true;
}

void ThreadPool::retire(const std::shared_ptr<Job>& job) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = std::find(queue_.begin(), queue_.end(), job);
  if (it != queue_.end()) {
    queue_.erase(it);
    queued_.fetch_sub(1, std::memory_order_relaxed);
  }
}

namespace {

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// How long an idle worker polls for the next job before blocking (KILN_CPU_SPIN_US overrides;
// 0 = block at once).
std::chrono::microseconds spinTime() {
  static const std::chrono::microseconds spin = [] {
    if (const char* env = std::getenv("KILN_CPU_SPIN_US")) {
      const int us = std::atoi(env);
      if (us >= 0 && us <= 100000) return std::chrono::microseconds(us);
    }
    return std::chrono::microseconds(300);
  }();
  return spin;
}

}  // namespace

void ThreadPool::workerLoop() {
  for (;;) {
    if (queued_.load(std::memory_order_acquire) == 0 && spinTime().count() > 0) {
      const auto deadline = std::chrono::steady_clock::now() + spinTime();
      for (int i = 0; queued_.load(std::memory_order_acquire) == 0; ++i) {
        cpuRelax();
        if ((i & 63) == 63 && std::chrono::steady_clock::now() > deadline) break;
      }
    }
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++sleeping_;
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      --sleeping_;
      if (stopping_) return;
      job = queue_.front();
    }
    if (!runOneChunk(*job)) retire(job);  // every chunk is claimed: stop offering this job
  }
}

void ThreadPool::parallelFor(int64_t count, int64_t grain, const RangeFn& fn) {
  if (count <= 0) return;
  grain = std::max<int64_t>(1, grain);
  int64_t chunks = (count + grain - 1) / grain;
  if (chunks == 1 || workers_.empty()) {
    fn(0, count);
    return;
  }
  auto job = std::make_shared<Job>();
  job->fn = &fn;
  job->count = count;
  job->grain = grain;
  job->chunks = chunks;
  job->unfinished = chunks;
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(job);
    queued_.fetch_add(1, std::memory_order_release);
    wake = sleeping_ > 0;
  }
  if (wake) wake_.notify_all();
  while (runOneChunk(*job)) {
  }
  retire(job);
  {
    std::unique_lock<std::mutex> lock(job->mutex);
    job->finished.wait(lock, [&] { return job->unfinished.load() == 0; });
  }
  if (job->error) std::rethrow_exception(job->error);
}

}  // namespace kiln::cpu
